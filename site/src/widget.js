// widget.js: the script of the widget page (/widget, service origin). It
// drives the form; the Go module in worker.js talks to the API and checks
// the token. A result reaches the host page only after the module accepted
// it, and only through postMessage to the entity's registered origin that
// the server put in data-origin (the page's CSP lets no other origin frame
// it).
'use strict';
(function () {
  // --- the module, in a worker -------------------------------------------
  // Made as this script runs: it is the first thing in the page's head
  // (async, before the stylesheet), so the module is fetched, compiled and
  // started while the page is parsed and styled. (The bench also runs it
  // deferred, as before: onPage waits for the DOM and the stylesheet
  // either way.)
  var me = document.currentScript;
  var seq = 0;
  var pending = new Map();
  var worker;
  var readyMs = 0;
  var onReady, onReadyFail;
  var ready = new Promise(function (res, rej) { onReady = res; onReadyFail = rej; });
  try {
    worker = new Worker(me.dataset.worker);
    worker.onmessage = function (ev) {
      var d = ev.data || {};
      if ('ready' in d) {
        if (d.ready) { readyMs = d.ms; onReady(); } else { onReadyFail(new Error(d.error)); }
        return;
      }
      var p = pending.get(d.id);
      if (!p) return;
      pending.delete(d.id);
      if (d.ok) p.resolve(d.value);
      else p.reject(Object.assign(new Error(d.error.message), d.error));
    };
    worker.onerror = function (ev) { onReadyFail(new Error(ev.message || 'worker failed')); };
  } catch (e) {
    onReadyFail(e);
  }
  ready.catch(function () {}); // handled by the page, which may come later
  function rpc(method, args) {
    return new Promise(function (resolve, reject) {
      var id = ++seq;
      pending.set(id, { resolve: resolve, reject: reject });
      worker.postMessage({ id: id, method: method, args: args });
    });
  }
  // --- the page: once parsed and styled ---------------------------------
  onPage(function () {
    var body = document.body;
    var cfg = body.dataset;
    var S = JSON.parse(document.getElementById('kycvs-strings').textContent);
    var $ = function (id) { return document.getElementById(id); };

    function fmt(key, vars) {
      return (S[key] || key).replace(/\{(\w+)\}/g, function (m, k) {
        return vars && Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : m;
      });
    }

    // What the host page may be told of an error: a code of its vocabulary
    // (docs/API.md, "The host page's error codes"; the server lists them in
    // data-codes). A name that matched nobody on the number is a fact of the
    // registry the person did not choose to share: the host hears
    // not_verified. fatal: the widget cannot go on without the host.
    var HOST_CODES = {};
    String(cfg.codes || '').split(' ').forEach(function (c) { HOST_CODES[c] = 1; });
    var FATAL = /^(unknown_entity|invalid_origin|invalid_nonce|module_unavailable|misconfigured|entity_misconfigured|token_.*)$/;
    function hostCode(e) {
      var c = (e && e.code) || '';
      var st = (e && e.httpStatus) || 0;
      if (c === 'name_mismatch' || c === 'beneficiary_not_found') return 'not_verified';
      if (c === 'dev_keys_off_loopback' || c === 'origin_not_allowed') return 'misconfigured';
      if (HOST_CODES[c] === 1) return c;
      return st >= 500 ? 'unavailable' : 'internal';
    }
    function tellError(e) {
      var c = hostCode(e);
      tell({ type: 'error', code: c, fatal: FATAL.test(c) });
      return c;
    }

    // Tell the host page something. targetOrigin is the registered origin,
    // never '*': a token must not leak to whatever has navigated the parent.
    function tell(msg) {
      if (window.parent === window) return;
      msg.kycvs = 1;
      msg.wid = cfg.wid;
      window.parent.postMessage(msg, cfg.origin);
    }

    // The form is usable before the module is: a person typing a mobile
    // number takes longer than the module takes to start, and a submit made
    // earlier simply waits here.
    // One nonce per traveller: more than one makes this a family check.
    var nonces = String(cfg.nonce || '').split(' ');
    var family = nonces.length > 1;
    var moduleReady = ready.then(function () {
      return rpc('init', [{ entity: cfg.entity, nonce: nonces[0], nonces: nonces, lang: cfg.lang }]);
    }).catch(function (e) {
      throw Object.assign(e instanceof Error ? e : new Error(String(e)), { code: 'module_unavailable' });
    });
    function call(method) {
      var args = Array.prototype.slice.call(arguments, 1);
      return moduleReady.then(function () { return rpc(method, args); });
    }

    // --- UI helpers ----------------------------------------------------------
    var live = $('live'), error = $('error');
    function say(key, vars) { error.textContent = ''; live.textContent = key ? fmt(key, vars) : ''; }
    function fail(key, vars, field) {
      live.textContent = '';
      error.textContent = fmt(key, vars);
      if (field) { field.setAttribute('aria-invalid', 'true'); field.setAttribute('aria-errormessage', 'error'); field.focus(); }
    }
    function clearInvalid() {
      document.querySelectorAll('[aria-invalid]').forEach(function (el) {
        el.removeAttribute('aria-invalid'); el.removeAttribute('aria-errormessage');
      });
    }
    function show(id) {
      ['start', 'otp', 'done', 'travellers', 'codes', 'agree'].forEach(function (s) { if ($(s)) $(s).hidden = s !== id; });
      body.dataset.state = id;
    }
    // People type digits in their own script; the API wants ASCII.
    function asciiDigits(s) {
      return s.replace(/[\u0966-\u096F\u09E6-\u09EF\u0660-\u0669\u06F0-\u06F9]/g, function (c) {
        var u = c.charCodeAt(0);
        var zero = u >= 0x06F0 && u <= 0x06F9 ? 0x06F0 : u >= 0x0660 && u <= 0x0669 ? 0x0660 : u >= 0x09E6 ? 0x09E6 : 0x0966;
        return String(u - zero);
      });
    }

    var mobile = $('mobile'), name = $('name'), code = $('code'), consent = $('consent');
    var send = $('send'), verify = $('verify'), resend = $('resend');
    var txn = '', person = null;
    var resendTimer = 0, expiryTimer = 0, otpAbort = null;

    function stopTimers() {
      clearInterval(resendTimer); clearInterval(expiryTimer);
      if (otpAbort) { otpAbort.abort(); otpAbort = null; }
    }

    // Waits over two minutes read better in minutes.
    function waitText(key, s) {
      return s >= 120 ? fmt(key + '_min', { m: Math.ceil(s / 60) }) : fmt(key, { s: s });
    }

    function countdown(seconds, tick, done) {
      var end = Date.now() + seconds * 1000;
      function step() {
        var left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
        tick(left);
        if (left === 0) { clearInterval(id); done(); }
      }
      var id = setInterval(step, 250);
      step();
      return id;
    }

    function started(r) {
      txn = r.txn;
      stopTimers();
      $('otp-sent').textContent = fmt('otp_sent', { last: person.mobile.slice(-4) });
      code.value = '';
      show('otp');
      say('sent');
      code.focus();
      resend.disabled = true;
      resendTimer = countdown(r.resendIn, function (s) {
        $('resend-timer').textContent = s > 0 ? waitText('resend_in', s) : '';
      }, function () { resend.disabled = false; });
      expiryTimer = countdown(r.expiresIn, function (s) {
        $('otp-timer').textContent = s > 0 ? fmt('expires_in', { s: s }) : '';
      }, function () {
        body.dataset.otp = 'expired';
        fail('err_otp_expired');
      });
      body.dataset.otp = 'live';
      webOTP();
    }

    // WebOTP fills the code from the SMS's "@host #123456" line where the
    // browser supports it (Android Chrome, iframe allow="otp-credentials").
    function webOTP() {
      if (!('OTPCredential' in window) || !navigator.credentials) return;
      otpAbort = new AbortController();
      navigator.credentials.get({ otp: { transport: ['sms'] }, signal: otpAbort.signal })
        .then(function (c) { if (c && c.code && !code.value) code.value = c.code; })
        .catch(function () {});
    }

    function handle(e) {
      var c = (e && e.code) || '';
      var st = (e && e.httpStatus) || 0;
      send.disabled = false; verify.disabled = false;
      var hc = tellError(e);
      if (c.indexOf('token_') === 0) {
        // The module refused what the service returned: the host hears why,
        // and gets no token.
        fail('err_' + hc);
        return;
      }
      if (c === 'otp_incorrect' || st === 401) {
        if (e.attemptsLeft === 0) { backToStart(); fail('err_otp_locked'); return; }
        code.value = '';
        fail('err_otp_incorrect', { n: e.attemptsLeft == null ? '?' : e.attemptsLeft }, code);
        return;
      }
      if (c === 'otp_locked') { backToStart(); fail('err_otp_locked'); return; }
      if (c === 'otp_superseded') { code.value = ''; fail('err_otp_superseded', null, code); return; }
      if (st === 410) {
        // Expired, already used or unknown: the way on is a new code.
        body.dataset.otp = 'expired'; fail('err_otp_expired');
        clearInterval(resendTimer); $('resend-timer').textContent = ''; resend.disabled = false;
        return;
      }
      if (st === 422 || c === 'name_mismatch') { backToStart(); fail('err_name_mismatch', null, name); return; }
      if (st === 429) {
        var wait = e.retryAfter || 30;
        live.textContent = '';
        error.textContent = waitText('err_rate', wait);
        if (body.dataset.state === 'otp') {
          clearInterval(resendTimer);
          resendTimer = countdown(wait, function (s) {
            $('resend-timer').textContent = s > 0 ? waitText('resend_in', s) : '';
          }, function () { resend.disabled = false; });
        }
        return;
      }
      if (c === 'invalid_mobile') { backToStart(); fail('err_' + c, null, mobile); return; }
      if (c === 'invalid_name') { backToStart(); fail('err_' + c, null, name); return; }
      if (S['err_' + hc] && hc !== 'internal') { fail('err_' + hc); return; }
      if (st === 400) { fail('err_input'); return; }
      if (st === 403) { fail('err_forbidden'); return; }
      fail('err_generic');
    }

    function backToStart() {
      stopTimers();
      txn = '';
      delete body.dataset.otp;
      show('start');
      send.disabled = false;
    }

    function startOTP() {
      send.disabled = true; resend.disabled = true;
      say('sending');
      return call('start', person).then(started, handle);
    }

    $('start').addEventListener('submit', function (ev) {
      ev.preventDefault();
      clearInvalid();
      var m = asciiDigits(mobile.value).replace(/[\s\-().]/g, '').replace(/^(\+91|0091|0)(?=\d{10}$)/, '');
      var n = name.value.trim().replace(/\s+/g, ' ');
      if (!/^[6-9]\d{9}$/.test(m)) { fail('err_mobile', null, mobile); return; }
      if (!n) { fail('err_name', null, name); return; }
      person = { mobile: m, name: n };
      startOTP();
    });

    resend.addEventListener('click', function () { clearInvalid(); startOTP(); });
    $('change').addEventListener('click', function () { say(''); backToStart(); mobile.focus(); });

    $('otp').addEventListener('submit', function (ev) {
      ev.preventDefault();
      clearInvalid();
      var otp = asciiDigits(code.value).replace(/\s/g, '');
      if (!/^\d{6}$/.test(otp)) { fail('err_otp_format', null, code); return; }
      if (!consent.checked) { fail('err_consent', null, consent); return; }
      verify.disabled = true;
      say('checking');
      call('finish', { txn: txn, otp: otp }).then(function (r) {
        stopTimers();
        $('done-text').textContent = fmt('done_text', { status: S['status_' + r.status] });
        show('done');
        say('');
        live.textContent = $('done-text').textContent;
        $('done').focus();
        tell({ type: 'result', status: r.status, token: r.token, exp: r.exp });
      }, handle);
    });

    // --- a family check: one code per number, a token per traveller ---------
    // The person gives the number and each traveller's name (a traveller
    // registered on another number with that number), gets one code per
    // number, consents for everyone listed, and the module verifies every
    // token before the host page gets the results, in the travellers' order.
    function familyCheck() {
      var N = nonces.length;
      var fsend = $('fsend'), fcontinue = $('fcontinue'), fverify = $('fverify'), fresend = $('fresend');
      var groups = [];  // one per mobile number: {mobile, travellers, idx, txn, code, results}
      var people = [];  // the travellers' names, in order
      var sent = {};    // codes still usable, by mobile and travellers: sending again reuses them
      var timer = 0;

      function parseMobile(v) {
        var m = asciiDigits(v).replace(/[\s\-().]/g, '').replace(/^(\+91|0091|0)(?=\d{10}$)/, '');
        return /^[6-9]\d{9}$/.test(m) ? m : '';
      }
      function same(n) { return n.normalize('NFKC').toLowerCase(); }
      // A name typed in one script inside a sentence of another (a Bengali
      // name in Urdu text) is isolated, so neither reorders the other.
      function isolate(n) { return '\u2068' + n + '\u2069'; }
      function names(g) { return g.idx.map(function (i) { return isolate(people[i]); }).join(S.list_sep || ', '); }

      for (var i = 1; i <= N; i++) {
        (function (k) {
          var box = $('tother-' + k);
          box.addEventListener('change', function () {
            $('tmobile-field-' + k).hidden = !box.checked;
            box.setAttribute('aria-expanded', String(box.checked));
            if (box.checked) $('tmobile-' + k).focus();
          });
        })(i);
      }

      $('travellers').addEventListener('submit', function (ev) {
        ev.preventDefault();
        clearInvalid();
        var main = parseMobile($('fmobile').value);
        if (!main) { fail('err_mobile', null, $('fmobile')); return; }
        var byMobile = {}, order = [];
        people = [];
        for (var k = 1; k <= N; k++) {
          var field = $('tname-' + k);
          var n = field.value.trim().replace(/\s+/g, ' ');
          if (!n) { fail('err_tname', { n: k }, field); return; }
          var m = main;
          if ($('tother-' + k).checked) {
            m = parseMobile($('tmobile-' + k).value);
            if (!m) { fail('err_tmobile', { n: k }, $('tmobile-' + k)); return; }
          }
          var g = byMobile[m];
          if (!g) { g = byMobile[m] = { mobile: m, travellers: [], idx: [] }; order.push(g); }
          if (g.travellers.some(function (t) { return same(t.name) === same(n); })) { fail('err_same_name', null, field); return; }
          g.travellers.push({ name: n, nonce: nonces[k - 1] });
          g.idx.push(k - 1);
          people.push(n);
        }
        groups = order;
        groups.forEach(function (g) { g.key = g.mobile + ' ' + JSON.stringify(g.travellers); });
        sendCodes(groups);
      });

      // Sends the codes of gs one number after the other; a number whose
      // code for the same travellers is still live is not sent again.
      function sendCodes(gs) {
        fsend.disabled = true; fresend.disabled = true;
        say('sending');
        var i = 0;
        function next() {
          if (i >= gs.length) return null;
          var g = gs[i++];
          var prev = sent[g.key];
          if (prev && prev.expiresAt > Date.now() + 20000) {
            Object.assign(g, prev);
            return next();
          }
          return call('startFamily', { mobile: g.mobile, travellers: g.travellers }).then(function (r) {
            var t = { txn: r.txn, expiresAt: Date.now() + r.expiresIn * 1000, resendAt: Date.now() + r.resendIn * 1000 };
            sent[g.key] = t;
            Object.assign(g, t, { code: '', results: null });
            return next();
          });
        }
        Promise.resolve().then(next).then(showCodes, function (e) { fsend.disabled = false; famFail(e); });
      }

      function showCodes() {
        var box = $('code-fields');
        box.replaceChildren();
        groups.forEach(function (g, k) {
          var div = document.createElement('div');
          div.className = 'field';
          var label = document.createElement('label');
          label.htmlFor = 'fcode-' + k;
          label.textContent = fmt('code_for', { last: g.mobile.slice(-4), names: names(g) });
          var input = document.createElement('input');
          Object.assign(input, { id: 'fcode-' + k, type: 'text', inputMode: 'numeric', autocomplete: 'one-time-code', maxLength: 6, dir: 'ltr', value: g.code || '' });
          input.setAttribute('aria-describedby', 'fcode-hint-' + k);
          var hint = document.createElement('p');
          hint.className = 'hint';
          hint.id = 'fcode-hint-' + k;
          div.append(label, input, hint);
          box.append(div);
          if (g.results) { input.disabled = true; hint.textContent = fmt('code_checked'); }
        });
        $('codes-intro').hidden = groups.length < 2;
        show('codes');
        fsend.disabled = false; fcontinue.disabled = false;
        say(groups.length > 1 ? 'sent_many' : 'sent');
        var first = groups.findIndex(function (g) { return !g.results; });
        if (first >= 0) $('fcode-' + first).focus();
        tick();
      }

      // One timer for every number: each code's validity, and when a new
      // code may be asked for (once every number allows it).
      function tick() {
        clearInterval(timer);
        function step() {
          var now = Date.now(), wait = 0;
          groups.forEach(function (g, k) {
            if (g.results) return;
            var s = Math.max(0, Math.ceil((g.expiresAt - now) / 1000));
            var hint = $('fcode-hint-' + k);
            if (hint) hint.textContent = s > 0 ? fmt('expires_in', { s: s }) : fmt('err_otp_expired');
            wait = Math.max(wait, Math.ceil((g.resendAt - now) / 1000));
          });
          fresend.disabled = wait > 0;
          $('fresend-timer').textContent = wait > 0 ? waitText('resend_in', wait) : '';
        }
        timer = setInterval(step, 250);
        step();
      }

      fresend.addEventListener('click', function () {
        clearInvalid();
        var gs = groups.filter(function (g) { return !g.results; });
        gs.forEach(function (g) { delete sent[g.key]; g.code = ''; });
        sendCodes(gs);
      });
      $('fchange').addEventListener('click', function () {
        clearInterval(timer);
        say('');
        show('travellers');
        $('fmobile').focus();
      });

      $('codes').addEventListener('submit', function (ev) {
        ev.preventDefault();
        clearInvalid();
        for (var k = 0; k < groups.length; k++) {
          var g = groups[k];
          if (g.results) continue;
          var input = $('fcode-' + k);
          g.code = asciiDigits(input.value).replace(/\s/g, '');
          if (!/^\d{6}$/.test(g.code)) { fail('err_otp_format', null, input); return; }
        }
        var list = $('agree-list');
        list.replaceChildren();
        people.forEach(function (n) {
          var li = document.createElement('li');
          var who = document.createElement('span');
          who.className = 'who';
          who.textContent = isolate(n);
          var what = document.createElement('span');
          what.className = 'what';
          what.textContent = fmt('shared_item');
          li.append(who, what);
          list.append(li);
        });
        show('agree');
        say('');
        $('agree').focus();
      });
      $('fback').addEventListener('click', function () { say(''); show('codes'); });

      $('agree').addEventListener('submit', function (ev) {
        ev.preventDefault();
        clearInvalid();
        if (!$('fconsent').checked) { fail('err_consent', null, $('fconsent')); return; }
        fverify.disabled = true;
        say('checking');
        var i = 0, current = null;
        function next() {
          while (i < groups.length && groups[i].results) i++;
          if (i >= groups.length) return null;
          current = groups[i];
          return call('finishFamily', { txn: current.txn, otp: current.code, travellers: current.travellers }).then(function (r) {
            current.results = r;
            delete sent[current.key];
            return next();
          });
        }
        Promise.resolve().then(next).then(finished, function (e) { fverify.disabled = false; famFail(e, current); });
      });

      function finished() {
        clearInterval(timer);
        var results = [];
        groups.forEach(function (g) {
          g.idx.forEach(function (at, j) { results[at] = g.results[j]; });
        });
        var list = $('done-list'), said = [];
        list.replaceChildren();
        results.forEach(function (r, k) {
          var li = document.createElement('li');
          li.textContent = fmt('result_item', { name: isolate(people[k]), status: r.error ? fmt('result_mismatch') : S['status_' + r.status] });
          if (r.error) li.className = 'refused';
          list.append(li);
          said.push(li.textContent);
        });
        $('done-text').textContent = fmt('done_family');
        show('done');
        say('');
        live.textContent = $('done-text').textContent + ' ' + said.join('; ');
        $('done').focus();
        tell({
          type: 'results',
          results: results.map(function (r) {
            return r.error ? { error: hostCode({ code: r.error }) } : { status: r.status, token: r.token, exp: r.exp };
          })
        });
      }

      // A refusal while sending (g unset) or verifying the code of g.
      function famFail(e, g) {
        var c = (e && e.code) || '';
        var st = (e && e.httpStatus) || 0;
        var hc = tellError(e);
        if (c.indexOf('token_') === 0) {
          fail('err_' + hc);
          return;
        }
        if (g) {
          var k = groups.indexOf(g);
          var input = $('fcode-' + k);
          if (c === 'otp_incorrect' || st === 401) {
            show('codes');
            input.value = ''; g.code = '';
            if (e.attemptsLeft === 0) { g.expiresAt = 0; g.resendAt = 0; delete sent[g.key]; fail('err_otp_locked', null, input); return; }
            fail('err_otp_incorrect', { n: e.attemptsLeft == null ? '?' : e.attemptsLeft }, input);
            return;
          }
          if (c === 'otp_superseded') { show('codes'); input.value = ''; g.code = ''; fail('err_otp_superseded', null, input); return; }
          if (st === 410) {
            // Expired, locked, used or unknown: the way on is a new code.
            show('codes');
            g.expiresAt = 0; g.resendAt = 0; delete sent[g.key];
            fail(c === 'otp_locked' ? 'err_otp_locked' : 'err_otp_expired', null, input);
            return;
          }
        }
        if (st === 429) { live.textContent = ''; error.textContent = waitText('err_rate', e.retryAfter || 30); return; }
        if (S['err_' + hc] && hc !== 'internal') { fail('err_' + hc); return; }
        if (st === 400 || st === 409) { fail('err_input'); return; }
        if (st === 403) { fail('err_forbidden'); return; }
        fail('err_generic');
      }
    }

    // --- size: the host resizes the iframe to our content --------------------
    var main = document.querySelector('main');
    var lastH = 0;
    function resize() {
      var h = Math.ceil(main.getBoundingClientRect().bottom + window.scrollY + parseFloat(getComputedStyle(body).paddingBottom || 0));
      if (h !== lastH) { lastH = h; tell({ type: 'resize', height: h }); }
    }
    if (window.ResizeObserver) new ResizeObserver(resize).observe(main);
    resize();

    tell({ type: 'shown' });
    if (family) familyCheck();

    moduleReady.then(function () {
      if (body.dataset.state === 'loading') body.dataset.state = family ? 'travellers' : 'start';
      body.dataset.readyMs = String(Math.round(readyMs));
      tell({ type: 'ready' });
    }, function () {
      body.dataset.state = 'unavailable';
      fail('err_module_unavailable');
      tellError({ code: 'module_unavailable' });
    });
  });

  // onPage runs fn once the document is parsed and its stylesheet applied
  // (the widget measures its height for the host).
  function onPage(fn) {
    function styled() {
      var css = document.querySelector('link[rel=stylesheet]');
      if (css && !css.sheet) {
        css.addEventListener('load', fn, { once: true });
        css.addEventListener('error', fn, { once: true });
      } else {
        fn();
      }
    }
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', styled, { once: true });
    else styled();
  }
})();
