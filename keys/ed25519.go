package keys

import (
	"errors"
	"strconv"

	"filippo.io/edwards25519"
)

// PublicKey is an Ed25519 public key that passed ParsePublicKey's checks.
//
// The zero value is not a valid key; Verify on it returns false.
type PublicKey struct {
	raw [32]byte
	a   *edwards25519.Point // -A, precomputed once at parse so Verify does no point decoding
}

// Errors returned by ParsePublicKey. They are distinct so that tooling can
// explain why a published key was refused.
var (
	ErrKeyLength       = errors.New("public key is not 32 bytes")
	ErrKeyNotOnCurve   = errors.New("public key is not a valid curve point")
	ErrKeyNonCanonical = errors.New("public key encoding is not canonical")
	ErrKeySmallOrder   = errors.New("public key has small order")
)

// ParsePublicKey parses the 32-byte RFC 8032 encoding of an Ed25519 public key.
//
// It refuses what crypto/ed25519 would accept but no honest issuer produces:
// non-canonical encodings (y ≥ p, or x = 0 with the sign bit set) and points of
// small order (the 8 torsion points, for which a single signature verifies for
// many messages). Every key that passes verifies exactly as crypto/ed25519 does.
//
// The point arithmetic is filippo.io/edwards25519: it exposes the canonical
// check and the cofactor multiplication that the standard library hides, and it
// is the same code crypto/ed25519 uses internally, so agreement is by design.
func ParsePublicKey(raw []byte) (PublicKey, error) {
	if len(raw) != 32 {
		return PublicKey{}, wrap("", ErrKeyLength, ": got "+strconv.Itoa(len(raw))+" bytes")
	}
	p, err := new(edwards25519.Point).SetBytes(raw)
	if err != nil {
		return PublicKey{}, ErrKeyNotOnCurve
	}
	if string(p.Bytes()) != string(raw) {
		return PublicKey{}, ErrKeyNonCanonical
	}
	if new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) == 1 {
		return PublicKey{}, ErrKeySmallOrder
	}
	k := PublicKey{a: new(edwards25519.Point).Negate(p)}
	copy(k.raw[:], raw)
	return k, nil
}

// Bytes returns the 32-byte encoding of the key.
func (k PublicKey) Bytes() []byte { return append([]byte(nil), k.raw[:]...) }

// Equal reports whether k and o are the same key.
func (k PublicKey) Equal(o PublicKey) bool { return k.raw == o.raw }

// Verify reports whether sig is a valid RFC 8032 pure Ed25519 signature of
// message by k.
//
// It follows crypto/ed25519.Verify exactly (the cofactorless equation
// [S]B = R + [k]A, checked by re-encoding R' = [S]B − [k]A and comparing bytes,
// which also refuses non-canonical R; S must be canonical, S < ℓ). The
// differential tests and fuzzers in this package hold it to that.
func (k PublicKey) Verify(message, sig []byte) bool {
	if k.a == nil || len(sig) != 64 || sig[63]&0xe0 != 0 {
		return false
	}
	s, err := edwards25519.NewScalar().SetCanonicalBytes(sig[32:])
	if err != nil {
		return false
	}
	h := newSHA512()
	h.Write(sig[:32])
	h.Write(k.raw[:])
	h.Write(message)
	var digest [64]byte
	c, err := edwards25519.NewScalar().SetUniformBytes(h.Sum(digest[:0]))
	if err != nil {
		return false // unreachable: SetUniformBytes only fails on length
	}
	r := new(edwards25519.Point).VarTimeDoubleScalarBaseMult(c, k.a, s)
	return string(r.Bytes()) == string(sig[:32])
}
