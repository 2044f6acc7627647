// Host-page glue for the demo entities: hand the widget's token to our own
// server, which verifies it and consumes the nonce. The page records every
// event in window.demoEvents for the browser tests.
'use strict';
(function () {
  var ds = document.body.dataset;
  var events = window.demoEvents = [];
  var out = document.getElementById('outcome');
  var names = { 0: 'not vaccinated', 1: 'partially vaccinated', 2: 'fully vaccinated' };
  window.demoShown = function (e) { events.push({ type: 'shown', id: e.id, t: performance.now() }); };
  window.demoReady = function (e) { events.push({ type: 'ready', id: e.id, t: performance.now() }); };
  window.demoError = function (e) { events.push({ type: 'error', code: e.code }); };
  // An expired result is worthless to our server: start a fresh check with
  // a fresh nonce from it.
  window.demoExpired = function (r) {
    events.push({ type: 'expired' });
    out.textContent = 'The check has expired; please verify again.';
    document.getElementById('confirm').disabled = true;
    fetch('/api/nonce', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ site: ds.site })
    }).then(function (resp) { return resp.json(); }).then(function (n) {
      ds.nonce = n.nonce;
      KYCVS.reset(document.getElementById('kycvs'), { nonce: n.nonce });
      events.push({ type: 'renewed' });
    });
  };
  window.demoResult = function (r) {
    events.push({ type: 'result', status: r.status, token: r.token, exp: r.exp });
    out.textContent = 'Checking with ' + document.title.split(':')[0] + '…';
    fetch('/api/check', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ site: ds.site, nonce: ds.nonce, token: r.token })
    }).then(function (resp) { return resp.json(); }).then(function (c) {
      events.push({ type: 'server', ok: c.ok, status: c.status, error: c.error || '' });
      if (c.ok) {
        out.textContent = 'Verified by our server: ' + names[c.status] + '.';
        document.getElementById('confirm').disabled = false;
      } else {
        out.textContent = 'Our server refused the result (' + c.error + ').';
      }
    });
  };
})();
