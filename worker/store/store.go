// Package store is the worker's storage: the vaccination registry, entities,
// OTP transactions, rate counters, used token ids and the dev SMS outbox.
//
// There is one implementation, SQL, over database/sql with the SQLite dialect:
// in the worker the driver is D1 (github.com/syumai/workers/cloudflare/d1),
// natively it is modernc.org/sqlite, and both run the schema in
// worker/migrations. D1 has no interactive transactions, so every operation
// that must be atomic (a limit, an attempt counter, single use) is one SQL
// statement; the tests run them in parallel to hold us to that.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/kycvs/kycvs"
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// Entity is a registered verifying entity.
type Entity struct {
	ID          string
	DisplayName string
	Purpose     string
	Origins     []string
	Lang        string // language of the OTP SMS sent for this entity
	SecretHash  string // hex SHA-256 of the entity's server secret
}

// Beneficiary is one person in the registry, with the status derived from the
// doses recorded for them.
type Beneficiary struct {
	ID         string
	MobileHash string
	Name       string
	NameNorm   string
	Status     kycvs.Status
}

// OTPTransaction is one OTP sent to a mobile: started by POST /v1/otp (purpose
// "status") or by the booking flow (purpose "booking").
type OTPTransaction struct {
	ID          string
	Purpose     string
	EntityID    string
	MobileHash  string
	Name        string
	NameNorm    string
	Nonce       string
	OTPHash     string
	Attempts    int
	MaxAttempts int
	CreatedAt   time.Time
	ExpiresAt   time.Time
	UsedAt      time.Time // zero while unused
}

// Limit is one rate limit: at most Max events per Window under Key.
type Limit struct {
	Key    string
	Window time.Duration
	Max    int
}

// OutboxMessage is an SMS the dev sender recorded instead of sending.
type OutboxMessage struct {
	ID        int64     `json:"id"`
	To        string    `json:"to"`
	Body      string    `json:"body"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
}

// Store is what the handler and the OTP engine need from storage. Issue-level
// features (booking, dose recording) add methods here rather than reaching for
// *sql.DB, so a sharded or remote registry can implement the same interface.
type Store interface {
	Entity(ctx context.Context, id string) (*Entity, error)
	EntityBySecretHash(ctx context.Context, secretHash string) (*Entity, error)
	// Beneficiaries returns every beneficiary on a mobile with their status.
	Beneficiaries(ctx context.Context, mobileHash string) ([]Beneficiary, error)

	// Hit counts one event against key in a fixed window and reports whether
	// it was within limit; when it was not, retryAfter is when the window ends.
	// The count is not increased past limit.
	Hit(ctx context.Context, key string, window time.Duration, limit int, now time.Time) (ok bool, retryAfter time.Duration, err error)

	// HitAll counts one event against several limits in one statement and
	// returns the first limit (in order) that refused it, or nil. A refused
	// event counts against none of the limits.
	HitAll(ctx context.Context, limits []Limit, now time.Time) (refused *Limit, retryAfter time.Duration, err error)

	CreateOTP(ctx context.Context, t *OTPTransaction) error
	OTP(ctx context.Context, id string) (*OTPTransaction, error)
	// ConsumeAttempt atomically spends one of the transaction's attempts if it
	// is unused, unexpired and not locked, and returns it with Attempts
	// updated. Otherwise it returns ErrNotFound; call OTP to learn why.
	ConsumeAttempt(ctx context.Context, id string, now time.Time) (*OTPTransaction, error)
	// MarkOTPUsed marks the transaction used; false if it already was.
	MarkOTPUsed(ctx context.Context, id string, now time.Time) (bool, error)

	// UseToken records a token id as used; false if it had been before.
	UseToken(ctx context.Context, tokenID, entityID string, expires, now time.Time) (bool, error)

	// Purge deletes state nothing can use any more: OTP transactions and
	// rate counters older than a day, used token ids past their expiry.
	Purge(ctx context.Context, now time.Time) error

	AddOutbox(ctx context.Context, to, body, kind string, now time.Time) error
	// Outbox returns the latest messages, newest first, optionally only to one number.
	Outbox(ctx context.Context, to string, limit int) ([]OutboxMessage, error)
}
