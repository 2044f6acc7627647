//go:build !kycvs_verifyonly

package kycvs

import (
	"crypto/hmac"
	"crypto/sha256"
)

// PairwiseSubject is for issuers only, so it is not built with the
// kycvs_verifyonly tag: crypto/hmac and crypto/sha256 would add about 100 KB
// brotli to the browser module (wasm/SIZE.md).

// PairwiseSubject derives the subject id of a beneficiary for one audience:
// HMAC-SHA256(key, "kycvs/v1/subject\x00" || audience || 0x00 || beneficiaryID),
// truncated to 16 bytes. Without key, two entities cannot tell whether their
// subjects are the same person; one entity sees the same id every time, which
// is what lets it recognise a returning customer.
func PairwiseSubject(key []byte, audience, beneficiaryID string) [16]byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("kycvs/v1/subject\x00"))
	m.Write([]byte(audience))
	m.Write([]byte{0})
	m.Write([]byte(beneficiaryID))
	var out [16]byte
	copy(out[:], m.Sum(nil))
	return out
}
