//go:build !kycvs_verifyonly

package keys

import (
	"crypto/sha256"
	"crypto/sha512"
	"hash"
)

// Native and worker builds hash with the standard library (assembly where
// there is some, FIPS 140 validated); the browser module uses
// hash_lean.go instead.

func newSHA256() hash.Hash { return sha256.New() }
func newSHA512() hash.Hash { return sha512.New() }
