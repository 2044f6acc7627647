// pass.js: the person's side of a gate check (/pass?venue=…&c=…, rendered
// by worker/pages/pass). The Go module in worker.js runs the OTP flow for
// the venue (audience) and the gate's challenge (nonce) and checks the token
// it gets back; this page then shows that token as a QR code with a
// countdown, for the gate's camera. A family on one number makes a pass for
// each person with one code (the family check), shown one after the other;
// the k-th carries the nonce <challenge>.k (SPEC.md, gate profile). Nothing
// is stored on the phone.
'use strict';
(function () {
  var KP = window.KP, t = KP.t, $ = KP.$;
  var cfg = document.body.dataset;
  var challenge = cfg.challenge || '';

  var rpc = window.KG.rpc;
  var inited = null;
  function call(method, arg) {
    if (!inited) {
      inited = rpc('init', [{ entity: cfg.venue, nonce: challenge, nonces: familyNonces(), lang: cfg.lang }]).catch(function (e) {
        inited = null;
        throw e;
      });
    }
    return inited.then(function () { return rpc(method, [arg]); });
  }

  // --- UI helpers ----------------------------------------------------------
  var live = $('live'), error = $('error');
  function say(key, vars) { error.textContent = ''; live.textContent = key ? t(key, vars) : ''; }
  function fail(text, field) {
    live.textContent = '';
    error.textContent = text;
    if (field) { field.setAttribute('aria-invalid', 'true'); field.setAttribute('aria-errormessage', 'error'); field.focus(); }
  }
  function clearInvalid() {
    error.textContent = '';
    document.querySelectorAll('[aria-invalid]').forEach(function (el) { el.removeAttribute('aria-invalid'); el.removeAttribute('aria-errormessage'); });
  }
  // The page's sections: the header (venue, what it learns) stays.
  function show(id) {
    document.querySelectorAll('section[data-screen]').forEach(function (s) { s.hidden = s.id !== id; });
    document.body.setAttribute('data-screen', id);
  }
  function asciiDigits(s) {
    return s.replace(/[\u0966-\u096F\u09E6-\u09EF\u0660-\u0669\u06F0-\u06F9]/g, function (c) {
      var u = c.charCodeAt(0);
      var zero = u >= 0x06F0 && u <= 0x06F9 ? 0x06F0 : u >= 0x0660 && u <= 0x0669 ? 0x0660 : u >= 0x09E6 ? 0x09E6 : 0x0966;
      return String(u - zero);
    });
  }
  function errorText(e) {
    var c = (e && e.code) || '';
    if (c === 'otp_incorrect' && e.attemptsLeft >= 0) return t('err_otp_incorrect', { n: e.attemptsLeft });
    if (c === 'rate_limited' || c === 'too_many_requests' || (e && e.retryAfter > 0)) {
      var s = (e && e.retryAfter) || 60;
      return s >= 120 ? t('err_rate_min', { m: Math.ceil(s / 60) }) : t('err_rate', { s: s });
    }
    if (/^token_/.test(c)) return t('err_token');
    if (c === 'module_unavailable') return t('err_module');
    if (c === 'network') return t('err_network');
    if (c === 'invalid_mobile' || c === 'invalid_name' || c === 'missing_field') return t('err_input');
    if (Object.prototype.hasOwnProperty.call(KP.strings, 'err_' + c)) return t('err_' + c);
    return t('err_generic');
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

  // --- a typed gate code -----------------------------------------------------
  // Crockford base32, as the gate draws it: read O as 0, I and L as 1.
  function normaliseCode(s) {
    return s.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  }
  $('code-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    clearInvalid();
    var c = normaliseCode($('challenge').value);
    if (!/^[0-9A-HJKMNP-TV-Z]{8}$/.test(c)) { fail(t('err_code_format'), $('challenge')); return; }
    challenge = c;
    show('start');
    $('mobile').focus();
  });

  // --- the people on the number ---------------------------------------------
  // The first name is the form's own field; up to five more are added here,
  // each a traveller of one family check.
  var MAX_PEOPLE = 6;
  var extra = []; // the added names, as typed
  // The k-th person's nonce (k from 1), and all six the module is set up
  // with.
  function familyNonce(k) { return challenge + '.' + k; }
  function familyNonces() {
    var out = [];
    for (var k = 1; k <= MAX_PEOPLE; k++) out.push(familyNonce(k));
    return out;
  }
  function renderMore(focusIndex) {
    var more = $('more');
    more.textContent = '';
    extra.forEach(function (v, i) {
      var n = i + 2;
      var box = document.createElement('div');
      box.className = 'person';
      var label = document.createElement('label');
      label.htmlFor = 'name-' + n;
      label.textContent = t('person_label', { n: n });
      var row = document.createElement('div');
      row.className = 'person-row';
      var input = document.createElement('input');
      input.id = 'name-' + n;
      input.maxLength = 100;
      input.autocomplete = 'off';
      input.value = v;
      input.addEventListener('input', function () { extra[i] = input.value; });
      var rm = document.createElement('button');
      rm.type = 'button';
      rm.className = 'remove';
      // A cross, named for screen readers: the name's field keeps the
      // width of a 320 px phone.
      rm.textContent = '\u00d7';
      rm.setAttribute('aria-label', t('remove_person', { n: n }));
      rm.title = t('remove_person', { n: n });
      rm.addEventListener('click', function () {
        extra.splice(i, 1);
        renderMore(-1);
        $('add-person').focus();
      });
      row.appendChild(input);
      row.appendChild(rm);
      box.appendChild(label);
      box.appendChild(row);
      more.appendChild(box);
    });
    $('add-person').hidden = extra.length >= MAX_PEOPLE - 1;
    document.querySelector('label[for=consent]').textContent =
      t(extra.length ? 'consent_family' : 'consent', { venue: $('venue-name').textContent });
    if (focusIndex >= 0) $('name-' + (focusIndex + 2)).focus();
  }
  $('add-person').addEventListener('click', function () {
    clearInvalid();
    extra.push('');
    renderMore(extra.length - 1);
  });
  // sameName folds what the service folds when it refuses a name twice
  // (case, spacing, Unicode forms).
  function sameName(a, b) {
    function fold(s) { return s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim(); }
    return fold(a) === fold(b);
  }

  // --- mobile + name(s) → code ---------------------------------------------
  var txn = '', resendTimer = 0, passTimer = 0, lastStart = null;
  function start(req) {
    say('sending');
    $('send').disabled = true;
    return call(req.travellers ? 'startFamily' : 'start', req).then(function (r) {
      txn = r.txn;
      lastStart = req;
      $('otp-sent').textContent = t('otp_sent', { last: req.mobile.slice(-4) });
      $('otp-input').value = '';
      show('otp');
      say('sent');
      $('otp-input').focus();
      $('resend').disabled = true;
      clearInterval(resendTimer);
      resendTimer = countdown(r.resendIn, function (s) {
        $('resend-timer').textContent = s > 0 ? (s >= 120 ? t('resend_in_min', { m: Math.ceil(s / 60) }) : t('resend_in', { s: s })) : '';
      }, function () { $('resend').disabled = false; });
    }, function (e) {
      fail(errorText(e));
    }).then(function () { $('send').disabled = false; });
  }
  $('start-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    clearInvalid();
    var mobile = asciiDigits($('mobile').value).replace(/[\s-]/g, '').replace(/^(\+91|0)/, '');
    var names = [$('name').value.trim()].concat(extra.map(function (v) { return v.trim(); }));
    if (!/^[6-9][0-9]{9}$/.test(mobile)) { fail(t('err_mobile'), $('mobile')); return; }
    if (!names[0]) { fail(t('err_name'), $('name')); return; }
    for (var i = 1; i < names.length; i++) {
      if (!names[i]) { fail(t('err_person_name', { n: i + 1 }), $('name-' + (i + 1))); return; }
      for (var j = 0; j < i; j++) {
        if (sameName(names[i], names[j])) { fail(t('err_same_name'), $('name-' + (i + 1))); return; }
      }
    }
    if (names.length === 1) { start({ mobile: mobile, name: names[0] }); return; }
    start({ mobile: mobile, travellers: names.map(function (n, k) { return { name: n, nonce: familyNonce(k + 1) }; }) });
  });
  $('resend').addEventListener('click', function () { if (lastStart) start(lastStart); });
  $('change').addEventListener('click', function () { clearInterval(resendTimer); clearInvalid(); say(''); show('start'); $('mobile').focus(); });

  // --- code + consent → the pass ------------------------------------------
  $('otp-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    clearInvalid();
    var otp = asciiDigits($('otp-input').value).replace(/\s/g, '');
    if (!/^[0-9]{6}$/.test(otp)) { fail(t('err_otp_format'), $('otp-input')); return; }
    if (!$('consent').checked) { fail(t('err_consent'), $('consent')); return; }
    say('checking');
    $('verify').disabled = true;
    var family = lastStart.travellers;
    var req = family ? { txn: txn, otp: otp, travellers: family } : { txn: txn, otp: otp };
    call(family ? 'finishFamily' : 'finish', req).then(function (res) {
      if (!family) { showPasses([res], []); return; }
      // One answer per person, in their order: a pass, or a name nobody
      // on the number is registered under (the code is used either way).
      var passes = [], missing = [];
      res.forEach(function (r, k) { if (r.error) missing.push(family[k].name); else passes.push(r); });
      if (!passes.length) {
        clearInterval(resendTimer);
        show('start');
        fail(t('err_name_mismatch'), $('name'));
        return;
      }
      showPasses(passes, missing);
    }, function (e) {
      fail(errorText(e), e && e.code === 'otp_incorrect' ? $('otp-input') : null);
    }).then(function () { $('verify').disabled = false; });
  });

  // showPasses shows the first of a check's passes, and names the people
  // who got none.
  var passes = [];
  function showPasses(list, missing) {
    clearInterval(resendTimer);
    passes = list;
    var none = $('no-pass'), ul = none.querySelector('ul');
    ul.textContent = '';
    missing.forEach(function (n) {
      var li = document.createElement('li'), b = document.createElement('bdi');
      b.textContent = n;
      li.appendChild(b);
      ul.appendChild(li);
    });
    none.hidden = !missing.length;
    showPass(0);
  }
  $('next-pass').addEventListener('click', function () { showPass(Number($('next-pass').dataset.next)); });

  function showPass(i) {
    var res = passes[i];
    say('');
    $('pass-of').hidden = passes.length < 2;
    $('pass-of').textContent = t('pass_of', { i: i + 1, n: passes.length });
    $('next-pass').hidden = i + 1 >= passes.length;
    $('next-pass').dataset.next = String(i + 1);
    var canvas = $('pass-qr');
    window.KG.drawQR(canvas, res.token, 'L', 340);
    window.KG.keepAwake();
    canvas.setAttribute('aria-label', t('pass_qr_alt'));
    canvas.dataset.token = res.token; // what the QR holds (the page's own data)
    show('shown');
    document.querySelector('#shown h2').focus();
    if (passes.length > 1) live.textContent = t('pass_of', { i: i + 1, n: passes.length });
    // Counted on this phone's clock, never past the pass's lifetime: a
    // phone whose clock is off still shows about the right time.
    var left = Math.min(120, Math.max(0, res.exp - Math.floor(Date.now() / 1000)));
    var announced = -1;
    clearInterval(passTimer);
    passTimer = countdown(left, function (s) {
      $('pass-timer').textContent = t('pass_valid', { s: s });
      // A screen reader hears it every 30 s, not every second.
      if (s % 30 === 0 && s !== announced) { announced = s; live.textContent = t('pass_valid', { s: s }); }
    }, function () {
      canvas.width = canvas.width; // wipe the QR: an expired pass is of no use
      show('expired');
      document.querySelector('#expired h2').focus();
    });
  }

  if (!challenge) $('challenge').focus();
})();
