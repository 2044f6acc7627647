// book/book.js: the person's booking page (/book), on top of
// common/page.js (window.KP). Plain JS, no framework and no wasm: the page
// sends forms and shows JSON, and must be usable on a cheap phone at once
// (worker/pages/book says why, with the measured weight).
//
// Screens are the <section data-screen> of the HTML; KP.show makes one
// visible and focuses its heading. Errors go to #error (role=alert), progress
// to #live (aria-live=polite). Every API answer that is not 2xx is shown in
// words (err_<code>) and changes nothing on the page but the message.
(function () {
  'use strict';
  var KP = window.KP;
  var t = KP.t;
  var $ = KP.$;
  var lang = document.body.getAttribute('data-lang') || 'en';

  var S = {
    mobile: '', txn: '', session: '', people: [], apts: [], person: null,
    centre: null, firstDate: '', lastDate: '', date: '', time: '',
    apt: null, token: '', mode: 'book', resendAt: 0, tick: 0, otpAbort: null
  };

  var VACCINES = {
    covishield: 'Covishield', covaxin: 'Covaxin', sputnik_v: 'Sputnik V',
    sputnik_light: 'Sputnik Light', zycov_d: 'ZyCoV-D', corbevax: 'Corbevax'
  };
  var SESSION_ERRORS = { session_expired: 1, invalid_token: 1, unauthorized: 1 };

  // --- helpers ---------------------------------------------------------

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // iso is el with its text in a <bdi>: a name or address in another
  // script keeps its own order (a Latin address on the Urdu page) while the
  // element keeps the page's alignment.
  function iso(tag, cls, text, dir) {
    var e = el(tag, cls);
    var b = el('bdi', '', text);
    if (dir) b.dir = dir;
    e.appendChild(b);
    return e;
  }

  function clearError() {
    $('error').textContent = '';
    document.querySelectorAll('[aria-invalid]').forEach(function (e) { e.removeAttribute('aria-invalid'); });
  }

  // fail shows msg in the alert region; field, if given, is marked invalid
  // and focused so the person lands where the fix is.
  function fail(msg, field) {
    $('error').textContent = msg;
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    }
  }

  function live(msg) { $('live').textContent = msg || ''; }

  function go(id) {
    clearError();
    live('');
    KP.show(id);
    window.scrollTo(0, 0);
  }

  // errorOf is the words for an API answer that failed.
  function errorOf(res) {
    var d = res.data || {};
    var code = res.status === 0 ? 'network' : d.error;
    var key = 'err_' + code;
    if (!Object.prototype.hasOwnProperty.call(KP.strings, key)) key = 'err_generic';
    return t(key, { n: d.attempts_left, s: d.retry_after });
  }

  // failed handles an API failure: a session that is no longer valid
  // sends the person back to prove the number; anything else is shown
  // where they are.
  function failed(res, field) {
    var code = res.data && res.data.error;
    if (S.session && !S.token && SESSION_ERRORS[code]) {
      S.session = '';
      go('s-mobile');
    }
    fail(errorOf(res), field);
  }

  // busy disables the form's buttons while a request is out, so a double
  // tap sends once.
  function busy(on) {
    document.querySelectorAll('main button').forEach(function (b) {
      if (on) {
        b.setAttribute('data-was-disabled', b.disabled ? '1' : '');
        b.disabled = true;
      } else if (b.hasAttribute('data-was-disabled')) {
        b.disabled = b.getAttribute('data-was-disabled') === '1';
        b.removeAttribute('data-was-disabled');
      }
    });
    if (on) live(t('sending'));
    else if ($('live').textContent === t('sending')) live('');
  }

  function call(method, path, body, bearer) {
    busy(true);
    var h = bearer ? { Authorization: 'Bearer ' + bearer } : {};
    return KP.api(method, path, body, h).then(function (res) {
      busy(false);
      return res;
    });
  }

  function fmtDate(iso) {
    var p = (iso || '').split('-');
    if (p.length !== 3) return iso || '';
    try {
      var d = new Date(Date.UTC(+p[0], +p[1] - 1, +p[2]));
      return new Intl.DateTimeFormat(lang + '-IN', { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
    } catch (e) {
      return iso;
    }
  }

  function vaccineName(id) { return VACCINES[id] || id || ''; }

  // facts fills a <dl> with label/value pairs; values that are names or
  // ids keep their own direction (dir=auto, ltr for ids).
  function facts(dl, rows) {
    dl.textContent = '';
    rows.forEach(function (r) {
      if (!r[1]) return;
      dl.appendChild(el('dt', '', t(r[0])));
      dl.appendChild(iso('dd', r[2] || '', r[1], r[2] === 'ref' ? 'ltr' : ''));
    });
  }

  function bearer() { return S.token || S.session; }

  // --- mobile and OTP ----------------------------------------------------

  function startTimer(seconds) {
    S.resendAt = Date.now() + seconds * 1000;
    $('resend').disabled = true;
    clearInterval(S.tick);
    function update() {
      var left = Math.ceil((S.resendAt - Date.now()) / 1000);
      if (left <= 0) {
        clearInterval(S.tick);
        $('timer').textContent = '';
        $('resend').disabled = false;
        live(t('resend_ready'));
        return;
      }
      $('timer').textContent = t('resend_in', { s: left });
    }
    update();
    S.tick = setInterval(update, 1000);
  }

  // webOTP fills the code from the SMS's last line (@host #code) where the
  // browser supports it; typing it works everywhere.
  function webOTP() {
    if (!('OTPCredential' in window) || !navigator.credentials) return;
    if (S.otpAbort) S.otpAbort.abort();
    var ac = new AbortController();
    S.otpAbort = ac;
    navigator.credentials.get({ otp: { transport: ['sms'] }, signal: ac.signal }).then(function (c) {
      if (c && c.code && document.body.getAttribute('data-screen') === 's-otp') {
        $('otp').value = c.code;
        submitOTP();
      }
    }, function () {});
  }

  function sendOTP() {
    var m = $('mobile').value.replace(/[\s-]/g, '').replace(/^(\+91|0)/, '');
    if (!/^[6-9][0-9]{9}$/.test(m)) {
      fail(t('err_mobile_format'), $('mobile'));
      return;
    }
    clearError();
    call('POST', '/v1/booking/otp', { mobile: m, lang: lang }).then(function (res) {
      if (!res.ok) {
        failed(res, $('mobile'));
        return;
      }
      S.mobile = m;
      S.txn = res.data.txn;
      $('otp-sent').textContent = t('otp_sent', { mobile: m });
      $('otp').value = '';
      if (document.body.getAttribute('data-screen') !== 's-otp') go('s-otp');
      else live(t('otp_sent', { mobile: m }));
      startTimer(typeof res.data.resend_in === 'number' ? res.data.resend_in : 30);
      webOTP();
    });
  }

  function submitOTP() {
    var code = $('otp').value.replace(/\s/g, '');
    if (!/^[0-9]{6}$/.test(code)) {
      fail(t('err_otp_format'), $('otp'));
      return;
    }
    clearError();
    call('POST', '/v1/booking/session', { txn: S.txn, otp: code }).then(function (res) {
      if (!res.ok) {
        failed(res, $('otp'));
        return;
      }
      if (S.otpAbort) S.otpAbort.abort();
      clearInterval(S.tick);
      S.session = res.data.session;
      S.token = '';
      S.people = res.data.beneficiaries || [];
      loadPeople();
    });
  }

  // --- people ------------------------------------------------------------

  function loadPeople() {
    call('GET', '/v1/appointments', undefined, S.session).then(function (res) {
      if (!res.ok) {
        failed(res);
        return;
      }
      S.apts = res.data.appointments || [];
      renderPeople();
      S.token = '';
      go('s-people');
    });
  }

  function openApt(name) {
    for (var i = 0; i < S.apts.length; i++) {
      var a = S.apts[i];
      if (a.name === name && (a.status === 'live' || a.status === 'locked')) return a;
    }
    return null;
  }

  function renderPeople() {
    var ul = $('people');
    ul.textContent = '';
    $('people-none').hidden = S.people.length > 0;
    S.people.forEach(function (p, i) {
      var li = el('li', 'card person');
      var h = iso('h2', '', p.name);
      h.id = 'person-' + i;
      li.appendChild(h);
      li.appendChild(el('p', 'status status-' + p.status, t(['status_0', 'status_1', 'status_2'][p.status] || 'status_0')));
      var line = t('doses', { n: p.doses });
      if (p.vaccine) line += ' · ' + t('vaccine', { v: vaccineName(p.vaccine) });
      li.appendChild(el('p', '', line));
      if (p.next_dose_from) li.appendChild(el('p', 'due', t('next_due', { date: fmtDate(p.next_dose_from) })));
      var a = openApt(p.name);
      var b;
      if (a) {
        li.appendChild(el('p', 'apt', t('has_apt', { date: fmtDate(a.date), time: a.time })));
        b = el('button', 'secondary', t('view_apt'));
        b.type = 'button';
        b.addEventListener('click', function () {
          S.apt = a.id;
          S.token = '';
          loadSlip();
        });
      } else if (p.status !== 2) {
        b = el('button', '', t('book_for'));
        b.type = 'button';
        b.addEventListener('click', function () { pickPerson(p); });
      }
      if (b) {
        b.setAttribute('aria-describedby', h.id);
        li.appendChild(b);
      }
      ul.appendChild(li);
    });
  }

  function pickPerson(p) {
    S.person = p;
    S.mode = 'book';
    S.centre = null;
    $('centre-for').textContent = t('for_name', { name: p.name });
    $('centres').textContent = '';
    $('centres-count').textContent = '';
    go('s-centre');
  }

  // --- centre, date and time -------------------------------------------

  function searchCentres() {
    var pin = $('pin').value.trim();
    var district = $('district').value.trim();
    var q;
    if (pin) q = 'pin=' + encodeURIComponent(pin);
    else if (district) q = 'district=' + encodeURIComponent(district);
    else {
      fail(t('err_search_empty'), $('pin'));
      return;
    }
    clearError();
    call('GET', '/v1/centres?' + q).then(function (res) {
      if (!res.ok) {
        failed(res, pin ? $('pin') : $('district'));
        return;
      }
      S.firstDate = res.data.first_date;
      S.lastDate = res.data.last_date;
      var ul = $('centres');
      ul.textContent = '';
      var cs = res.data.centres || [];
      var msg = cs.length ? t('centres_found', { n: cs.length }) : t('centres_none');
      $('centres-count').textContent = msg; // a polite live region
      cs.forEach(function (c) {
        var li = el('li');
        var b = el('button', 'choice');
        b.type = 'button';
        b.appendChild(iso('strong', '', c.name));
        b.appendChild(iso('span', '', c.address));
        b.appendChild(iso('span', 'muted', c.district + (c.pin ? ' · ' + c.pin : '')));
        b.addEventListener('click', function () { pickCentre(c); });
        li.appendChild(b);
        ul.appendChild(li);
      });
    });
  }

  // indiaToday is today's date in India, for the first date offered (the
  // server's answer then sets the exact range).
  function indiaToday() { return new Date(Date.now() + 330 * 60000).toISOString().slice(0, 10); }

  function pickCentre(c) {
    S.centre = c;
    $('slot-centre').textContent = '';
    $('slot-centre').appendChild(el('bdi', '', c.name + ' · ' + c.address));
    var d = $('date');
    var first = S.firstDate || indiaToday();
    if (!S.date || S.date < first || (S.lastDate && S.date > S.lastDate)) S.date = first;
    d.value = S.date;
    $('time-list').textContent = '';
    go('s-slot');
    loadSlots();
  }

  function loadSlots() {
    var date = $('date').value;
    if (!date) return;
    S.date = date;
    call('GET', '/v1/centres/' + encodeURIComponent(S.centre.id) + '/slots?date=' + encodeURIComponent(date)).then(function (res) {
      if (!res.ok) {
        failed(res, $('date'));
        return;
      }
      S.firstDate = res.data.first_date;
      S.lastDate = res.data.last_date;
      $('date').min = S.firstDate;
      $('date').max = S.lastDate;
      var box = $('time-list');
      box.textContent = '';
      (res.data.slots || []).forEach(function (s, i) {
        var id = 'time-' + i;
        var wrap = el('div', 'time');
        var input = el('input');
        input.type = 'radio';
        input.name = 'time';
        input.id = id;
        input.value = s.time;
        input.disabled = s.free <= 0 || !!s.passed;
        if (s.time === S.time && !input.disabled) input.checked = true;
        var label = el('label');
        label.htmlFor = id;
        label.appendChild(el('span', 'clock', s.time));
        label.appendChild(el('span', 'places', s.passed ? t('passed') : s.free > 0 ? t('free', { n: s.free }) : t('full')));
        wrap.appendChild(input);
        wrap.appendChild(label);
        box.appendChild(wrap);
      });
    });
  }

  function chooseSlot() {
    var picked = document.querySelector('input[name="time"]:checked');
    if (!picked) {
      var first = document.querySelector('input[name="time"]:not(:disabled)') || $('date');
      fail(t('err_pick_time'), first);
      return;
    }
    S.time = picked.value;
    S.date = $('date').value;
    var move = S.mode === 'reschedule';
    $('confirm-title').textContent = t(move ? 'h_confirm_move' : 'h_confirm');
    $('confirm').textContent = t(move ? 'confirm_move' : 'confirm');
    $('move-note').hidden = !move;
    facts($('confirm-list'), [
      ['l_name', S.person ? S.person.name : ''],
      ['l_centre', S.centre.name],
      ['l_address', S.centre.address],
      ['l_date', fmtDate(S.date)],
      ['l_time', S.time]
    ]);
    go('s-confirm');
  }

  function confirm() {
    if (S.mode === 'reschedule') {
      call('PATCH', '/v1/appointments/' + S.apt, { centre: S.centre.id, date: S.date, time: S.time }, bearer()).then(function (res) {
        if (!res.ok) {
          slotRefused(res);
          return;
        }
        loadSlip(t('moved_live'));
      });
      return;
    }
    call('POST', '/v1/appointments', {
      mobile: S.mobile, name: S.person.name, centre: S.centre.id, date: S.date, time: S.time, lang: lang
    }, S.session).then(function (res) {
      if (!res.ok) {
        slotRefused(res);
        return;
      }
      S.token = res.data.access_token;
      S.apt = res.data.appointment.id;
      loadSlip(t('booked_live'));
    });
  }

  // slotRefused: a full slot sends the person back to the times, fresh.
  function slotRefused(res) {
    if (res.data && (res.data.error === 'slot_full' || res.data.error === 'invalid_date' || res.data.error === 'invalid_time')) {
      go('s-slot');
      loadSlots();
    }
    failed(res);
  }

  // --- the slip ----------------------------------------------------------

  var STATUS = { live: 'st_live', cancelled: 'st_cancelled', done: 'st_done', locked: 'st_locked' };

  function loadSlip(note) {
    call('GET', '/v1/appointments/' + S.apt + '/slip', undefined, bearer()).then(function (res) {
      if (!res.ok) {
        failed(res);
        return;
      }
      renderSlip(res.data);
      go('s-slip');
      if (note) live(note);
    });
  }

  function renderSlip(d) {
    var a = d.appointment;
    S.slip = d;
    S.centre = { id: a.centre.id, name: a.centre.name, address: d.address, pin: d.pin };
    S.date = a.date;
    S.time = a.time;
    facts($('slip-list'), [
      ['l_name', a.name],
      ['l_centre', a.centre.name],
      ['l_address', d.address],
      ['l_date', fmtDate(a.date)],
      ['l_time', a.time],
      ['l_ref', a.id, 'ref'],
      ['l_status', t(STATUS[a.status] || 'st_live')]
    ]);
    var open = a.status === 'live' || a.status === 'locked';
    $('slip-code-box').hidden = !open;
    $('slip-code').textContent = d.security_code || '';
    $('slip-code').hidden = !d.security_code;
    $('slip-code-note').textContent = d.security_code ? t('code_note') : t('code_by_sms');
    $('reschedule').hidden = a.status !== 'live';
    $('cancel').hidden = a.status !== 'live';
    $('slip-people').hidden = !S.session;
    if (S.token) {
      var link = location.pathname + '?lang=' + encodeURIComponent(lang) + '#apt=' + encodeURIComponent(a.id) +
        '&t=' + encodeURIComponent(S.token);
      $('save').href = link;
      $('save').hidden = false;
      $('save-hint').hidden = false;
      // The address bar holds the link too: a bookmark or "add to home
      // screen" now saves the slip.
      try { history.replaceState(null, '', link); } catch (e) { /* a sandbox may forbid it */ }
    } else {
      $('save').hidden = true;
      $('save-hint').hidden = true;
    }
  }

  function startReschedule() {
    S.mode = 'reschedule';
    S.person = { name: S.slip.appointment.name };
    $('centre-for').textContent = t('for_name', { name: S.person.name });
    // The same centre, a new date or time; "Change centre" searches again.
    pickCentre(S.centre);
  }

  function askCancel() {
    var a = S.slip.appointment;
    facts($('cancel-list'), [
      ['l_name', a.name], ['l_centre', a.centre.name], ['l_date', fmtDate(a.date)], ['l_time', a.time], ['l_ref', a.id, 'ref']
    ]);
    go('s-cancel');
  }

  function doCancel() {
    call('DELETE', '/v1/appointments/' + S.apt, undefined, bearer()).then(function (res) {
      if (!res.ok) {
        failed(res);
        return;
      }
      $('cancelled-note').textContent = t('cancelled_note', { ref: S.apt });
      $('cancelled-people').hidden = !S.session;
      go('s-cancelled');
    });
  }

  function startOver() {
    S.session = '';
    S.token = '';
    S.apt = null;
    try { history.replaceState(null, '', location.pathname + '?lang=' + encodeURIComponent(lang)); } catch (e) { /* ignore */ }
    $('mobile').value = '';
    go('s-mobile');
  }

  // A saved slip: /book#apt=<id>&t=<access token>. The fragment never
  // reaches a server (and no Referer is sent).
  function fromFragment() {
    var h = location.hash.replace(/^#/, '');
    if (!h) return false;
    var p = {};
    h.split('&').forEach(function (kv) {
      var i = kv.indexOf('=');
      if (i > 0) p[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1));
    });
    if (!/^apt_(?:[0-9a-f]{3})?[A-Za-z0-9_-]{16}$/.test(p.apt || '') || !/^kycvs_bat_[A-Za-z0-9_-]{43}$/.test(p.t || '')) return false;
    S.apt = p.apt;
    S.token = p.t;
    loadSlip();
    return true;
  }

  // --- wiring --------------------------------------------------------------

  function onSubmit(id, fn) {
    $(id).addEventListener('submit', function (ev) {
      ev.preventDefault();
      fn();
    });
  }
  function onClick(id, fn) { $(id).addEventListener('click', fn); }

  onSubmit('f-mobile', sendOTP);
  onSubmit('f-otp', submitOTP);
  onSubmit('f-centre', searchCentres);
  onSubmit('f-slot', chooseSlot);
  onClick('resend', sendOTP);
  onClick('change-mobile', startOver);
  onClick('people-other', startOver);
  onClick('centre-back', function () {
    if (S.mode === 'reschedule') go('s-slip');
    else go('s-people');
  });
  onClick('change-centre', function () {
    $('centres').textContent = '';
    $('centres-count').textContent = '';
    go('s-centre');
  });
  $('date').addEventListener('change', loadSlots);
  $('time-list').addEventListener('change', clearError);
  onClick('confirm', confirm);
  onClick('confirm-back', function () { go('s-slot'); });
  onClick('print', function () { window.print(); });
  onClick('reschedule', startReschedule);
  onClick('cancel', askCancel);
  onClick('cancel-yes', doCancel);
  onClick('cancel-no', function () { go('s-slip'); });
  onClick('slip-people', loadPeople);
  onClick('slip-start', startOver);
  onClick('cancelled-people', loadPeople);
  onClick('cancelled-start', startOver);

  if (!fromFragment()) {
    document.body.setAttribute('data-screen', 's-mobile');
  }
  document.body.setAttribute('data-ready', '1');
})();
