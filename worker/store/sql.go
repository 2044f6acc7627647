package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kycvs/kycvs/worker/origin"
)

// SQL implements Store on a database/sql handle to D1 or SQLite. Inside
// workerd the worker makes one per request, on that request's D1 binding.
//
// One SQL is one database. A sharded registry routes to several SQLs
// (one per shard); every method's statements touch only its own database,
// and the statements that must be atomic are single statements.
type SQL struct {
	DB *sql.DB
	// Directory, if set, caches entity lookups by id across requests (it
	// outlives the SQL, which is per request in workerd): the entity of
	// every OTP start then costs no round trip. nil: every lookup reads.
	// The same cache serves Sharded (DefaultDirectoryTTL).
	Directory *Directory
}

var _ Store = (*SQL)(nil)

func (s *SQL) entity(ctx context.Context, where string, arg any) (*Entity, error) {
	var e Entity
	var origins string
	var gateHash sql.NullString
	err := s.DB.QueryRowContext(ctx, `SELECT id, display_name, purpose, origins, lang, secret_hash, kind, gate_token_hash FROM entities WHERE `+where+` = ?`, arg).
		Scan(&e.ID, &e.DisplayName, &e.Purpose, &origins, &e.Lang, &e.SecretHash, &e.Kind, &gateHash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fail("reading entity", err)
	}
	e.GateTokenHash = gateHash.String
	if e.Kind == KindGate && origins == "" {
		// A gate venue is never framed: it has no origins (migration 0007).
		return &e, nil
	}
	if e.Origins, err = origin.ParseList(origins); err != nil {
		// A row written before the rule (or by hand) is refused, not
		// half-used: its origins would go into a CSP frame-ancestors list.
		return nil, fmt.Errorf("%w: entity %s: %v", ErrBadEntity, e.ID, err)
	}
	return &e, nil
}

// Entity implements Store, through s.Directory when set.
func (s *SQL) Entity(ctx context.Context, id string) (*Entity, error) {
	return cachedEntity(s.Directory, "entity:"+id, func() (*Entity, error) { return s.entity(ctx, "id", id) })
}

// EntityBySecretHash implements Store.
func (s *SQL) EntityBySecretHash(ctx context.Context, h string) (*Entity, error) {
	return s.entity(ctx, "secret_hash", h)
}

// GateByTokenHash implements Store (index entities_gate_token).
func (s *SQL) GateByTokenHash(ctx context.Context, h string) (*Entity, error) {
	e, err := s.entity(ctx, "kind = 'gate' AND gate_token_hash", h)
	return e, err
}

// Beneficiaries implements Store.
func (s *SQL) Beneficiaries(ctx context.Context, mobileHash string) ([]Beneficiary, error) {
	// What the status rule (domain.Status) needs: the doses recorded and
	// the primary schedule of the first dose's vaccine.
	rows, err := s.DB.QueryContext(ctx, `SELECT b.id, b.mobile_hash, b.name, b.name_norm,
		(SELECT count(*) FROM doses d WHERE d.beneficiary_id = b.id),
		coalesce((SELECT v.doses_required FROM doses d JOIN vaccines v ON v.id = d.vaccine_id
		          WHERE d.beneficiary_id = b.id ORDER BY d.dose_number LIMIT 1), 0)
		FROM beneficiaries b WHERE b.mobile_hash = ? ORDER BY b.id`, mobileHash)
	if err != nil {
		return nil, fail("reading beneficiaries", err)
	}
	defer rows.Close()
	var out []Beneficiary
	for rows.Next() {
		var b Beneficiary
		var n, req int64
		if err := rows.Scan(&b.ID, &b.MobileHash, &b.Name, &b.NameNorm, &n, &req); err != nil {
			return nil, fail("reading beneficiaries", err)
		}
		b.Doses, b.DosesRequired = int(n), int(req)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fail("reading beneficiaries", err)
	}
	return out, nil
}

