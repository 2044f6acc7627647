package keys

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"filippo.io/edwards25519"
	circled "github.com/cloudflare/circl/sign/ed25519"
)

func seedKey(t testing.TB, b byte) *PrivateKey {
	t.Helper()
	k, err := newPrivateKey(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

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
	privText := k.String()
	k2, err := ParsePrivateKey(privText)
	if err != nil || !k2.Public().Equal(k.Public()) {
		t.Fatalf("ParsePrivateKey round trip: %v", err)
	}
	// In the spirit of sumdb/note: every single-byte change and every prefix
	// of a key text is refused.
	for _, text := range []string{pubText, privText} {
		parse := func(s string) error {
			if strings.HasPrefix(text, "PRIVATE") {
				_, err := ParsePrivateKey(s)
				return err
			}
			_, err := ParsePublicKeyText(s)
			return err
		}
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
	if _, err := ParsePrivateKey(pubText); err == nil {
		t.Error("public key accepted as private")
	}
	if _, err := ParsePrivateKey("PRIVATE+KEY+kycvs+00000000+xx"); err == nil || strings.Contains(err.Error(), "xx") {
		t.Errorf("private key error %v should not echo the input", err)
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
	js, err := ks.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	ks2, err := ParseKeyset(js)
	if err != nil {
		t.Fatalf("ParseKeyset(%s): %v", js, err)
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
		k, err := ks2.Lookup(tc.kid, tc.at)
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
	bad := strings.Replace(string(js), `"kid": "`+a.ID(), `"kid": "`+b.ID(), 1)
	if _, err := ParseKeyset([]byte(bad)); err == nil {
		t.Error("keyset with a kid that is not its key's id accepted")
	}
	if _, err := ParseKeyset([]byte(`{"keys":[],"extra":1}`)); err == nil {
		t.Error("keyset with unknown field accepted")
	}
}

func TestPublished(t *testing.T) {
	// The embedded file must parse; Published panics otherwise, which would
	// break every binary at start.
	ks := Published()
	if ks == nil {
		t.Fatal("nil keyset")
	}
	b, err := os.ReadFile("published.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseKeyset(b); err != nil {
		t.Fatal(err)
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

func BenchmarkSign(b *testing.B) {
	k := seedKey(b, 3)
	msg := make([]byte, 150)
	for b.Loop() {
		k.Sign(msg)
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
