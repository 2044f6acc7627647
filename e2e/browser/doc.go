// Package browser holds the end-to-end tests of the embed in headless
// Chromium (driven by chromedp): demo host pages on one origin, the service
// (widget page, API, static assets) on another, the Go wasm module verifying
// real tokens signed with the local dev key.
//
// The tests run only with KYCVS_E2E=1 (scripts/test.d/50-browser sets it
// after building the site), so plain `go test ./...` stays hermetic. The
// service runs natively here: the worker's http.Handler on SQLite with the
// seed data, behind a static-file layer that serves site/dist the way
// Workers Static Assets does (a file wins over the worker).
package browser
