// gate.js: a venue's entry device (/gate, rendered by worker/pages/gate).
// It shows a fresh challenge every 30 s (a QR link to /pass and a code to
// type), scans the pass a person's phone then shows, and has the Go module
// (worker.js, the same verifier as the widget's and KYCVS.verify's) check
// it against the keyset built into the module: signature, audience = this
// venue, nonce = a challenge this gate showed, not expired. This page adds
// the gate profile's own checks (SPEC.md): the challenge was on screen in
// the last two minutes, the pass lives at most 120 s, and its token id was
// not seen here before. All of it works offline; the device keeps only its
// venue, its recent challenges and the token ids it has seen, until they
// expire.
'use strict';
(function () {
  var KP = window.KP, t = KP.t, $ = KP.$;
  var cfg = document.body.dataset;
  var CHALLENGE_MS = 30000;       // a challenge is on screen this long
  var CHALLENGE_OK_MS = 120000;   // and accepted this long after
  var CHALLENGE_KEEP_MS = 600000; // and remembered this long (to say "too old")
  var PASS_MAX_S = 120;           // the gate profile's pass lifetime
  var FAMILY_MAX = 6;             // passes a family makes from one challenge
  var VERDICT_MS = 4000;          // a verdict stays this long
  var ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32

  // The gate's one clock: the module is given it, so every time check agrees.
  function now() { return Date.now(); }

  // show makes one screen visible and moves focus to its heading. (Not
  // KP.show: it also matches <body data-screen> and hides the body on its
  // second call.)
  function show(id) {
    var target = null;
    document.querySelectorAll('section[data-screen]').forEach(function (s) {
      s.hidden = s.id !== id;
      if (!s.hidden) target = s;
    });
    document.body.setAttribute('data-screen', id);
    var h = target && target.querySelector('h1');
    if (h) { if (!h.hasAttribute('tabindex')) h.setAttribute('tabindex', '-1'); h.focus(); }
  }

  function load(key, def) {
    try { var v = JSON.parse(localStorage.getItem(key)); return v === null ? def : v; } catch (e) { return def; }
  }
  function save(key, v) { try { localStorage.setItem(key, JSON.stringify(v)); } catch (e) { /* full: keep going */ } }

  var rpc = window.KG.rpc, ready = window.KG.ready;

  // --- signing in ---------------------------------------------------------
  var gate = load('kycvs.gate', null); // {venue, name, token}

  function signIn(token) {
    return KP.api('POST', '/v1/gate/session', { token: token }).then(function (r) {
      if (r.ok) {
        gate = { venue: r.data.venue, name: r.data.name, token: token };
        save('kycvs.gate', gate);
        return true;
      }
      if (r.status === 401) return false;
      throw Object.assign(new Error('sign-in'), { code: r.status === 0 ? 'network' : 'generic' });
    });
  }
  function signOut(key) {
    gate = null;
    localStorage.removeItem('kycvs.gate');
    localStorage.removeItem('kycvs.gate.challenges');
    localStorage.removeItem('kycvs.gate.seen');
    stopCamera();
    show('signin');
    $('signin-error').textContent = key ? t(key) : '';
  }
  $('signin-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var tok = $('token').value.trim();
    if (!tok) { $('token').focus(); return; }
    $('signin-error').textContent = t('checking');
    signIn(tok).then(function (ok) {
      if (!ok) { $('signin-error').textContent = t('err_gate_auth'); $('token').focus(); return; }
      $('token').value = '';
      $('signin-error').textContent = '';
      showReady();
    }, function (e) { $('signin-error').textContent = t(e.code === 'network' ? 'err_network' : 'err_generic'); });
  });
  $('sign-out').addEventListener('click', function () { signOut(''); });

  // --- challenges -----------------------------------------------------------
  // Each is {c, at, until}: shown from at until until (while on screen,
  // until is 0). Kept in localStorage so a reload (or a restart offline)
  // still accepts the passes made for what was on screen.
  var challenges = load('kycvs.gate.challenges', []);
  function newChallenge() {
    var b = new Uint8Array(8); // 8 × 5 bits: 256 is a multiple of 32, so & 31 is uniform
    crypto.getRandomValues(b);
    var c = '';
    for (var i = 0; i < b.length; i++) c += ALPHABET[b[i] & 31];
    return c;
  }
  function rotate() {
    var n = now();
    var cur = challenges[challenges.length - 1];
    if (cur && !cur.until && n - cur.at < CHALLENGE_MS && n >= cur.at) return false;
    // A challenge stops being shown on schedule, even if this page was
    // asleep (or its clock jumped): it is never credited with more.
    if (cur && !cur.until) cur.until = Math.min(n, cur.at + CHALLENGE_MS);
    challenges = challenges.filter(function (x) { return n - (x.until || n) < CHALLENGE_KEEP_MS; });
    challenges.push({ c: newChallenge(), at: n, until: 0 });
    save('kycvs.gate.challenges', challenges);
    return true;
  }
  function passLink(c) {
    return location.origin + '/pass?venue=' + encodeURIComponent(gate.venue) + '&c=' + c;
  }
  function tick() {
    if (!gate) return;
    if (rotate() || !$('challenge-code').textContent) {
      var c = challenges[challenges.length - 1].c;
      window.KG.drawQR($('challenge-qr'), passLink(c), 'M', 264);
      $('challenge-qr').setAttribute('aria-label', t('qr_alt', { venue: gate.name, code: c.slice(0, 4) + ' ' + c.slice(4) }));
      $('challenge-qr').dataset.link = passLink(c);
      $('challenge-code').textContent = c.slice(0, 4) + ' ' + c.slice(4);
      $('challenge-code').dataset.code = c;
    }
    var cur = challenges[challenges.length - 1];
    $('challenge-timer').textContent = t('renews_in', { s: Math.max(0, Math.ceil((cur.at + CHALLENGE_MS - now()) / 1000)) });
  }

  // --- token ids seen here (replay) -------------------------------------------
  // {jti: exp}; an entry goes once its pass has expired (with the module's
  // minute of clock skew): after that the pass is refused as expired anyway.
  function seen() {
    var all = load('kycvs.gate.seen', {}), n = now() / 1000, out = {};
    Object.keys(all).forEach(function (k) { if (all[k] + 60 > n) out[k] = all[k]; });
    return out;
  }

  // --- verdicts ---------------------------------------------------------------
  var REASONS = {
    token_signature: 'r_signature', token_audience: 'r_audience', token_nonce: 'r_nonce', token_expired: 'r_expired',
    token_not_yet_valid: 'r_not_yet_valid', token_unknown_key: 'r_unknown_key', token_malformed: 'r_malformed'
  };
  var busy = false, lastText = '', verdictTimer = 0, audio = null;
  function beep(kind) {
    if (!audio) return;
    try {
      // Rising two-tone for a valid pass, one low tone for anything else.
      var tones = kind === 'ok' ? [660, 880] : kind === 'partial' ? [660, 660] : [220];
      tones.forEach(function (f, i) {
        var o = audio.createOscillator(), g = audio.createGain();
        o.frequency.value = f; o.type = 'square';
        g.gain.value = 0.15;
        o.connect(g); g.connect(audio.destination);
        var at = audio.currentTime + i * 0.18;
        o.start(at); o.stop(at + (tones.length === 1 ? 0.5 : 0.15));
      });
    } catch (e) { /* no sound: the screen still says it */ }
  }
  function verdict(kind, title, reason) {
    var el = $('verdict');
    el.className = 'v-' + kind;
    $('verdict-title').textContent = title;
    $('verdict-reason').textContent = reason || '';
    $('announce').textContent = title + (reason ? '. ' + reason : '');
    show('verdict');
    document.body.dataset.verdict = kind;
    document.body.dataset.reason = reason ? reasonKey : '';
    // For scripts/bench: when the frame holding the pass was grabbed, and
    // the one before it (the pass entered the camera's view in between).
    performance.mark('kycvs-gate-verdict', { detail: grabbed });
    beep(kind === 'full' ? 'ok' : kind === 'partial' ? 'partial' : 'bad');
    clearTimeout(verdictTimer);
    verdictTimer = setTimeout(nextPerson, VERDICT_MS);
  }
  var reasonKey = '';
  function refuse(key) { reasonKey = key; verdict('invalid', t('v_invalid'), t(key)); }
  function nextPerson() {
    clearTimeout(verdictTimer);
    busy = false;
    reasonKey = '';
    delete document.body.dataset.verdict;
    delete document.body.dataset.reason;
    show('ready');
    performance.mark('kycvs-gate-ready');
    lastGrab = performance.now();
    if (stream) scanLoop();
  }
  $('next').addEventListener('click', nextPerson);

  function check(text) {
    text = String(text || '').trim();
    if (text.indexOf('/pass?') >= 0) { scanLoop(); return; } // this gate's own challenge (a mirror, a photo): not a pass
    busy = true;
    if (text.indexOf('kycvs1.') !== 0) { refuse('r_malformed'); return; }
    var n = now();
    var list = challenges.slice();
    // Newest first: a pass is nearly always for what is on screen now.
    // Each challenge is also the nonce of a family's passes, suffixed .1
    // to .6 (SPEC.md, gate profile): one per person on the number.
    var nonces = [];
    list.slice().reverse().forEach(function (x) {
      nonces.push(x.c);
      for (var k = 1; k <= FAMILY_MAX; k++) nonces.push(x.c + '.' + k);
    });
    rpc('verify', [text, { entity: gate.venue, nonces: nonces, now: n }]).then(function (res) {
      if (res.exp - res.iat > PASS_MAX_S) { refuse('r_lifetime'); return; }
      var c = res.nonce.split('.')[0];
      var ch = list.filter(function (x) { return x.c === c; })[0];
      if (!ch || (ch.until || n) < n - CHALLENGE_OK_MS) { refuse('r_old_challenge'); return; }
      var s = seen();
      if (Object.prototype.hasOwnProperty.call(s, res.jti)) { refuse('r_replay'); return; }
      s[res.jti] = res.exp;
      save('kycvs.gate.seen', s);
      reasonKey = '';
      verdict(['none', 'partial', 'full'][res.status], t('v_' + res.status), '');
    }, function (e) {
      refuse(REASONS[e && e.code] || 'r_malformed');
    });
  }

  // --- the camera -------------------------------------------------------------
  var video = $('camera'), stream = null, detector = null, grab = null, scanning = false;
  var grabbed = { at: 0, prev: 0 }, lastGrab = 0;
  function stopCamera() {
    scanning = false;
    if (stream) stream.getTracks().forEach(function (tr) { tr.stop(); });
    stream = null;
    video.hidden = true;
  }
  function startCamera() {
    $('scan-state').textContent = t('loading');
    // A sound needs a gesture to start with: this click is one.
    try { if (!audio && window.AudioContext) audio = new AudioContext(); } catch (e) { audio = null; }
    window.KG.keepAwake();
    // The front camera: a gate stands facing the queue, its screen (the
    // challenge) and its camera (the pass) both towards the person.
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user', width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        return video.play();
      })
      .then(function () {
        if (!('BarcodeDetector' in window)) return null;
        return window.BarcodeDetector.getSupportedFormats().then(function (f) {
          return f.indexOf('qr_code') >= 0 ? new window.BarcodeDetector({ formats: ['qr_code'] }) : null;
        }, function () { return null; });
      })
      .then(function (d) {
        // No BarcodeDetector (Linux Chromium, Firefox, Safari): the decoder
        // shipped with the page, loaded now (the service worker keeps it).
        if (d || window.jsQR) return d;
        return new Promise(function (resolve, reject) {
          var s = document.createElement('script');
          s.src = cfg.jsqr;
          s.onload = function () { resolve(null); };
          s.onerror = reject;
          document.head.appendChild(s);
        });
      })
      .then(function (d) {
        detector = d;
        document.body.dataset.decoder = d ? 'barcodedetector' : 'jsqr';
        $('start').hidden = true;
        $('scan-state').textContent = t('scanning');
        performance.mark('kycvs-gate-ready');
        lastGrab = performance.now();
        scanLoop();
      })
      .catch(function () {
        stopCamera();
        $('scan-state').textContent = t('camera_error');
      });
  }
  $('start').addEventListener('click', startCamera);

  // scanFrame returns the text of a QR code in the current frame, or ''.
  function scanFrame() {
    if (video.readyState < 2 || !video.videoWidth) return Promise.resolve('');
    if (detector) {
      return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : ''; }, function () { return ''; });
    }
    // jsQR: a frame scaled to at most 640 px wide is plenty for a phone's QR.
    var w = Math.min(640, video.videoWidth), h = Math.round(video.videoHeight * w / video.videoWidth);
    if (!grab) grab = document.createElement('canvas');
    if (grab.width !== w || grab.height !== h) { grab.width = w; grab.height = h; }
    var g = grab.getContext('2d', { willReadFrequently: true });
    g.drawImage(video, 0, 0, w, h);
    var r = window.jsQR(g.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: 'dontInvert' });
    return Promise.resolve(r ? r.data : '');
  }
  function scanLoop() {
    if (scanning || !stream) return;
    scanning = true;
    (function step() {
      if (!stream || busy || document.body.dataset.screen !== 'ready') { scanning = false; return; }
      var at = performance.now();
      scanFrame().then(function (text) {
        if (text) grabbed = { at: at, prev: lastGrab || at };
        lastGrab = at;
        // The pass that was just judged is not judged again while it stays
        // in front of the camera; once it has left, it is a new scan.
        if (text && text !== lastText) { lastText = text; scanning = false; check(text); return; }
        if (!text) lastText = '';
        if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(step); else setTimeout(step, 50);
      });
    })();
  }

  // --- keyset age -------------------------------------------------------------
  // The keys are built into the module; the service worker refreshes the
  // page, module and keyset whenever the gate is online and notes when.
  function showKeysAge() {
    var at = 0;
    var p = window.caches ? caches.match('/gate/keys-fetched-at').then(function (r) { return r ? r.text() : '0'; }) : Promise.resolve('0');
    return p.then(function (s) { at = Number(s) || 0; }, function () { at = 0; }).then(function () {
      var el = $('keys');
      var old = !at || now() - at > 86400000;
      el.className = old ? 'warn' : '';
      if (!at) el.textContent = t('keys_never');
      else if (old) el.textContent = t('keys_old');
      else el.textContent = t('keys_age', { when: new Date(at).toLocaleString(document.documentElement.lang) }) + (navigator.onLine ? '' : ' ' + t('offline'));
    });
  }
  function refreshKeys() {
    if (!navigator.onLine) return showKeysAge();
    return fetch('/.well-known/kycvs/keys.json', { cache: 'no-cache', credentials: 'omit' }).catch(function () {}).then(showKeysAge);
  }

  // --- start ------------------------------------------------------------------
  var timer = 0;
  function showReady() {
    $('venue').textContent = gate.name;
    show('ready');
    tick();
    clearInterval(timer);
    timer = setInterval(tick, 1000);
    refreshKeys();
  }

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/gate/sw.js', { scope: '/gate' }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () { document.body.dataset.offlineReady = '1'; showKeysAge(); }).catch(function () {});
  }
  setInterval(refreshKeys, 3600000);
  // Back online: refresh at once; gone offline: say so.
  window.addEventListener('online', refreshKeys);
  window.addEventListener('offline', showKeysAge);

  ready.catch(function () { $('scan-state').textContent = t('module_error'); });

  var fromLink = /^#token=(.+)$/.exec(location.hash);
  if (fromLink) {
    // The sign-in link's token: used once, then out of the address bar.
    history.replaceState(null, '', location.pathname + location.search);
    signIn(decodeURIComponent(fromLink[1])).then(function (ok) {
      if (ok) showReady(); else signOut('err_gate_auth');
    }, function (e) { signOut(e.code === 'network' ? 'err_network' : 'err_generic'); });
  } else if (gate) {
    showReady();
    // Online: is the token still this venue's? A withdrawn one signs out.
    if (navigator.onLine) {
      KP.api('POST', '/v1/gate/session', { token: gate.token }).then(function (r) {
        if (r.status === 401) signOut('signed_out');
        else if (r.ok && gate) { gate.name = r.data.name; save('kycvs.gate', gate); $('venue').textContent = gate.name; }
      });
    }
  } else {
    show('signin');
  }
})();
