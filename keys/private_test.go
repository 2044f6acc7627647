//go:build !kycvs_verifyonly

package keys

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// Tests of what the browser build leaves out: PrivateKey, the keyset's JSON
// form, Published and Trusted.

func TestPrivateKey(t *testing.T) {
	seed := bytes.Repeat([]byte{7}, 32)
	k, err := NewPrivateKeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	tk := seedKey(t, 7)
	if !k.Public().Equal(tk.Public()) || k.KeyID() != tk.KeyID() {
		t.Fatal("PrivateKey and crypto/ed25519 derive different public keys")
	}
	msg := []byte("kycvs")
	sig, err := k.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := tk.Sign(msg); !bytes.Equal(sig, want) || !k.Public().Verify(msg, sig) {
		t.Fatal("PrivateKey.Sign differs from crypto/ed25519 or does not verify")
	}
	if _, err := NewPrivateKeyFromSeed(seed[:31]); err == nil {
		t.Error("31-byte seed accepted")
	}
	g, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := g.Sign(msg); !ed25519.Verify(g.Public().Bytes(), msg, s) {
		t.Fatal("generated key's signature refused by crypto/ed25519")
	}
}

func TestPrivateTextForm(t *testing.T) {
	k, err := newPrivateKey(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	privText := k.SecretText()
	if !strings.HasPrefix(privText, "PRIVATE+KEY+kycvs+"+k.KeyID()+"+") {
		t.Fatal("private text form has the wrong prefix")
	}
	k2, err := ParsePrivateKey(privText)
	if err != nil || !k2.Public().Equal(k.Public()) {
		t.Fatalf("ParsePrivateKey round trip: %v", err)
	}
	refusesEveryMutation(t, privText, func(s string) error {
		_, err := ParsePrivateKey(s)
		return err
	})
	if _, err := ParsePrivateKey(k.Public().String()); err == nil {
		t.Error("public key accepted as private")
	}
	if _, err := ParsePrivateKey("PRIVATE+KEY+kycvs+00000000+xx"); err == nil || strings.Contains(err.Error(), "xx") {
		t.Errorf("private key error %v should not echo the input", err)
	}
}

func TestKeysetJSON(t *testing.T) {
	a, b := seedKey(t, 1).Public(), seedKey(t, 2).Public()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ks := &Keyset{}
	if err := ks.Add(a, t0, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := ks.Add(b, t0.Add(time.Hour), time.Time{}); err != nil {
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
	e1, e2 := ks.Entries(), ks2.Entries()
	if len(e1) != len(e2) {
		t.Fatalf("round trip: %d entries, want %d", len(e2), len(e1))
	}
	for i := range e1 {
		if !e1[i].Key.Equal(e2[i].Key) || !e1[i].NotBefore.Equal(e2[i].NotBefore) || !e1[i].NotAfter.Equal(e2[i].NotAfter) {
			t.Errorf("round trip: entry %d is %v, want %v", i, e2[i], e1[i])
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

// TestRedacted prints a key every way fmt can reach it: the key, a pointer
// to it, and structs holding either in an exported or an unexported field
// (where fmt cannot call the key's methods and walks its fields instead),
// by value and by pointer. None of it may show the secret.
func TestRedacted(t *testing.T) {
	seed := bytes.Repeat([]byte{0x5a}, 32)
	k, err := NewPrivateKeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	secret := k.SecretText()
	b64seed := secret[strings.LastIndexByte(secret, '+')+1:]
	// What would give the key away: its text, the base64 of 0x01 || seed
	// (and of the seed alone), and the seed or the expanded key in hex or as
	// fmt's decimal byte list.
	leaks := []string{secret, b64seed, base64.RawURLEncoding.EncodeToString(seed),
		hex.EncodeToString(seed), strings.ToUpper(hex.EncodeToString(seed)),
		strings.Trim(fmt.Sprint(seed), "[]"), hex.EncodeToString(k.priv())}

	type exported struct {
		Name string
		Key  PrivateKey
		Ptr  *PrivateKey
	}
	type unexported struct {
		name string
		key  PrivateKey
		ptr  *PrivateKey
	}
	values := map[string]any{
		"PrivateKey":            *k,
		"*PrivateKey":           k,
		"struct":                exported{"issuer", *k, k},
		"*struct":               &exported{"issuer", *k, k},
		"struct, unexported":    unexported{"issuer", *k, k},
		"*struct, unexported":   &unexported{"issuer", *k, k},
		"[]*PrivateKey":         []*PrivateKey{k},
		"map[string]PrivateKey": map[string]PrivateKey{"k": *k},
	}
	redacted := "PRIVATE+KEY+kycvs+" + k.KeyID() + "+REDACTED"
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3v"} {
			out := fmt.Sprintf(verb, v)
			for _, l := range leaks {
				if strings.Contains(out, l) {
					t.Errorf("Sprintf(%q, %s) = %q shows the key (%q)", verb, name, out, l)
				}
			}
			if name == "PrivateKey" || name == "*PrivateKey" {
				if out != redacted && out != `"`+redacted+`"` {
					t.Errorf("Sprintf(%q, %s) = %q, want %q", verb, name, out, redacted)
				}
			}
		}
	}
	for _, s := range []string{k.String(), k.GoString(), fmt.Sprint(k), fmt.Sprintln(*k)} {
		if !strings.Contains(s, redacted) {
			t.Errorf("%q is not the redacted form %q", s, redacted)
		}
	}
	if _, err := ParsePrivateKey(k.String()); err == nil {
		t.Error("ParsePrivateKey accepted the redacted form")
	}
	k2, err := ParsePrivateKey(secret)
	if err != nil || !k2.Public().Equal(k.Public()) || k2.SecretText() != secret {
		t.Fatalf("SecretText does not round-trip through ParsePrivateKey: %v", err)
	}
	msg := []byte("kycvs")
	if s1, _ := k.Sign(msg); !k2.Public().Verify(msg, s1) {
		t.Fatal("key parsed from SecretText signs differently")
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
	file, err := ParseKeyset(b)
	if err != nil {
		t.Fatal(err)
	}
	// Published is published.json, key for key, in every build (the
	// kycvs_dev build's dev key is tested in dev_test.go).
	if !sameKeys(ks, file) {
		t.Errorf("Published has %d keys, published.json %d, or they differ", len(ks.Entries()), len(file.Entries()))
	}
}

// TestTrusted holds Trusted to the documents of TrustedJSON, which the
// browser module reads instead, and to DevKeysEmbedded.
func TestTrusted(t *testing.T) {
	ks := Trusted()
	want := &Keyset{}
	for _, doc := range TrustedJSON() {
		d, err := ParseKeyset(doc)
		if err != nil {
			t.Fatal(err)
		}
		want.Merge(d)
	}
	if !sameKeys(ks, want) {
		t.Errorf("Trusted has %d keys, TrustedJSON %d, or they differ", len(ks.Entries()), len(want.Entries()))
	}
	if !DevKeysEmbedded() && !sameKeys(ks, Published()) {
		t.Error("without kycvs_dev, Trusted is not Published")
	}
	if n := len(Published().Entries()); DevKeysEmbedded() && len(ks.Entries()) <= n {
		t.Errorf("with kycvs_dev, Trusted has %d keys, Published %d", len(ks.Entries()), n)
	}
}

// sameKeys reports whether a and b hold the same entries in the same order.
func sameKeys(a, b *Keyset) bool {
	ea, eb := a.Entries(), b.Entries()
	if len(ea) != len(eb) {
		return false
	}
	for i := range ea {
		if !ea[i].Key.Equal(eb[i].Key) || !ea[i].NotBefore.Equal(eb[i].NotBefore) || !ea[i].NotAfter.Equal(eb[i].NotAfter) {
			return false
		}
	}
	return true
}

func BenchmarkSign(b *testing.B) {
	k, _ := newPrivateKey(bytes.Repeat([]byte{3}, 32))
	msg := make([]byte, 150)
	for b.Loop() {
		k.Sign(msg)
	}
}
