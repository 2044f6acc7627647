// Package keys holds the issuer's Ed25519 keys: parsing and validating public
// keys, verifying signatures, key ids, the text forms of public and private
// keys, and the Keyset a verifier pins.
//
// Verification is implemented on filippo.io/edwards25519 and crypto/sha512
// rather than crypto/ed25519 so that ParsePublicKey can refuse non-canonical
// and small-order keys (the standard library accepts both) and so that a
// parsed key carries its decoded point. Verify itself agrees with
// crypto/ed25519.Verify on every input; the tests run the Wycheproof, CCTV
// and speccheck vectors and a differential fuzzer to hold it to that.
//
// # Text forms
//
// A public key is written "kycvs+<kid>+<base64url(0x01 || key)>" and a private
// key "PRIVATE+KEY+kycvs+<kid>+<base64url(0x01 || seed)>", after
// golang.org/x/mod/sumdb/note. The kid is the first 4 bytes of
// SHA-256("kycvs/v1/keyid\x00" || 0x01 || public key), in hex; parsers recompute
// it, so a mistyped or mismatched key is refused rather than silently used.
//
// # Production and development keys
//
// Published is the production keyset, keys/published.json, in every build.
// Trusted is what this build accepts signatures from: Published plus, only
// in builds with the kycvs_dev tag, the developer's local keyset keys/dev.json
// (git-ignored, written by `kycvs-admin devkeys`), whose private key sits in
// .dev.vars. Every build is production unless dev is asked for by name
// (scripts/build-worker --dev, scripts/build-site --dev); DevKeysEmbedded
// reports which one this is, and the browser module built with it refuses to
// verify anything off a loopback origin.
//
// # The browser build
//
// Built with the kycvs_verifyonly tag (the browser module, wasm/), the package
// is verify-only: PrivateKey, ParseKeyset, MarshalJSON, Published and Trusted
// are left out, SHA-2 comes from internal/sha2 instead of crypto/sha256 and
// crypto/sha512, and nothing it links imports fmt or encoding/json. Those
// would cost the module about 430 KB brotli against a 600 KB budget
// (wasm/SIZE.md). The module reads TrustedJSON with the browser's JSON.parse
// and fills a Keyset with Add; DevKeysEmbedded is there too. Other builds are
// unchanged.
//
// This package is not for storing private keys: the worker receives its key
// as a secret, and the key tool (keys/cmd/kycvs-keys) writes it to a file
// created with O_EXCL and mode 0600.
package keys