// Hit implements Store with one upsert: a new or expired window starts at
// count 1; a live window is incremented only while below limit. RETURNING
// yields a row only when the event was counted.
func (s *SQL) Hit(ctx context.Context, key string, window time.Duration, limit int, now time.Time) (bool, time.Duration, error) {
	if limit <= 0 {
		return false, window, nil
	}
	n, w := now.Unix(), int64(window/time.Second)
	cutoff := n - w // a window that started at or before cutoff is over
	rows, err := s.DB.QueryContext(ctx, `INSERT INTO rate_counters (key, window_start, count) VALUES (?1, ?2, 1)
		ON CONFLICT (key) DO UPDATE SET
		  count = CASE WHEN window_start <= ?3 THEN 1 ELSE count + 1 END,
		  window_start = CASE WHEN window_start <= ?3 THEN ?2 ELSE window_start END
		WHERE window_start <= ?3 OR count < ?4
		RETURNING count`, key, n, cutoff, int64(limit))
	if err != nil {
		return false, 0, fail("counting "+key, err)
	}
	counted := rows.Next()
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, 0, fail("counting "+key, err)
	}
	if counted {
		return true, 0, nil
	}
	var start int64
	if err := s.DB.QueryRowContext(ctx, `SELECT window_start FROM rate_counters WHERE key = ?`, key).Scan(&start); err != nil {
		return false, window, nil // the row exists (we were refused); a read failure only loses the hint
	}
	retry := time.Duration(start+w-n) * time.Second
	if retry < time.Second {
		retry = time.Second
	}
	return false, retry, nil
}

// HitAll implements Store with one statement, all or nothing: a multi-row
// upsert that counts the event against every limit (a new or expired window
// starts at 1, a live one is incremented; each row carries its window and
// limit as win and lim) only if none of them is full. RETURNING lists the
// keys counted: all, or none. A refused event is never counted, so it has
// nothing to give back, and no failure between two statements can leave it
// counted against the limits that allowed it.
//
// SQLite (and so D1) evaluates an INSERT's SELECT that reads the table
// being written before inserting anything, so the NOT EXISTS sees every
// counter as it was before this event.
func (s *SQL) HitAll(ctx context.Context, limits []Limit, now time.Time) (*Limit, time.Duration, error) {
	if len(limits) == 0 {
		return nil, 0, nil
	}
	n := now.Unix()
	var q strings.Builder
	q.WriteString(`WITH hit (key, at, win, lim) AS (VALUES `)
	args := make([]any, 0, 4*len(limits))
	for i, l := range limits {
		if l.Max <= 0 || l.Window < time.Second {
			return &limits[i], l.Window, nil
		}
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?)")
		args = append(args, l.Key, n, int64(l.Window/time.Second), int64(l.Max))
	}
	q.WriteString(`)
		INSERT INTO rate_counters (key, window_start, count, win, lim)
		SELECT key, at, 1, win, lim FROM hit
		WHERE NOT EXISTS (SELECT 1 FROM rate_counters r JOIN hit h ON r.key = h.key
		                  WHERE r.window_start > h.at - h.win AND r.count >= h.lim)
		ON CONFLICT (key) DO UPDATE SET
		  count = CASE WHEN window_start <= excluded.window_start - excluded.win THEN 1 ELSE count + 1 END,
		  window_start = CASE WHEN window_start <= excluded.window_start - excluded.win THEN excluded.window_start ELSE window_start END,
		  win = excluded.win, lim = excluded.lim
		RETURNING key`)
	rows, err := s.DB.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, 0, fail("counting", err)
	}
	counted := rows.Next()
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, fail("counting", err)
	}
	if counted {
		return nil, 0, nil
	}
	// Refused, and counted nowhere: find the first full limit, for the
	// retry hint.
	if l, retry, err := s.fullLimit(ctx, limits, n); l != nil || err != nil {
		return l, retry, err
	}
	// A window ended between the two statements: the event may be tried
	// again at once.
	return &limits[0], time.Second, nil
}

// Release implements Store.
func (s *SQL) Release(ctx context.Context, limits []Limit) error {
	keys := make([]any, 0, len(limits))
	for _, l := range limits {
		keys = append(keys, l.Key)
	}
	return s.release(ctx, keys)
}

func (s *SQL) release(ctx context.Context, keys []any) error {
	if len(keys) == 0 {
		return nil
	}
	q := `UPDATE rate_counters SET count = count - 1 WHERE count > 0 AND key IN (?` + strings.Repeat(", ?", len(keys)-1) + `)`
	if _, err := s.DB.ExecContext(ctx, q, keys...); err != nil {
		return fail("returning counts", err)
	}
	return nil
}

