// widget.js: the script of the widget page (/widget, service origin). It
// drives the form; the Go module in worker.js talks to the API and checks
// the token. A result reaches the host page only after the module accepted
// it, and only through postMessage to the entity's registered origin that
// the server put in data-origin (the page's CSP lets no other origin frame
// it).
'use strict';
(function () {
  var body = document.body;
  var cfg = body.dataset;
  var S = JSON.parse(document.getElementById('kycvs-strings').textContent);
  var $ = function (id) { return document.getElementById(id); };

  function fmt(key, vars) {
    return (S[key] || key).replace(/\{(\w+)\}/g, function (m, k) {
      return vars && Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : m;
    });
  }

  // Tell the host page something. targetOrigin is the registered origin,
  // never '*': a token must not leak to whatever has navigated the parent.
  function tell(msg) {
    if (window.parent === window) return;
    msg.kycvs = 1;
    msg.wid = cfg.wid;
    window.parent.postMessage(msg, cfg.origin);
  }

  // --- the module, in a worker -------------------------------------------
  var seq = 0;
  var pending = new Map();
  var worker;
  var readyMs = 0;
  var onReady, onReadyFail;
  var ready = new Promise(function (res, rej) { onReady = res; onReadyFail = rej; });
  try {
    worker = new Worker(cfg.worker);
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
  function rpc(method, args) {
    return new Promise(function (resolve, reject) {
      var id = ++seq;
      pending.set(id, { resolve: resolve, reject: reject });
      worker.postMessage({ id: id, method: method, args: args });
    });
  }
  // The form is usable before the module is: a person typing a mobile
  // number takes longer than the module takes to start, and a submit made
  // earlier simply waits here.
  var moduleReady = ready.then(function () {
    return rpc('init', [{ entity: cfg.entity, nonce: cfg.nonce, lang: cfg.lang }]);
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
    ['start', 'otp', 'done'].forEach(function (s) { $(s).hidden = s !== id; });
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
    if (c.indexOf('token_') === 0) {
      // The module refused what the service returned: nothing reaches the host.
      tell({ type: 'error', code: 'token_refused' });
      fail('err_token');
      return;
    }
    tell({ type: 'error', code: c || 'error' });
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
    if (st === 400) { fail('err_input'); return; }
    if (st === 403) { fail('err_forbidden'); return; }
    if (c === 'network') { fail('err_network'); return; }
    if (c === 'module_unavailable') { fail('err_module'); return; }
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
  moduleReady.then(function () {
    if (body.dataset.state === 'loading') body.dataset.state = 'start';
    body.dataset.readyMs = String(Math.round(readyMs));
    tell({ type: 'ready' });
  }, function () {
    body.dataset.state = 'unavailable';
    fail('err_module');
    tell({ type: 'error', code: 'module_unavailable' });
  });
})();
