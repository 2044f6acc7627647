//go:build js && wasm

package main

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs/keys"
)

// These run with and without -tags kycvs_verifyonly.

func TestKeysetFromJSON(t *testing.T) {
	var texts []string
	for i := range 3 {
		seed := make([]byte, 32)
		seed[0] = byte(i + 1)
		k, err := keys.ParsePublicKey(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey))
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, k.String())
	}
	kid := func(i int) string { return strings.Split(texts[i], "+")[1] }
	entry := func(i int, extra string) string {
		return `{"kid":"` + kid(i) + `","key":"` + texts[i] + `","not_before":"2026-01-01T00:00:00Z"` + extra + `}`
	}
	doc1 := `{"keys":[` + entry(0, `,"not_after":"2026-06-01T00:00:00Z"`) + `,` + entry(1, `,"not_after":null`) + `]}`
	doc2 := `{"keys":[` + entry(1, "") + `,` + entry(2, "") + `]}`
	ks, err := keysetFromJSON([]byte(doc1), []byte(doc2))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ks.Entries()); n != 3 {
		t.Fatalf("%d entries, want 3 (the second document's copy of key 1 merged away)", n)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		i    int
		at   time.Time
		want bool
	}{
		{0, t0, true}, {0, t0.Add(-time.Second), false}, {0, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), false},
		{1, t0.AddDate(5, 0, 0), true}, {2, t0, true},
	} {
		if _, err := ks.Lookup(kid(tc.i), tc.at); (err == nil) != tc.want {
			t.Errorf("Lookup(key %d, %s): %v, want ok=%v", tc.i, tc.at, err, tc.want)
		}
	}
	if ks, err := keysetFromJSON([]byte(`{"keys":[]}`)); err != nil || len(ks.Entries()) != 0 {
		t.Errorf("empty keyset: %v", err)
	}

	wrongKid := strings.Replace(entry(0, ""), `"kid":"`+kid(0), `"kid":"`+kid(1), 1)
	for name, doc := range map[string]string{
		"not JSON":              `{"keys":[`,
		"not an object":         `[]`,
		"keys not an array":     `{"keys":{}}`,
		"unknown top field":     `{"keys":[],"extra":1}`,
		"unknown entry field":   `{"keys":[` + entry(0, `,"alg":"ed25519"`) + `]}`,
		"entry not an object":   `{"keys":["x"]}`,
		"kid of another key":    `{"keys":[` + wrongKid + `]}`,
		"bad key text":          `{"keys":[{"kid":"` + kid(0) + `","key":"` + texts[0] + `A","not_before":"2026-01-01T00:00:00Z"}]}`,
		"no not_before":         `{"keys":[{"kid":"` + kid(0) + `","key":"` + texts[0] + `"}]}`,
		"bad not_before":        `{"keys":[` + strings.Replace(entry(0, ""), "2026-01-01T00:00:00Z", "2026-01-01", 1) + `]}`,
		"numeric not_after":     `{"keys":[` + entry(0, `,"not_after":1`) + `]}`,
		"not_after before":      `{"keys":[` + entry(0, `,"not_after":"2025-01-01T00:00:00Z"`) + `]}`,
		"same key twice in doc": `{"keys":[` + entry(0, "") + `,` + entry(0, "") + `]}`,
	} {
		if _, err := keysetFromJSON([]byte(doc)); err == nil {
			t.Errorf("%s: accepted %s", name, doc)
		} else if !strings.HasPrefix(err.Error(), "parsing keyset: ") {
			t.Errorf("%s: error %q", name, err)
		}
	}
}

func TestPinnedKeysetParses(t *testing.T) {
	// The embedded documents are checked here as the module reads them; a
	// broken one would make every call of every widget fail.
	if _, err := keysetFromJSON(keys.TrustedJSON()...); err != nil {
		t.Fatal(err)
	}
}
