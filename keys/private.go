//go:build !kycvs_verifyonly

package keys

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"strconv"
)

// This file is for signers and key tools only: it is not built with the
// kycvs_verifyonly tag, so the browser module links neither crypto/ed25519
// nor crypto/rand (see wasm/SIZE.md).

// PrivateKey is an issuer's Ed25519 signing key. Only the worker holds one; it
// arrives as a secret (wrangler secret / .dev.vars) in the text form.
//
// Signing uses the standard library's crypto/ed25519, chosen over
// cloudflare/circl's sign/ed25519 by measurement (keys/internal/signbench,
// GOOS=js GOARCH=wasm under node 20, 150-byte message, Go 1.26.8):
//
//	              sign ns/op (wasm)  sign ns/op (amd64)  wasm size added (brotli)
//	crypto/ed25519   133k–141k          23.0k–23.8k          +35 KB
//	circl            121k–130k          22.8k–24.6k         +105 KB
//
// Speed is a tie (circl ~10 µs faster per signature in wasm); circl costs three
// times the bytes in a worker whose size budget is 2 MiB, because it imports
// crypto/ed25519 itself plus math/big. circl earns its place in the tests
// instead, as an independent Ed25519 implementation (see TestCirclSignatures).
//
// Printing a PrivateKey with any fmt verb, or a value holding one, shows a
// redacted form; the secret text is available only from SecretText.
type PrivateKey struct {
	// priv returns the key from a closure. fmt cannot call Format on a
	// PrivateKey held in an unexported struct field: it walks the fields by
	// reflection instead, and would print a slice, an array, or (for %s and
	// %q) the target of a pointer. A func it can only print as an address.
	priv func() ed25519.PrivateKey
	pub  PublicKey
}

// GenerateKey returns a new key from crypto/rand.
func GenerateKey() (*PrivateKey, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("generating key: %w", err)
	}
	return newPrivateKey(seed)
}

func newPrivateKey(seed []byte) (*PrivateKey, error) {
	priv := ed25519.NewKeyFromSeed(seed)
	pub, err := ParsePublicKey(priv.Public().(ed25519.PublicKey))
	if err != nil {
		// Probability 2^-250: a seed whose public key is refused by
		// ParsePublicKey cannot be published, so it cannot be used either.
		return nil, fmt.Errorf("generated key is unusable: %w", err)
	}
	return &PrivateKey{priv: func() ed25519.PrivateKey { return priv }, pub: pub}, nil
}

func publicFromSeed(seed []byte) []byte {
	return ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
}

// ParsePrivateKey parses the text form "PRIVATE+KEY+kycvs+<kid>+<base64url(0x01 || seed)>".
// Errors never include the text, which is a secret.
func ParsePrivateKey(text string) (*PrivateKey, error) {
	kid, seed, err := parseKeyText(text, privatePrefix)
	if err == nil && keyID(publicFromSeed(seed)) != kid {
		err = errKeyIDMismatch(kid)
	}
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	return newPrivateKey(seed)
}

// Public returns the public half.
func (k *PrivateKey) Public() PublicKey { return k.pub }

// KeyID returns the id of the public half; it makes *PrivateKey a kycvs.Signer.
func (k *PrivateKey) KeyID() string { return k.pub.ID() }

// Sign returns the Ed25519 signature of message. The error is always nil; it
// is there so remote signers (an HSM, a KMS) fit the same interface.
func (k *PrivateKey) Sign(message []byte) ([]byte, error) {
	return ed25519.Sign(k.priv(), message), nil
}

// SecretText returns the secret text form that ParsePrivateKey reads:
// "PRIVATE+KEY+kycvs+<kid>+<base64url(0x01 || seed)>". Write it only to a
// secret store (a file created with O_EXCL and mode 0600, wrangler secret).
func (k *PrivateKey) SecretText() string {
	return privatePrefix + k.KeyID() + "+" + b64.EncodeToString(append([]byte{algEd25519}, k.priv().Seed()...))
}

// redactedSuffix replaces the key material in String, GoString and Format.
const redactedSuffix = "+REDACTED"

// String returns "PRIVATE+KEY+kycvs+<kid>+REDACTED": the key id, not the
// key, so that logging or printing a key (or a config holding one) never
// leaks it. SecretText returns the secret form.
//
// String, GoString and Format have value receivers so that a PrivateKey
// value, and not only a pointer, is redacted too.
func (k PrivateKey) String() string { return privatePrefix + k.pub.ID() + redactedSuffix }

// GoString returns the same redacted form as String, for %#v.
func (k PrivateKey) GoString() string { return k.String() }

// Format implements fmt.Formatter so that every verb (%v, %+v, %#v, %s, %q,
// %x, %d…) prints the redacted form, %q quoted: for verbs that are not for
// strings, fmt would otherwise print the struct's fields.
func (k PrivateKey) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		io.WriteString(f, strconv.Quote(k.String()))
		return
	}
	io.WriteString(f, k.String())
}

// NewPrivateKeyFromSeed returns the key for a 32-byte RFC 8032 seed. It is for
// deterministic test vectors and key import; new keys come from GenerateKey.
func NewPrivateKeyFromSeed(seed []byte) (*PrivateKey, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("seed is %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	return newPrivateKey(seed)
}
