//go:build !kycvs_verifyonly

package kycvs

import (
	"fmt"

	"github.com/kycvs/kycvs/internal/wire"
)

// Signer signs attestations. *keys.PrivateKey is one; an HSM or KMS client can
// be another.
type Signer interface {
	KeyID() string
	Sign(message []byte) ([]byte, error)
}

// Sign encodes a, with Version and KeyID set from this package and s, signs it
// and returns the text form. It refuses attestations Verify would refuse for
// their own content (bad status, lifetime, field lengths), so an issuer bug
// surfaces at the issuer.
//
// Sign is not built with the kycvs_verifyonly tag: see package wire.
func Sign(s Signer, a *Attestation) (string, error) {
	a.Version = Version
	a.KeyID = s.KeyID()
	p := wire.Payload{
		Version:   a.Version,
		KeyID:     a.KeyID,
		Issuer:    a.Issuer,
		Audience:  a.Audience,
		Nonce:     a.Nonce,
		Status:    uint8(a.Status),
		IssuedAt:  a.IssuedAt.Unix(),
		ExpiresAt: a.ExpiresAt.Unix(),
		TokenID:   a.TokenID,
		Subject:   a.Subject,
	}
	b, err := p.MarshalMsg(nil)
	if err != nil {
		return "", fmt.Errorf("encoding attestation: %w", err)
	}
	// Round-trip through the strict decoder: what we sign must be what every
	// verifier accepts.
	back, err := decodePayload(b)
	if err != nil {
		return "", fmt.Errorf("signing attestation: %w", err)
	}
	if d := back.ExpiresAt.Sub(back.IssuedAt); d <= 0 || d > MaxLifetime {
		return "", fmt.Errorf("signing attestation: lifetime %s outside (0, %s]", d, MaxLifetime)
	}
	sig, err := s.Sign(signedMessage(b))
	if err != nil {
		return "", fmt.Errorf("signing attestation: %w", err)
	}
	return encodeToken(a.KeyID, b, sig), nil
}

// encodeToken writes the text form "kycvs1.<kid>.<base64url payload>.<base64url signature>".
func encodeToken(kid string, payload, sig []byte) string {
	return tokenPrefix + kid + "." + b64.EncodeToString(payload) + "." + b64.EncodeToString(sig)
}
