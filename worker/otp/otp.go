// Package otp is the one-time-password engine: it starts a transaction (a
// 6-digit code from crypto/rand, stored only as a keyed hash, sent by SMS)
// under the abuse limits, and checks a code against it with a bounded,
// atomically counted number of attempts.
//
// A transaction has a purpose: "status" (POST /v1/otp, finishes with a signed
// status token for one entity) or "booking" (proves a mobile before booking an
// appointment). Verify checks the purpose, so a transaction started for one
// can never finish the other.
//
// The engine does not know about beneficiaries or tokens: what a verified
// transaction is good for is the caller's business.
package otp

import (
	"context"
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
	"time"

	"github.com/kycvs/kycvs/worker/mobile"
	"github.com/kycvs/kycvs/worker/names"
	"github.com/kycvs/kycvs/worker/sms"
	"github.com/kycvs/kycvs/worker/store"
)

// Purposes.
const (
	PurposeStatus  = "status"
	PurposeBooking = "booking"
)

// Limits are the abuse limits; see ARCHITECTURE.md. The worker reads them
// from wrangler.toml [vars].
type Limits struct {
	Lifetime      time.Duration // how long a code is valid
	MaxAttempts   int           // OTP comparisons per transaction
	ResendAfter   time.Duration // minimum gap between sends to one number
	PerMobileHour int           // sends per number per hour
	PerIPHour     int           // sends per client IP per hour
	PerEntityHour int           // sends per entity per hour
}

// DefaultLimits are ARCHITECTURE.md's defaults.
var DefaultLimits = Limits{
	Lifetime:      3 * time.Minute,
	MaxAttempts:   3,
	ResendAfter:   30 * time.Second,
	PerMobileHour: 5,
	PerIPHour:     60,
	PerEntityHour: 10000,
}

// Errors Verify and Start return; handlers map them to HTTP codes.
var (
	ErrUnknown = errors.New("unknown transaction")
	ErrExpired = errors.New("transaction expired")
	ErrUsed    = errors.New("transaction already used")
	ErrLocked  = errors.New("too many wrong codes")
	ErrPurpose = errors.New("transaction started for another purpose")
	ErrSend    = errors.New("sending the SMS failed")
)

// IncorrectError is a wrong code; AttemptsLeft may be 0, after which the
// transaction is locked.
type IncorrectError struct{ AttemptsLeft int }

func (e *IncorrectError) Error() string {
	return fmt.Sprintf("incorrect code, %d attempts left", e.AttemptsLeft)
}

// LimitError is a refused send; RetryAfter says when it may succeed.
type LimitError struct {
	Limit      string // "resend", "mobile", "ip", "entity"
	RetryAfter time.Duration
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s limit reached, retry after %s", e.Limit, e.RetryAfter)
}

// Engine runs OTP transactions.
type Engine struct {
	Store   store.Store
	Sender  sms.Sender
	HashKey []byte // HASH_KEY: keys the OTP and mobile hashes
	Limits  Limits
	Now     func() time.Time // nil: time.Now
	Rand    io.Reader        // nil: crypto/rand
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Engine) read(b []byte) error {
	if e.Rand != nil {
		_, err := io.ReadFull(e.Rand, b)
		return err
	}
	_, err := rand.Read(b)
	return err
}

// Start describes a transaction to start. Mobile is the 10 digits from
// mobile.Parse; Name must satisfy names.Valid.
type Start struct {
	Purpose    string
	EntityID   string // for PurposeStatus
	EntityName string // shown in the SMS
	Lang       string // SMS language
	Mobile     string
	Name       string
	Nonce      string
	ClientIP   string
	Host       string // the service's host name, for the WebOTP line
	TopHost    string // host name of the page framing the widget, if known (WebOTP iframe form)
}

