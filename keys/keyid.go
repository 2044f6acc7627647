package keys

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// algEd25519 is the algorithm byte that prefixes key material in the text
// forms, as in golang.org/x/mod/sumdb/note: it leaves room for another
// algorithm without changing the syntax.
const algEd25519 = 0x01

// keyIDContext domain-separates key ids from every other hash in the system.
const keyIDContext = "kycvs/v1/keyid\x00"

// publicPrefix and privatePrefix start the text forms. The private prefix is
// loud on purpose, so a secret pasted into a log or a chat is recognisable.
const (
	publicPrefix  = "kycvs+"
	privatePrefix = "PRIVATE+KEY+kycvs+"
)

// ErrKeyText is wrapped by errors from ParsePublicKeyText and ParsePrivateKey.
var ErrKeyText = errors.New("malformed key text")

var b64 = base64.RawURLEncoding.Strict()

// keyID derives the 8-hex-digit key id: the first 4 bytes of
// SHA-256(context || alg || key). Ids are derived, never chosen, so a keyset
// entry cannot claim an id that belongs to another key.
func keyID(pub []byte) string {
	h := sha256.New()
	h.Write([]byte(keyIDContext))
	h.Write([]byte{algEd25519})
	h.Write(pub)
	return hex.EncodeToString(h.Sum(nil)[:4])
}

// ID returns the key id that tokens signed by k carry.
func (k PublicKey) ID() string { return keyID(k.raw[:]) }

// String returns the text form "kycvs+<kid>+<base64url(0x01 || key)>".
func (k PublicKey) String() string {
	return publicPrefix + k.ID() + "+" + b64.EncodeToString(append([]byte{algEd25519}, k.raw[:]...))
}

// MarshalText implements encoding.TextMarshaler with the text form.
func (k PublicKey) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParsePublicKeyText.
func (k *PublicKey) UnmarshalText(b []byte) error {
	p, err := ParsePublicKeyText(string(b))
	if err != nil {
		return err
	}
	*k = p
	return nil
}

// ParsePublicKeyText parses the text form made by PublicKey.String. The key id
// in the text is recomputed from the key and must match.
func ParsePublicKeyText(s string) (PublicKey, error) {
	raw, err := parseKeyText(s, publicPrefix)
	if err != nil {
		return PublicKey{}, err
	}
	k, err := ParsePublicKey(raw)
	if err != nil {
		return PublicKey{}, fmt.Errorf("public key %q: %w", s, err)
	}
	return k, nil
}

// parseKeyText splits prefix + kid + "+" + base64url(alg || 32 bytes), checks
// the algorithm byte and returns the 32 bytes and the claimed kid. The caller
// re-derives the id from the public key and compares.
func parseKeyText(s, prefix string) ([]byte, error) {
	if len(s) > 128 {
		return nil, fmt.Errorf("%w: %d bytes is too long", ErrKeyText, len(s))
	}
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return nil, fmt.Errorf("%w: missing %q prefix", ErrKeyText, prefix)
	}
	kid, enc, ok := strings.Cut(rest, "+")
	if !ok || !validKeyID(kid) {
		return nil, fmt.Errorf("%w: bad key id", ErrKeyText)
	}
	raw, err := b64.DecodeString(enc)
	if err != nil || len(raw) != 33 || raw[0] != algEd25519 {
		return nil, fmt.Errorf("%w: bad key material", ErrKeyText)
	}
	pub := raw[1:]
	if prefix == privatePrefix {
		pub = publicFromSeed(pub)
	}
	if keyID(pub) != kid {
		return nil, fmt.Errorf("%w: key id %s does not match the key", ErrKeyText, kid)
	}
	return raw[1:], nil
}

// validKeyID reports whether s has the shape of a key id: 8 lowercase hex digits.
func validKeyID(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
