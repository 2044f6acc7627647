//go:build js && wasm && !kycvs_verifyonly

package main

import (
	"crypto/ed25519"
	"strings"
	"syscall/js"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/keys"
)

// These tests run under node (GOOS=js GOARCH=wasm go test, with
// $(go env GOROOT)/lib/wasm on PATH) and drive the module through the same
// JS surface the widget uses: the global constructor, Promises, errors.
// TestMain and settle are in js_test.go.

type fixture struct {
	sk  *keys.PrivateKey
	obj js.Value
}

func newFixture(t testing.TB, fetch func(url string, body js.Value) (int, string)) *fixture {
	t.Helper()
	sk, err := keys.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	ks := &keys.Keyset{}
	if err := ks.Add(sk.Public(), time.Now().Add(-time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	old := pinnedKeyset
	pinnedKeyset = func() *keys.Keyset { return ks }
	t.Cleanup(func() { pinnedKeyset = old })
	if fetch != nil {
		oldFetch := js.Global().Get("fetch")
		f := js.FuncOf(func(_ js.Value, a []js.Value) any {
			body := js.Global().Get("JSON").Call("parse", a[1].Get("body"))
			status, text := fetch(a[0].String(), body)
			resp := js.Global().Get("Response").New(text, map[string]any{
				"status":  status,
				"headers": map[string]any{"content-type": "application/json", "retry-after": "7"},
			})
			return js.Global().Get("Promise").Call("resolve", resp)
		})
		js.Global().Set("fetch", f)
		t.Cleanup(func() { js.Global().Set("fetch", oldFetch); f.Release() })
	}
	obj := js.Global().Get("newKYCVS").Invoke(map[string]any{"base": "https://svc.test", "entity": "ent_rail", "nonce": "n-123"})
	t.Cleanup(func() { obj.Call("release") })
	return &fixture{sk: sk, obj: obj}
}

func (f *fixture) token(t testing.TB, edit func(*kycvs.Attestation)) string {
	t.Helper()
	now := time.Now().Truncate(time.Second)
	a := &kycvs.Attestation{Issuer: "kycvs-test", Audience: "ent_rail", Nonce: "n-123", Status: kycvs.FullyVaccinated,
		IssuedAt: now, ExpiresAt: now.Add(2 * time.Minute)}
	if edit != nil {
		edit(a)
	}
	tok, err := kycvs.Sign(f.sk, a)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestVerifyAcceptsGoodToken(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.token(t, nil)
	ok, e := settle(t, f.obj.Call("verify", tok))
	if !e.IsUndefined() {
		t.Fatalf("verify rejected: %s", e.Get("message"))
	}
	if ok.Get("status").Int() != 2 || ok.Get("token").String() != tok || ok.Get("statusName").String() != "fully_vaccinated" {
		t.Fatalf("unexpected result status=%v token=%v", ok.Get("status"), ok.Get("token"))
	}
	if exp := ok.Get("exp").Int(); exp < int(time.Now().Unix()) {
		t.Fatalf("exp %d in the past", exp)
	}
}

func TestVerifyRefuses(t *testing.T) {
	f := newFixture(t, nil)
	good := f.token(t, nil)
	other, _ := keys.GenerateKey()
	foreign, _ := kycvs.Sign(other, &kycvs.Attestation{Issuer: "x", Audience: "ent_rail", Nonce: "n-123",
		IssuedAt: time.Now().Truncate(time.Second), ExpiresAt: time.Now().Truncate(time.Second).Add(time.Minute)})
	flipped := []byte(good)
	i := strings.LastIndexByte(good, '.') + 3
	if flipped[i] == 'A' {
		flipped[i] = 'B'
	} else {
		flipped[i] = 'A'
	}
	for _, tc := range []struct {
		name, token, code string
		opts              map[string]any
	}{
		{"tampered signature", string(flipped), "token_signature", nil},
		{"other entity", f.token(t, func(a *kycvs.Attestation) { a.Audience = "ent_hotel" }), "token_audience", nil},
		{"other nonce", f.token(t, func(a *kycvs.Attestation) { a.Nonce = "n-999" }), "token_nonce", nil},
		{"expected other nonce", good, "token_nonce", map[string]any{"nonce": "n-000"}},
		{"expired", f.token(t, func(a *kycvs.Attestation) {
			a.IssuedAt = time.Now().Add(-10 * time.Minute).Truncate(time.Second)
			a.ExpiresAt = a.IssuedAt.Add(time.Minute)
		}), "token_expired", nil},
		{"unknown key", foreign, "token_unknown_key", nil},
		{"garbage", "kycvs1.nope", "token_malformed", nil},
		{"empty", "", "token_malformed", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p js.Value
			if tc.opts != nil {
				p = f.obj.Call("verify", tc.token, tc.opts)
			} else {
				p = f.obj.Call("verify", tc.token)
			}
			ok, e := settle(t, p)
			if e.IsUndefined() {
				t.Fatalf("accepted: %v", ok)
			}
			if !e.InstanceOf(js.Global().Get("Error")) || e.Get("name").String() != "KYCVSError" {
				t.Fatalf("rejection is not a KYCVSError Error: %v", e)
			}
			if got := e.Get("code").String(); got != tc.code {
				t.Fatalf("code %q, want %q (%s)", got, tc.code, e.Get("message"))
			}
		})
	}
}

// TestDevBuildOffLoopback checks with real tokens what
// TestDevKeysOffLoopback checks with a malformed one: a kycvs_dev build
// off a loopback origin refuses a token signed by a key it pins, and sends
// nothing to the service; any other build verifies it there.
func TestDevBuildOffLoopback(t *testing.T) {
	posts := 0
	var f *fixture
	f = newFixture(t, func(string, js.Value) (int, string) {
		posts++
		return 200, `{"txn":"txn_1","token":"` + f.token(t, nil) + `"}`
	})
	defer setLocation("https://shop.example/checkout")()
	refused := keys.DevKeysEmbedded()
	for _, call := range []struct {
		method string
		arg    any
	}{
		{"verify", f.token(t, nil)},
		{"start", map[string]any{"mobile": "9876543210", "name": "Asha"}},
		{"finish", map[string]any{"txn": "txn_1", "otp": "123456"}},
	} {
		_, e := settle(t, f.obj.Call(call.method, call.arg))
		if refused && (e.IsUndefined() || e.Get("code").String() != "dev_keys_off_loopback") {
			t.Errorf("%s on shop.example in a kycvs_dev build: %s, want code dev_keys_off_loopback", call.method, rejection(e))
		}
		if !refused && !e.IsUndefined() {
			t.Errorf("%s on shop.example: %s", call.method, rejection(e))
		}
	}
	if refused && posts != 0 {
		t.Errorf("a refused module sent %d requests", posts)
	}
}

func TestFlowOverFetch(t *testing.T) {
	var f *fixture
	var tokenEntity = "ent_rail"
	f = newFixture(t, func(url string, body js.Value) (int, string) {
		switch url {
		case "https://svc.test/v1/otp":
			if body.Get("entity").String() != "ent_rail" || body.Get("nonce").String() != "n-123" || body.Get("mobile").String() != "9876543210" {
				return 400, `{"error":"bad_request","message":"wrong body"}`
			}
			return 202, `{"txn":"txn_1","expires_in":180,"resend_in":30}`
		case "https://svc.test/v1/otp/verify":
			switch body.Get("otp").String() {
			case "111111":
				return 401, `{"error":"otp_incorrect","message":"wrong","attempts_left":2}`
			case "222222":
				return 429, `{"error":"rate_limited","message":"slow down"}`
			}
			return 200, `{"token":"` + f.token(t, func(a *kycvs.Attestation) { a.Audience = tokenEntity; a.Status = kycvs.PartiallyVaccinated }) + `"}`
		}
		return 404, `{}`
	})
	ok, e := settle(t, f.obj.Call("start", map[string]any{"mobile": "9876543210", "name": "Asha"}))
	if !e.IsUndefined() {
		t.Fatalf("start rejected: %s", e.Get("message"))
	}
	if ok.Get("txn").String() != "txn_1" || ok.Get("resendIn").Int() != 30 || ok.Get("expiresIn").Int() != 180 {
		t.Fatalf("start result: %v", ok)
	}

	_, e = settle(t, f.obj.Call("finish", map[string]any{"txn": "txn_1", "otp": "111111"}))
	if e.IsUndefined() || e.Get("code").String() != "otp_incorrect" || e.Get("attemptsLeft").Int() != 2 || e.Get("httpStatus").Int() != 401 {
		t.Fatalf("wrong otp: %v", e)
	}
	_, e = settle(t, f.obj.Call("finish", map[string]any{"txn": "txn_1", "otp": "222222"}))
	if e.IsUndefined() || e.Get("retryAfter").Int() != 7 {
		t.Fatalf("429: %v", e)
	}

	ok, e = settle(t, f.obj.Call("finish", map[string]any{"txn": "txn_1", "otp": "123456"}))
	if !e.IsUndefined() {
		t.Fatalf("finish rejected: %s", e.Get("message"))
	}
	if ok.Get("status").Int() != 1 {
		t.Fatalf("status %v", ok.Get("status"))
	}

	// A service answering with a token for another entity must not get it
	// through to the host.
	tokenEntity = "ent_hotel"
	_, e = settle(t, f.obj.Call("finish", map[string]any{"txn": "txn_1", "otp": "123456"}))
	if e.IsUndefined() || e.Get("code").String() != "token_audience" {
		t.Fatalf("foreign-audience token from the service was accepted: %v", e)
	}
}

func TestBadConfigRejects(t *testing.T) {
	obj := js.Global().Get("newKYCVS").Invoke()
	defer obj.Call("release")
	_, e := settle(t, obj.Call("start", map[string]any{}))
	if e.IsUndefined() || e.Get("code").String() != "bad_config" {
		t.Fatalf("got %v", e)
	}
}

func TestPanicBecomesError(t *testing.T) {
	_, e := settle(t, newPromise(func() (any, error) {
		var m map[string]int
		//lint:ignore SA5000 the nil map write is the panic under test
		m["boom"]++
		return nil, nil
	}))
	if e.IsUndefined() || !e.InstanceOf(js.Global().Get("Error")) || e.Get("code").String() != "internal" {
		t.Fatalf("panic not reported as Error: %v", e)
	}
	// The runtime survives: another promise still settles.
	ok, _ := settle(t, newPromise(func() (any, error) { return 42, nil }))
	if ok.Int() != 42 {
		t.Fatal("runtime dead after a recovered panic")
	}
}

func TestBenchVerify(t *testing.T) {
	f := newFixture(t, nil)
	pub, priv, _ := ed25519.GenerateKey(nil)
	msg := []byte("kycvs bench message")
	sig := ed25519.Sign(priv, msg)
	u8 := func(b []byte) js.Value {
		v := js.Global().Get("Uint8Array").New(len(b))
		js.CopyBytesToJS(v, b)
		return v
	}
	ok, e := settle(t, f.obj.Call("benchVerify", map[string]any{"publicKey": u8(pub), "message": u8(msg), "signature": u8(sig), "iterations": 3}))
	if !e.IsUndefined() || !ok.Get("ok").Bool() {
		t.Fatalf("bench: %v %v", ok, e)
	}
}

// TestPinnedKeysetIsTrusted holds the module's reading of the embedded
// keyset (JSON.parse, keyset_js.go) to keys.Trusted (encoding/json).
func TestPinnedKeysetIsTrusted(t *testing.T) {
	got, err := keysetFromJSON(keys.TrustedJSON()...)
	if err != nil {
		t.Fatal(err)
	}
	want := keys.Trusted().Entries()
	if len(got.Entries()) != len(want) {
		t.Fatalf("%d keys, keys.Trusted has %d", len(got.Entries()), len(want))
	}
	for i, e := range got.Entries() {
		w := want[i]
		if !e.Key.Equal(w.Key) || !e.NotBefore.Equal(w.NotBefore) || !e.NotAfter.Equal(w.NotAfter) {
			t.Errorf("entry %d: %v, keys.Trusted has %v", i, e, w)
		}
	}
}
