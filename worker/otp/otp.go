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
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/kycvs/kycvs/worker/mobile"
	"github.com/kycvs/kycvs/worker/names"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/sms"
	"github.com/kycvs/kycvs/worker/store"
)

// Purposes.
const (
	PurposeStatus  = "status"
	PurposeBooking = "booking"
	// PurposeWalkIn proves, at a vaccination centre, that the person being
	// vaccinated without a booking holds the registered mobile: EntityID is
	// the centre, and the code is read out to the vaccinator.
	PurposeWalkIn = "walk_in"
	// PurposeCentreSignIn proves a vaccinator's or supervisor's registered
	// mobile at the centre console's sign-in (/centre): a verified
	// transaction opens one shift's session. Only the per-IP, resend and
	// per-mobile limits apply (there is no entity or centre yet).
	PurposeCentreSignIn = "centre_sign_in"
)

// Limits are the abuse limits; see ARCHITECTURE.md. The worker reads them
// from wrangler.toml [vars].
type Limits struct {
	Lifetime    time.Duration // how long a code is valid
	MaxAttempts int           // guesses per number and purpose within one Lifetime, across its codes
	ResendAfter time.Duration // minimum gap between sends to one number
	// PerMobileHour is the sends per number per hour: with MaxAttempts per
	// Lifetime it is what bounds guessing at a number.
	PerMobileHour int
	// PerIPMinute is a burst guard, not a quota: Indian carriers put
	// thousands of phones behind one IPv4 address (CGNAT), so an hourly
	// per-IP quota would lock out a carrier's customers. IPv6 addresses
	// count by their /64 (one subscriber's prefix).
	PerIPMinute        int
	PerEntityHour      int // sends per entity per hour
	BookingPerHour     int // booking sends per hour, service-wide (the SMS bill no entity pays)
	WalkInPerCentreDay int // walk-in OTPs per centre per day
}

// DefaultLimits are ARCHITECTURE.md's defaults; the per-IP burst guard is 2
// a second on average over a minute, which one CGNAT address at a busy hour
// stays under while a script hammering from one host does not.
var DefaultLimits = Limits{
	Lifetime:           3 * time.Minute,
	MaxAttempts:        3,
	ResendAfter:        30 * time.Second,
	PerMobileHour:      5,
	PerIPMinute:        120,
	PerEntityHour:      10000,
	BookingPerHour:     20000,
	WalkInPerCentreDay: 300,
}

// Errors Verify and Start return; handlers map them to HTTP codes.
var (
	ErrUnknown    = errors.New("unknown transaction")
	ErrExpired    = errors.New("transaction expired")
	ErrUsed       = errors.New("transaction already used")
	ErrLocked     = errors.New("too many wrong codes")
	ErrSuperseded = errors.New("a newer code was sent to this number")
	ErrPurpose    = errors.New("transaction started for another purpose")
	ErrSend       = errors.New("sending the SMS failed")
)

// IncorrectError is a wrong code; AttemptsLeft may be 0, after which the
// transaction is locked.
type IncorrectError struct{ AttemptsLeft int }

func (e *IncorrectError) Error() string {
	return fmt.Sprintf("incorrect code, %d attempts left", e.AttemptsLeft)
}

// LimitError is a refused send; RetryAfter says when it may succeed. Limit
// names the limit for logs and tests only: the response does not say which
// limit a number hit, so a stranger cannot learn how a number is used.
type LimitError struct {
	Limit      string // "ip", "entity", "booking", "walk_in", "resend", "mobile", "guesses"
	RetryAfter time.Duration
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s limit reached, retry after %s", e.Limit, e.RetryAfter)
}

// Engine runs OTP transactions.
type Engine struct {
	Store   store.Store
	Sender  sms.Sender
	HashKey []byte       // HASH_KEY: keys the OTP and mobile hashes
	Keys    *secret.Keys // derived from HashKey; nil: derived per use (tests)
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

// keys are Keys, or derived from HashKey when the engine was made without
// them (never stored: an engine may serve parallel requests).
func (e *Engine) keys() *secret.Keys {
	if e.Keys != nil {
		return e.Keys
	}
	return secret.Derive(e.HashKey)
}

// Format keeps the hash key out of logs: an Engine prints as its limits.
func (e *Engine) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "otp.Engine{Limits: %+v, HashKey: REDACTED}", e.Limits)
}

// Start describes a transaction to start. Mobile is the 10 digits from
// mobile.Parse; Name must satisfy names.Valid (status and walk-in).
type Start struct {
	Purpose    string
	EntityID   string // the entity (status) or the centre (walk-in)
	EntityName string // shown in the SMS
	Lang       string // SMS language
	Mobile     string
	Name       string
	Nonce      string
	// Binding, instead of Name and Nonce, is what a family check's code is
	// for: the keyed hash of its travellers (secret.Keys.TravellersHash),
	// kept as the transaction's NameHash; its nonces come with the
	// verification, which must name the same travellers.
	Binding  string
	ClientIP string
	Host     string // the service's host name, for the WebOTP line
	TopHost  string // host name of the page framing the widget, if known (WebOTP iframe form)
}

