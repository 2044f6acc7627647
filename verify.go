package kycvs

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/kycvs/kycvs/keys"
)

// Expect is what the verifier knows independently of the token.
type Expect struct {
	Audience string    // the verifying entity's id; required
	Nonce    string    // the nonce the entity issued for this request; required
	Now      time.Time // zero means time.Now()
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
	if e.Audience == "" || e.Nonce == "" {
		return nil, fmt.Errorf("%w: verifier must set both audience and nonce", ErrMalformed)
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
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, kid)
	}
	if !key.Verify(signedMessage(payload), sig) {
		return nil, ErrSignature
	}
	a, err := decodePayload(payload)
	if err != nil {
		return nil, err
	}
	if a.Version != Version {
		return nil, fmt.Errorf("%w: version %d", ErrMalformed, a.Version)
	}
	if a.KeyID != kid {
		return nil, fmt.Errorf("%w: payload key id %q differs from %q", ErrMalformed, a.KeyID, kid)
	}
	if _, err := ks.Lookup(kid, a.IssuedAt); err != nil {
		return nil, fmt.Errorf("%w: key %s was not valid when the token was issued", ErrUnknownKey, kid)
	}
	if subtle.ConstantTimeCompare([]byte(a.Audience), []byte(e.Audience)) != 1 {
		return nil, fmt.Errorf("%w: token is for %q", ErrAudience, a.Audience)
	}
	if subtle.ConstantTimeCompare([]byte(a.Nonce), []byte(e.Nonce)) != 1 {
		return nil, ErrNonce
	}
	if !a.ExpiresAt.After(a.IssuedAt) || a.ExpiresAt.Sub(a.IssuedAt) > MaxLifetime {
		return nil, fmt.Errorf("%w: lifetime %s", ErrMalformed, a.ExpiresAt.Sub(a.IssuedAt))
	}
	if a.IssuedAt.After(now.Add(MaxSkew)) {
		return nil, fmt.Errorf("%w: issued at %s", ErrNotYetValid, a.IssuedAt.UTC().Format(time.RFC3339))
	}
	if !now.Before(a.ExpiresAt) {
		return nil, fmt.Errorf("%w at %s", ErrExpired, a.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return a, nil
}

// splitToken parses "kycvs1.<kid>.<base64url payload>.<base64url signature>".
func splitToken(token string) (kid string, payload, sig []byte, err error) {
	if len(token) > MaxTokenLength {
		return "", nil, nil, fmt.Errorf("%w: %d bytes is too long", ErrMalformed, len(token))
	}
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return "", nil, nil, fmt.Errorf("%w: missing %q prefix", ErrMalformed, tokenPrefix)
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 3 {
		return "", nil, nil, fmt.Errorf("%w: want 4 dot-separated parts", ErrMalformed)
	}
	kid = parts[0]
	if len(kid) != 8 || strings.Trim(kid, "0123456789abcdef") != "" {
		return "", nil, nil, fmt.Errorf("%w: bad key id %q", ErrMalformed, kid)
	}
	payload, err = b64.DecodeString(parts[1])
	if err != nil || len(payload) == 0 {
		return "", nil, nil, fmt.Errorf("%w: payload is not base64url", ErrMalformed)
	}
	sig, err = b64.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return "", nil, nil, fmt.Errorf("%w: signature is not 64 bytes of base64url", ErrMalformed)
	}
	return kid, payload, sig, nil
}
