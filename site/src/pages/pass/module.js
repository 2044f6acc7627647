// pass/module.js: what the pass page and the gate share (both load it after
// common/page.js): the Go module in a Web Worker (worker.js, as the widget
// runs it), and drawing a QR code with the vendored qrcode-generator.
// Exposes window.KG = {rpc, ready, drawQR, keepAwake}.
'use strict';
(function () {
  var seq = 0, pending = new Map(), worker = null;
  var onReady, onReadyFail;
  var ready = new Promise(function (res, rej) { onReady = res; onReadyFail = rej; });
  try {
    worker = new Worker(document.body.dataset.worker);
    worker.onmessage = function (ev) {
      var d = ev.data || {};
      if ('ready' in d) { if (d.ready) onReady(); else onReadyFail(new Error(d.error)); return; }
      var p = pending.get(d.id);
      if (!p) return;
      pending.delete(d.id);
      if (d.ok) p.resolve(d.value); else p.reject(Object.assign(new Error(d.error.message), d.error));
    };
    worker.onerror = function (ev) { onReadyFail(new Error(ev.message || 'worker failed')); };
  } catch (e) { onReadyFail(e); }

  // rpc calls the module's method once it has started; a module that could
  // not start rejects with code "module_unavailable".
  function rpc(method, args) {
    return ready.then(function () {
      return new Promise(function (resolve, reject) {
        var id = ++seq;
        pending.set(id, { resolve: resolve, reject: reject });
        worker.postMessage({ id: id, method: method, args: args });
      });
    }, function (e) {
      throw Object.assign(e instanceof Error ? e : new Error(String(e)), { code: 'module_unavailable' });
    });
  }

  // drawQR draws text as a QR code (byte mode, error correction ecc) on
  // canvas, about size px wide: whole pixels per module (at least 3) and a
  // four-module quiet zone, so a camera reads it from a screen.
  function drawQR(canvas, text, ecc, size) {
    var qr = window.qrcode(0, ecc);
    qr.addData(text, 'Byte');
    qr.make();
    var n = qr.getModuleCount(), quiet = 4;
    var px = Math.max(3, Math.floor(size / (n + 2 * quiet)));
    var s = px * (n + 2 * quiet);
    canvas.width = s; canvas.height = s;
    var g = canvas.getContext('2d');
    g.fillStyle = '#fff'; g.fillRect(0, 0, s, s);
    g.fillStyle = '#000';
    for (var r = 0; r < n; r++) {
      for (var c = 0; c < n; c++) if (qr.isDark(r, c)) g.fillRect((c + quiet) * px, (r + quiet) * px, px, px);
    }
  }

  // keepAwake asks that the screen stay on while the page is shown (a gate
  // runs all day; a pass must not go dark in the queue), again whenever the
  // page comes back into view. Browsers without the API just dim.
  var awake = false;
  function keepAwake() {
    if (awake) return;
    awake = true;
    function ask() {
      if (navigator.wakeLock && document.visibilityState === 'visible') navigator.wakeLock.request('screen').catch(function () {});
    }
    ask();
    document.addEventListener('visibilitychange', ask);
  }

  window.KG = { rpc: rpc, ready: ready, drawQR: drawQR, keepAwake: keepAwake };
})();
