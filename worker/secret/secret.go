// Package secret is where the worker's secrets are made and kept: the keys
// derived from HASH_KEY (one per use, so no two uses can be confused and only
// one secret needs managing), the keyed hashes stored instead of codes and
// names, the sealed mobile numbers, and random tokens and ids.
//
// Nothing here knows about HTTP or SQL: the OTP engine, booking and the
// admin tools call it, and the store keeps only what it returns.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/kycvs/kycvs/worker/store"
)

// Keys are the keys derived from HASH_KEY. Its fields are unexported and it
// formats as "secret.Keys{REDACTED}", so printing a configuration that holds
// it shows no key.
type Keys struct {
	code    []byte // security code hashes
	session []byte // booking session tokens
	mobile  []byte // AES-256 key of sealed mobiles
	name    []byte // name hashes of OTP transactions
	slip    []byte // AES-256 key of security codes sealed for the slip
}

// Derive returns the keys derived from hashKey.
func Derive(hashKey []byte) *Keys {
	return &Keys{
		code:    derive(hashKey, "kycvs/v1/security-code-key"),
		session: derive(hashKey, "kycvs/v1/booking-session-key"),
		mobile:  derive(hashKey, "kycvs/v1/mobile-encryption-key"),
		name:    derive(hashKey, "kycvs/v1/name-key"),
		slip:    derive(hashKey, "kycvs/v1/slip-code-encryption-key"),
	}
}