// Start checks the limits, creates the transaction and sends the code. It
// behaves the same whether or not the number is in the registry, so the
// response cannot be used to learn who is registered.
func (e *Engine) Start(ctx context.Context, s Start) (*store.OTPTransaction, error) {
	now := e.now()
	mh := mobile.Hash(e.HashKey, s.Mobile)
	var limits []store.Limit
	add := func(key string, window time.Duration, max int) {
		if window > 0 {
			limits = append(limits, store.Limit{Key: key, Window: window, Max: max})
		}
	}
	add("ip:"+s.ClientIP, time.Hour, e.Limits.PerIPHour)
	if s.EntityID != "" {
		add("entity:"+s.EntityID, time.Hour, e.Limits.PerEntityHour)
	}
	add("resend:"+mh, e.Limits.ResendAfter, 1)
	add("mobile:"+mh, time.Hour, e.Limits.PerMobileHour)
	refused, retry, err := e.Store.HitAll(ctx, limits, now)
	if err != nil {
		return nil, err
	}
	if refused != nil {
		name, _, _ := strings.Cut(refused.Key, ":")
		return nil, &LimitError{Limit: name, RetryAfter: retry}
	}

	var idb [16]byte
	var codeb [8]byte
	if err := e.read(idb[:]); err != nil {
		return nil, fmt.Errorf("reading random: %w", err)
	}
	if err := e.read(codeb[:]); err != nil {
		return nil, fmt.Errorf("reading random: %w", err)
	}
	// 2^64 mod 10^6 bias is < 10^-13: negligible.
	code := fmt.Sprintf("%06d", binary.BigEndian.Uint64(codeb[:])%1_000_000)
	t := &store.OTPTransaction{
		ID:          "txn_" + base64.RawURLEncoding.EncodeToString(idb[:]),
		Purpose:     s.Purpose,
		EntityID:    s.EntityID,
		MobileHash:  mh,
		Name:        s.Name,
		NameNorm:    names.Normalize(s.Name),
		Nonce:       s.Nonce,
		MaxAttempts: e.Limits.MaxAttempts,
		CreatedAt:   now,
		ExpiresAt:   now.Add(e.Limits.Lifetime),
	}
	t.OTPHash = e.codeHash(t.ID, code)
	if err := e.Store.CreateOTP(ctx, t); err != nil {
		return nil, err
	}
	minutes := int((e.Limits.Lifetime + time.Minute - 1) / time.Minute)
	body := sms.OTPText(s.Purpose, s.Lang, s.EntityName, code, s.Host, s.TopHost, minutes)
	if err := e.Sender.Send(ctx, sms.Message{To: s.Mobile, Body: body, Kind: "otp"}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSend, err)
	}
	return t, nil
}

// codeHash binds the code to its transaction, so equal codes in different
// transactions have unrelated hashes.
func (e *Engine) codeHash(txnID, code string) string {
	m := hmac.New(sha256.New, e.HashKey)
	m.Write([]byte("kycvs/v1/otp\x00"))
	m.Write([]byte(txnID))
	m.Write([]byte{0})
	m.Write([]byte(code))
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks code against transaction id. Every call spends one attempt
// before comparing (so parallel guesses cannot exceed MaxAttempts); the right
// code marks the transaction used and returns it.
func (e *Engine) Verify(ctx context.Context, id, purpose, code string) (*store.OTPTransaction, error) {
	now := e.now()
	t, err := e.Store.ConsumeAttempt(ctx, id, now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, e.why(ctx, id, now)
	}
	if err != nil {
		return nil, err
	}
	if t.Purpose != purpose {
		return nil, ErrPurpose
	}
	if !hmac.Equal([]byte(e.codeHash(t.ID, code)), []byte(t.OTPHash)) {
		return nil, &IncorrectError{AttemptsLeft: t.MaxAttempts - t.Attempts}
	}
	ok, err := e.Store.MarkOTPUsed(ctx, id, now)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrUsed
	}
	return t, nil
}

// why explains a refused attempt.
func (e *Engine) why(ctx context.Context, id string, now time.Time) error {
	t, err := e.Store.OTP(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ErrUnknown
	case err != nil:
		return err
	case !t.UsedAt.IsZero():
		return ErrUsed
	case t.Attempts >= t.MaxAttempts:
		return ErrLocked
	case !now.Before(t.ExpiresAt):
		return ErrExpired
	}
	return ErrUnknown // changed between the two statements; treat as gone
}
