// Package sha2 is SHA-256 and SHA-512 in portable Go, for the browser module
// only.
//
// In a GOOS=js GOARCH=wasm binary, importing crypto/sha256 or crypto/sha512
// links the whole FIPS 140 module behind them (self-tests, DRBG, AES-GCM,
// SHA-3, HMAC): about 100 KB brotli each, a sixth of the widget's 600 KB
// budget (wasm/SIZE.md). The hash functions themselves are a few hundred
// lines, copied here from the Go standard library's generic
// implementations. Package keys uses them only when built with the
// kycvs_verifyonly tag (keys/hash_lean.go); every other build uses
// crypto/sha256 and crypto/sha512, which are faster (assembly) and
// FIPS-validated. sha2_test.go holds this copy to the standard library.
//
// This is not a general-purpose hash package: no SHA-224/384, no state
// marshalling, no FIPS 140 mode. Use crypto/sha256 and crypto/sha512
// everywhere else.
package sha2
