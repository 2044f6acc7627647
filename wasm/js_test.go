//go:build js && wasm

package main

import (
	"syscall/js"
	"testing"
)

// Shared by the module's tests in every build: with and without
// kycvs_verifyonly and kycvs_dev.

func TestMain(m *testing.M) {
	// main() is not run by go test; install the constructor ourselves.
	js.Global().Set("newKYCVS", js.FuncOf(newInstance))
	// node has no location. The tests run as if on a loopback page, where a
	// kycvs_dev build works; TestDevKeysOffLoopback moves it.
	setLocation("http://127.0.0.1:8787/")
	m.Run()
}

// setLocation sets globalThis.location to a URL object, which has the
// fields of a Location the module reads, or deletes it for url "". It
// returns a func restoring the previous value.
func setLocation(url string) (restore func()) {
	g := js.Global()
	old := g.Get("location")
	if url == "" {
		g.Delete("location")
	} else {
		g.Set("location", g.Get("URL").New(url))
	}
	return func() { g.Set("location", old) }
}

func settle(t testing.TB, p js.Value) (js.Value, js.Value) {
	t.Helper()
	if !p.InstanceOf(js.Global().Get("Promise")) {
		t.Fatalf("method returned %s, want a Promise", p.Type())
	}
	v, err := await(p.Call("then", js.FuncOf(func(_ js.Value, a []js.Value) any {
		return map[string]any{"ok": a[0]}
	}), js.FuncOf(func(_ js.Value, a []js.Value) any {
		return map[string]any{"err": a[0]}
	})))
	if err != nil {
		t.Fatal(err)
	}
	return v.Get("ok"), v.Get("err")
}

// rejection describes a settled call's rejection for test messages.
func rejection(e js.Value) string {
	if e.IsUndefined() {
		return "not rejected"
	}
	return e.Get("code").String() + ": " + e.Get("message").String()
}
