/*! KYC-VS embed loader. <script src="https://SERVICE/embed.js" async></script>
 * then either <div data-kycvs-entity="ent_…" data-kycvs-nonce="…"
 * data-kycvs-lang="hi" data-kycvs-callback="fnName"></div>, or
 * KYCVS.render(el, {entity, nonce, lang, onResult, onError, onExpired, onShown, onReady}).
 * Several travellers: {entity, travellers: [{nonce}, …]} (up to 6), or
 * data-kycvs-nonces="N1 N2 N3"; onResult then gets an array in the
 * travellers' order, [{status, token, exp} | {error}].
 * onShown: the form is on screen and accepts input; onReady: the module has
 * started too (a submit before that waits for it).
 * Defines no global but KYCVS. */
(function () {
  'use strict';
  if (window.KYCVS && window.KYCVS.version) return;

  var me = document.currentScript || document.querySelector('script[src$="/embed.js"]');
  // The service origin is wherever this script came from; messages are
  // accepted from it alone.
  var SERVICE = new URL(me && me.src ? me.src : location.href).origin;
  var WORKER = '__WORKER_JS__';
  // The widget's languages (worker/page's), each with the frame's title in it.
  var LANGS = { en: 'Vaccination status check', hi: 'टीकाकरण स्थिति की जाँच', ur: 'ویکسینیشن کی حالت کی جانچ', bn: 'টিকাকরণের অবস্থা যাচাই',
    mr: 'लसीकरण स्थितीची तपासणी', gu: 'રસીકરણ સ્થિતિની ચકાસણી', pa: 'ਟੀਕਾਕਰਨ ਸਥਿਤੀ ਦੀ ਜਾਂਚ', ta: 'தடுப்பூசி நிலை சரிபார்ப்பு',
    te: 'టీకా స్థితి తనిఖీ', kn: 'ಲಸಿಕೆ ಸ್ಥಿತಿ ಪರಿಶೀಲನೆ', ml: 'വാക്സിനേഷൻ നില പരിശോധന', or: 'ଟିକାକରଣ ସ୍ଥିତି ଯାଞ୍ଚ', as: 'টিকাকৰণৰ স্থিতি পৰীক্ষা' };
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

  function mount(w) {
    var o = w.opts;
    var lang = pickLang(o.lang);
    var q = new URLSearchParams({ entity: o.entity });
    noncesOf(o).forEach(function (n) { q.append('nonce', n); });
    if (lang) q.append('lang', lang);
    q.append('wid', w.id); q.append('origin', location.origin);
    var f = document.createElement('iframe');
    f.src = SERVICE + '/widget?' + q.toString();
    f.title = LANGS[lang || browserLang()];
    f.allow = 'otp-credentials';
    f.setAttribute('data-kycvs-widget', w.id);
    f.style.cssText = 'border:0;display:block;width:100%;max-width:520px;height:400px;background:transparent';
    clearTimeout(w.expiry);
    w.iframe = f;
    w.done = false;
    w.el.replaceChildren(f);
  }

  function render(el, opts) {
    if (typeof el === 'string') el = document.querySelector(el);
    if (!el || el.nodeType !== 1) throw new TypeError('KYCVS.render: not an element');
    opts = Object.assign({}, opts);
    if (opts.travellers != null) {
      if (opts.nonce) throw new TypeError('KYCVS.render: give nonce or travellers, not both');
      opts.travellers = checkTravellers(opts.travellers);
    }
    if (!opts.entity || !(opts.nonce || opts.travellers)) throw new TypeError('KYCVS.render: entity and nonce (or travellers) are required');
    var old = find(el);
    if (old) remove(old);
    var w = { id: newId(), el: el, opts: opts, iframe: null, expiry: 0, done: false };
    widgets.set(w.id, w);
    mount(w);
    w.handle = {
      id: w.id,
      element: el,
      reset: function (more) { reset(w, more); },
      remove: function () { remove(w); }
    };
    return w.handle;
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
    mount(w);
  }

  function remove(w) {
    if (!widgets.has(w.id)) return;
    clearTimeout(w.expiry);
    widgets.delete(w.id);
    if (w.iframe) w.iframe.remove();
    w.iframe = null;
  }

  function emit(w, type, detail) {
    w.el.dispatchEvent(new CustomEvent('kycvs:' + type, { bubbles: true, detail: detail }));
  }

  function isToken(x) {
    return !!x && [0, 1, 2].indexOf(x.status) >= 0 && typeof x.token === 'string' && typeof x.exp === 'number';
  }

  // deliver hands r to the host once; onExpired follows at exp (the first
  // token's to expire), if any token came.
  function deliver(w, r, exp) {
    var o = w.opts;
    w.done = true;
    if (exp !== Infinity) {
      w.expiry = setTimeout(function () { call(o.onExpired, r); emit(w, 'expired', r); }, Math.max(0, exp * 1000 - Date.now()));
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
        var e = { code: String(d.code || 'error') };
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
        onResult: named(ds.kycvsCallback), onError: named(ds.kycvsErrorCallback),
        onExpired: named(ds.kycvsExpiredCallback), onShown: named(ds.kycvsShownCallback), onReady: named(ds.kycvsReadyCallback)
      });
    });
  }

  window.KYCVS = Object.freeze({
    version: 1,
    origin: SERVICE,
    render: render,
    verify: verify,
    scan: scan,
    reset: function (x, more) { var w = find(x); if (w) reset(w, more); },
    remove: function (x) { var w = find(x); if (w) remove(w); }
  });

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { scan(); });
  else scan();
})();
