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
	"fmt"
	"time"
)

// GuessesKey is the Key of the Limit StartOTP returns when the number's
// guess budget, not a rate limit, refused the start.
const GuessesKey = "guesses"

// PurgeBatch is the most rows one purge statement deletes.
const PurgeBatch = 1000

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// ErrUnavailable wraps every failure of the database itself (D1 overloaded or
// unreachable, SQLite I/O): the request may succeed if retried, and the
// handlers answer 503 with Retry-After. Errors that are not this (nor
// ErrNotFound, ErrConflict) are bugs.
var ErrUnavailable = errors.New("storage unavailable")

// ErrBadEntity is an entity row that breaks a rule (its origins): refused
// at load with the reason, never used.
var ErrBadEntity = errors.New("invalid entity registration")

// fail wraps a database error for the caller: what was being done, and
// ErrUnavailable.
func fail(what string, err error) error {
	return fmt.Errorf("%s: %w: %w", what, ErrUnavailable, err)
}

// Entity is a registered verifying entity.
type Entity struct {
	ID          string
	DisplayName string
	Purpose     string
	Origins     []string
	Lang        string // language of the OTP SMS sent for this entity
	SecretHash  string // hex SHA-256 of the entity's server secret
	// Kind is KindWeb (a framed widget, verified by the entity's server) or
	// KindGate (a venue's entry: the /pass and /gate pages); "" is KindWeb.
	Kind string
	// GateTokenHash is secret.TokenHash of a gate's sign-in token ("" for
	// none: web entities, withdrawn tokens).
	GateTokenHash string
}

// The kinds of entity (migration 0007).
const (
	KindWeb  = "web"
	KindGate = "gate"
)

// Beneficiary is one person in the registry, with what their status is
// derived from (domain.StatusOf): the doses recorded and the primary
// schedule of their first dose's vaccine.
type Beneficiary struct {
	ID            string
	MobileHash    string
	Name          string
	NameNorm      string
	Doses         int
	DosesRequired int // of the first dose's vaccine; 0 without doses
}

