// worker.js: runs the KYC-VS Go module in a dedicated Web Worker, so that
// compiling and starting the Go runtime (tens of ms of busy CPU) never
// blocks the page a person types into. The widget page and embed.js's
// KYCVS.verify talk to it with {id, method, args} messages.
//
// scripts/build-site replaces the __…__ placeholders with content-hashed
// paths. KYCVS_BASE is set by embed.js's bootstrap when the worker runs on
// a host page (blob: URL), where relative URLs would not reach the service.
'use strict';
(function () {
  var base = self.KYCVS_BASE || self.location.origin;
  // Start downloading the module before the (synchronous) importScripts.
  var wasmResponse = fetch(base + '__WASM__', { credentials: 'omit' });
  importScripts(base + '__WASM_EXEC__');

  var METHODS = { start: 1, finish: 1, startFamily: 1, finishFamily: 1, verify: 1, benchVerify: 1 };
  var mod = null;
  var t0 = performance.now();
  var tCompiled = 0;

  var ready = (async function () {
    var go = new self.Go();
    var result;
    try {
      result = await WebAssembly.instantiateStreaming(wasmResponse, go.importObject);
    } catch (e) {
      // A server without application/wasm: fall back to bytes.
      var r = await fetch(base + '__WASM__', { credentials: 'omit' });
      if (!r.ok) throw new Error('loading module: HTTP ' + r.status);
      result = await WebAssembly.instantiate(await r.arrayBuffer(), go.importObject);
    }
    tCompiled = performance.now() - t0;
    // run() settles only if Go's main returns, which it never does; by the
    // time it yields, newKYCVS is installed.
    go.run(result.instance).then(function () {
      self.postMessage({ fatal: 'module exited' });
    });
    if (typeof self.newKYCVS !== 'function') throw new Error('module did not install newKYCVS');
    return performance.now() - t0;
  })();

  ready.then(
    function (ms) { self.postMessage({ ready: true, ms: ms, compileMs: tCompiled }); },
    function (e) { self.postMessage({ ready: false, error: String(e && e.message || e) }); }
  );

  function plainError(e) {
    return {
      name: (e && e.name) || 'Error',
      message: String((e && e.message) || e),
      code: (e && e.code) || 'internal',
      httpStatus: e && e.httpStatus,
      attemptsLeft: e && e.attemptsLeft,
      retryAfter: e && e.retryAfter
    };
  }

  self.onmessage = async function (ev) {
    var d = ev.data || {};
    var id = d.id;
    try {
      await ready;
      var value;
      if (d.method === 'init') {
        if (mod) mod.release();
        mod = self.newKYCVS(Object.assign({ base: base }, d.args && d.args[0]));
        value = true;
      } else if (METHODS[d.method] === 1) {
        if (!mod) mod = self.newKYCVS({ base: base });
        value = await mod[d.method].apply(mod, d.args || []);
      } else {
        throw Object.assign(new Error('unknown method'), { code: 'bad_request' });
      }
      self.postMessage({ id: id, ok: true, value: value });
    } catch (e) {
      self.postMessage({ id: id, ok: false, error: plainError(e) });
    }
  };
})();
