package store

import "regexp"

// The formats of the registry's ids and of the other values the API takes
// as keys, written once: every endpoint and admin tool checks input with
// these before it reaches a query.
var (
	entityID      = regexp.MustCompile(`^ent_[a-z0-9_]{1,60}$`)
	centreID      = regexp.MustCompile(`^ctr_[a-z0-9_]{1,60}$`)
	appointmentID = regexp.MustCompile(`^apt_(?:[0-9a-f]{3})?[A-Za-z0-9_-]{16}$`)
	txnID         = regexp.MustCompile(`^txn_(?:[0-9a-f]{3})?[A-Za-z0-9_-]{22}$`)
	vaccineID     = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)
	nonce         = regexp.MustCompile(`^[A-Za-z0-9._~-]{8,128}$`)
	date          = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	idemKey       = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
)

// IsIdempotencyKey: 1 to 128 characters of A-Z a-z 0-9 . _ : - (a UUID, a
// request id).
func IsIdempotencyKey(s string) bool { return idemKey.MatchString(s) }

// IsEntityID: ent_ and 1 to 60 lowercase letters, digits, _.
func IsEntityID(s string) bool { return entityID.MatchString(s) }

// IsCentreID: ctr_ and 1 to 60 lowercase letters, digits, _.
func IsCentreID(s string) bool { return centreID.MatchString(s) }

// IsAppointmentID: apt_, the bucket of the person's number (3 lowercase
// hex digits; see IDBucket) and 16 URL-safe base64 characters
// (secret.NewIDFor). Ids made before sharding have no bucket and stay
// valid.
func IsAppointmentID(s string) bool { return appointmentID.MatchString(s) }

// IsTxnID: txn_, the bucket of the number (3 lowercase hex digits) and 22
// URL-safe base64 characters (128 random bits); without the bucket for
// transactions made before sharding.
func IsTxnID(s string) bool { return txnID.MatchString(s) }

// IsVaccineID: 1 to 40 lowercase letters, digits, _.
func IsVaccineID(s string) bool { return vaccineID.MatchString(s) }

// IsNonce: what an entity may bind a token to: 8 to 128 characters of
// A-Z a-z 0-9 . _ ~ - (URL-safe, so it passes through query strings as is).
func IsNonce(s string) bool { return nonce.MatchString(s) }

// IsDate: YYYY-MM-DD (callers still parse it: this only fixes the shape).
func IsDate(s string) bool { return date.MatchString(s) }
