package keys

import (
	"errors"
	"slices"
	"strconv"
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
//
// The JSON form (ParseKeyset, MarshalJSON, Published, Trusted) is in
// keyset_json.go and is not built with the kycvs_verifyonly tag: the browser
// module parses TrustedJSON with the browser's JSON.parse and fills a Keyset
// with Add.
type Keyset struct {
	entries []Entry
}

// Add publishes k, valid from notBefore until notAfter (zero: open-ended).
func (ks *Keyset) Add(k PublicKey, notBefore, notAfter time.Time) error {
	if k.a == nil {
		return errors.New("adding an invalid public key")
	}
	if slices.ContainsFunc(ks.entries, func(e Entry) bool { return e.Key.Equal(k) }) {
		return errors.New("key " + k.ID() + " is already in the keyset")
	}
	if !notAfter.IsZero() && !notAfter.After(notBefore) {
		return errors.New("key " + k.ID() + ": not_after " + notAfter.String() + " is not after not_before " + notBefore.String())
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
		return errors.New("retiring key " + kid + " at " + t.String() + ", before it became valid")
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
	return -1, wrap("", ErrUnknownKey, " "+strconv.Quote(kid))
}

// Lookup returns the key with id kid if it was valid at time at (the token's
// issued-at).
func (ks *Keyset) Lookup(kid string, at time.Time) (PublicKey, error) {
	if ks == nil {
		return PublicKey{}, wrap("", ErrUnknownKey, " "+strconv.Quote(kid)+": empty keyset")
	}
	i, err := ks.find(kid)
	if err != nil {
		return PublicKey{}, err
	}
	e := ks.entries[i]
	if at.Before(e.NotBefore) || (!e.NotAfter.IsZero() && !at.Before(e.NotAfter)) {
		return PublicKey{}, wrap("", ErrUnknownKey, " "+strconv.Quote(kid)+": not valid at "+at.UTC().Format(time.RFC3339))
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
