package booking

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
)

// derivedKeys are the keys booking derives from HASH_KEY, one per use, so no
// two uses can be confused and only one secret needs managing.
type derivedKeys struct {
	code    []byte // security code hashes
	session []byte // booking session tokens
	mobile  []byte // AES-256 key of the appointment's encrypted mobile
}

func derive(hashKey []byte, label string) []byte {
	m := hmac.New(sha256.New, hashKey)
	m.Write([]byte(label))
	return m.Sum(nil)
}

func deriveKeys(hashKey []byte) derivedKeys {
	return derivedKeys{
		code:    derive(hashKey, "kycvs/v1/security-code-key"),
		session: derive(hashKey, "kycvs/v1/booking-session-key"),
		mobile:  derive(hashKey, "kycvs/v1/mobile-encryption-key"),
	}
}

// codeHash binds a security code to its appointment, so equal codes of two
// appointments have unrelated hashes. Without the key, a leaked database does
// not reveal the 10,000-value code.
func (k derivedKeys) codeHash(appointmentID, code string) string {
	m := hmac.New(sha256.New, k.code)
	m.Write([]byte("kycvs/v1/security-code\x00" + appointmentID + "\x00" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// sessionToken is the booking session the person gets for a verified booking
// OTP transaction: stateless, the transaction row (used_at) dates it.
func (k derivedKeys) sessionToken(txnID string) string {
	return "bks." + txnID + "." + base64.RawURLEncoding.EncodeToString(k.sessionMAC(txnID))
}

func (k derivedKeys) sessionMAC(txnID string) []byte {
	m := hmac.New(sha256.New, k.session)
	m.Write([]byte("kycvs/v1/booking-session\x00" + txnID))
	return m.Sum(nil)[:18]
}

// parseSession returns the transaction id of a genuine session token.
func (k derivedKeys) parseSession(tok string) (string, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || parts[0] != "bks" || !txnPattern.MatchString(parts[1]) {
		return "", false
	}
	mac, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(mac, k.sessionMAC(parts[1])) {
		return "", false
	}
	return parts[1], true
}

// sealMobile encrypts the mobile for the appointment row: the confirmation
// SMS after a dose needs the number, and the registry has only its hash.
// The appointment id is the associated data, so a ciphertext cannot be moved
// to another appointment.
func (k derivedKeys) sealMobile(r io.Reader, appointmentID, digits string) (string, error) {
	g, err := k.gcm()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, g.NonceSize())
	if _, err := io.ReadFull(r, nonce); err != nil {
		return "", fmt.Errorf("reading random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(g.Seal(nonce, nonce, []byte(digits), []byte(appointmentID))), nil
}

func (k derivedKeys) openMobile(appointmentID, sealed string) (string, error) {
	g, err := k.gcm()
	if err != nil {
		return "", err
	}
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(b) < g.NonceSize() {
		return "", errors.New("malformed encrypted mobile")
	}
	pt, err := g.Open(nil, b[:g.NonceSize()], b[g.NonceSize():], []byte(appointmentID))
	if err != nil {
		return "", fmt.Errorf("decrypting mobile: %w", err)
	}
	return string(pt), nil
}

func (k derivedKeys) gcm() (cipher.AEAD, error) {
	b, err := aes.NewCipher(k.mobile)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func (h *Handler) random(b []byte) error {
	r := h.cfg.Rand
	if r == nil {
		r = rand.Reader
	}
	_, err := io.ReadFull(r, b)
	return err
}

func (h *Handler) randReader() io.Reader {
	if h.cfg.Rand != nil {
		return h.cfg.Rand
	}
	return rand.Reader
}

// newID returns prefix + 16 URL-safe characters (96 random bits).
func (h *Handler) newID(prefix string) (string, error) {
	b := make([]byte, 12)
	if err := h.random(b); err != nil {
		return "", fmt.Errorf("reading random: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// newSecurityCode returns 4 digits from crypto/rand (bias of 2^64 mod 10^4 is
// negligible).
func (h *Handler) newSecurityCode() (string, error) {
	var b [8]byte
	if err := h.random(b[:]); err != nil {
		return "", fmt.Errorf("reading random: %w", err)
	}
	return fmt.Sprintf("%04d", binary.BigEndian.Uint64(b[:])%10000), nil
}

// AccessTokenPrefix starts a booking access token; CentreTokenPrefix a
// vaccinator token. Both are 256 random bits, stored as SHA-256.
const (
	AccessTokenPrefix = "kycvs_bat_"
	CentreTokenPrefix = "kycvs_vct_"
)

// NewToken returns prefix + 256 random bits, URL-safe.
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

// TokenHash is how access and vaccinator tokens are stored: they are 256-bit
// random, so an unsalted SHA-256 suffices.
func TokenHash(tok string) string {
	s := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(s[:])
}