func derive(hashKey []byte, label string) []byte {
	m := hmac.New(sha256.New, hashKey)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Format redacts the keys in every verb.
func (k *Keys) Format(f fmt.State, _ rune) { f.Write([]byte("secret.Keys{REDACTED}")) }

// CodeHash binds a security code to its appointment, so equal codes of two
// appointments have unrelated hashes. Without the key, a leaked database does
// not reveal the 10,000-value code.
func (k *Keys) CodeHash(appointmentID, code string) string {
	m := hmac.New(sha256.New, k.code)
	m.Write([]byte("kycvs/v1/security-code\x00" + appointmentID + "\x00" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// NameHash is what an OTP transaction keeps of the name typed: a keyed hash
// of its normalised form (package names), enough to pick the person and
// nothing to read.
func (k *Keys) NameHash(norm string) string {
	m := hmac.New(sha256.New, k.name)
	m.Write([]byte("kycvs/v1/name\x00" + norm))
	return hex.EncodeToString(m.Sum(nil))
}

// TravellersHash is what a family check's OTP transaction keeps of the
// travellers it was started for, in their order: a keyed hash of each
// one's NameHash and nonce. The verification must name the same list.
// Its label differs from NameHash's, so no list hashes like a name.
func (k *Keys) TravellersHash(nameHashes, nonces []string) string {
	m := hmac.New(sha256.New, k.name)
	m.Write([]byte("kycvs/v1/travellers"))
	for i := range nameHashes {
		m.Write([]byte("\x00" + nameHashes[i] + "\x00" + nonces[i]))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// SameHash compares two stored hashes in constant time.
func SameHash(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }

// SessionToken is the booking session the person gets for a verified booking
// OTP transaction: stateless, the transaction row (used_at) dates it.
func (k *Keys) SessionToken(txnID string) string {
	return "bks." + txnID + "." + base64.RawURLEncoding.EncodeToString(k.sessionMAC(txnID))
}

func (k *Keys) sessionMAC(txnID string) []byte {
	m := hmac.New(sha256.New, k.session)
	m.Write([]byte("kycvs/v1/booking-session\x00" + txnID))
	return m.Sum(nil)[:18]
}

// ParseSession returns the transaction id of a genuine session token.
func (k *Keys) ParseSession(tok string) (string, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || parts[0] != "bks" || !store.IsTxnID(parts[1]) {
		return "", false
	}
	mac, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(mac, k.sessionMAC(parts[1])) {
		return "", false
	}
	return parts[1], true
}

// SealMobile encrypts a mobile for a row that must send to it later (an
// appointment's dose confirmation, a walk-in's): the registry itself keeps
// only the keyed hash. ad (the row's id) is the associated data, so a
// ciphertext cannot be moved to another row. r supplies the nonce (nil:
// crypto/rand).
func (k *Keys) SealMobile(r io.Reader, ad, digits string) (string, error) {
	return seal(k.mobile, r, ad, digits)
}

// OpenMobile decrypts what SealMobile sealed for ad.
func (k *Keys) OpenMobile(ad, sealed string) (string, error) {
	return open(k.mobile, ad, sealed)
}

// SealCode seals an appointment's security code for its slip: the person
// who holds the booking's access token or a booking session sees it there
// (the seed's slip that can be carried instead of the phone). Its own key,
// apart from the mobiles', and the appointment id and code hash as
// associated data: a sealed code opens only on its appointment, and only
// while it is the appointment's current code (a reschedule or a
// supervisor's unlock replaces the hash, and the old sealed code no longer
// opens).
func (k *Keys) SealCode(r io.Reader, appointmentID, codeHash, code string) (string, error) {
	return seal(k.slip, r, "kycvs/v1/slip-code\x00"+appointmentID+"\x00"+codeHash, code)
}

// OpenCode opens what SealCode sealed for the appointment and code hash.
func (k *Keys) OpenCode(appointmentID, codeHash, sealed string) (string, error) {
	return open(k.slip, "kycvs/v1/slip-code\x00"+appointmentID+"\x00"+codeHash, sealed)
}

func seal(key []byte, r io.Reader, ad, plain string) (string, error) {
	g, err := gcmOf(key)
	if err != nil {
		return "", err
	}
	if r == nil {
		r = rand.Reader
	}
	nonce := make([]byte, g.NonceSize())
	if _, err := io.ReadFull(r, nonce); err != nil {
		return "", fmt.Errorf("reading random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(g.Seal(nonce, nonce, []byte(plain), []byte(ad))), nil
}

func open(key []byte, ad, sealed string) (string, error) {
	g, err := gcmOf(key)
	if err != nil {
		return "", err
	}
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(b) < g.NonceSize() {
		return "", errors.New("malformed sealed value")
	}
	pt, err := g.Open(nil, b[:g.NonceSize()], b[g.NonceSize():], []byte(ad))
	if err != nil {
		return "", fmt.Errorf("decrypting: %w", err)
	}
	return string(pt), nil
}

func gcmOf(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// Token prefixes: a booking access token, a vaccinator (centre) token, a
// supervisor token. All are 256 random bits, stored as TokenHash.
const (
	AccessTokenPrefix     = "kycvs_bat_"
	CentreTokenPrefix     = "kycvs_vct_"
	SupervisorTokenPrefix = "kycvs_svt_"
)

// NewToken returns prefix + 256 random bits, URL-safe. r nil: crypto/rand.
func NewToken(r io.Reader, prefix string) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, 32)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("reading random: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// TokenHash is how bearer tokens and entity secrets are stored: they are
// 256-bit random strings, so an unsalted SHA-256 suffices (nothing to guess,
// and a lookup by hash stays an index lookup).
func TokenHash(tok string) string {
	s := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(s[:])
}

// NewID returns prefix + 16 URL-safe characters (96 random bits). r nil:
// crypto/rand.
func NewID(r io.Reader, prefix string) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, 12)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("reading random: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// NewIDFor returns an id of a row in the shard of the number whose keyed
// hash is mobileHash: prefix, the number's bucket (store.BucketPrefix, 3
// hex digits) and 16 URL-safe characters (96 random bits), so a lookup by
// the id goes to that shard without a directory (store.Sharded). Used for
// appointments ("apt_") and doses ("dose_"). r nil: crypto/rand.
func NewIDFor(r io.Reader, prefix, mobileHash string) (string, error) {
	id, err := NewID(r, prefix)
	if err != nil {
		return "", err
	}
	return prefix + store.BucketPrefix(mobileHash) + id[len(prefix):], nil
}

// NewDigits returns n decimal digits from r (nil: crypto/rand). The bias of
// 2^64 mod 10^n is negligible for n ≤ 6 (< 10^-13).
func NewDigits(r io.Reader, n int) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [8]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("reading random: %w", err)
	}
	mod := uint64(1)
	for range n {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", n, binary.BigEndian.Uint64(b[:])%mod), nil
}