// OTPTransaction is one OTP sent to a mobile: started by POST /v1/otp (purpose
// "status"), by the booking flow ("booking") or by a vaccinator for a walk-in
// ("walk_in", EntityID is then the centre).
type OTPTransaction struct {
	ID         string
	Purpose    string
	EntityID   string
	MobileHash string
	// NameHash is secret.Keys.NameHash of the normalised name typed (status
	// and walk-in transactions): the name itself is never stored.
	NameHash  string
	Nonce     string
	OTPHash   string
	MobileEnc string // the sealed mobile, walk-in transactions only
	Lang      string
	Attempts  int
	// MaxAttempts is this code's budget: OTP_MAX_ATTEMPTS less the guesses
	// already spent on the number's codes within one code lifetime.
	MaxAttempts  int
	CreatedAt    time.Time
	ExpiresAt    time.Time
	UsedAt       time.Time // zero while unused
	SupersededBy string    // the transaction that replaced this one, if any
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
	// Entity looks an entity up by id, through the instance's Directory
	// cache when there is one (an entity change then takes up to its TTL,
	// DefaultDirectoryTTL, to be seen). EntityBySecretHash always reads
	// the database, so a rotated or removed secret stops working at once.
	Entity(ctx context.Context, id string) (*Entity, error)
	EntityBySecretHash(ctx context.Context, secretHash string) (*Entity, error)
	// GateByTokenHash returns the gate venue whose sign-in token hashes to
	// tokenHash (ErrNotFound for none).
	GateByTokenHash(ctx context.Context, tokenHash string) (*Entity, error)
	// Beneficiaries returns every beneficiary on a mobile with their status.
	Beneficiaries(ctx context.Context, mobileHash string) ([]Beneficiary, error)

	// Hit counts one event against key in a fixed window and reports whether
	// it was within limit; when it was not, retryAfter is when the window ends.
	// The count is not increased past limit.
	Hit(ctx context.Context, key string, window time.Duration, limit int, now time.Time) (ok bool, retryAfter time.Duration, err error)

	// HitAll counts one event against several limits in one statement and
	// returns the first limit (in order) that refused it, or nil. A refused
	// event counts against none of the limits, whatever fails.
	HitAll(ctx context.Context, limits []Limit, now time.Time) (refused *Limit, retryAfter time.Duration, err error)

	// Release gives back one count of each limit (an event HitAll counted
	// that did not happen after all, e.g. an SMS that could not be sent).
	Release(ctx context.Context, limits []Limit) error

	// StartOTP starts t in one statement (one D1 round trip): it counts
	// the event against every limit (as HitAll) and inserts t with its
	// guess budget (as CreateOTP), superseding the number's live
	// transactions of that purpose — all of it, or nothing. It returns the
	// first limit (in order) that refused the start, or a Limit with Key
	// GuessesKey when the number has no guess left in this code lifetime;
	// then nothing was counted or inserted. On success t.MaxAttempts is the
	// budget. The limits are counted in the database t is stored in: a
	// sharded store that keeps counters elsewhere must split this into
	// HitAll and CreateOTP (and give the counts back when the insert is
	// refused).
	StartOTP(ctx context.Context, t *OTPTransaction, limits []Limit) (refused *Limit, retryAfter time.Duration, err error)
	// CreateOTP inserts t (without counting limits; see StartOTP), in one statement with its budget: t.MaxAttempts
	// less the guesses spent on the number's transactions of the same
	// purpose created within one lifetime (ExpiresAt - CreatedAt). Inserting
	// supersedes the number's live transactions of that purpose (a trigger,
	// same statement). It reports false, inserting nothing, when no guess is
	// left; on success t.MaxAttempts is the budget.
	CreateOTP(ctx context.Context, t *OTPTransaction) (bool, error)
	// DeleteOTP undoes CreateOTP for a code that was never sent: the
	// transactions it superseded are live again, and it is gone.
	DeleteOTP(ctx context.Context, t *OTPTransaction) error
	OTP(ctx context.Context, id string) (*OTPTransaction, error)
	// ConsumeAttempt atomically spends one of the transaction's attempts if it
	// is unused, not superseded, unexpired and not locked, and returns it with
	// Attempts updated. Otherwise it returns ErrNotFound; call OTP to learn why.
	ConsumeAttempt(ctx context.Context, id string, now time.Time) (*OTPTransaction, error)
	// ClaimCode is the one statement of a code check that also finishes
	// it: it spends one of the transaction's attempts (if it is unused, not
	// superseded, unexpired and not locked) and, when purpose and otpHash
	// are the transaction's, marks it used in the same statement. It
	// returns the transaction as updated: UsedAt is set if and only if this
	// call claimed it. ErrNotFound as ConsumeAttempt.
	ClaimCode(ctx context.Context, id, purpose, otpHash string, now time.Time) (*OTPTransaction, error)
	// RefundAttempt gives back the attempt of a right code whose request
	// then failed for a reason of ours (the database, the signer), so the
	// person's retry is not charged for it. A transaction ClaimCode claimed
	// (t.UsedAt set) is unclaimed, so the code works again; one used by
	// anything else stays used.
	RefundAttempt(ctx context.Context, t *OTPTransaction) error
	// MarkOTPUsed marks the transaction used; false if it already was.
	MarkOTPUsed(ctx context.Context, id string, now time.Time) (bool, error)

	// UseToken records a token id as used by entityID; false if it had been
	// before — unless idempotencyKey is not empty and the same entity used
	// it with the same key (a retry), which is true again.
	UseToken(ctx context.Context, tokenID, entityID, idempotencyKey string, expires, now time.Time) (bool, error)

	// Purge deletes state nothing can use any more: OTP transactions and
	// rate counters older than a day, used token ids past their expiry,
	// dev outbox messages older than a week. It deletes at most
	// PurgeBatch rows a statement (each statement is short, so requests
	// between them wait little) and at most maxBatches statements a table,
	// and returns the rows deleted; the cron trigger calls it every five
	// minutes, never a request.
	Purge(ctx context.Context, now time.Time, maxBatches int) (deleted int64, err error)

	AddOutbox(ctx context.Context, to, body, kind string, now time.Time) error
	// Outbox returns the latest messages, newest first, optionally only to one number.
	Outbox(ctx context.Context, to string, limit int) ([]OutboxMessage, error)
}