// StartOTP implements Store: one INSERT … SELECT into the view otp_starts
// (migration 0008) whose WHERE holds every limit (as HitAll's) and the
// number's guess budget (as CreateOTP's); its INSTEAD OF trigger inserts the
// transaction (the supersede trigger runs in the same statement) and counts
// the limits. SQLite (and so D1) evaluates the SELECT before the trigger
// writes anything, and runs one statement at a time, so parallel starts see
// each other's counts. A refused start reads why in a second statement.
func (s *SQL) StartOTP(ctx context.Context, t *OTPTransaction, limits []Limit) (*Limit, time.Duration, error) {
	created, expires := t.CreatedAt.Unix(), t.ExpiresAt.Unix()
	hits := make([][3]any, 0, len(limits))
	var values strings.Builder
	args := []any{t.ID, t.Purpose, t.EntityID, t.MobileHash, t.NameHash, t.Nonce, t.OTPHash, t.MobileEnc, t.Lang,
		int64(t.MaxAttempts), created, expires, nil}
	for i, l := range limits {
		if l.Max <= 0 || l.Window < time.Second {
			return &limits[i], l.Window, nil
		}
		win := int64(l.Window / time.Second)
		hits = append(hits, [3]any{l.Key, win, int64(l.Max)})
		if i > 0 {
			values.WriteString(", ")
		}
		fmt.Fprintf(&values, "(?%d, ?%d, ?%d)", len(args)+1, len(args)+2, len(args)+3)
		args = append(args, l.Key, win, int64(l.Max))
	}
	js, err := json.Marshal(hits)
	if err != nil {
		return nil, 0, err
	}
	args[12] = string(js)
	full := "0" // no limits: none is full
	if len(limits) > 0 {
		full = `EXISTS (SELECT 1 FROM rate_counters r JOIN hit h ON r.key = h.key
		               WHERE r.window_start > ?11 - h.win AND r.count >= h.lim)`
	}
	q := `WITH hit (key, win, lim) AS (VALUES ` + values.String() + `)
		INSERT INTO otp_starts
		(id, purpose, entity_id, mobile_hash, name_hash, nonce, otp_hash, mobile_enc, lang, max_attempts, created_at, expires_at, hits)
		SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 - spent, ?11, ?12, ?13
		FROM (SELECT coalesce(sum(attempts - (used_at IS NOT NULL)), 0) AS spent FROM otp_transactions
		      WHERE mobile_hash = ?4 AND purpose = ?2 AND created_at > ?11 - (?12 - ?11))
		WHERE spent < ?10 AND NOT ` + full + `
		RETURNING max_attempts`
	if len(limits) == 0 {
		q = strings.Replace(q, "WITH hit (key, win, lim) AS (VALUES )", "", 1)
	}
	var budget int64
	err = s.DB.QueryRowContext(ctx, q, args...).Scan(&budget)
	if err == nil {
		t.MaxAttempts = int(budget)
		return nil, 0, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, 0, fail("starting OTP transaction", err)
	}
	// Refused, and nothing counted or inserted: which limit, for the retry
	// hint (or the guess budget).
	if l, retry, err := s.fullLimit(ctx, limits, created); l != nil || err != nil {
		return l, retry, err
	}
	return &Limit{Key: GuessesKey, Window: t.ExpiresAt.Sub(t.CreatedAt), Max: t.MaxAttempts}, t.ExpiresAt.Sub(t.CreatedAt), nil
}

