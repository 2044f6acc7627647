package kycvs

import (
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/kycvs/kycvs/keys"
)

// Expect is what the verifier knows independently of the token.
type Expect struct {
	Audience string // the verifying entity's id; required
	Nonce    string // the nonce the entity issued for this request; required unless Nonces is set
	// Nonces are further nonces the token may carry instead of Nonce: a
	// gate accepts any challenge it showed lately (SPEC.md §8). They are
	// checked within one Verify, because a Verify per candidate would check
	// the signature once per candidate (a gate keeps up to 140).
	Nonces []string
	Now    time.Time // zero means time.Now()
}

var b64 = base64.RawURLEncoding.Strict()

// Verify checks token and returns its attestation. The checks run in the order
// of SPEC.md: text form; key id known; signature over the exact payload bytes
// received (before they are decoded — MessagePack has no canonical form, so a
// verifier must never re-encode); strict payload decoding; version and key id;
// audience; nonce; lifetime; issued-at not in the future; not expired.
//
// Verify does not enforce single use: the entity's server records TokenID and
// refuses a token it has seen (the worker's /v1/tokens/verify does that for
// entities without their own store).
func Verify(token string, ks *keys.Keyset, e Expect) (*Attestation, error) {
	if e.Audience == "" || (e.Nonce == "" && len(e.Nonces) == 0) {
		return nil, malformed("verifier must set both audience and nonce")
	}
	now := e.Now
	if now.IsZero() {
		now = time.Now()
	}
	kid, payload, sig, err := splitToken(token)
	if err != nil {
		return nil, err
	}
	key, ok := ks.Has(kid)
	if !ok {
		return nil, wrap("", ErrUnknownKey, " "+strconv.Quote(kid))
	}
	if !key.Verify(signedMessage(payload), sig) {
		return nil, ErrSignature
	}
	a, err := decodePayload(payload)
	if err != nil {
		return nil, err
	}
	if a.Version != Version {
		return nil, malformed("version " + strconv.Itoa(a.Version))
	}
	if a.KeyID != kid {
		return nil, malformed("payload key id " + strconv.Quote(a.KeyID) + " differs from " + strconv.Quote(kid))
	}
	if _, err := ks.Lookup(kid, a.IssuedAt); err != nil {
		return nil, wrap("", ErrUnknownKey, ": key "+kid+" was not valid when the token was issued")
	}
	if subtle.ConstantTimeCompare([]byte(a.Audience), []byte(e.Audience)) != 1 {
		return nil, wrap("", ErrAudience, ": token is for "+strconv.Quote(a.Audience))
	}
	if !e.nonceMatches(a.Nonce) {
		return nil, ErrNonce
	}
	if !a.ExpiresAt.After(a.IssuedAt) || a.ExpiresAt.Sub(a.IssuedAt) > MaxLifetime {
		return nil, malformed("lifetime " + a.ExpiresAt.Sub(a.IssuedAt).String())
	}
	if a.IssuedAt.After(now.Add(MaxSkew)) {
		return nil, wrap("", ErrNotYetValid, ": issued at "+a.IssuedAt.UTC().Format(time.RFC3339))
	}
	if !now.Before(a.ExpiresAt) {
		return nil, wrap("", ErrExpired, " at "+a.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return a, nil
}

// nonceMatches reports whether n is Nonce or one of Nonces, comparing
// with every one in constant time.
func (e Expect) nonceMatches(n string) bool {
	ok := 0
	if e.Nonce != "" {
		ok = subtle.ConstantTimeCompare([]byte(n), []byte(e.Nonce))
	}
	for _, want := range e.Nonces {
		if want != "" {
			ok |= subtle.ConstantTimeCompare([]byte(n), []byte(want))
		}
	}
	return ok == 1
}

// splitToken parses "kycvs1.<kid>.<base64url payload>.<base64url signature>".
func splitToken(token string) (kid string, payload, sig []byte, err error) {
	if len(token) > MaxTokenLength {
		return "", nil, nil, malformed(strconv.Itoa(len(token)) + " bytes is too long")
	}
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return "", nil, nil, malformed("missing " + strconv.Quote(tokenPrefix) + " prefix")
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 3 {
		return "", nil, nil, malformed("want 4 dot-separated parts")
	}
	kid = parts[0]
	if len(kid) != 8 || strings.Trim(kid, "0123456789abcdef") != "" {
		return "", nil, nil, malformed("bad key id " + strconv.Quote(kid))
	}
	payload, err = b64.DecodeString(parts[1])
	if err != nil || len(payload) == 0 {
		return "", nil, nil, malformed("payload is not base64url")
	}
	sig, err = b64.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return "", nil, nil, malformed("signature is not 64 bytes of base64url")
	}
	return kid, payload, sig, nil
}
