package keys

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"filippo.io/edwards25519"
	circled "github.com/cloudflare/circl/sign/ed25519"
)

// The tests in this file run in every build, including -tags
// kycvs_verifyonly (the browser module's), where PrivateKey, ParseKeyset,
// Published and Trusted do not exist; private_test.go tests those. testKey
// signs with crypto/ed25519 directly, which tests may link.
type testKey struct {
	priv ed25519.PrivateKey
	pub  PublicKey
}

func seedKey(t testing.TB, b byte) testKey {
	t.Helper()
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, 32))
	pub, err := ParsePublicKey(priv.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	return testKey{priv: priv, pub: pub}
}

func (k testKey) Public() PublicKey               { return k.pub }
func (k testKey) KeyID() string                   { return k.pub.ID() }
func (k testKey) Sign(msg []byte) ([]byte, error) { return ed25519.Sign(k.priv, msg), nil }

func TestSignVerifyRoundTrip(t *testing.T) {
	k := seedKey(t, 7)
	msg := []byte("kycvs")
	sig, err := k.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	if !k.Public().Verify(msg, sig) {
		t.Fatal("own signature refused")
	}
	if !ed25519.Verify(k.Public().Bytes(), msg, sig) {
		t.Fatal("crypto/ed25519 refuses our signature")
	}
	for i := range sig {
		bad := bytes.Clone(sig)
		bad[i] ^= 1
		if k.Public().Verify(msg, bad) {
			t.Fatalf("signature with byte %d changed accepted", i)
		}
	}
	if k.Public().Verify([]byte("kycvS"), sig) {
		t.Fatal("signature accepted for another message")
	}
	var zero PublicKey
	if zero.Verify(msg, sig) {
		t.Fatal("zero key verified a signature")
	}
}