// fullLimit returns the first of limits whose window at n is full, and when
// it ends; nil if none is.
func (s *SQL) fullLimit(ctx context.Context, limits []Limit, n int64) (*Limit, time.Duration, error) {
	if len(limits) == 0 {
		return nil, 0, nil
	}
	keys := make([]any, 0, len(limits))
	for _, l := range limits {
		keys = append(keys, l.Key)
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT key, window_start, count FROM rate_counters WHERE key IN (?`+
		strings.Repeat(", ?", len(keys)-1)+`)`, keys...)
	if err != nil {
		return nil, 0, fail("reading counts", err)
	}
	defer rows.Close()
	type counter struct{ start, count int64 }
	found := map[string]counter{}
	for rows.Next() {
		var k string
		var c counter
		if err := rows.Scan(&k, &c.start, &c.count); err != nil {
			return nil, 0, fail("reading counts", err)
		}
		found[k] = c
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fail("reading counts", err)
	}
	for i, l := range limits {
		c, ok := found[l.Key]
		w := int64(l.Window / time.Second)
		if ok && c.start > n-w && c.count >= int64(l.Max) {
			return &limits[i], max(time.Duration(c.start+w-n)*time.Second, time.Second), nil
		}
	}
	return nil, 0, nil
}

// CreateOTP implements Store: one INSERT … SELECT whose WHERE holds the
// number's guess budget, so parallel starts and guesses cannot exceed it
// (SQLite and D1 run one statement at a time); the supersede trigger runs in
// the same statement.
func (s *SQL) CreateOTP(ctx context.Context, t *OTPTransaction) (bool, error) {
	created, expires := t.CreatedAt.Unix(), t.ExpiresAt.Unix()
	var budget int64
	err := s.DB.QueryRowContext(ctx, `INSERT INTO otp_transactions
		(id, purpose, entity_id, mobile_hash, name_hash, nonce, otp_hash, mobile_enc, lang, attempts, max_attempts, created_at, expires_at)
		SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10 - spent, ?11, ?12
		FROM (SELECT coalesce(sum(attempts - (used_at IS NOT NULL)), 0) AS spent FROM otp_transactions
		      WHERE mobile_hash = ?4 AND purpose = ?2 AND created_at > ?11 - (?12 - ?11))
		WHERE spent < ?10
		RETURNING max_attempts`,
		t.ID, t.Purpose, t.EntityID, t.MobileHash, t.NameHash, t.Nonce, t.OTPHash, t.MobileEnc, t.Lang,
		int64(t.MaxAttempts), created, expires).Scan(&budget)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fail("creating OTP transaction", err)
	}
	t.MaxAttempts = int(budget)
	return true, nil
}

// DeleteOTP implements Store.
func (s *SQL) DeleteOTP(ctx context.Context, t *OTPTransaction) error {
	if _, err := s.DB.ExecContext(ctx, `UPDATE otp_transactions SET superseded_by = NULL
		WHERE mobile_hash = ? AND purpose = ? AND superseded_by = ?`, t.MobileHash, t.Purpose, t.ID); err != nil {
		return fail("restoring superseded OTP transactions", err)
	}
	if _, err := s.DB.ExecContext(ctx, `DELETE FROM otp_transactions WHERE id = ?`, t.ID); err != nil {
		return fail("deleting OTP transaction", err)
	}
	return nil
}

const otpColumns = `id, purpose, entity_id, mobile_hash, name_hash, nonce, otp_hash, mobile_enc, lang, attempts, max_attempts,
	created_at, expires_at, used_at, coalesce(superseded_by, '')`

func scanOTP(sc interface{ Scan(...any) error }) (*OTPTransaction, error) {
	var t OTPTransaction
	var attempts, maxAttempts, created, expires int64
	var used sql.NullInt64
	if err := sc.Scan(&t.ID, &t.Purpose, &t.EntityID, &t.MobileHash, &t.NameHash, &t.Nonce, &t.OTPHash, &t.MobileEnc, &t.Lang,
		&attempts, &maxAttempts, &created, &expires, &used, &t.SupersededBy); err != nil {
		return nil, err
	}
	t.Attempts, t.MaxAttempts = int(attempts), int(maxAttempts)
	t.CreatedAt, t.ExpiresAt = time.Unix(created, 0), time.Unix(expires, 0)
	if used.Valid {
		t.UsedAt = time.Unix(used.Int64, 0)
	}
	return &t, nil
}

// OTP implements Store.
func (s *SQL) OTP(ctx context.Context, id string) (*OTPTransaction, error) {
	t, err := scanOTP(s.DB.QueryRowContext(ctx, `SELECT `+otpColumns+` FROM otp_transactions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fail("reading OTP transaction", err)
	}
	return t, nil
}

// spendAttempt is the WHERE of a statement that spends an attempt: the
// transaction ?1 is unused, not superseded, not locked and unexpired at ?2.
const spendAttempt = `WHERE id = ?1 AND used_at IS NULL AND superseded_by IS NULL AND attempts < max_attempts AND expires_at > ?2
	RETURNING ` + otpColumns

