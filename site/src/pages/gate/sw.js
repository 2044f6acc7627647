// gate/sw.js: the gate's service worker logic, imported by /gate/sw.js
// (worker/pages/gate), which sets self.KYCVS_GATE = {version, files} first.
// It keeps the gate working with no network: the page, its scripts, the
// module and the keyset are cached at install; hashed files (/a/…) never
// change and are served from the cache; the page and the keyset are fetched
// from the network first whenever there is one, so a gate that is online
// refreshes them, and the time of the last keyset fetch is kept for the
// page to show.
'use strict';
(function () {
  var G = self.KYCVS_GATE;
  var CACHE = 'kycvs-gate-' + G.version;
  var KEYS = '/.well-known/kycvs/keys.json';
  var STAMP = '/gate/keys-fetched-at'; // a cache entry only, never a route

  function stamp(cache) {
    return cache.put(STAMP, new Response(String(Date.now()), { headers: { 'Content-Type': 'text/plain' } }));
  }

  self.addEventListener('install', function (ev) {
    ev.waitUntil(caches.open(CACHE).then(function (cache) {
      return Promise.all(G.files.map(function (f) {
        return fetch(f, { cache: 'no-cache', credentials: 'omit' }).then(function (r) {
          if (!r.ok) throw new Error(f + ': HTTP ' + r.status);
          return cache.put(f, r).then(function () { return f === KEYS ? stamp(cache) : null; });
        });
      }));
    }).then(function () { return self.skipWaiting(); }));
  });

  self.addEventListener('activate', function (ev) {
    ev.waitUntil(caches.keys().then(function (names) {
      return Promise.all(names.map(function (n) {
        return n.indexOf('kycvs-gate-') === 0 && n !== CACHE ? caches.delete(n) : null;
      }));
    }).then(function () { return self.clients.claim(); }));
  });

  // networkFirst answers from the network when it answers within 4 s (and
  // keeps the answer), else from the cache.
  function networkFirst(req, key) {
    return caches.open(CACHE).then(function (cache) {
      var net = fetch(req).then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        var kept = cache.put(key, r.clone());
        if (key === KEYS) kept = kept.then(function () { return stamp(cache); });
        return kept.then(function () { return r; });
      });
      var timeout = new Promise(function (_, reject) { setTimeout(function () { reject(new Error('timeout')); }, 4000); });
      return Promise.race([net, timeout]).catch(function () {
        return cache.match(key).then(function (hit) {
          return hit || cache.match('/gate', { ignoreSearch: true }).then(function (page) {
            if (key !== KEYS && page) return page;
            return net; // nothing kept: the network's own failure
          });
        });
      });
    });
  }

  self.addEventListener('fetch', function (ev) {
    var req = ev.request;
    if (req.method !== 'GET') return;
    var url = new URL(req.url);
    if (url.origin !== self.location.origin) return;
    if (url.pathname === '/gate') {
      ev.respondWith(networkFirst(req, url.pathname + url.search));
    } else if (url.pathname === KEYS) {
      ev.respondWith(networkFirst(req, KEYS));
    } else if (url.pathname.indexOf('/a/') === 0) {
      ev.respondWith(caches.open(CACHE).then(function (cache) {
        return cache.match(url.pathname).then(function (hit) {
          return hit || fetch(req).then(function (r) {
            if (r.ok) cache.put(url.pathname, r.clone());
            return r;
          });
        });
      }));
    }
    // Everything else (the API: signing in) goes to the network as is.
  });
})();
