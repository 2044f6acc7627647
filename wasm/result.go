//go:build js && wasm

package main

import (
	"errors"
	"strings"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/keys"
)

// verifiedResult is what the module hands to the page for a token it has
// accepted: the status the person agreed to share, the token for the host's
// server, and when it stops being valid.
type verifiedResult struct {
	Status     int
	StatusName string
	Token      string
	Expires    time.Time
	KeyID      string
	// For a gate (verify with nonces): which nonce the token carries, when
	// it was issued, and its id (hex) for the gate's replay check.
	Nonce    string
	IssuedAt time.Time
	TokenID  string
}

// verifyToken checks token for entity and nonce at now against ks. The
// audience and nonce are mandatory: a module that skipped either would
// replay another entity's (or another booking's) token to the host.
func verifyToken(token string, ks *keys.Keyset, entity string, nonces []string, now time.Time) (*verifiedResult, error) {
	if entity == "" || len(nonces) == 0 || nonces[0] == "" {
		return nil, &moduleError{Code: "bad_request", Message: "entity and nonce are required to verify a token"}
	}
	token = strings.TrimSpace(token)
	a, err := kycvs.Verify(token, ks, kycvs.Expect{Audience: entity, Nonces: nonces, Now: now})
	if err != nil {
		return nil, &moduleError{Code: verifyErrorCode(err), Message: "token refused: " + err.Error()}
	}
	return &verifiedResult{
		Status:     int(a.Status),
		StatusName: a.Status.String(),
		Token:      token,
		Expires:    a.ExpiresAt,
		KeyID:      a.KeyID,
		Nonce:      a.Nonce,
		IssuedAt:   a.IssuedAt,
		TokenID:    hexString(a.TokenID[:]),
	}, nil
}

// verifyErrorCode maps the protocol's sentinel errors to their verdicts
// (worker/api/codes.go VerifierCodes: kycvs.ErrorCode's names, which this
// module cannot link, see codes.go's build tag). worker/api's
// TestVocabularyModule holds these strings to that list.
func verifyErrorCode(err error) string {
	switch {
	case errors.Is(err, kycvs.ErrExpired):
		return "token_expired"
	case errors.Is(err, kycvs.ErrNotYetValid):
		return "token_not_yet_valid"
	case errors.Is(err, kycvs.ErrAudience):
		return "token_audience"
	case errors.Is(err, kycvs.ErrNonce):
		return "token_nonce"
	case errors.Is(err, kycvs.ErrUnknownKey):
		return "token_unknown_key"
	case errors.Is(err, kycvs.ErrSignature):
		return "token_signature"
	}
	return "token_malformed"
}

// moduleError is the Go side of the JS KYCVSError: code is stable and
// machine-readable, message is for developers (the widget shows its own
// translated text per code).
type moduleError struct {
	Code         string
	Message      string
	HTTPStatus   int
	AttemptsLeft int // -1 when unknown
	RetryAfter   int // seconds, 0 when none
}

func (e *moduleError) Error() string { return e.Code + ": " + e.Message }

// hexString is lowercase hex. (encoding/hex would link fmt into the module:
// some 17 KB brotli, see SIZE.md.)
func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}
