//go:build js && wasm && !kycvs_verifyonly

package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
)

// A gate's verify: the token's nonce must be one of nonces, at the gate's
// own time (now, Unix ms), and the answer names the nonce, iat and jti.
func TestVerifyGate(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.token(t, func(a *kycvs.Attestation) { a.Nonce = "K7QM4XPA"; a.TokenID = [16]byte{0xab, 1} })
	opts := func(nonces []any, now time.Time) map[string]any {
		return map[string]any{"entity": "ent_rail", "nonces": nonces, "now": float64(now.UnixMilli())}
	}
	ok, e := settle(t, f.obj.Call("verify", tok, opts([]any{"AAAAAAAA", "K7QM4XPA", "BBBBBBBB"}, time.Now())))
	if !e.IsUndefined() {
		t.Fatalf("refused: %s", e.Get("message"))
	}
	if ok.Get("nonce").String() != "K7QM4XPA" || ok.Get("jti").String() != "ab01000000000000000000000000000000"[:32] ||
		ok.Get("exp").Int()-ok.Get("iat").Int() != 120 {
		t.Fatalf("nonce %v jti %v iat %v exp %v", ok.Get("nonce"), ok.Get("jti"), ok.Get("iat"), ok.Get("exp"))
	}
	for _, tc := range []struct {
		name   string
		nonces []any
		now    time.Time
		code   string
	}{
		{"no challenge of this gate", []any{"AAAAAAAA", "BBBBBBBB"}, time.Now(), "token_nonce"},
		{"three minutes later", []any{"K7QM4XPA"}, time.Now().Add(3 * time.Minute), "token_expired"},
		{"gate clock far behind", []any{"K7QM4XPA"}, time.Now().Add(-5 * time.Minute), "token_not_yet_valid"},
	} {
		_, e := settle(t, f.obj.Call("verify", tok, opts(tc.nonces, tc.now)))
		if e.IsUndefined() || e.Get("code").String() != tc.code {
			t.Errorf("%s: got %v, want %s", tc.name, e, tc.code)
		}
	}
}

// BenchmarkVerifyGateNoneMatch is a gate's slowest verdict: a pass bound to
// none of its challenges, tried against all it keeps (ten minutes of
// 30-second challenges, each also with the six suffixes of a family's
// passes: 140 nonces). Run by scripts/bench.d/55-gate.
func BenchmarkVerifyGateNoneMatch(b *testing.B) {
	f := newFixture(b, nil)
	tok := f.token(b, func(a *kycvs.Attestation) { a.Nonce = "K7QM4XPA.7" })
	var nonces []any
	for i := range 20 {
		c := fmt.Sprintf("C%07d", i)
		nonces = append(nonces, c)
		for k := 1; k <= 6; k++ {
			nonces = append(nonces, fmt.Sprintf("%s.%d", c, k))
		}
	}
	opts := map[string]any{"entity": "ent_rail", "nonces": nonces, "now": float64(time.Now().UnixMilli())}
	for b.Loop() {
		if _, e := settle(b, f.obj.Call("verify", tok, opts)); e.IsUndefined() || e.Get("code").String() != "token_nonce" {
			b.Fatalf("got %v, want token_nonce", e)
		}
	}
}
