package sms

import "unicode/utf16"

// gsm7 is the GSM 03.38 default alphabet: a message made only of these
// (and of gsm7ext) travels as 7-bit text, 160 characters to a single SMS.
const gsm7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsm7ext is the extension table: each costs two septets (an escape first).
const gsm7ext = "^{}\\[~]|€\f"

// Encoding is how a message is carried.
type Encoding string

const (
	GSM7 Encoding = "GSM-7"
	UCS2 Encoding = "UCS-2"
)

// Segments returns how body is sent: its encoding, its length in that
// encoding's units (septets, or UTF-16 code units for UCS-2) and the number
// of SMS it takes. A single SMS holds 160 septets or 70 UCS-2 units; a
// longer message is split into parts of 153 or 67 (each part gives 7 bytes
// to the concatenation header), and every part is billed. One character
// outside GSM-7 (any Indic or Arabic letter, "…", "’") makes the whole
// message UCS-2. Why it matters here: an Indian OTP that spills into a
// third part costs more and arrives later (parts can be delayed apart).
func Segments(body string) (enc Encoding, units, parts int) {
	enc = GSM7
	for _, r := range body {
		switch {
		case containsRune(gsm7, r):
			units++
		case containsRune(gsm7ext, r):
			units += 2
		default:
			enc = UCS2
		}
	}
	single, part := 160, 153
	if enc == UCS2 {
		units = len(utf16.Encode([]rune(body)))
		single, part = 70, 67
	}
	switch {
	case units == 0:
		parts = 0
	case units <= single:
		parts = 1
	default:
		parts = (units + part - 1) / part
	}
	return enc, units, parts
}

func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}
