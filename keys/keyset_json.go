//go:build !kycvs_verifyonly

package keys

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// The JSON form of a Keyset. This file is not built with the kycvs_verifyonly
// tag: encoding/json and fmt would cost the browser module about 330 KB
// brotli (wasm/SIZE.md), so it reads TrustedJSON with the browser's own
// JSON.parse instead, with the same checks as ParseKeyset.

type entryJSON struct {
	KeyID     string     `json:"kid"`
	Key       PublicKey  `json:"key"`
	NotBefore time.Time  `json:"not_before"`
	NotAfter  *time.Time `json:"not_after,omitempty"`
}

type keysetJSON struct {
	Keys []entryJSON `json:"keys"`
}

// ParseKeyset parses the JSON form:
//
//	{"keys":[{"kid":"…","key":"kycvs+…","not_before":"RFC 3339","not_after":"RFC 3339"}]}
//
// Each kid must be the id of its key, and ids must be unique.
func ParseKeyset(data []byte) (*Keyset, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var j keysetJSON
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("parsing keyset: %w", err)
	}
	ks := &Keyset{}
	for _, e := range j.Keys {
		if e.KeyID != e.Key.ID() {
			return nil, fmt.Errorf("parsing keyset: kid %q is not the id of key %s", e.KeyID, e.Key)
		}
		var na time.Time
		if e.NotAfter != nil {
			na = *e.NotAfter
		}
		if err := ks.Add(e.Key, e.NotBefore, na); err != nil {
			return nil, fmt.Errorf("parsing keyset: %w", err)
		}
	}
	return ks, nil
}

// MarshalJSON returns the form ParseKeyset reads.
func (ks *Keyset) MarshalJSON() ([]byte, error) {
	j := keysetJSON{Keys: []entryJSON{}}
	for _, e := range ks.entries {
		ej := entryJSON{KeyID: e.Key.ID(), Key: e.Key, NotBefore: e.NotBefore.UTC()}
		if !e.NotAfter.IsZero() {
			na := e.NotAfter.UTC()
			ej.NotAfter = &na
		}
		j.Keys = append(j.Keys, ej)
	}
	return json.MarshalIndent(j, "", "  ")
}

var published = sync.OnceValue(func() *Keyset { return mustParseEmbedded("published.json", publishedJSON) })

var trusted = sync.OnceValue(func() *Keyset {
	// Parsed again rather than merged into published(): Merge appends to
	// the receiver, and Published must stay the production keys alone.
	ks := mustParseEmbedded("published.json", publishedJSON)
	if devKeysEmbedded {
		ks.Merge(mustParseEmbedded("dev.json", devJSON))
	}
	return ks
})

func mustParseEmbedded(name string, doc []byte) *Keyset {
	ks, err := ParseKeyset(doc)
	if err != nil {
		panic("keys: embedded " + name + ": " + err.Error()) // a broken build, caught by TestPublished and TestTrusted
	}
	return ks
}

// Published returns the production keyset embedded at build time,
// keys/published.json: the keys this project's issuer signs with, and
// nothing else in any build. Callers must not modify it.
func Published() *Keyset { return published() }

// Trusted returns the keys this build accepts signatures from: Published
// plus, in builds with the kycvs_dev tag, the local development keyset
// keys/dev.json. It exists so that a development build can verify tokens
// signed with the dev key in .dev.vars while Published keeps meaning the
// production keys, whatever the build; code that verifies calls Trusted,
// code that publishes or pins production keys calls Published.
// DevKeysEmbedded reports which of the two this build is. Callers must not
// modify it.
func Trusted() *Keyset { return trusted() }
