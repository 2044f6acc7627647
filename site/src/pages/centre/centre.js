// centre/centre.js: the vaccination centre console (/centre), on top of
// common/page.js (window.KP). Every screen is a <section data-screen> the
// worker rendered in the page's language (worker/pages/centre); this script
// moves between them, calls the API with the session cookie (and, on every
// state-changing request, the session's CSRF token in X-CSRF-Token), and
// writes each API error into the current screen (role=alert).
//
// No framework and no wasm: the console must start at once on a cheap
// phone, and it verifies no tokens.
(function () {
  'use strict';
  var K = window.KP;
  var t = K.t;
  var $ = K.$;
  var lang = document.body.getAttribute('data-lang') || 'en';
  var state = { session: null, csrf: '', signinTxn: '', list: [], apt: null, walkin: null, batch: '' };
  var timers = {};
  var vaccineNames = {};
  Array.prototype.forEach.call($('vaccine').options, function (o) { vaccineNames[o.value] = o.textContent; });

  // Digits typed on a Hindi, Bengali or Urdu keyboard count as digits.
  function digits(s) {
    return String(s || '').replace(/[\u0966-\u096f\u09e6-\u09ef\u06f0-\u06f9\u0660-\u0669]/g, function (c) {
      var x = c.charCodeAt(0);
      var base = x >= 0x0966 && x <= 0x096f ? 0x0966 : x >= 0x09e6 && x <= 0x09ef ? 0x09e6 : x >= 0x06f0 ? 0x06f0 : 0x0660;
      return String(x - base);
    }).trim();
  }
  function mobileDigits(s) {
    var d = digits(s).replace(/[\s-]/g, '');
    if (d.indexOf('+91') === 0) d = d.slice(3);
    return /^[6-9][0-9]{9}$/.test(d) ? d : '';
  }

  // --- errors and announcements --------------------------------------------

  function current() { return document.querySelector('section[data-screen]:not([hidden])'); }

  function clearErrors() {
    document.querySelectorAll('[data-error]').forEach(function (e) { e.textContent = ''; });
    document.querySelectorAll('[aria-invalid]').forEach(function (e) { e.removeAttribute('aria-invalid'); });
  }

  // fail writes msg into the current screen's alert and, if inputId is
  // given, marks that input and moves focus to it.
  function fail(msg, inputId) {
    var scr = current();
    var box = scr && scr.querySelector('[data-error]');
    if (box) box.textContent = msg;
    if (inputId) {
      var i = $(inputId);
      i.setAttribute('aria-invalid', 'true');
      i.focus();
    }
  }

  function announce(msg) {
    var live = $('live');
    live.textContent = '';
    setTimeout(function () { live.textContent = msg; }, 50);
  }

  // errText is the page's words for an API error, with its fields filled.
  function errText(d) {
    var code = d && d.error;
    var vars = { n: d && d.attempts_left, s: d && d.retry_after, date: d && d.earliest,
      vaccine: d && (vaccineNames[d.expected_vaccine] || d.expected_vaccine) };
    if (code && Object.prototype.hasOwnProperty.call(K.strings, 'err_' + code)) return t('err_' + code, vars);
    return t('err_generic');
  }

  // --- the API --------------------------------------------------------------

  // call is KP.api with the CSRF token on state-changing requests; a
  // signed-in session that ended (401 unauthorized or session_expired)
  // sends the page back to sign-in.
  function call(method, path, body) {
    var h = {};
    if (method !== 'GET' && state.csrf) h['X-CSRF-Token'] = state.csrf;
    return K.api(method, path, body, h).then(function (res) {
      var code = res.data && res.data.error;
      if (state.session && res.status === 401 && (code === 'unauthorized' || code === 'session_expired')) {
        signedOut(code === 'session_expired' ? 'session_ended_note' : 'signed_out_note');
        res.handled = true;
      }
      return res;
    });
  }

  // busy disables a form's buttons while its request runs: no double
  // recording from a double tap.
  function busy(form, on) {
    form.querySelectorAll('button').forEach(function (b) { b.disabled = on; });
    form.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  function submit(formId, fn) {
    $(formId).addEventListener('submit', function (ev) {
      ev.preventDefault();
      var form = ev.target;
      if (form.getAttribute('aria-busy') === 'true') return;
      clearErrors();
      var p = fn(form);
      if (p && p.then) {
        busy(form, true);
        p.then(function () { busy(form, false); }, function () { busy(form, false); fail(t('err_generic')); });
      }
    });
  }

  // timer counts a code's lifetime down in el, announcing the last 30
  // seconds and the end in the live region (not every second).
  function timer(id, seconds) {
    clearInterval(timers[id]);
    var end = Date.now() + seconds * 1000;
    function tick() {
      var s = Math.max(0, Math.round((end - Date.now()) / 1000));
      $(id).textContent = s > 0 ? t('otp_expires', { s: s }) : t('otp_expired_note');
      if (s === 30) announce(t('otp_expires', { s: s }));
      if (s === 0) { announce(t('otp_expired_note')); clearInterval(timers[id]); }
    }
    tick();
    timers[id] = setInterval(tick, 1000);
  }

  // --- signing in and out -----------------------------------------------------

  function signedIn(s) {
    state.session = s;
    state.csrf = s.csrf;
    $('who').textContent = s.vaccinator.name + ' · ' + t('role_' + s.vaccinator.role);
    $('where').textContent = s.centre.name;
    $('bar').hidden = false;
    $('go-supervisor').hidden = s.vaccinator.role !== 'supervisor';
    return today();
  }

  function signedOut(noteKey) {
    state.session = null;
    state.csrf = '';
    $('bar').hidden = true;
    Object.keys(timers).forEach(function (k) { clearInterval(timers[k]); });
    // A shared phone or desk: nothing of the last shift stays on the page.
    document.querySelectorAll('form').forEach(function (f) { f.reset(); });
    state.list = [];
    state.apt = null;
    state.walkin = null;
    state.batch = '';
    $('list').textContent = '';
    $('audit').textContent = '';
    $('locked-list').textContent = '';
    K.show('s-signin');
    $('signin-note').textContent = t(noteKey || 'signin_hint');
    if (noteKey) announce(t(noteKey));
  }

  submit('f-signin', function () {
    var m = mobileDigits($('mobile').value);
    if (!m) return fail(t('err_invalid_mobile'), 'mobile');
    return call('POST', '/v1/centre/sign-in', { mobile: m, lang: lang }).then(function (res) {
      if (!res.ok) return fail(errText(res.data), 'mobile');
      state.signinTxn = res.data.txn;
      $('otp').value = '';
      K.show('s-otp');
      announce(t('code_sent'));
      $('otp').focus();
      timer('otp-timer', res.data.expires_in);
      webOTP();
    });
  });

  // WebOTP: Android Chrome offers the SMS's code (its last line names this
  // host).
  function webOTP() {
    if (!('OTPCredential' in window) || !navigator.credentials) return;
    navigator.credentials.get({ otp: { transport: ['sms'] } }).then(function (c) {
      if (c && c.code && !$('s-otp').hidden) $('otp').value = c.code;
    }, function () {});
  }

  submit('f-otp', function () {
    var code = digits($('otp').value);
    if (!/^[0-9]{6}$/.test(code)) return fail(t('err_invalid_otp'), 'otp');
    return call('POST', '/v1/centre/session', { txn: state.signinTxn, otp: code }).then(function (res) {
      if (!res.ok) return fail(errText(res.data), 'otp');
      clearInterval(timers['otp-timer']);
      return signedIn(res.data);
    });
  });
  $('otp-back').addEventListener('click', function () { clearErrors(); K.show('s-signin'); $('mobile').focus(); });

  $('signout').addEventListener('click', function () {
    call('DELETE', '/v1/centre/session').then(function () { signedOut('signed_out_note'); });
  });

  // --- today's list -------------------------------------------------------------

  function statusBadge(s) {
    var b = document.createElement('span');
    b.className = 'badge status-' + s;
    b.textContent = t('status_' + s);
    return b;
  }

  function renderList() {
    var q = $('search').value.trim().toLowerCase();
    var ul = $('list');
    ul.textContent = '';
    var shown = 0;
    state.list.forEach(function (a) {
      if (q && a.id.toLowerCase().indexOf(q) < 0) return;
      shown++;
      var li = document.createElement('li');
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'apt';
      b.setAttribute('data-id', a.id);
      var top = document.createElement('span');
      top.className = 'apt-top';
      var time = document.createElement('span');
      time.className = 'time';
      time.textContent = a.time;
      var name = document.createElement('bdi');
      name.className = 'name';
      name.textContent = a.name;
      top.appendChild(time);
      top.appendChild(name);
      var bottom = document.createElement('span');
      bottom.className = 'apt-bottom';
      var ref = document.createElement('span');
      ref.className = 'ref';
      ref.textContent = a.id;
      var dose = document.createElement('span');
      dose.textContent = t('dose_n', { n: a.dose_due });
      bottom.appendChild(ref);
      bottom.appendChild(dose);
      bottom.appendChild(statusBadge(a.status));
      b.appendChild(top);
      b.appendChild(bottom);
      b.addEventListener('click', function () { openAppointment(a); });
      li.appendChild(b);
      ul.appendChild(li);
    });
    $('list-empty').hidden = shown > 0;
  }

  function today() {
    return call('GET', '/v1/centre/appointments').then(function (res) {
      if (res.handled) return;
      K.show('s-today');
      if (!res.ok) return fail(errText(res.data));
      state.list = res.data.appointments;
      state.date = res.data.date;
      $('today-date').textContent = res.data.date;
      renderList();
    });
  }

  $('search').addEventListener('input', renderList);
  $('search').addEventListener('keydown', function (ev) {
    if (ev.key !== 'Enter') return;
    ev.preventDefault();
    clearErrors();
    var q = $('search').value.trim();
    var hits = state.list.filter(function (a) { return a.id.toLowerCase().indexOf(q.toLowerCase()) >= 0; });
    if (q && hits.length === 1) return openAppointment(hits[0]);
    if (!/^apt_(?:[0-9a-f]{3})?[A-Za-z0-9_-]{16}$/.test(q)) { if (q && !hits.length) fail(t('err_invalid_appointment'), 'search'); return; }
    // A full reference not on today's list: another day's, or none here.
    call('GET', '/v1/centre/appointments/' + encodeURIComponent(q)).then(function (res) {
      if (res.handled) return;
      if (!res.ok) return fail(errText(res.data), 'search');
      openAppointment(res.data);
    });
  });
  $('refresh').addEventListener('click', function () { clearErrors(); today(); });
  // Back to the list starts a new search.
  function backToList() { clearErrors(); $('search').value = ''; return today(); }
  document.querySelectorAll('[data-back]').forEach(function (b) { b.addEventListener('click', backToList); });

  // --- one appointment: the code, the vaccine, the batch --------------------------

  function openAppointment(a) {
    clearErrors();
    state.apt = a;
    $('a-name').textContent = a.name;
    $('a-ref').textContent = a.id;
    $('a-time').textContent = (a.date && a.date !== state.date ? a.date + ' ' : '') + a.time;
    $('a-dose').textContent = t('dose_n', { n: a.dose_due });
    $('code').value = '';
    $('batch').value = state.batch;
    if (a.vaccine_due) {
      $('vaccine').value = a.vaccine_due;
      $('vaccine-hint').textContent = t('vaccine_prefilled', { n: a.dose_due });
    } else {
      $('vaccine-hint').textContent = '';
    }
    showState(a);
    K.show('s-appointment');
  }

  // showState shows the form only for a live appointment of today; a locked
  // one says a supervisor must unlock it (and offers the unlock to one).
  function showState(a) {
    var closed = '';
    if (a.status === 'done') closed = t('closed_done');
    else if (a.status === 'cancelled') closed = t('closed_cancelled');
    else if (a.date && a.date !== state.date) closed = t('closed_other_day', { date: a.date });
    var locked = a.status === 'locked' && !closed;
    $('a-closed').hidden = !closed;
    $('a-closed').textContent = closed;
    $('a-locked').hidden = !locked;
    $('a-unlock').hidden = !(locked && state.session && state.session.vaccinator.role === 'supervisor');
    $('f-record').hidden = !!closed || locked;
  }

  submit('f-record', function () {
    var a = state.apt;
    var code = digits($('code').value);
    var batch = $('batch').value.trim();
    if (!/^[0-9]{4}$/.test(code)) return fail(t('err_invalid_security_code'), 'code');
    if (!/^[A-Za-z0-9][A-Za-z0-9\/._-]{0,39}$/.test(batch)) return fail(t('err_invalid_batch'), 'batch');
    state.batch = batch;
    var vaccine = $('vaccine').value;
    return call('POST', '/v1/vaccinations', { appointment: a.id, security_code: code, vaccine: vaccine, batch: batch }).then(function (res) {
      if (res.handled) return;
      if (res.ok) return done(res.data, a.name, vaccine);
      var d = res.data;
      if (d.error === 'security_code_incorrect') {
        $('code').value = '';
        if (d.locked) {
          a.status = 'locked';
          showState(a);
          fail(t('wrong_code_locked'));
          $('a-locked').focus();
          return;
        }
        return fail(t('wrong_code', { n: d.attempts_left }), 'code');
      }
      if (d.error === 'appointment_locked') {
        a.status = 'locked';
        showState(a);
      }
      if (d.error === 'vaccine_mismatch' || d.error === 'invalid_vaccine' || d.error === 'unknown_vaccine') return fail(errText(d), 'vaccine');
      if (d.error === 'invalid_batch') return fail(errText(d), 'batch');
      fail(errText(d));
    });
  });

  function done(r, name, vaccine) {
    var n = r.dose.dose_number;
    $('done-title').textContent = t('done_title', { n: n });
    $('done-text').textContent = t(r.confirmation_sent ? 'done_sent' : 'done_queued',
      { n: n, vaccine: vaccineNames[vaccine] || vaccine, name: r.dose.name || name });
    K.show('s-done');
    announce($('done-text').textContent);
  }
  $('done-next').addEventListener('click', backToList);

  function unlock(id) {
    return call('POST', '/v1/centre/appointments/' + encodeURIComponent(id) + '/unlock', {}).then(function (res) {
      if (res.handled) return false;
      if (!res.ok) { fail(errText(res.data)); return false; }
      announce(t('unlocked_note'));
      return true;
    });
  }
  $('a-unlock').addEventListener('click', function () {
    var a = state.apt;
    clearErrors();
    unlock(a.id).then(function (ok) {
      if (!ok) return;
      a.status = 'live';
      showState(a);
      $('a-closed').hidden = false;
      $('a-closed').textContent = t('unlocked_note');
      $('code').focus();
    });
  });

  // --- walk-ins and on-site registration ---------------------------------------------

  $('go-walkin').addEventListener('click', function () {
    clearErrors();
    $('w-mobile').value = '';
    $('w-name').value = '';
    K.show('s-walkin');
  });

  submit('f-walkin', function () {
    var m = mobileDigits($('w-mobile').value);
    var name = $('w-name').value.trim();
    if (!m) return fail(t('err_invalid_mobile'), 'w-mobile');
    if (!name) return fail(t('err_invalid_name'), 'w-name');
    return call('POST', '/v1/vaccinations/walk-in', { mobile: m, name: name, lang: lang }).then(function (res) {
      if (res.handled) return;
      if (!res.ok) return fail(errText(res.data), res.data.error === 'invalid_name' ? 'w-name' : 'w-mobile');
      state.walkin = { txn: res.data.txn, mobile: m, name: name, registered: false };
      $('w-sent').textContent = t('walkin_sent', { last: m.slice(-4) });
      $('w-otp').value = '';
      $('w-batch').value = state.batch;
      $('w-registered').hidden = true;
      $('go-register').hidden = false;
      K.show('s-walkin-code');
      announce(t('code_sent'));
      timer('w-timer', res.data.expires_in);
    });
  });

  function walkinCode() {
    var code = digits($('w-otp').value);
    if (!/^[0-9]{6}$/.test(code)) { fail(t('err_invalid_otp'), 'w-otp'); return ''; }
    return code;
  }

  submit('f-walkin-record', function () {
    var w = state.walkin;
    var code = walkinCode();
    if (!code) return;
    var batch = $('w-batch').value.trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9\/._-]{0,39}$/.test(batch)) return fail(t('err_invalid_batch'), 'w-batch');
    state.batch = batch;
    var vaccine = $('w-vaccine').value;
    return call('POST', '/v1/vaccinations', { walk_in: true, txn: w.txn, otp: code, vaccine: vaccine, batch: batch }).then(function (res) {
      if (res.handled) return;
      if (res.ok) { clearInterval(timers['w-timer']); return done(res.data, w.name, vaccine); }
      var d = res.data;
      if (d.error === 'otp_incorrect' || d.error === 'invalid_otp') return fail(errText(d), 'w-otp');
      if (d.error === 'vaccine_mismatch') return fail(errText(d), 'w-vaccine');
      fail(errText(d));
    });
  });

  $('go-register').addEventListener('click', function () {
    clearErrors();
    if (!walkinCode()) return;
    $('r-name').textContent = state.walkin.name;
    $('r-year').value = '';
    K.show('s-register');
  });

  submit('f-register', function () {
    var w = state.walkin;
    var year = digits($('r-year').value);
    if (!/^[0-9]{4}$/.test(year)) return fail(t('err_invalid_birth_year'), 'r-year');
    var code = digits($('w-otp').value);
    return call('POST', '/v1/centre/registrations', { txn: w.txn, otp: code, name: w.name, birth_year: parseInt(year, 10) }).then(function (res) {
      if (res.handled) return;
      if (!res.ok) return fail(errText(res.data), res.data.error === 'invalid_birth_year' ? 'r-year' : null);
      w.registered = true;
      $('w-registered').hidden = false;
      $('go-register').hidden = true;
      K.show('s-walkin-code');
      announce(t('registered_note'));
    });
  });
  $('r-cancel').addEventListener('click', function () { clearErrors(); K.show('s-walkin-code'); });

  // --- the supervisor: unlock, capacity, the day's audit trail -------------------------

  function actorText(e) {
    if (e.actor_name) return e.actor_name;
    if (e.actor === 'beneficiary') return t('by_person');
    if (e.actor.indexOf('system:') === 0) return t('by_system');
    if (e.actor.indexOf('supervisor:') === 0) return e.actor.slice(11);
    return e.actor;
  }

  function timeOf(unix) {
    try {
      return new Date(unix * 1000).toLocaleTimeString(lang + '-IN', { timeZone: 'Asia/Kolkata', hour: '2-digit', minute: '2-digit', hour12: false });
    } catch (e) {
      return new Date(unix * 1000).toISOString().slice(11, 16);
    }
  }

  function supervisor() {
    clearErrors();
    K.show('s-supervisor');
    $('c-date').value = state.date || '';
    $('c-date').min = state.date || '';
    var ul = $('locked-list');
    ul.textContent = '';
    var locked = state.list.filter(function (a) { return a.status === 'locked'; });
    $('locked-empty').hidden = locked.length > 0;
    locked.forEach(function (a) {
      var li = document.createElement('li');
      li.className = 'card';
      var p = document.createElement('p');
      var name = document.createElement('bdi');
      name.textContent = a.name;
      p.appendChild(document.createTextNode(a.time + ' · '));
      p.appendChild(name);
      p.appendChild(document.createElement('br'));
      var ref = document.createElement('span');
      ref.className = 'ref';
      ref.textContent = a.id;
      p.appendChild(ref);
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = t('unlock_button');
      b.addEventListener('click', function () {
        clearErrors();
        b.disabled = true;
        unlock(a.id).then(function (ok) {
          b.disabled = false;
          if (!ok) return;
          a.status = 'live';
          li.textContent = '';
          var note = document.createElement('p');
          note.textContent = a.time + ' · ' + a.id + ': ' + t('unlocked_note');
          li.appendChild(note);
        });
      });
      li.appendChild(p);
      li.appendChild(b);
      ul.appendChild(li);
    });
    return call('GET', '/v1/centre/audit').then(function (res) {
      if (res.handled) return;
      if (!res.ok) return fail(errText(res.data));
      var ol = $('audit');
      ol.textContent = '';
      $('audit-empty').hidden = res.data.entries.length > 0;
      res.data.entries.forEach(function (e) {
        var li = document.createElement('li');
        var time = document.createElement('time');
        time.textContent = timeOf(e.at);
        var what = document.createElement('span');
        what.textContent = ' ' + (Object.prototype.hasOwnProperty.call(K.strings, 'ev_' + e.event) ? t('ev_' + e.event) : e.event) + ' · ';
        var who = document.createElement('bdi');
        who.textContent = actorText(e);
        li.appendChild(time);
        li.appendChild(what);
        li.appendChild(who);
        if (e.appointment) {
          // Its own line, aligned with the page's direction; the reference
          // itself reads left to right.
          var line = document.createElement('div');
          var ref = document.createElement('span');
          ref.className = 'ref';
          ref.textContent = e.appointment;
          line.appendChild(ref);
          li.appendChild(line);
        }
        ol.appendChild(li);
      });
    });
  }
  $('go-supervisor').addEventListener('click', function () {
    call('GET', '/v1/centre/appointments').then(function (res) {
      if (res.handled) return;
      if (res.ok) state.list = res.data.appointments;
      supervisor();
    });
  });

  // Slot capacity is the booking side's API (POST /v1/centre/capacity).
  submit('f-capacity', function () {
    $('c-error').textContent = '';
    $('c-done').textContent = '';
    var cap = digits($('c-capacity').value);
    if (!/^[0-9]{1,3}$/.test(cap) || parseInt(cap, 10) > 500) {
      $('c-error').textContent = t('err_invalid_capacity');
      $('c-capacity').setAttribute('aria-invalid', 'true');
      $('c-capacity').focus();
      return;
    }
    var body = { date: $('c-date').value, capacity: parseInt(cap, 10) };
    if ($('c-time').value) body.time = $('c-time').value;
    return call('POST', '/v1/centre/capacity', body).then(function (res) {
      if (res.handled) return;
      if (!res.ok) { $('c-error').textContent = errText(res.data); return; }
      $('c-done').textContent = t('capacity_saved');
    });
  });

  // --- start: signed in already (the cookie), or the sign-in screen ----------------

  // "kycvs-ready" marks the first screen a person can use (scripts/bench.d
  // measures navigation → it).
  function ready() { if (window.performance && performance.mark) performance.mark('kycvs-ready'); }
  K.api('GET', '/v1/centre/session').then(function (res) {
    if (res.ok) return signedIn(res.data).then(ready);
    var code = res.data && res.data.error;
    signedOut(code === 'session_expired' ? 'session_ended_note' : '');
    if (res.status !== 401) fail(errText(res.data));
    ready();
  });
})();
