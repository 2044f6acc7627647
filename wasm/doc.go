// Command wasm is the browser module of the KYC-VS widget, built for
// GOOS=js GOARCH=wasm with -tags kycvs_verifyonly so that it links the
// verifier but not the token encoder (tinylib/msgp), fmt, encoding/json or
// the crypto/* packages that pull in the FIPS 140 module: SIZE.md has the
// numbers, and scripts/test fails if one of them comes back.
//
// It runs inside the widget page (in a dedicated Web Worker, so that
// instantiating the Go runtime never blocks the page the person types into)
// and, loaded on demand by embed.js, in a host page's worker for
// KYCVS.verify. It installs one global constructor, newKYCVS(config), and
// then parks main forever: the Go runtime must stay alive to serve calls.
//
// Every method that does I/O or may take time returns a JS Promise that a
// goroutine settles; a js.Func callback never blocks on a Promise itself,
// which would deadlock the single-threaded Go scheduler. Panics are
// recovered and turned into rejected Promises carrying a JS Error, and the
// funcs of an instance are released by its release() method. The JS API is
// described by kycvs.d.ts beside this file.
//
// The module refuses a token unless its signature verifies under the keyset
// embedded at build time (keys.TrustedJSON, read with JSON.parse: the
// production published.json, plus the dev keyset under -tags kycvs_dev),
// its audience is the entity and its nonce the host's nonce, and it has not
// expired. Only then does the widget hand the token to the host page. This
// check serves the person and the host page's UX; the entity's server MUST
// verify the token again.
//
// A module built with the dev keyset (scripts/build-site --dev) trusts a
// key whose private half sits in a developer's .dev.vars, so it refuses
// every start, finish and verify (code "dev_keys_off_loopback") unless the
// page it runs for is on a loopback origin: 127.0.0.1, localhost or [::1].
package main
