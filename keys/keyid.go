package keys

import (
	"encoding/base64"
	"errors"
	"strconv"
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
	h := newSHA256()
	h.Write([]byte(keyIDContext))
	h.Write([]byte{algEd25519})
	h.Write(pub)
	var sum [32]byte
	var id [8]byte
	for i, b := range h.Sum(sum[:0])[:4] { // hex by hand: encoding/hex would link fmt
		id[2*i], id[2*i+1] = hexDigits[b>>4], hexDigits[b&0x0f]
	}
	return string(id[:])
}

const hexDigits = "0123456789abcdef"

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
	kid, raw, err := parseKeyText(s, publicPrefix)
	if err != nil {
		return PublicKey{}, err
	}
	if keyID(raw) != kid {
		return PublicKey{}, errKeyIDMismatch(kid)
	}
	k, err := ParsePublicKey(raw)
	if err != nil {
		return PublicKey{}, wrap("public key "+strconv.Quote(s)+": ", err, "")
	}
	return k, nil
}

// parseKeyText splits prefix + kid + "+" + base64url(alg || 32 bytes), checks
// the algorithm byte and returns the claimed kid and the 32 bytes. The caller
// derives the id from the public key (for a private key, from its seed) and
// compares it with errKeyIDMismatch.
func parseKeyText(s, prefix string) (kid string, material []byte, err error) {
	if len(s) > 128 {
		return "", nil, wrap("", ErrKeyText, ": "+strconv.Itoa(len(s))+" bytes is too long")
	}
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return "", nil, wrap("", ErrKeyText, ": missing "+strconv.Quote(prefix)+" prefix")
	}
	kid, enc, ok := strings.Cut(rest, "+")
	if !ok || !validKeyID(kid) {
		return "", nil, wrap("", ErrKeyText, ": bad key id")
	}
	raw, err := b64.DecodeString(enc)
	if err != nil || len(raw) != 33 || raw[0] != algEd25519 {
		return "", nil, wrap("", ErrKeyText, ": bad key material")
	}
	return kid, raw[1:], nil
}

// errKeyIDMismatch is the error for a key text whose kid is not the id of its key.
func errKeyIDMismatch(kid string) error {
	return wrap("", ErrKeyText, ": key id "+kid+" does not match the key")
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
