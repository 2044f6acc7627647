package kycvs

import (
	"errors"
	"time"
)

// Version is the payload format version this package writes and accepts.
const Version = 1

// MaxLifetime bounds ExpiresAt − IssuedAt. A token is a proof shown once, right
// after the person consented; a short life limits what a leaked token is worth.
const MaxLifetime = 5 * time.Minute

// MaxSkew is how far in the future IssuedAt may be, to allow for clocks that
// disagree between the issuer and the verifier.
const MaxSkew = 60 * time.Second

// MaxTokenLength bounds the text form. Real tokens are about 300 bytes.
const MaxTokenLength = 512

// signatureContext is prepended to the payload before signing, so a signature
// made for a KYC-VS attestation can never be valid for anything else the key
// might sign, and a future format changes the string.
const signatureContext = "kycvs/v1/attestation\x00"

// tokenPrefix starts the text form; the digit is the text form's version.
const tokenPrefix = "kycvs1."

// Errors a verifier may want to branch on. All errors from Verify wrap exactly
// one of them.
var (
	ErrMalformed   = errors.New("malformed token")
	ErrUnknownKey  = errors.New("unknown key id")
	ErrSignature   = errors.New("invalid signature")
	ErrAudience    = errors.New("token is for another audience")
	ErrNonce       = errors.New("token nonce does not match")
	ErrExpired     = errors.New("token expired")
	ErrNotYetValid = errors.New("token issued in the future")
)

// Attestation is the signed statement: "this person, for this entity and this
// request, has this vaccination status", and nothing more.
type Attestation struct {
	Version   int
	KeyID     string // id of the signing key, see package keys
	Issuer    string
	Audience  string // the entity id, e.g. "ent_railways"
	Nonce     string // chosen by the entity's server for this one request
	Status    Status
	IssuedAt  time.Time // whole seconds
	ExpiresAt time.Time // whole seconds, at most MaxLifetime after IssuedAt
	TokenID   [16]byte  // random; entity servers reject a token id seen before
	Subject   [16]byte  // pairwise: the same person has unrelated ids at different entities
}

// signedMessage returns the bytes the signature covers.
func signedMessage(payload []byte) []byte {
	m := make([]byte, 0, len(signatureContext)+len(payload))
	return append(append(m, signatureContext...), payload...)
}