// ConsumeAttempt implements Store.
func (s *SQL) ConsumeAttempt(ctx context.Context, id string, now time.Time) (*OTPTransaction, error) {
	return s.updatedOTP(ctx, "counting OTP attempt", `UPDATE otp_transactions SET attempts = attempts + 1, attempted_at = ?2
		`+spendAttempt, id, now.Unix())
}

// ClaimCode implements Store. Comparing otpHash in SQL is not a timing
// channel worth closing: it is a keyed hash (HMAC under HASH_KEY of the
// transaction id and the guess), so how many of its leading bytes matched
// says nothing about the code; the engine compares again in constant time.
func (s *SQL) ClaimCode(ctx context.Context, id, purpose, otpHash string, now time.Time) (*OTPTransaction, error) {
	return s.updatedOTP(ctx, "checking OTP", `UPDATE otp_transactions SET attempts = attempts + 1, attempted_at = ?2,
		  used_at = CASE WHEN purpose = ?3 AND otp_hash = ?4 THEN ?2 END
		`+spendAttempt, id, now.Unix(), purpose, otpHash)
}

// updatedOTP runs an UPDATE … RETURNING of one transaction: the row as
// updated, or ErrNotFound if the WHERE held for none.
func (s *SQL) updatedOTP(ctx context.Context, what, query string, args ...any) (*OTPTransaction, error) {
	rows, err := s.DB.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fail(what, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fail(what, err)
		}
		return nil, ErrNotFound
	}
	t, err := scanOTP(rows)
	if err != nil {
		return nil, fail(what, err)
	}
	return t, nil
}

// RefundAttempt implements Store: used_at IS ? matches NULL (a code Check
// found right, not yet used) or the time ClaimCode set, nothing else.
func (s *SQL) RefundAttempt(ctx context.Context, t *OTPTransaction) error {
	var used any
	if !t.UsedAt.IsZero() {
		used = t.UsedAt.Unix()
	}
	if _, err := s.DB.ExecContext(ctx, `UPDATE otp_transactions SET attempts = attempts - 1, used_at = NULL
		WHERE id = ? AND attempts > 0 AND used_at IS ?`, t.ID, used); err != nil {
		return fail("refunding OTP attempt", err)
	}
	return nil
}

// MarkOTPUsed implements Store.
func (s *SQL) MarkOTPUsed(ctx context.Context, id string, now time.Time) (bool, error) {
	return s.returnsRow(ctx, "marking OTP used",
		`UPDATE otp_transactions SET used_at = ? WHERE id = ? AND used_at IS NULL RETURNING id`, now.Unix(), id)
}

// UseToken implements Store: one upsert whose DO UPDATE applies (and
// RETURNING yields a row) only for a retry with the same key.
func (s *SQL) UseToken(ctx context.Context, tokenID, entityID, idempotencyKey string, expires, now time.Time) (bool, error) {
	return s.returnsRow(ctx, "recording token use",
		`INSERT INTO used_tokens (token_id, entity_id, used_at, expires_at, idempotency_key) VALUES (?, ?, ?, ?, ?)
		 ON CONFLICT (token_id) DO UPDATE SET used_at = used_tokens.used_at
		   WHERE used_tokens.idempotency_key <> '' AND used_tokens.idempotency_key = excluded.idempotency_key
		     AND used_tokens.entity_id = excluded.entity_id
		 RETURNING token_id`, tokenID, entityID, now.Unix(), expires.Unix(), idempotencyKey)
}

// returnsRow runs a data-changing statement with RETURNING (D1 and SQLite
// both report RETURNING rows through Query) and reports whether it changed a
// row. It avoids relying on RowsAffected, which D1 reports differently.
func (s *SQL) returnsRow(ctx context.Context, what, query string, args ...any) (bool, error) {
	rows, err := s.DB.QueryContext(ctx, query, args...)
	if err != nil {
		return false, fail(what, err)
	}
	defer rows.Close()
	ok := rows.Next()
	if err := rows.Err(); err != nil {
		return false, fail(what, err)
	}
	return ok, nil
}

