package keys

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrUnknownKey is returned by Keyset.Lookup for a key id the set does not
// hold, or holds outside its validity window.
var ErrUnknownKey = errors.New("unknown key id")

// Entry is one published key and its validity window. Tokens are accepted
// only if they were issued inside the window; NotAfter zero means open-ended.
type Entry struct {
	Key       PublicKey
	NotBefore time.Time
	NotAfter  time.Time
}

// Keyset maps key ids to published keys. It is what a verifier pins: the wasm
// module embeds one at build time, entity servers load keys.json.
//
// A Keyset is immutable after parsing except through Add and Retire, which are
// for the key tool; do not call them concurrently with Lookup.
type Keyset struct {
	entries []Entry
}

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

// Add publishes k, valid from notBefore until notAfter (zero: open-ended).
func (ks *Keyset) Add(k PublicKey, notBefore, notAfter time.Time) error {
	if k.a == nil {
		return errors.New("adding an invalid public key")
	}
	if slices.ContainsFunc(ks.entries, func(e Entry) bool { return e.Key.Equal(k) }) {
		return fmt.Errorf("key %s is already in the keyset", k.ID())
	}
	if !notAfter.IsZero() && !notAfter.After(notBefore) {
		return fmt.Errorf("key %s: not_after %s is not after not_before %s", k.ID(), notAfter, notBefore)
	}
	ks.entries = append(ks.entries, Entry{Key: k, NotBefore: notBefore, NotAfter: notAfter})
	return nil
}

// Merge adds every entry of o that ks does not hold yet.
func (ks *Keyset) Merge(o *Keyset) {
	for _, e := range o.entries {
		if _, err := ks.find(e.Key.ID()); err != nil {
			ks.entries = append(ks.entries, e)
		}
	}
}

// Retire ends the validity of key kid at t. Tokens issued before t stay valid
// until they expire, so retire a key no earlier than the moment its successor
// started signing.
func (ks *Keyset) Retire(kid string, t time.Time) error {
	i, err := ks.find(kid)
	if err != nil {
		return err
	}
	if !t.After(ks.entries[i].NotBefore) {
		return fmt.Errorf("retiring key %s at %s, before it became valid", kid, t)
	}
	ks.entries[i].NotAfter = t
	return nil
}

// Entries returns a copy of the keyset's entries.
func (ks *Keyset) Entries() []Entry { return slices.Clone(ks.entries) }

func (ks *Keyset) find(kid string) (int, error) {
	for i, e := range ks.entries {
		if e.Key.ID() == kid {
			return i, nil
		}
	}
	return -1, fmt.Errorf("%w %q", ErrUnknownKey, kid)
}

// Lookup returns the key with id kid if it was valid at time at (the token's
// issued-at).
func (ks *Keyset) Lookup(kid string, at time.Time) (PublicKey, error) {
	if ks == nil {
		return PublicKey{}, fmt.Errorf("%w %q: empty keyset", ErrUnknownKey, kid)
	}
	i, err := ks.find(kid)
	if err != nil {
		return PublicKey{}, err
	}
	e := ks.entries[i]
	if at.Before(e.NotBefore) || (!e.NotAfter.IsZero() && !at.Before(e.NotAfter)) {
		return PublicKey{}, fmt.Errorf("%w %q: not valid at %s", ErrUnknownKey, kid, at.UTC().Format(time.RFC3339))
	}
	return e.Key, nil
}

// Has reports whether the keyset holds key id kid, whatever its window. A
// verifier calls it before checking the signature, when issued-at is not yet
// known, and Lookup after.
func (ks *Keyset) Has(kid string) (PublicKey, bool) {
	if ks == nil {
		return PublicKey{}, false
	}
	i, err := ks.find(kid)
	if err != nil {
		return PublicKey{}, false
	}
	return ks.entries[i].Key, true
}
