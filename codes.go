//go:build !kycvs_verifyonly

package kycvs

import "errors"

// Errors of an entity server's verification that are not about the token's
// content: the keyset cache and the replay store (keysetcache.go, replay.go)
// return them, wrapped.
//
// This file is not built with the kycvs_verifyonly tag: the browser module
// maps Verify's errors to its own codes (wasm/result.go), and every byte it
// links counts against its budget (wasm/SIZE.md).
var (
	// ErrAlreadyUsed: the token id, or the nonce for that audience, was
	// accepted before (SPEC.md §5, after the numbered checks).
	ErrAlreadyUsed = errors.New("token already used")
	// ErrKeysetUnavailable: the verifier has no keyset to check against —
	// the first fetch failed and there is no fallback. It says nothing
	// about the token; an entity's server answers it as its own outage.
	ErrKeysetUnavailable = errors.New("issuer keyset unavailable")
)

// errorCodes lists every code ErrorCode returns, in the order of SPEC.md §5
// and then the two above: the verifier codes of the service's one error
// vocabulary (worker/api/codes.go's VerifierCodes, documented in docs/API.md
// under "Token verdicts"). The Node and Python verifiers (packages/) and
// POST /v1/tokens/verify use the same names; the tests of each check their
// list against that table. (A function, not a
// variable, so that programs that never call ErrorCode, the worker among
// them, do not carry the table.)
func errorCodes() []errorCodeEntry {
	return []errorCodeEntry{
		{"token_malformed", ErrMalformed},
		{"token_unknown_key", ErrUnknownKey},
		{"token_signature", ErrSignature},
		{"token_audience", ErrAudience},
		{"token_nonce", ErrNonce},
		{"token_not_yet_valid", ErrNotYetValid},
		{"token_expired", ErrExpired},
		{"token_used", ErrAlreadyUsed},
		{"keyset_unavailable", ErrKeysetUnavailable},
	}
}

type errorCodeEntry struct {
	code string
	err  error
}

// ErrorCode returns the stable code of a refusal: for an error of Verify, the
// name SPEC.md §5 and testdata/vectors.json give the failed check
// ("token_malformed", "token_unknown_key", "token_signature",
// "token_audience", "token_nonce", "token_not_yet_valid", "token_expired");
// "token_used" for ErrAlreadyUsed and "keyset_unavailable" for
// ErrKeysetUnavailable. It returns "" for nil and
// for any other error (a database or context error, say): those are not a
// verdict on the token, and a server should answer them as its own failure
// rather than refuse the person.
//
// Codes are what a server logs, counts and sends to its own pages; unlike the
// messages, they never change.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	for _, c := range errorCodes() {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return ""
}
