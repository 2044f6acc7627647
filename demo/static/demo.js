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
  window.demoError = function (e) { events.push({ type: 'error', code: e.code, fatal: e.fatal }); };
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
      ds.nonces = n.nonces.join(' ');
      KYCVS.reset(document.getElementById('kycvs'), Array.isArray(r)
        ? { travellers: n.nonces.map(function (x) { return { nonce: x }; }) } : { nonce: n.nonce });
      events.push({ type: 'renewed' });
    });
  };
  // A family check: one result per passenger, in the order of our nonces;
  // our server verifies each token alone, with that passenger's nonce.
  function passengers(rs) {
    events.push({ type: 'results', results: rs });
    var nonces = ds.nonces.split(' ');
    var list = document.getElementById('passengers');
    out.textContent = 'Checking with ' + document.title.split(':')[0] + '…';
    Promise.all(rs.map(function (r, i) {
      if (r.error) return Promise.resolve({ ok: false, error: r.error });
      return fetch('/api/check', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ site: ds.site, nonce: nonces[i], token: r.token })
      }).then(function (resp) { return resp.json(); });
    })).then(function (cs) {
      list.replaceChildren();
      cs.forEach(function (c, i) {
        events.push({ type: 'server', passenger: i, ok: c.ok, status: c.status, error: c.error || '' });
        var li = document.createElement('li');
        li.textContent = 'Passenger ' + (i + 1) + ': ' + (c.ok ? names[c.status] : 'not verified (' + c.error + ')');
        list.append(li);
      });
      var ok = cs.every(function (c) { return c.ok; });
      out.textContent = ok ? 'Verified by our server for every passenger.' : 'Not every passenger could be verified.';
      document.getElementById('confirm').disabled = !ok;
      events.push({ type: 'servers', ok: ok });
    });
  }
  window.demoResult = function (r) {
    if (Array.isArray(r)) { passengers(r); return; }
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