func TestParsePublicKeyRefuses(t *testing.T) {
	identity := edwards25519.NewIdentityPoint().Bytes()
	// y = p (≡ 0), x = 0 encodes a valid point non-canonically.
	nonCanonical := []byte{0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}
	notOnCurve := bytes.Repeat([]byte{0}, 32)
	notOnCurve[0] = 2 // y = 2 has no x on the curve
	for name, tc := range map[string]struct {
		raw  []byte
		want error
	}{
		"short":         {make([]byte, 31), ErrKeyLength},
		"long":          {make([]byte, 33), ErrKeyLength},
		"identity":      {identity, ErrKeySmallOrder},
		"non-canonical": {nonCanonical, ErrKeyNonCanonical},
		"not on curve":  {notOnCurve, ErrKeyNotOnCurve},
	} {
		if _, err := ParsePublicKey(tc.raw); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
}

func TestTextForms(t *testing.T) {
	k := seedKey(t, 9)
	pubText := k.Public().String()
	if !strings.HasPrefix(pubText, "kycvs+"+k.KeyID()+"+") {
		t.Fatalf("public text %q", pubText)
	}
	p, err := ParsePublicKeyText(pubText)
	if err != nil || !p.Equal(k.Public()) {
		t.Fatalf("ParsePublicKeyText(%q) = %v, %v", pubText, p, err)
	}
	var u PublicKey
	if b, _ := k.Public().MarshalText(); u.UnmarshalText(b) != nil || !u.Equal(k.Public()) {
		t.Fatalf("MarshalText/UnmarshalText round trip of %s", b)
	}
	// SPEC.md's worked example.
	spec := "kycvs+16451689+AQih4_hdI9E4DVqziD4CAQcvhBtQm9IP_IDQWSgCmcR4"
	if p, err := ParsePublicKeyText(spec); err != nil || p.ID() != "16451689" || p.String() != spec {
		t.Fatalf("SPEC.md example key: %v, %v", p, err)
	}
	refusesEveryMutation(t, pubText, func(s string) error {
		_, err := ParsePublicKeyText(s)
		return err
	})
	if _, err := ParsePublicKeyText("kycvs+16451689+AQih4_hdI9E4DVqziD4CAQcvhBtQm9IP_IDQWSgCmcR5"); !errors.Is(err, ErrKeyText) {
		t.Errorf("key text with a wrong key: %v, want ErrKeyText", err)
	}
}

// refusesEveryMutation checks, in the spirit of sumdb/note, that every
// single-byte change and every prefix of a key text is refused.
func refusesEveryMutation(t *testing.T, text string, parse func(string) error) {
	t.Helper()
	for i := range text {
		if parse(text[:i]) == nil {
			t.Errorf("prefix %q accepted", text[:i])
		}
		for _, c := range []byte{'A', 'z', '0', '+', '-', '_'} {
			if text[i] == c {
				continue
			}
			b := []byte(text)
			b[i] = c
			if parse(string(b)) == nil {
				t.Errorf("%q accepted (byte %d changed)", b, i)
			}
		}
	}
	if parse(text+"A") == nil {
		t.Errorf("text with a trailing byte accepted")
	}
}

func TestKeyset(t *testing.T) {
	a, b := seedKey(t, 1).Public(), seedKey(t, 2).Public()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ks := &Keyset{}
	if err := ks.Add(a, t0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := ks.Add(a, t0, time.Time{}); err == nil {
		t.Fatal("duplicate key accepted")
	}
	if err := ks.Add(b, t0.Add(time.Hour), t0); err == nil {
		t.Fatal("not_after before not_before accepted")
	}
	if err := ks.Add(b, t0.Add(time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := ks.Retire(a.ID(), t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kid  string
		at   time.Time
		want bool
	}{
		{a.ID(), t0, true},
		{a.ID(), t0.Add(-time.Second), false},
		{a.ID(), t0.Add(2*time.Hour - time.Second), true},
		{a.ID(), t0.Add(2 * time.Hour), false},
		{b.ID(), t0, false},
		{b.ID(), t0.Add(100 * time.Hour), true},
		{"00000000", t0, false},
	} {
		k, err := ks.Lookup(tc.kid, tc.at)
		if (err == nil) != tc.want {
			t.Errorf("Lookup(%s, %s) err = %v, want ok=%v", tc.kid, tc.at, err, tc.want)
		}
		if err != nil && !errors.Is(err, ErrUnknownKey) {
			t.Errorf("Lookup error %v does not wrap ErrUnknownKey", err)
		}
		if err == nil && k.ID() != tc.kid {
			t.Errorf("Lookup(%s) returned key %s", tc.kid, k.ID())
		}
	}
	if _, ok := ks.Has(b.ID()); !ok {
		t.Error("Has: key b missing")
	}
	if _, ok := ks.Has("00000000"); ok {
		t.Error("Has: unknown key found")
	}
	if err := ks.Retire("00000000", t0); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Retire of an unknown key: %v", err)
	}
	if err := ks.Retire(b.ID(), t0); err == nil {
		t.Error("retired a key before it became valid")
	}
	if err := ks.Add(PublicKey{}, t0, time.Time{}); err == nil {
		t.Error("zero key accepted")
	}
	c := seedKey(t, 3).Public()
	other := &Keyset{}
	if err := other.Add(a, t0.Add(-time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := other.Add(c, t0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	ks.Merge(other)
	if e := ks.Entries(); len(e) != 3 || !e[0].NotBefore.Equal(t0) || !e[2].Key.Equal(c) {
		t.Errorf("Merge: entries %v", e)
	}
	var none *Keyset
	if _, err := none.Lookup(a.ID(), t0); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Lookup on a nil keyset: %v", err)
	}
}

// TestTrustedJSON parses the embedded keyset documents the way the
// browser module does (wasm/keyset_js.go, with JSON.parse there): every
// entry's key parses, its kid is the key's id, and Add accepts it.
func TestTrustedJSON(t *testing.T) {
	docs := TrustedJSON()
	if len(docs) == 0 || string(docs[0]) != string(publishedJSON) {
		t.Fatal("TrustedJSON does not start with published.json")
	}
	if want := map[bool]int{false: 1, true: 2}[DevKeysEmbedded()]; len(docs) != want {
		t.Fatalf("TrustedJSON has %d documents, want %d (DevKeysEmbedded %v)", len(docs), want, DevKeysEmbedded())
	}
	ks := &Keyset{}
	for _, doc := range docs {
		var j struct {
			Keys []struct {
				Kid       string `json:"kid"`
				Key       string `json:"key"`
				NotBefore string `json:"not_before"`
				NotAfter  string `json:"not_after"`
			} `json:"keys"`
		}
		if err := json.Unmarshal(doc, &j); err != nil {
			t.Fatal(err)
		}
		for _, e := range j.Keys {
			k, err := ParsePublicKeyText(e.Key)
			if err != nil || k.ID() != e.Kid {
				t.Fatalf("entry %s: %v (key id %s)", e.Kid, err, k.ID())
			}
			nb, err := time.Parse(time.RFC3339, e.NotBefore)
			if err != nil {
				t.Fatal(err)
			}
			var na time.Time
			if e.NotAfter != "" {
				if na, err = time.Parse(time.RFC3339, e.NotAfter); err != nil {
					t.Fatal(err)
				}
			}
			if err := ks.Add(k, nb, na); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestHashShim holds the build's SHA-2 (crypto/sha* natively,
// internal/sha2 under kycvs_verifyonly) to the standard library.
func TestHashShim(t *testing.T) {
	for _, n := range []int{0, 1, 55, 56, 64, 111, 112, 128, 1000} {
		data := bytes.Repeat([]byte{byte(n)}, n)
		h256, h512 := newSHA256(), newSHA512()
		h256.Write(data)
		h512.Write(data)
		want256, want512 := sha256.Sum256(data), sha512.Sum512(data)
		if !bytes.Equal(h256.Sum(nil), want256[:]) || !bytes.Equal(h512.Sum(nil), want512[:]) {
			t.Fatalf("%d bytes: SHA-2 differs from crypto/sha*", n)
		}
	}
}

// FuzzVerifyDifferential holds Verify to crypto/ed25519 on random and mutated
// keys, messages and signatures. The seeds are valid signatures, so mutations
// explore the neighbourhood where the two could disagree.
func FuzzVerifyDifferential(f *testing.F) {
	for i := byte(0); i < 4; i++ {
		k := seedKey(f, i+1)
		msg := []byte{i, 'k', 'y', 'c'}
		sig, _ := k.Sign(msg)
		f.Add(k.Public().Bytes(), msg, sig)
	}
	f.Add(make([]byte, 32), []byte{}, make([]byte, 64))
	f.Fuzz(func(t *testing.T, pub, msg, sig []byte) {
		k, err := ParsePublicKey(pub)
		if err != nil {
			return // refused keys are tested separately
		}
		if got, want := k.Verify(msg, sig), stdVerify(pub, msg, sig); got != want {
			t.Fatalf("Verify = %v, crypto/ed25519 = %v", got, want)
		}
	})
}

// FuzzSignedMutation mutates one byte of a valid signature or message; the
// two implementations must still agree (and both refuse).
func FuzzSignedMutation(f *testing.F) {
	f.Add(uint8(1), []byte("message"), uint16(0), uint8(1))
	f.Fuzz(func(t *testing.T, seed uint8, msg []byte, pos uint16, xor uint8) {
		k := seedKey(t, seed)
		sig, _ := k.Sign(msg)
		buf := append(bytes.Clone(sig), msg...)
		if xor != 0 && len(buf) > 0 {
			buf[int(pos)%len(buf)] ^= xor
		}
		s, m := buf[:64], buf[64:]
		got, want := k.Public().Verify(m, s), stdVerify(k.Public().Bytes(), m, s)
		if got != want {
			t.Fatalf("Verify = %v, crypto/ed25519 = %v", got, want)
		}
		if xor != 0 && got {
			t.Fatalf("mutated signature accepted")
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	k := seedKey(b, 3)
	msg := make([]byte, 150)
	sig, _ := k.Sign(msg)
	pub := k.Public()
	for b.Loop() {
		if !pub.Verify(msg, sig) {
			b.Fatal("refused")
		}
	}
}

func BenchmarkVerifyStdlib(b *testing.B) {
	k := seedKey(b, 3)
	msg := make([]byte, 150)
	sig, _ := k.Sign(msg)
	pub := k.Public().Bytes()
	for b.Loop() {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("refused")
		}
	}
}

func BenchmarkParsePublicKey(b *testing.B) {
	raw := seedKey(b, 3).Public().Bytes()
	for b.Loop() {
		if _, err := ParsePublicKey(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCirclSignatures checks Verify against signatures made by
// cloudflare/circl, an Ed25519 implementation that shares no code with
// filippo.io/edwards25519: an independent witness that we verify RFC 8032
// signatures and not merely our own.
func TestCirclSignatures(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		seed := make([]byte, 32)
		for j := range seed {
			seed[j] = byte(r.Uint32())
		}
		msg := make([]byte, r.IntN(300))
		for j := range msg {
			msg[j] = byte(r.Uint32())
		}
		priv := circled.NewKeyFromSeed(seed)
		sig := circled.Sign(priv, msg)
		k, err := ParsePublicKey(priv.Public().(circled.PublicKey))
		if err != nil {
			t.Fatal(err)
		}
		if !k.Verify(msg, sig) {
			t.Fatalf("case %d: circl signature refused", i)
		}
		sig[r.IntN(64)] ^= byte(1 << r.IntN(8))
		if k.Verify(msg, sig) {
			t.Fatalf("case %d: altered circl signature accepted", i)
		}
	}
}
