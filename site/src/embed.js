/*! KYC-VS embed loader. <script src="https://SERVICE/embed.js[?onload=fnName]" async></script>
 * then either <kycvs-check entity="ent_…" nonce="…"></kycvs-check> (any framework),
 * <div data-kycvs-entity="ent_…" data-kycvs-nonce="…" data-kycvs-callback="fnName"></div>,
 * or KYCVS.render(el, {entity, nonce, lang, theme, timeout, responseField,
 * onResult, onError, onExpired, onShown, onReady}).
 * Several travellers: {entity, travellers: [{nonce}, …]} (up to 6), or
 * data-kycvs-nonces / nonces="N1 N2 N3"; onResult then gets an array in the
 * travellers' order, [{status, token, exp} | {error}].
 * onError gets {code, fatal}: the codes of docs/API.md ("The host page's
 * error codes"), also when the widget does not show (unregistered origin,
 * the network, this page's CSP). KYCVS.ready(cb) or ?onload=fnName: call
 * when the loader is there. Defines no global but KYCVS (and the element). */
(function () {
  'use strict';
  if (window.KYCVS && window.KYCVS.version) return;

  var me = document.currentScript || document.querySelector('script[src*="/embed.js"]');
  var src = new URL(me && me.src ? me.src : location.href);
  // The service origin is wherever this script came from; messages are
  // accepted from it alone.
  var SERVICE = src.origin;
  var WORKER = '__WORKER_JS__';
  // The widget's languages (worker/page's), each with the frame's title in it.
  var LANGS = { en: 'Vaccination status check', hi: 'टीकाकरण स्थिति की जाँच', ur: 'ویکسینیشن کی حالت کی جانچ', bn: 'টিকাকরণের অবস্থা যাচাই',
    mr: 'लसीकरण स्थितीची तपासणी', gu: 'રસીકરણ સ્થિતિની ચકાસણી', pa: 'ਟੀਕਾਕਰਨ ਸਥਿਤੀ ਦੀ ਜਾਂਚ', ta: 'தடுப்பூசி நிலை சரிபார்ப்பு',
    te: 'టీకా స్థితి తనిఖీ', kn: 'ಲಸಿಕೆ ಸ್ಥಿತಿ ಪರಿಶೀಲನೆ', ml: 'വാക്സിനേഷൻ നില പരിശോധന', or: 'ଟିକାକରଣ ସ୍ଥିତି ଯାଞ୍ଚ', as: 'টিকাকৰণৰ স্থিতি পৰীক্ষা' };
  var THEMES = { auto: 1, light: 1, dark: 1 };
  // A widget that has not said "shown" this long after its frame loaded (or
  // after `timeout` without a load) is diagnosed and reported.
  var GRACE = 1500, TIMEOUT = 10000;
  var widgets = new Map();

  function newId() {
    var a = new Uint8Array(9);
    crypto.getRandomValues(a);
    return 'kycvs-' + Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }

  // pickLang is the host's language (the lang option or data-kycvs-lang,
  // else <html lang>) if the widget speaks it, else '': the widget then
  // follows the browser's Accept-Language.
  function pickLang(l) {
    l = String(l || document.documentElement.lang || '').toLowerCase().split('-')[0];
    return LANGS.hasOwnProperty(l) ? l : '';
  }

  // browserLang is the first of the browser's languages the widget speaks.
  function browserLang() {
    var ls = navigator.languages || [navigator.language];
    for (var i = 0; i < ls.length; i++) {
      var l = String(ls[i]).toLowerCase().split('-')[0];
      if (LANGS.hasOwnProperty(l)) return l;
    }
    return 'en';
  }

  function call(fn, arg) {
    if (typeof fn === 'function') {
      try { fn(arg); } catch (e) { setTimeout(function () { throw e; }); }
    }
  }

  // nonces of a check: one per traveller.
  function noncesOf(o) {
    return o.travellers ? o.travellers.map(function (t) { return t.nonce; }) : [o.nonce];
  }

  // checkTravellers copies travellers: 1 to 6 {nonce}, each a string and
  // none twice.
  function checkTravellers(ts) {
    if (!Array.isArray(ts) || ts.length < 1 || ts.length > 6) throw new TypeError('KYCVS.render: travellers must be 1 to 6 {nonce}');
    return ts.map(function (t, i) {
      var n = t && t.nonce;
      if (typeof n !== 'string' || !n) throw new TypeError('KYCVS.render: traveller ' + (i + 1) + ' has no nonce');
      if (ts.slice(0, i).some(function (u) { return u.nonce === n; })) throw new TypeError('KYCVS.render: two travellers have the same nonce');
      return { nonce: n };
    });
  }

  function widgetURL(w) {
    var o = w.opts;
    var q = new URLSearchParams({ entity: o.entity });
    noncesOf(o).forEach(function (n) { q.append('nonce', n); });
    var lang = pickLang(o.lang); // none: the widget follows the browser (Accept-Language)
    if (lang) q.append('lang', lang);
    q.append('wid', w.id); q.append('origin', location.origin);
    if (o.theme !== 'auto') q.append('theme', o.theme);
    return SERVICE + '/widget?' + q.toString();
  }

  function mount(w) {
    var o = w.opts;
    var f = document.createElement('iframe');
    f.src = widgetURL(w);
    f.title = LANGS[pickLang(o.lang) || browserLang()];
    f.allow = 'otp-credentials';
    f.setAttribute('data-kycvs-widget', w.id);
    f.style.cssText = 'border:0;display:block;width:100%;max-width:520px;height:400px;background:transparent';
    unwatch(w);
    w.iframe = f;
    w.done = false;
    w.shown = false;
    w.failed = false;
    w.result = null;
    w.fields = [];
    var kids = [f];
    if (o.responseField) {
      // One hidden input per traveller (one for a single check), filled
      // with the token when a result comes and emptied when it expires: a
      // server-rendered form posts it with the rest.
      noncesOf(o).forEach(function () {
        var i = document.createElement('input');
        i.type = 'hidden';
        i.name = o.responseField;
        w.fields.push(i);
        kids.push(i);
      });
    }
    // Loaded but not shown after GRACE: a refusal (the origin, the entity,
    // the nonce) is reported then; anything else only at the timeout.
    w.onload = function () {
      clearTimeout(w.grace);
      if (!w.shown) w.grace = setTimeout(function () { diagnose(w, false); }, GRACE);
    };
    f.addEventListener('load', w.onload);
    w.timer = setTimeout(function () { diagnose(w, true); }, o.timeout);
    w.el.replaceChildren.apply(w.el, kids);
    observe();
  }

  // unwatch stops a widget's timers and its frame's listener.
  function unwatch(w) {
    clearTimeout(w.timer);
    clearTimeout(w.grace);
    clearTimeout(w.expiry);
    if (w.iframe && w.onload) w.iframe.removeEventListener('load', w.onload);
    w.timer = w.grace = w.expiry = 0;
  }

  // diagnose explains a widget that did not show: the browser tells a page
  // nothing about a frame it refused to render, so the loader asks the
  // widget page again with HEAD, whose status any origin may read. Before
  // the timeout (final false) only a refusal is reported.
  function diagnose(w, final) {
    var frame = w.iframe;
    if (w.shown || w.failed || !frame) return;
    fetch(widgetURL(w), { method: 'HEAD', mode: 'cors', credentials: 'omit', cache: 'no-store' }).then(function (r) {
      return { 404: 'unknown_entity', 403: 'invalid_origin', 400: 'invalid_nonce' }[r.status] ||
        (r.status >= 500 ? 'unavailable' : 'widget_timeout');
    }, function () { return 'network'; }).then(function (code) {
      if (w.shown || w.failed || w.iframe !== frame || !widgets.has(w.id)) return;
      if (code === 'widget_timeout' && !final) return;
      unwatch(w);
      fatal(w, code);
    });
  }

  function fatal(w, code) {
    w.failed = true;
    var e = { code: code, fatal: true };
    call(w.opts.onError, e);
    emit(w, 'error', e);
  }

  // A frame of ours refused by this page's Content-Security-Policy: said at
  // once, not after the timeout.
  document.addEventListener('securitypolicyviolation', function (ev) {
    if (String(ev.blockedURI).indexOf(SERVICE) !== 0) return;
    widgets.forEach(function (w) { if (!w.shown && !w.failed) { unwatch(w); fatal(w, 'csp_blocked'); } });
  });

  function optsFrom(opts) {
    opts = Object.assign({}, opts);
    if (opts.travellers != null) {
      if (opts.nonce) throw new TypeError('KYCVS.render: give nonce or travellers, not both');
      opts.travellers = checkTravellers(opts.travellers);
    }
    if (!opts.entity || !(opts.nonce || opts.travellers)) throw new TypeError('KYCVS.render: entity and nonce (or travellers) are required');
    opts.theme = THEMES[opts.theme] ? opts.theme : 'auto';
    opts.timeout = opts.timeout > 0 ? Number(opts.timeout) : TIMEOUT;
    opts.responseField = opts.responseField ? String(opts.responseField) : '';
    return opts;
  }

  function render(el, opts) {
    if (typeof el === 'string') el = document.querySelector(el);
    if (!el || el.nodeType !== 1) throw new TypeError('KYCVS.render: not an element');
    opts = optsFrom(opts);
    var old = find(el);
    if (old) remove(old);
    var w = {
      id: newId(), el: el, opts: opts, iframe: null, expiry: 0, timer: 0, done: false, shown: false, failed: false,
      result: null, fields: [], attached: el.isConnected
    };
    widgets.set(w.id, w);
    mount(w);
    w.handle = Object.freeze({
      id: w.id,
      element: el,
      reset: function (more) { reset(w, more); },
      remove: function () { remove(w); },
      getResult: function () { return w.result; },
      isExpired: function () { return expired(w); }
    });
    return w.handle;
  }

  // expired: a result came and its (first) token has expired.
  function expired(w) {
    return !!w.result && w.exp * 1000 <= Date.now();
  }

  function find(x) {
    var found = null;
    widgets.forEach(function (w) { if (w.handle === x || w.el === x || w.id === x) found = w; });
    return found;
  }

  // reset starts over in the same element; a host that already consumed
  // its nonce passes a fresh one: handle.reset({nonce}), or fresh ones for
  // its travellers: handle.reset({travellers}).
  function reset(w, more) {
    if (!widgets.has(w.id)) return;
    if (more && more.travellers && w.opts.travellers) w.opts.travellers = checkTravellers(more.travellers);
    else if (more && more.nonce && !w.opts.travellers) w.opts.nonce = more.nonce;
    w.failed = false;
    mount(w);
  }

  function remove(w) {
    if (!widgets.has(w.id)) return;
    unwatch(w);
    widgets.delete(w.id);
    if (w.iframe) w.iframe.remove();
    w.fields.forEach(function (i) { i.remove(); });
    w.iframe = null;
    w.fields = [];
    observe();
  }

  // One MutationObserver, while any widget lives, removes the widgets whose
  // element left the document: a framework that drops the element (React,
  // Vue, a router) leaves nothing behind. An element moved within one task
  // is still connected when the observer runs, and is kept; one rendered
  // before it was attached counts only once it has been in the document.
  var observer = null;
  function observe() {
    if (widgets.size && !observer && window.MutationObserver) {
      observer = new MutationObserver(sweep);
      observer.observe(document, { childList: true, subtree: true });
    } else if (!widgets.size && observer) {
      observer.disconnect();
      observer = null;
    }
  }
  function sweep() {
    widgets.forEach(function (w) {
      if (w.el.isConnected) w.attached = true;
      else if (w.attached) remove(w);
    });
  }

  function emit(w, type, detail) {
    w.el.dispatchEvent(new CustomEvent('kycvs:' + type, { bubbles: true, detail: detail }));
  }

  function isToken(x) {
    return !!x && [0, 1, 2].indexOf(x.status) >= 0 && typeof x.token === 'string' && typeof x.exp === 'number';
  }

  // deliver hands r to the host once; onExpired follows at exp (the first
  // token's to expire), if any token came. The hidden fields get the tokens
  // (a traveller without one: empty) until then.
  function deliver(w, r, exp) {
    var o = w.opts;
    w.done = true;
    w.result = r;
    w.exp = exp;
    var rs = Array.isArray(r) ? r : [r];
    w.fields.forEach(function (f, i) { f.value = (rs[i] && rs[i].token) || ''; });
    if (exp !== Infinity) {
      w.expiry = setTimeout(function () {
        w.fields.forEach(function (f) { f.value = ''; });
        call(o.onExpired, r);
        emit(w, 'expired', r);
      }, Math.max(0, exp * 1000 - Date.now()));
    }
    call(o.onResult, r);
    emit(w, 'result', r);
  }

  window.addEventListener('message', function (ev) {
    // Only the service origin, only a frame we made, only its own widget id:
    // anything else (another frame, the host itself, a stale iframe) is ignored.
    if (ev.origin !== SERVICE) return;
    var d = ev.data;
    if (!d || typeof d !== 'object' || d.kycvs !== 1 || typeof d.wid !== 'string') return;
    var w = widgets.get(d.wid);
    if (!w || !w.iframe || ev.source !== w.iframe.contentWindow) return;
    var o = w.opts;
    switch (d.type) {
      case 'resize':
        var h = Number(d.height);
        if (h >= 80 && h <= 4000) w.iframe.style.height = Math.ceil(h) + 'px';
        break;
      case 'shown':
        w.shown = true;
        clearTimeout(w.timer);
        clearTimeout(w.grace);
        call(o.onShown, { id: w.id });
        emit(w, 'shown', { id: w.id });
        break;
      case 'ready':
        call(o.onReady, { id: w.id });
        emit(w, 'ready', { id: w.id });
        break;
      case 'result':
        if (w.done || !isToken(d)) return;
        var r = { status: d.status, token: d.token, exp: d.exp };
        // A host that asked for travellers always gets an array, also of one.
        deliver(w, o.travellers ? [r] : r, d.exp);
        break;
      case 'results':
        // A family check's: one result per traveller, in their order, each
        // a token the module verified with that traveller's nonce or the
        // traveller's error code.
        if (w.done || !o.travellers || !Array.isArray(d.results) || d.results.length !== o.travellers.length) return;
        var rs = [], exp = Infinity;
        for (var i = 0; i < d.results.length; i++) {
          var x = d.results[i];
          if (x && typeof x.error === 'string' && x.error) { rs.push({ error: x.error }); continue; }
          if (!isToken(x)) return;
          rs.push({ status: x.status, token: x.token, exp: x.exp });
          exp = Math.min(exp, x.exp);
        }
        deliver(w, rs, exp);
        break;
      case 'error':
        var e = { code: typeof d.code === 'string' && d.code ? d.code : 'internal', fatal: d.fatal === true };
        call(o.onError, e);
        emit(w, 'error', e);
        break;
    }
  });

  // --- KYCVS.verify: the same Go module, in a worker on the host page -----
  var verifier = null;
  function startVerifier() {
    if (verifier) return verifier;
    var boot = 'self.KYCVS_BASE=' + JSON.stringify(SERVICE) + ';importScripts(' + JSON.stringify(SERVICE + WORKER) + ');';
    var url = URL.createObjectURL(new Blob([boot], { type: 'text/javascript' }));
    var worker = new Worker(url);
    var seq = 0, pending = new Map();
    var ready = new Promise(function (res, rej) {
      worker.onmessage = function (ev) {
        var d = ev.data || {};
        if ('ready' in d) { URL.revokeObjectURL(url); if (d.ready) res(); else rej(new Error(d.error)); return; }
        var p = pending.get(d.id);
        if (!p) return;
        pending.delete(d.id);
        if (d.ok) p.resolve(d.value); else p.reject(Object.assign(new Error(d.error.message), d.error));
      };
      worker.onerror = function (ev) { rej(new Error(ev.message || 'KYCVS verifier failed to load')); };
    });
    verifier = function (method, args) {
      return ready.then(function () {
        return new Promise(function (resolve, reject) {
          var id = ++seq;
          pending.set(id, { resolve: resolve, reject: reject });
          worker.postMessage({ id: id, method: method, args: args });
        });
      });
    };
    return verifier;
  }

  function verify(token, expect) {
    expect = expect || {};
    if (!expect.entity || !expect.nonce) return Promise.reject(new TypeError('KYCVS.verify: entity and nonce are required'));
    return startVerifier()('verify', [String(token), { entity: expect.entity, nonce: expect.nonce }]);
  }

  function scan(root) {
    (root || document).querySelectorAll('[data-kycvs-entity]').forEach(function (el) {
      if (find(el)) return;
      var ds = el.dataset;
      var named = function (n) { return n ? function (a) { call(window[n], a); } : null; };
      var travellers = ds.kycvsNonces ? ds.kycvsNonces.trim().split(/\s+/).map(function (n) { return { nonce: n }; }) : null;
      render(el, {
        entity: ds.kycvsEntity, nonce: travellers ? undefined : ds.kycvsNonce, travellers: travellers, lang: ds.kycvsLang,
        theme: ds.kycvsTheme, timeout: Number(ds.kycvsTimeout) || 0,
        responseField: ds.kycvsResponseField != null ? ds.kycvsResponseField || 'kycvs-response' : '',
        onResult: named(ds.kycvsCallback), onError: named(ds.kycvsErrorCallback),
        onExpired: named(ds.kycvsExpiredCallback), onShown: named(ds.kycvsShownCallback), onReady: named(ds.kycvsReadyCallback)
      });
    });
  }

  // --- <kycvs-check>: the same widget as a custom element ----------------
  // Attributes: entity, nonce | nonces ("N1 N2"), lang, theme, timeout,
  // response-field. Events: kycvs:shown, kycvs:ready, kycvs:result,
  // kycvs:error, kycvs:expired (bubbling). Methods: reset(), getResult(),
  // isExpired(). It renders when connected and removes itself when
  // disconnected, so frameworks need nothing but the tag; a changed nonce
  // starts the check over.
  var ATTRS = ['entity', 'nonce', 'nonces', 'lang', 'theme', 'timeout', 'response-field'];
  var Check = window.customElements && window.HTMLElement ? (function () {
    function C() { return Reflect.construct(HTMLElement, [], C); }
    C.prototype = Object.create(HTMLElement.prototype, { constructor: { value: C, writable: true, configurable: true } });
    Object.setPrototypeOf(C, HTMLElement);
    Object.defineProperty(C, 'observedAttributes', { get: function () { return ATTRS; } });
    C.prototype.connectedCallback = function () {
      var self = this;
      // Attributes set right after insertion (frameworks) count: render in
      // a microtask, once.
      if (self.kycvsPending) return;
      self.kycvsPending = true;
      Promise.resolve().then(function () { self.kycvsPending = false; if (self.isConnected) self.kycvsRender(); });
    };
    C.prototype.disconnectedCallback = function () {
      var w = find(this);
      if (w) remove(w);
    };
    C.prototype.attributeChangedCallback = function (name, was, now) {
      if (name === 'nonce') {
        if (!now) return; // emptied by nonce hiding: the value is kept
        this.kycvsNonce = now;
      }
      if (was === now || !this.isConnected || this.kycvsPending) return;
      if (!find(this) || name === 'nonce' || name === 'nonces') this.kycvsRender();
    };
    C.prototype.kycvsRender = function () {
      var a = function (el, n) { return el.getAttribute(n); };
      var ns = a(this, 'nonces');
      var o = {
        entity: a(this, 'entity'), lang: a(this, 'lang'), theme: a(this, 'theme'), timeout: Number(a(this, 'timeout')) || 0,
        responseField: this.hasAttribute('response-field') ? a(this, 'response-field') || 'kycvs-response' : ''
      };
      if (ns) o.travellers = ns.trim().split(/\s+/).map(function (n) { return { nonce: n }; });
      else o.nonce = this.nonce;
      if (!o.entity || !(o.nonce || o.travellers)) return; // waits for its attributes
      render(this, o);
    };
    // nonce is also HTMLElement's property (CSP nonces): React 19 and Vue
    // set it as a property, and a page whose CSP came in a header empties
    // the attribute once the element is connected ("nonce hiding"). The
    // element keeps its own copy, read by kycvsRender.
    var base = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'nonce');
    Object.defineProperty(C.prototype, 'nonce', {
      configurable: true,
      get: function () { return this.kycvsNonce || (base && base.get ? base.get.call(this) : this.getAttribute('nonce')) || ''; },
      set: function (v) {
        v = v == null ? '' : String(v);
        if (v === this.kycvsNonce) return;
        this.kycvsNonce = v;
        if (this.isConnected && !this.kycvsPending && v) this.kycvsRender();
      }
    });
    C.prototype.reset = function (more) {
      var w = find(this);
      if (more && more.nonce) this.kycvsNonce = String(more.nonce);
      if (w) reset(w, more);
    };
    C.prototype.getResult = function () { var w = find(this); return w ? w.result : null; };
    C.prototype.isExpired = function () { var w = find(this); return !!w && expired(w); };
    return C;
  })() : null;

  window.KYCVS = Object.freeze({
    version: 1,
    origin: SERVICE,
    render: render,
    verify: verify,
    scan: scan,
    reset: function (x, more) { var w = find(x); if (w) reset(w, more); },
    remove: function (x) { var w = find(x); if (w) remove(w); },
    getResult: function (x) { var w = find(x); return w ? w.result : null; },
    isExpired: function (x) { var w = find(x); return !!w && expired(w); },
    // ready calls cb(KYCVS) once the loader is there: asynchronously, always.
    ready: function (cb) { if (typeof cb === 'function') setTimeout(function () { call(cb, window.KYCVS); }); },
    // count is how many widgets are live: what the page holds on to.
    count: function () { return widgets.size; }
  });
  if (Check && !customElements.get('kycvs-check')) customElements.define('kycvs-check', Check);

  function start() {
    scan();
    var onload = src.searchParams.get('onload');
    if (onload && /^[A-Za-z_$][\w$]*$/.test(onload)) window.KYCVS.ready(window[onload]);
  }
  if (document.readyState === 'loading') {
    // The elements parsed so far start now (their widgets load while the
    // rest of the page does), the others at DOMContentLoaded.
    scan();
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
