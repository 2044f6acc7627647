//go:build !kycvs_verifyonly

package kycvs

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/kycvs/kycvs/internal/wire"
	"github.com/kycvs/kycvs/keys"
)

func testKeyset(t testing.TB) (*keys.PrivateKey, *keys.Keyset) {
	k := vectorKey(t, "issuer")
	ks := &keys.Keyset{}
	must(t, ks.Add(k.Public(), time.Unix(0, 0), time.Time{}))
	return k, ks
}

func testToken(t testing.TB, k *keys.PrivateKey) string {
	a := &Attestation{Issuer: "https://kycvs.example", Audience: "ent_railways", Nonce: "nonce-1",
		Status: FullyVaccinated, IssuedAt: time.Unix(vIat, 0), ExpiresAt: time.Unix(vIat+300, 0)}
	tok, err := Sign(k, a)
	must(t, err)
	return tok
}

var testExpect = Expect{Audience: "ent_railways", Nonce: "nonce-1", Now: time.Unix(vIat+1, 0)}

func TestSignVerify(t *testing.T) {
	k, ks := testKeyset(t)
	tok := testToken(t, k)
	if len(tok) > 400 {
		t.Errorf("token is %d bytes; SPEC promises well under %d", len(tok), MaxTokenLength)
	}
	a, err := Verify(tok, ks, testExpect)
	must(t, err)
	if a.Status != FullyVaccinated || a.KeyID != k.KeyID() || a.Version != Version {
		t.Fatalf("decoded %+v", a)
	}
	// msgp's own (lenient) decoder must read the same claims: a second opinion
	// on the encoder, since the verifier does not use msgp.
	_, payload, _, err := splitToken(tok)
	must(t, err)
	var p wire.Payload
	if rest, err := p.UnmarshalMsg(payload); err != nil || len(rest) != 0 {
		t.Fatalf("msgp UnmarshalMsg: %v, %d bytes left", err, len(rest))
	}
	if p.Audience != a.Audience || p.Nonce != a.Nonce || p.ExpiresAt != a.ExpiresAt.Unix() || p.Status != uint8(a.Status) {
		t.Fatalf("msgp decoded %+v, strict decoder %+v", p, a)
	}
	if _, err := Verify(tok, ks, Expect{Audience: "ent_railways"}); !errors.Is(err, ErrMalformed) {
		t.Errorf("verify without a nonce: %v", err)
	}
}

func TestSignRefuses(t *testing.T) {
	k, _ := testKeyset(t)
	for name, a := range map[string]*Attestation{
		"lifetime 6m": {Issuer: "i", Audience: "a", Nonce: "n", IssuedAt: time.Unix(vIat, 0), ExpiresAt: time.Unix(vIat+360, 0)},
		"status 3":    {Issuer: "i", Audience: "a", Nonce: "n", Status: 3, IssuedAt: time.Unix(vIat, 0), ExpiresAt: time.Unix(vIat+60, 0)},
		"no audience": {Issuer: "i", Nonce: "n", IssuedAt: time.Unix(vIat, 0), ExpiresAt: time.Unix(vIat+60, 0)},
	} {
		if _, err := Sign(k, a); err == nil {
			t.Errorf("%s: Sign accepted", name)
		}
	}
}

// FuzzDecodePayload feeds arbitrary bytes to the strict decoder. It must
// never panic, and whatever it accepts msgp's decoder must read identically.
func FuzzDecodePayload(f *testing.F) {
	f.Add(encodeFields(goodFields("16451689", 2)))
	f.Add([]byte{0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := decodePayload(b)
		if err != nil {
			return
		}
		var p wire.Payload
		rest, err := p.UnmarshalMsg(b)
		if err != nil || len(rest) != 0 {
			t.Fatalf("strict decoder accepted what msgp refuses: %v", err)
		}
		if p.KeyID != a.KeyID || p.Nonce != a.Nonce || p.IssuedAt != a.IssuedAt.Unix() || p.TokenID != a.TokenID {
			t.Fatalf("decoders disagree: %+v vs %+v", p, a)
		}
	})
}

func TestPairwiseSubject(t *testing.T) {
	key := []byte("k")
	a := PairwiseSubject(key, "ent_a", "ben_1")
	if a != PairwiseSubject(key, "ent_a", "ben_1") {
		t.Fatal("not deterministic")
	}
	for _, o := range [][16]byte{
		PairwiseSubject(key, "ent_b", "ben_1"),
		PairwiseSubject(key, "ent_a", "ben_2"),
		PairwiseSubject([]byte("k2"), "ent_a", "ben_1"),
		PairwiseSubject(key, "ent_a\x00ben", "_1"),
	} {
		if bytes.Equal(a[:], o[:]) {
			t.Fatal("collision across audiences, people or keys")
		}
	}
}

func BenchmarkSign(b *testing.B) {
	k, _ := testKeyset(b)
	a := &Attestation{Issuer: "https://kycvs.example", Audience: "ent_railways", Nonce: "nonce-1",
		Status: FullyVaccinated, IssuedAt: time.Unix(vIat, 0), ExpiresAt: time.Unix(vIat+300, 0)}
	for b.Loop() {
		if _, err := Sign(k, a); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodePayload(b *testing.B) {
	p := encodeFields(goodFields("16451689", 2))
	for b.Loop() {
		if _, err := decodePayload(p); err != nil {
			b.Fatal(err)
		}
	}
}