// Start checks the limits, creates the transaction (superseding the
// number's live ones of the same purpose) and sends the code. It behaves the
// same whether or not the number is in the registry, so the response cannot
// be used to learn who is registered. If the code cannot be sent, nothing
// of it remains: the counts are given back, the older code is live again.
func (e *Engine) Start(ctx context.Context, s Start) (*store.OTPTransaction, error) {
	now := e.now()
	mh := mobile.Hash(e.HashKey, s.Mobile)
	var limits []store.Limit
	add := func(key string, window time.Duration, max int) {
		if window > 0 {
			limits = append(limits, store.Limit{Key: key, Window: window, Max: max})
		}
	}
	add("ip:"+IPKey(s.ClientIP), time.Minute, e.Limits.PerIPMinute)
	switch s.Purpose {
	case PurposeStatus:
		add(spread("entity:"+s.EntityID, e.Limits.PerEntityHour, mh))
	case PurposeBooking:
		add(spread("booking", e.Limits.BookingPerHour, mh))
	case PurposeWalkIn:
		add("walk_in:"+s.EntityID, 24*time.Hour, e.Limits.WalkInPerCentreDay)
	}
	add("resend:"+mh, e.Limits.ResendAfter, 1)
	add("mobile:"+mh, time.Hour, e.Limits.PerMobileHour)
	t, code, err := e.newTransaction(s, mh, now)
	if err != nil {
		return nil, err
	}
	// One statement: the limits, the guess budget, the insert and the
	// supersede, all or nothing.
	refused, retry, err := e.Store.StartOTP(ctx, t, limits)
	if err != nil {
		return nil, err
	}
	if refused != nil {
		name, _, _ := strings.Cut(refused.Key, ":")
		return nil, &LimitError{Limit: name, RetryAfter: retry}
	}
	minutes := int((e.Limits.Lifetime + time.Minute - 1) / time.Minute)
	body := sms.OTPText(s.Purpose, s.Lang, s.EntityName, code, s.Host, s.TopHost, minutes)
	if err := e.Sender.Send(ctx, sms.Message{To: s.Mobile, Body: body, Kind: "otp", ID: t.ID}); err != nil {
		// A code that never went out must cost nothing: no send counted,
		// no guess budget used, and the code it superseded works again.
		// (A gateway that accepts late may still deliver it; it will not
		// work, and the person was told to try again.)
		if rerr := e.Store.DeleteOTP(ctx, t); rerr != nil {
			log.Printf("otp: removing an unsent code: %v", rerr)
		}
		if rerr := e.Store.Release(ctx, limits); rerr != nil {
			log.Printf("otp: giving back the counts of an unsent code: %v", rerr)
		}
		return nil, fmt.Errorf("%w: %w", ErrSend, err)
	}
	return t, nil
}

// newTransaction makes the transaction of s and its code, not yet stored.
func (e *Engine) newTransaction(s Start, mh string, now time.Time) (*store.OTPTransaction, string, error) {
	var idb [16]byte
	if err := e.read(idb[:]); err != nil {
		return nil, "", fmt.Errorf("reading random: %w", err)
	}
	code, err := secret.NewDigits(e.Rand, 6)
	if err != nil {
		return nil, "", err
	}
	t := &store.OTPTransaction{
		ID:          "txn_" + store.BucketPrefix(mh) + base64.RawURLEncoding.EncodeToString(idb[:]), // routes to the number's shard
		Purpose:     s.Purpose,
		EntityID:    s.EntityID,
		MobileHash:  mh,
		Nonce:       s.Nonce,
		Lang:        sms.Lang(s.Lang),
		MaxAttempts: e.Limits.MaxAttempts,
		CreatedAt:   now,
		ExpiresAt:   now.Add(e.Limits.Lifetime),
	}
	switch {
	case s.Binding != "":
		t.NameHash = s.Binding
	case s.Name != "":
		t.NameHash = e.keys().NameHash(names.Normalize(s.Name))
	}
	if s.Purpose == PurposeWalkIn {
		// The dose confirmation goes to the number the person proved.
		if t.MobileEnc, err = e.keys().SealMobile(e.Rand, t.ID, s.Mobile); err != nil {
			return nil, "", err
		}
	}
	t.OTPHash = e.codeHash(t.ID, code)
	return t, code, nil
}

