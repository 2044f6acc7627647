// Package mobile parses Indian mobile numbers and derives the keyed hash the
// registry stores instead of the number.
package mobile

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
)

// ErrInvalid is returned for anything that is not an Indian 10-digit mobile.
var ErrInvalid = errors.New("not an Indian mobile number")

// Parse accepts "9876543210", "+919876543210" or "+91 98765 43210" (spaces
// and hyphens between digits are ignored) and returns the 10 digits. The
// first digit must be 6–9: landlines and service numbers are refused.
func Parse(s string) (string, error) {
	if len(s) > 20 {
		return "", ErrInvalid
	}
	if rest, ok := strings.CutPrefix(s, "+91"); ok {
		s = strings.TrimPrefix(strings.TrimPrefix(rest, " "), "-")
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case (c == ' ' || c == '-') && b.Len() > 0 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
		default:
			return "", ErrInvalid
		}
	}
	d := b.String()
	if len(d) != 10 || d[0] < '6' {
		return "", ErrInvalid
	}
	return d, nil
}

// Hash returns hex(HMAC-SHA256(key, "kycvs/v1/mobile\x00" || digits)). The
// key (HASH_KEY) keeps a leaked database from being reversed by hashing all
// 4×10^9 possible numbers.
func Hash(key []byte, digits string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("kycvs/v1/mobile\x00"))
	m.Write([]byte(digits))
	return hex.EncodeToString(m.Sum(nil))
}

// Mask returns the number with all but the last 2 digits hidden, for logs and
// the outbox listing.
func Mask(digits string) string {
	if len(digits) < 2 {
		return "**"
	}
	return strings.Repeat("•", len(digits)-2) + digits[len(digits)-2:]
}
