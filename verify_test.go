package kycvs

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/kycvs/kycvs/keys"
)

// The tests in this file run in every build, including -tags
// kycvs_verifyonly (the browser module's), where Sign, PairwiseSubject and
// keys.ParseKeyset do not exist: their tokens and keyset come from
// testdata/vectors.json, which vectors_test.go generates and checks.

const vectorsFile = "testdata/vectors.json"

type vectorCase struct {
	Name        string           `json:"name"`
	Token       string           `json:"token"`
	Audience    string           `json:"audience"`
	Nonce       string           `json:"nonce"`
	Now         int64            `json:"now"`
	Error       string           `json:"error,omitempty"` // "" means valid
	Attestation *vectorClaimsOut `json:"attestation,omitempty"`
}

type vectorClaimsOut struct {
	V     int    `json:"v"`
	Kid   string `json:"kid"`
	Iss   string `json:"iss"`
	Aud   string `json:"aud"`
	Nonce string `json:"nonce"`
	St    int    `json:"st"`
	Iat   int64  `json:"iat"`
	Exp   int64  `json:"exp"`
	Jti   string `json:"jti"`
	Sub   string `json:"sub"`
}

// errorNames maps the exported errors to the names used in the vectors.
var errorNames = map[string]error{
	"token_malformed":     ErrMalformed,
	"token_unknown_key":   ErrUnknownKey,
	"token_signature":     ErrSignature,
	"token_audience":      ErrAudience,
	"token_nonce":         ErrNonce,
	"token_expired":       ErrExpired,
	"token_not_yet_valid": ErrNotYetValid,
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// readVectors returns the committed vectors and their keyset, built the way
// the browser module builds its pinned keyset (wasm/keyset_js.go): each
// entry's key text parsed, its kid checked, its window parsed as RFC 3339 and
// added with Keyset.Add.
func readVectors(t testing.TB) (*keys.Keyset, []vectorCase) {
	t.Helper()
	b, err := os.ReadFile(vectorsFile)
	must(t, err)
	var vf struct {
		Keyset struct {
			Keys []struct {
				Kid       string `json:"kid"`
				Key       string `json:"key"`
				NotBefore string `json:"not_before"`
				NotAfter  string `json:"not_after"`
			} `json:"keys"`
		} `json:"keyset"`
		Cases []vectorCase `json:"cases"`
	}
	must(t, json.Unmarshal(b, &vf))
	ks := &keys.Keyset{}
	for _, e := range vf.Keyset.Keys {
		k, err := keys.ParsePublicKeyText(e.Key)
		must(t, err)
		if k.ID() != e.Kid {
			t.Fatalf("vector keyset: kid %s is not the id of %s", e.Kid, e.Key)
		}
		nb, err := time.Parse(time.RFC3339, e.NotBefore)
		must(t, err)
		var na time.Time
		if e.NotAfter != "" {
			na, err = time.Parse(time.RFC3339, e.NotAfter)
			must(t, err)
		}
		must(t, ks.Add(k, nb, na))
	}
	return ks, vf.Cases
}

// vectorCaseNamed returns the committed case called name.
func vectorCaseNamed(t testing.TB, cases []vectorCase, name string) vectorCase {
	t.Helper()
	for _, c := range cases {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no vector case %q", name)
	return vectorCase{}
}

func (c vectorCase) expect() Expect {
	return Expect{Audience: c.Audience, Nonce: c.Nonce, Now: time.Unix(c.Now, 0)}
}

// checkVectorCases runs every case through Verify: valid ones must decode to
// the recorded claims, the others fail with the recorded error.
func checkVectorCases(t *testing.T, ks *keys.Keyset, cases []vectorCase) {
	t.Helper()
	names := map[string]bool{}
	for _, c := range cases {
		if names[c.Name] {
			t.Errorf("duplicate case name %q", c.Name)
		}
		names[c.Name] = true
		a, err := Verify(c.Token, ks, c.expect())
		if c.Error == "" {
			if err != nil {
				t.Errorf("%s: %v", c.Name, err)
			} else if w := c.Attestation; a.Audience != w.Aud || a.Nonce != w.Nonce || a.Issuer != w.Iss || a.KeyID != w.Kid ||
				int(a.Status) != w.St || a.IssuedAt.Unix() != w.Iat || a.ExpiresAt.Unix() != w.Exp || a.Version != w.V {
				t.Errorf("%s: decoded %+v, want %+v", c.Name, a, c.Attestation)
			}
			continue
		}
		if !errors.Is(err, errorNames[c.Error]) {
			t.Errorf("%s: err = %v, want %s", c.Name, err, c.Error)
		}
	}
}

func TestVectorCases(t *testing.T) {
	ks, cases := readVectors(t)
	if len(cases) < 40 {
		t.Fatalf("only %d vector cases", len(cases))
	}
	checkVectorCases(t, ks, cases)
}

// TestErrorMessages pins the text of errors, which the verifier builds
// without fmt (errors.go): they must read as fmt.Errorf made them and wrap
// their sentinel.
func TestErrorMessages(t *testing.T) {
	ks, cases := readVectors(t)
	for name, want := range map[string]string{
		"wrong audience":                       `token is for another audience: token is for "ent_railways"`,
		"wrong nonce":                          "token nonce does not match",
		"expired at exp":                       "token expired at 2026-11-25T12:05:00Z",
		"iat in the future beyond skew":        "token issued in the future: issued at 2026-11-25T12:00:00Z",
		"unknown key id":                       `unknown key id "db679979"`,
		"key retired before iat":               "unknown key id: key 2f03bea9 was not valid when the token was issued",
		"bit flipped in signature":             "invalid signature",
		"wrong prefix":                         `malformed token: missing "kycvs1." prefix`,
		"uppercase kid":                        `malformed token: bad key id "2F03BEA9"`,
		"version 2":                            "malformed token: version 2",
		"payload kid differs from token kid":   `malformed token: payload key id "db679979" differs from "16451689"`,
		"status 3":                             "malformed token: payload: st: 3 outside [0, 2]",
		"status as string":                     "malformed token: payload: st: want an integer, got type byte 0xa1",
		"iat negative":                         "malformed token: payload: iat: -1 outside [0, 9007199254740991]",
		"sub 15 bytes":                         "malformed token: payload: sub: want 16 bytes, got 15",
		"duplicate field st":                   `malformed token: payload: duplicate field "st"`,
		"trailing byte after the map (signed)": "malformed token: payload: 1 trailing bytes",
		"lifetime over 5 minutes":              "malformed token: lifetime 5m1s",
		"payload is an array":                  "malformed token: payload: want a map, got type byte 0x91",
	} {
		c := vectorCaseNamed(t, cases, name)
		_, err := Verify(c.Token, ks, c.expect())
		if err == nil || err.Error() != want {
			t.Errorf("%s: err = %v, want %s", name, err, want)
		}
		if !errors.Is(err, errorNames[c.Error]) {
			t.Errorf("%s: %v does not wrap %s", name, err, c.Error)
		}
	}
	long := make([]byte, MaxTokenLength+1)
	for _, tc := range []struct {
		token string
		e     Expect
		want  string
	}{
		{"x", Expect{}, "malformed token: verifier must set both audience and nonce"},
		{string(long), Expect{Audience: "a", Nonce: "n"}, "malformed token: 513 bytes is too long"},
		{"kycvs1.16451689.AA", Expect{Audience: "a", Nonce: "n"}, "malformed token: want 4 dot-separated parts"},
	} {
		if _, err := Verify(tc.token, ks, tc.e); err == nil || err.Error() != tc.want || !errors.Is(err, ErrMalformed) {
			t.Errorf("err = %v, want %s", err, tc.want)
		}
	}
	if err := wrap("a ", ErrNonce, " b"); errors.Unwrap(err) != ErrNonce || err.Error() != "a token nonce does not match b" {
		t.Errorf("wrap: %v", err)
	}
}

// TestEveryMutationRejected changes every byte of a valid token to every
// other base64url character, and cuts it at every length: nothing but the
// original verifies.
func TestEveryMutationRejected(t *testing.T) {
	ks, cases := readVectors(t)
	c := vectorCaseNamed(t, cases, "valid status 2")
	tok, e := c.Token, c.expect()
	if _, err := Verify(tok, ks, e); err != nil {
		t.Fatal(err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.="
	for i := range len(tok) {
		if _, err := Verify(tok[:i], ks, e); err == nil {
			t.Fatalf("truncation to %d bytes accepted", i)
		}
		for j := range len(alphabet) {
			if tok[i] == alphabet[j] {
				continue
			}
			b := []byte(tok)
			b[i] = alphabet[j]
			if _, err := Verify(string(b), ks, e); err == nil {
				t.Fatalf("byte %d changed to %q accepted: %s", i, alphabet[j], b)
			}
		}
	}
}

func FuzzVerify(f *testing.F) {
	ks, cases := readVectors(f)
	c := vectorCaseNamed(f, cases, "valid status 2")
	e := c.expect()
	f.Add(c.Token)
	f.Add("kycvs1.00000000.gA.AA")
	f.Fuzz(func(t *testing.T, tok string) {
		a, err := Verify(tok, ks, e)
		if err == nil && (a.Audience != e.Audience || a.Nonce != e.Nonce) {
			t.Fatalf("accepted a token for %q/%q", a.Audience, a.Nonce)
		}
	})
}

func TestStatusString(t *testing.T) {
	for s, want := range map[Status]string{0: "not_vaccinated", 1: "partially_vaccinated", 2: "fully_vaccinated", 7: "Status(7)", 255: "Status(255)"} {
		if s.String() != want {
			t.Errorf("%d.String() = %q", s, s.String())
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	ks, cases := readVectors(b)
	c := vectorCaseNamed(b, cases, "valid status 2")
	e := c.expect()
	for b.Loop() {
		if _, err := Verify(c.Token, ks, e); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNonces: a verifier that accepts several nonces (a gate's challenges)
// accepts a token carrying any one of them, Nonce included, and refuses
// one carrying none; an empty candidate matches nothing.
func TestNonces(t *testing.T) {
	ks, cases := readVectors(t)
	c := vectorCaseNamed(t, cases, "valid status 2")
	for _, tc := range []struct {
		name   string
		nonce  string
		nonces []string
		err    error
	}{
		{"among Nonces", "", []string{"other-1", c.Nonce, "other-2"}, nil},
		{"last of Nonces", "", []string{"other-1", "other-2", c.Nonce}, nil},
		{"Nonce besides Nonces", c.Nonce, []string{"other-1"}, nil},
		{"none of them", "other-0", []string{"other-1", "other-2"}, ErrNonce},
		{"an empty candidate", "", []string{"", "other-1"}, ErrNonce},
		{"a prefix of it", "", []string{c.Nonce[:len(c.Nonce)-1]}, ErrNonce},
		{"none given", "", nil, ErrMalformed},
	} {
		a, err := Verify(c.Token, ks, Expect{Audience: c.Audience, Nonce: tc.nonce, Nonces: tc.nonces, Now: time.Unix(c.Now, 0)})
		if !errors.Is(err, tc.err) || (err == nil && a.Nonce != c.Nonce) {
			t.Errorf("%s: %v, %v; want %v", tc.name, a, err, tc.err)
		}
	}
}