// spread returns a limit of max per hour as one of several sub-counters
// (SubCounter), picked by the number's hash mh: numbers spread evenly over
// the sub-counters as they would at random, and a request counts on the
// same rows every time it is made, so it runs the same statements in the
// same shards when it is retried (and when a test repeats it to fail each
// statement in turn). The last byte is used: the first 12 bits are the
// number's bucket, and would put every number of a shard on one
// sub-counter.
func spread(key string, max int, mh string) (string, time.Duration, int) {
	var pick byte
	if n := len(mh); n >= 2 {
		if b, err := strconv.ParseUint(mh[n-2:], 16, 8); err == nil {
			pick = byte(b)
		}
	}
	k, m := SubCounter(key, max, pick)
	return k, time.Hour, m
}

// SubCounters is how many rows a spread limit is counted on.
const SubCounters = 16

// SubCounter returns the sub-counter ("key:3") that pick chooses for a
// limit of max, and the share of max it allows: a counter that every start
// touches is never one row (D1 is a single writer, and one hot row would
// serialise every start; scripts/bench.d/40-scale measures the hottest row
// under Zipf-distributed entity traffic). Limits under 100 a sub-counter
// stay one exact counter.
func SubCounter(key string, max int, pick byte) (string, int) {
	if max < 100*SubCounters {
		return key, max
	}
	return key + ":" + strconv.Itoa(int(pick)%SubCounters), (max + SubCounters - 1) / SubCounters
}

// IPKey is the key an address is limited under: IPv4 addresses as they are,
// IPv6 addresses by their /64, which one subscriber holds entirely.
func IPKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// NameHash is the keyed hash a transaction keeps of a normalised name.
func (e *Engine) NameHash(norm string) string { return e.keys().NameHash(norm) }

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

// Check spends one attempt of transaction id and compares code, in constant
// time. Every call spends an attempt before comparing, so parallel guesses
// cannot exceed the budget. A right code returns the transaction, still
// unused: the caller finishes its work, then calls Complete (or Refund if
// its work failed for a reason of ours).
func (e *Engine) Check(ctx context.Context, id, purpose, code string) (*store.OTPTransaction, error) {
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
	return t, nil
}

// Claim is Check and Complete in one statement (store.ClaimCode): the
// attempt is spent and, if the code is right, the transaction is used, so
// only one request ever finishes it. A right code returns the transaction
// with UsedAt set; if the caller's work then fails for a reason of ours it
// calls Refund, which gives the attempt back and makes the code work again.
// Complete on a claimed transaction does nothing. It is for callers whose
// every outcome after a right code either finishes the transaction or is a
// failure of ours (the status flow, booking); a walk-in recording, which
// may leave a right code unused, uses Check.
func (e *Engine) Claim(ctx context.Context, id, purpose, code string) (*store.OTPTransaction, error) {
	now := e.now()
	h := e.codeHash(id, code)
	t, err := e.Store.ClaimCode(ctx, id, purpose, h, now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, e.why(ctx, id, now)
	}
	if err != nil {
		return nil, err
	}
	if t.Purpose != purpose {
		return nil, ErrPurpose
	}
	// The statement compared the keyed hashes; compare again here in
	// constant time, and never take a claim the comparison disowns.
	right := hmac.Equal([]byte(h), []byte(t.OTPHash))
	if right != !t.UsedAt.IsZero() {
		return nil, fmt.Errorf("otp: the database and the engine disagree on transaction %s", t.ID)
	}
	if !right {
		return nil, &IncorrectError{AttemptsLeft: t.MaxAttempts - t.Attempts}
	}
	return t, nil
}

// Complete marks a checked transaction used: ErrUsed if a parallel request
// did first, so only one request ever finishes a transaction. A transaction
// Claim returned is used already.
func (e *Engine) Complete(ctx context.Context, t *store.OTPTransaction) error {
	if !t.UsedAt.IsZero() {
		return nil
	}
	ok, err := e.Store.MarkOTPUsed(ctx, t.ID, e.now())
	if err != nil {
		return err
	}
	if !ok {
		return ErrUsed
	}
	return nil
}

// Refund gives back the attempt Check or Claim spent on a right code (and
// unclaims a claimed transaction), best effort.
func (e *Engine) Refund(ctx context.Context, t *store.OTPTransaction) {
	if err := e.Store.RefundAttempt(ctx, t); err != nil {
		log.Printf("otp: refunding an attempt: %v", err)
	}
}

// Verify checks and finishes a code in one statement (Claim): for callers
// with nothing to do in between.
func (e *Engine) Verify(ctx context.Context, id, purpose, code string) (*store.OTPTransaction, error) {
	return e.Claim(ctx, id, purpose, code)
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
	case t.SupersededBy != "":
		return ErrSuperseded
	case t.Attempts >= t.MaxAttempts:
		return ErrLocked
	case !now.Before(t.ExpiresAt):
		return ErrExpired
	}
	return ErrUnknown // changed between the two statements; treat as gone
}
