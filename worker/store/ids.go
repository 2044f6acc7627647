package store

import "github.com/kycvs/kycvs/worker/chars"

// The formats of the registry's ids and of the other values the API takes
// as keys, written once: every endpoint and admin tool checks input with
// these before it reaches a query. Each comment gives the format as a
// regular expression; ids_test.go holds the functions to them.
var (
	lowerID = chars.Of("a-z0-9_")
	nonceCh = chars.Of("A-Za-z0-9._~-")
	idemCh  = chars.Of("A-Za-z0-9._:-")
	batchCh = chars.Of("A-Za-z0-9/._-")
	alnum   = chars.Of("A-Za-z0-9")
	upper   = chars.Of("A-Z")
	bindCh  = chars.Of("A-Z0-9_")
)

// withBucket reports whether s is prefix, optionally 3 lowercase hex digits
// (the bucket), then n URL-safe base64 characters.
func withBucket(s, prefix string, n int) bool {
	if chars.Run(s, prefix, chars.Base64URL, n, n) {
		return true
	}
	return len(s) == len(prefix)+3+n && chars.Run(s[:len(prefix)+3], prefix, chars.LowerHex, 3, 3) &&
		chars.Base64URL.All(s[len(prefix)+3:])
}

// IsIdempotencyKey: 1 to 128 characters of A-Z a-z 0-9 . _ : - (a UUID, a
// request id).
func IsIdempotencyKey(s string) bool { return chars.Run(s, "", idemCh, 1, 128) } // ^[A-Za-z0-9._:-]{1,128}$

// IsEntityID: ent_ and 1 to 60 lowercase letters, digits, _.
func IsEntityID(s string) bool { return chars.Run(s, "ent_", lowerID, 1, 60) } // ^ent_[a-z0-9_]{1,60}$

// IsCentreID: ctr_ and 1 to 60 lowercase letters, digits, _.
func IsCentreID(s string) bool { return chars.Run(s, "ctr_", lowerID, 1, 60) } // ^ctr_[a-z0-9_]{1,60}$

// IsAppointmentID: apt_, the bucket of the person's number (3 lowercase
// hex digits; see IDBucket) and 16 URL-safe base64 characters
// (secret.NewIDFor). Ids made before sharding have no bucket and stay
// valid.
func IsAppointmentID(s string) bool { return withBucket(s, "apt_", 16) } // ^apt_(?:[0-9a-f]{3})?[A-Za-z0-9_-]{16}$

// IsTxnID: txn_, the bucket of the number (3 lowercase hex digits) and 22
// URL-safe base64 characters (128 random bits); without the bucket for
// transactions made before sharding.
func IsTxnID(s string) bool { return withBucket(s, "txn_", 22) } // ^txn_(?:[0-9a-f]{3})?[A-Za-z0-9_-]{22}$

// IsVaccineID: 1 to 40 lowercase letters, digits, _.
func IsVaccineID(s string) bool { return chars.Run(s, "", lowerID, 1, 40) } // ^[a-z0-9_]{1,40}$

// IsNonce: what an entity may bind a token to: 8 to 128 characters of
// A-Z a-z 0-9 . _ ~ - (URL-safe, so it passes through query strings as is).
func IsNonce(s string) bool { return chars.Run(s, "", nonceCh, 8, 128) } // ^[A-Za-z0-9._~-]{8,128}$

// IsDate: YYYY-MM-DD (callers still parse it: this only fixes the shape).
func IsDate(s string) bool { // ^[0-9]{4}-[0-9]{2}-[0-9]{2}$
	return len(s) == 10 && s[4] == '-' && s[7] == '-' && chars.Digits.All(s[:4]) && chars.Digits.All(s[5:7]) && chars.Digits.All(s[8:])
}

// IsVaccinatorID: vcr_ and 16 URL-safe base64 characters.
func IsVaccinatorID(s string) bool { return chars.Run(s, "vcr_", chars.Base64URL, 16, 16) } // ^vcr_[A-Za-z0-9_-]{16}$

// IsPIN: an Indian postal PIN code, 6 digits, not starting with 0.
func IsPIN(s string) bool { return len(s) == 6 && s[0] != '0' && chars.Digits.All(s) } // ^[1-9][0-9]{5}$

// IsSecurityCode: the 4-digit code of an appointment.
func IsSecurityCode(s string) bool { return chars.Run(s, "", chars.Digits, 4, 4) } // ^[0-9]{4}$

// IsOTP: a 6-digit one-time code.
func IsOTP(s string) bool { return chars.Run(s, "", chars.Digits, 6, 6) } // ^[0-9]{6}$

// IsBatch: a vaccine batch number as printed, 1 to 40 characters of
// A-Z a-z 0-9 / . _ - starting with a letter or digit.
func IsBatch(s string) bool { // ^[A-Za-z0-9][A-Za-z0-9/._-]{0,39}$
	return len(s) >= 1 && len(s) <= 40 && alnum[s[0]] && batchCh.All(s)
}

// IsWidgetID: the id a host page gives its widget, 1 to 40 URL-safe
// base64 characters.
func IsWidgetID(s string) bool { return chars.Run(s, "", chars.Base64URL, 1, 40) } // ^[A-Za-z0-9_-]{1,40}$

// isBindingName: a D1 binding's name as wrangler takes it.
func isBindingName(s string) bool { // ^[A-Z][A-Z0-9_]{0,62}$
	return len(s) >= 1 && len(s) <= 63 && upper[s[0]] && bindCh.All(s)
}