// purges are Purge's statements: each deletes at most PurgeBatch rows found
// through an index on the column it compares (the EXPLAIN QUERY PLAN test
// holds them to that), so a statement's cost does not grow with the table.
var purges = []struct {
	table, sql string
	age        time.Duration // rows older than this go; negative: rows whose slot_date is older than -age
}{
	{"otp_transactions", `DELETE FROM otp_transactions WHERE rowid IN
		(SELECT rowid FROM otp_transactions WHERE expires_at < ? LIMIT ` + strconv.Itoa(PurgeBatch) + `)`, 24 * time.Hour},
	{"rate_counters", `DELETE FROM rate_counters WHERE rowid IN
		(SELECT rowid FROM rate_counters WHERE window_start < ? LIMIT ` + strconv.Itoa(PurgeBatch) + `)`, 24 * time.Hour},
	{"used_tokens", `DELETE FROM used_tokens WHERE rowid IN
		(SELECT rowid FROM used_tokens WHERE expires_at < ? LIMIT ` + strconv.Itoa(PurgeBatch) + `)`, time.Hour},
	{"sms_outbox", `DELETE FROM sms_outbox WHERE rowid IN
		(SELECT rowid FROM sms_outbox WHERE created_at < ? LIMIT ` + strconv.Itoa(PurgeBatch) + `)`, 7 * 24 * time.Hour},
	// Past days' slots and places (by date: a slot_date before the cutoff's
	// day): no one books or opens them any more. Slots go first, so giving
	// back a deleted place (slot_places_give_back) updates nothing.
	{"slots", `DELETE FROM slots WHERE (centre_id, slot_date, slot_time) IN
		(SELECT centre_id, slot_date, slot_time FROM slots WHERE slot_date < ?1 LIMIT ` + strconv.Itoa(PurgeBatch) + `)`, -slotDays},
	{"slot_places", `DELETE FROM slot_places WHERE rowid IN
		(SELECT rowid FROM slot_places WHERE slot_date < ? LIMIT ` + strconv.Itoa(PurgeBatch) + `)`, -slotDays},
}

// slotDays is how long past days' slots and places are kept (a negative
// age in purges: compared as a date). The appointments themselves stay;
// with shards, a centre's list of a day that long past is empty (the
// console lists today).
const slotDays = 35 * 24 * time.Hour

// Purge implements Store. Rate counters live a day although no window is
// longer (the walk-in limit's is a day); used token ids an hour past
// their expiry, so a token verified just before it expired cannot be
// verified again on a clock a little behind.
func (s *SQL) Purge(ctx context.Context, now time.Time, maxBatches int) (int64, error) {
	var total int64
	for _, p := range purges {
		var cutoff any = now.Add(-p.age).Unix()
		if p.age < 0 {
			cutoff = now.Add(p.age).UTC().Format(time.DateOnly)
		}
		for range maxBatches {
			res, err := s.DB.ExecContext(ctx, p.sql, cutoff)
			if err != nil {
				return total, fail("purging "+p.table, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return total, fail("purging "+p.table, err)
			}
			total += n
			if n < PurgeBatch {
				break
			}
		}
	}
	return total, nil
}

// AddOutbox implements Store.
func (s *SQL) AddOutbox(ctx context.Context, to, body, kind string, now time.Time) error {
	if _, err := s.DB.ExecContext(ctx, `INSERT INTO sms_outbox (to_mobile, body, kind, created_at) VALUES (?, ?, ?, ?)`,
		to, body, kind, now.Unix()); err != nil {
		return fail("writing outbox", err)
	}
	return nil
}

// Outbox implements Store.
func (s *SQL) Outbox(ctx context.Context, to string, limit int) ([]OutboxMessage, error) {
	q := `SELECT id, to_mobile, body, kind, created_at FROM sms_outbox`
	args := []any{}
	if to != "" {
		q += ` WHERE to_mobile = ?`
		args = append(args, to)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, int64(limit))
	rows, err := s.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fail("reading outbox", err)
	}
	defer rows.Close()
	out := []OutboxMessage{}
	for rows.Next() {
		var m OutboxMessage
		var at int64
		if err := rows.Scan(&m.ID, &m.To, &m.Body, &m.Kind, &at); err != nil {
			return nil, fail("reading outbox", err)
		}
		m.CreatedAt = time.Unix(at, 0).UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

// strings1 runs query and returns its first column, as strings.
func strings1(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
