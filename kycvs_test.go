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

// TestEveryMutationRejected changes every byte of a valid token to every
// other base64url character, and cuts it at every length: nothing but the
// original verifies.
func TestEveryMutationRejected(t *testing.T) {
	k, ks := testKeyset(t)
	tok := testToken(t, k)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.="
	for i := range len(tok) {
		if _, err := Verify(tok[:i], ks, testExpect); err == nil {
			t.Fatalf("truncation to %d bytes accepted", i)
		}
		for j := range len(alphabet) {
			if tok[i] == alphabet[j] {
				continue
			}
			b := []byte(tok)
			b[i] = alphabet[j]
			if _, err := Verify(string(b), ks, testExpect); err == nil {
				t.Fatalf("byte %d changed to %q accepted: %s", i, alphabet[j], b)
			}
		}
	}
}

func FuzzVerify(f *testing.F) {
	k, ks := testKeyset(f)
	f.Add(testToken(f, k))
	f.Add("kycvs1.00000000.gA.AA")
	f.Fuzz(func(t *testing.T, tok string) {
		a, err := Verify(tok, ks, testExpect)
		if err == nil && (a.Audience != testExpect.Audience || a.Nonce != testExpect.Nonce) {
			t.Fatalf("accepted a token for %q/%q", a.Audience, a.Nonce)
		}
	})
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

func TestStatusString(t *testing.T) {
	for s, want := range map[Status]string{0: "not_vaccinated", 1: "partially_vaccinated", 2: "fully_vaccinated", 7: "Status(7)"} {
		if s.String() != want {
			t.Errorf("%d.String() = %q", s, s.String())
		}
	}
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

func BenchmarkVerify(b *testing.B) {
	k, ks := testKeyset(b)
	tok := testToken(b, k)
	for b.Loop() {
		if _, err := Verify(tok, ks, testExpect); err != nil {
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
