package keys

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// sharedVectors holds copies of the public Ed25519 suites (see its README). The
// tests fail, rather than skip, if it is missing: they are the proof that
// Verify matches crypto/ed25519.
const sharedVectors = "testdata"

func loadJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedVectors, name))
	if err != nil {
		t.Fatalf("reading vectors: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("parsing %s: %v", name, err)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// stdVerify is crypto/ed25519.Verify without its panic on a short key.
func stdVerify(pub, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize {
		return false
	}
	return ed25519.Verify(pub, msg, sig)
}

func TestWycheproof(t *testing.T) {
	var suite struct {
		TestGroups []struct {
			PublicKey struct{ PK string } `json:"publicKey"`
			Tests     []struct {
				TcID   int `json:"tcId"`
				Msg    string
				Sig    string
				Result string
			}
		}
	}
	loadJSON(t, "wycheproof_ed25519_test.json", &suite)
	n := 0
	for _, g := range suite.TestGroups {
		k, err := ParsePublicKey(mustHex(t, g.PublicKey.PK))
		if err != nil {
			t.Fatalf("Wycheproof key %s refused: %v", g.PublicKey.PK, err)
		}
		for _, tc := range g.Tests {
			n++
			msg, sig := mustHex(t, tc.Msg), mustHex(t, tc.Sig)
			want := tc.Result == "valid"
			if got := k.Verify(msg, sig); got != want {
				t.Errorf("tcId %d: Verify = %v, want %v (%s)", tc.TcID, got, want, tc.Result)
			}
		}
	}
	if n != 151 {
		t.Errorf("ran %d Wycheproof cases, want 151", n)
	}
}

// TestCCTV runs the 914 edge cases of C2SP CCTV. Keys that ParsePublicKey
// refuses (small order, non-canonical: see SPEC.md) are counted and must be
// exactly the cases flagged as such; every other case must agree with
// crypto/ed25519.
func TestCCTV(t *testing.T) {
	var cases []struct {
		Number int
		Key    string
		Sig    string
		Msg    string
		Flags  []string
	}
	loadJSON(t, "cctv_ed25519vectors.json", &cases)
	if len(cases) != 914 {
		t.Fatalf("got %d CCTV cases, want 914", len(cases))
	}
	refused, accepted := 0, 0
	for _, tc := range cases {
		pub, sig, msg := mustHex(t, tc.Key), mustHex(t, tc.Sig), []byte(tc.Msg)
		lowOrderA := slices.Contains(tc.Flags, "low_order_A")
		nonCanonA := slices.Contains(tc.Flags, "non_canonical_A")
		k, err := ParsePublicKey(pub)
		if err != nil {
			refused++
			if !lowOrderA && !nonCanonA {
				t.Errorf("case %d: key refused (%v) but flags %v say it is fine", tc.Number, err, tc.Flags)
			}
			continue
		}
		if lowOrderA || nonCanonA {
			t.Errorf("case %d: key with flags %v accepted", tc.Number, tc.Flags)
		}
		want := stdVerify(pub, msg, sig)
		if want {
			accepted++
		}
		if got := k.Verify(msg, sig); got != want {
			t.Errorf("case %d (%v): Verify = %v, crypto/ed25519 says %v", tc.Number, tc.Flags, got, want)
		}
	}
	t.Logf("CCTV: %d keys refused at parse, %d of the rest verify, %d refused by both", refused, accepted, len(cases)-refused-accepted)
}

// TestSpeccheck runs the 12 cases of "Taming the many EdDSAs". Go accepts
// cases 0–3 and 11; so must Verify, except where ParsePublicKey refuses the key.
func TestSpeccheck(t *testing.T) {
	var cases []struct {
		Message   string
		PubKey    string `json:"pub_key"`
		Signature string
	}
	loadJSON(t, "speccheck_cases.json", &cases)
	if len(cases) != 12 {
		t.Fatalf("got %d speccheck cases, want 12", len(cases))
	}
	var goAccepts []int
	for i, tc := range cases {
		pub, msg, sig := mustHex(t, tc.PubKey), mustHex(t, tc.Message), mustHex(t, tc.Signature)
		want := stdVerify(pub, msg, sig)
		if want {
			goAccepts = append(goAccepts, i)
		}
		k, err := ParsePublicKey(pub)
		if err != nil {
			t.Logf("case %d: key refused at parse: %v (crypto/ed25519 verify: %v)", i, err, want)
			continue
		}
		if got := k.Verify(msg, sig); got != want {
			t.Errorf("case %d: Verify = %v, crypto/ed25519 says %v", i, got, want)
		}
	}
	if !slices.Equal(goAccepts, []int{0, 1, 2, 3, 11}) {
		t.Errorf("crypto/ed25519 accepted %v; the suite's documented behaviour is [0 1 2 3 11]", goAccepts)
	}
}
