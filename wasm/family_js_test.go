//go:build js && wasm && !kycvs_verifyonly

package main

import (
	"strings"
	"syscall/js"
	"testing"

	"github.com/kycvs/kycvs"
)

// A family check through the module: startFamily and finishFamily send the
// travellers, and finishFamily resolves with one result per traveller, in
// their order, only after every token verified with its own traveller's
// nonce.
func TestFamilyOverFetch(t *testing.T) {
	var f *fixture
	nonces := []string{"n-aaa-111", "n-bbb-222", "n-ccc-333"}
	// What the fake service answers for each traveller; "" is name_mismatch.
	tokenNonce := map[string]string{}
	var sent []js.Value
	f = newFixture(t, func(url string, body js.Value) (int, string) {
		sent = append(sent, body)
		switch url {
		case "https://svc.test/v1/otp":
			return 202, `{"txn":"txn_1","expires_in":180,"resend_in":30}`
		case "https://svc.test/v1/otp/verify":
			ts := body.Get("travellers")
			var items []string
			for i := range ts.Length() {
				n := ts.Index(i).Get("nonce").String()
				if tokenNonce[n] == "" {
					items = append(items, `{"error":"name_mismatch","message":"no one"}`)
					continue
				}
				tok := f.token(t, func(a *kycvs.Attestation) { a.Nonce = tokenNonce[n]; a.Status = kycvs.Status(i % 3) })
				items = append(items, `{"expires_at":1,"token":"`+tok+`"}`)
			}
			return 200, `{"tokens":[` + strings.Join(items, ",") + `]}`
		}
		return 404, `{}`
	})
	obj := js.Global().Get("newKYCVS").Invoke(map[string]any{"base": "https://svc.test", "entity": "ent_rail",
		"nonces": []any{nonces[0], nonces[1], nonces[2]}, "lang": "hi"})
	defer obj.Call("release")
	travellers := []any{
		map[string]any{"name": "Sunita Devi", "nonce": nonces[0]},
		map[string]any{"name": "मोहन लाल", "nonce": nonces[1]},
		map[string]any{"name": "Nobody", "nonce": nonces[2]},
	}

	ok, e := settle(t, obj.Call("startFamily", map[string]any{"mobile": "9876500004", "travellers": travellers}))
	if !e.IsUndefined() || ok.Get("txn").String() != "txn_1" {
		t.Fatalf("startFamily: %v %s", ok, rejection(e))
	}
	b := sent[len(sent)-1]
	if b.Get("entity").String() != "ent_rail" || b.Get("mobile").String() != "9876500004" || b.Get("lang").String() != "hi" ||
		b.Get("travellers").Length() != 3 || b.Get("travellers").Index(1).Get("name").String() != "मोहन लाल" ||
		!b.Get("name").IsUndefined() || !b.Get("nonce").IsUndefined() {
		t.Fatalf("start body: %s", js.Global().Get("JSON").Call("stringify", b))
	}

	finish := func() (js.Value, js.Value) {
		return settle(t, obj.Call("finishFamily", map[string]any{"txn": "txn_1", "otp": "123456", "travellers": travellers}))
	}
	tokenNonce = map[string]string{nonces[0]: nonces[0], nonces[1]: nonces[1]}
	ok, e = finish()
	if !e.IsUndefined() {
		t.Fatalf("finishFamily: %s", rejection(e))
	}
	if ok.Length() != 3 || ok.Index(0).Get("status").Int() != 0 || ok.Index(1).Get("status").Int() != 1 ||
		ok.Index(0).Get("token").Type() != js.TypeString || ok.Index(2).Get("error").String() != "name_mismatch" ||
		!ok.Index(2).Get("token").IsUndefined() {
		t.Fatalf("results: %s", js.Global().Get("JSON").Call("stringify", ok))
	}

	// A token carrying another traveller's nonce (the service swapped two)
	// rejects the whole call: nothing reaches the host.
	tokenNonce = map[string]string{nonces[0]: nonces[1], nonces[1]: nonces[0]}
	if _, e = finish(); e.IsUndefined() || e.Get("code").String() != "token_nonce" {
		t.Fatalf("swapped nonces: %s", rejection(e))
	}
	// A nonce the host did not configure is refused before anything is sent.
	n := len(sent)
	_, e = settle(t, obj.Call("startFamily", map[string]any{"mobile": "9876500004",
		"travellers": []any{map[string]any{"name": "Sunita Devi", "nonce": "n-not-issued"}}}))
	if e.IsUndefined() || e.Get("code").String() != "bad_request" || len(sent) != n {
		t.Fatalf("unconfigured nonce: %s, %d requests", rejection(e), len(sent)-n)
	}
	for _, bad := range []any{nil, []any{}, "x", []any{travellers[0], travellers[0], travellers[0], travellers[0], travellers[0], travellers[0], travellers[0]}} {
		_, e = settle(t, obj.Call("startFamily", map[string]any{"mobile": "9876500004", "travellers": bad}))
		if e.IsUndefined() || e.Get("code").String() != "bad_request" || len(sent) != n {
			t.Errorf("travellers %v: %s", bad, rejection(e))
		}
	}
	// An answer without one result per traveller is refused.
	tokenNonce = map[string]string{}
	_, e = settle(t, obj.Call("finishFamily", map[string]any{"txn": "txn_1", "otp": "123456", "travellers": travellers[:1]}))
	if !e.IsUndefined() {
		t.Fatalf("one traveller, name_mismatch: %s", rejection(e))
	}
	// A single-check instance has no nonces for a family check.
	_, e = settle(t, f.obj.Call("startFamily", map[string]any{"mobile": "9876500004", "travellers": travellers}))
	if e.IsUndefined() || e.Get("code").String() != "bad_config" {
		t.Fatalf("single instance: %s", rejection(e))
	}
}

// The module refuses an answer whose tokens are not one per traveller.
func TestFamilyAnswerShape(t *testing.T) {
	answer := ""
	newFixture(t, func(string, js.Value) (int, string) { return 200, answer })
	obj := js.Global().Get("newKYCVS").Invoke(map[string]any{"base": "https://svc.test", "entity": "ent_rail", "nonces": []any{"n-aaa-111", "n-bbb-222"}})
	defer obj.Call("release")
	travellers := []any{map[string]any{"name": "A", "nonce": "n-aaa-111"}, map[string]any{"name": "B", "nonce": "n-bbb-222"}}
	for _, a := range []string{`{}`, `{"tokens":{}}`, `{"tokens":[{"error":"name_mismatch"}]}`, `{"token":"x"}`,
		`{"tokens":[{"error":"name_mismatch"},{}]}`, `{"tokens":[{"error":"name_mismatch"},{"token":"kycvs1.x.y"}]}`} {
		answer = a
		_, e := settle(t, obj.Call("finishFamily", map[string]any{"txn": "txn_1", "otp": "123456", "travellers": travellers}))
		if e.IsUndefined() || !strings.HasPrefix(e.Get("code").String(), "token_") {
			t.Errorf("answer %s: %s", a, rejection(e))
		}
	}
}
