//go:build kycvs_verifyonly

package keys

import (
	"hash"

	"github.com/kycvs/kycvs/internal/sha2"
)

// The browser module (built with kycvs_verifyonly) hashes with internal/sha2,
// a copy of the standard library's portable SHA-2 code: crypto/sha256 and
// crypto/sha512 would each link the FIPS 140 module, about 100 KB brotli
// (wasm/SIZE.md). Same results, held to crypto/sha* by sha2's tests and
// TestHashShim.

func newSHA256() hash.Hash { return sha2.New256() }
func newSHA512() hash.Hash { return sha2.New512() }
