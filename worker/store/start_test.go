//go:build !js

package store

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"
)

// StartOTP is all or nothing: a start refused by a limit or by the guess
// budget inserts no transaction and counts against no limit; an accepted
// one counts against every limit and supersedes the number's live code.
func TestStartOTPAllOrNothing(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	count := func(key string) (n int) {
		s.DB.QueryRow(`SELECT coalesce((SELECT count FROM rate_counters WHERE key = ?), 0)`, key).Scan(&n)
		return n
	}
	txns := func() (n int) {
		s.DB.QueryRow(`SELECT count(*) FROM otp_transactions`).Scan(&n)
		return n
	}
	txn := func(id string, at time.Time) *OTPTransaction {
		return &OTPTransaction{ID: id, Purpose: "status", EntityID: "ent_x", MobileHash: "mh", OTPHash: "h", Lang: "en",
			MaxAttempts: 3, CreatedAt: at, ExpiresAt: at.Add(3 * time.Minute)}
	}
	limits := []Limit{{"ip:a", time.Minute, 2}, {"mobile:mh", time.Hour, 5}}

	first := txn("txn_1", now)
	if refused, _, err := s.StartOTP(ctx, first, limits); refused != nil || err != nil || first.MaxAttempts != 3 {
		t.Fatalf("first start: refused %v, %v, budget %d", refused, err, first.MaxAttempts)
	}
	if count("ip:a") != 1 || count("mobile:mh") != 1 || txns() != 1 {
		t.Fatalf("after one start: ip %d mobile %d, %d transactions", count("ip:a"), count("mobile:mh"), txns())
	}
	// Two guesses spent on the first code leave the second a budget of 1.
	s.DB.Exec(`UPDATE otp_transactions SET attempts = 2 WHERE id = 'txn_1'`)
	second := txn("txn_2", now.Add(10*time.Second))
	if refused, _, err := s.StartOTP(ctx, second, limits); refused != nil || err != nil || second.MaxAttempts != 1 {
		t.Fatalf("second start: refused %v, %v, budget %d", refused, err, second.MaxAttempts)
	}
	if t1, _ := s.OTP(ctx, "txn_1"); t1 == nil || t1.SupersededBy != "txn_2" {
		t.Fatalf("first code not superseded: %+v", t1)
	}
	// The IP limit (2 a minute) is full: refused, nothing written.
	refused, retry, err := s.StartOTP(ctx, txn("txn_3", now.Add(20*time.Second)), limits)
	if err != nil || refused == nil || refused.Key != "ip:a" || retry != 40*time.Second {
		t.Fatalf("third start: refused %v, retry %s, %v", refused, retry, err)
	}
	if count("ip:a") != 2 || count("mobile:mh") != 2 || txns() != 2 {
		t.Fatalf("a refused start wrote: ip %d mobile %d, %d transactions", count("ip:a"), count("mobile:mh"), txns())
	}
	// The last guess spent: refused by the budget, nothing written.
	s.DB.Exec(`UPDATE otp_transactions SET attempts = 1 WHERE id = 'txn_2'`)
	other := []Limit{{"ip:b", time.Minute, 100}}
	refused, _, err = s.StartOTP(ctx, txn("txn_4", now.Add(30*time.Second)), other)
	if err != nil || refused == nil || refused.Key != GuessesKey {
		t.Fatalf("start without guesses: refused %v, %v", refused, err)
	}
	if count("ip:b") != 0 || txns() != 2 {
		t.Fatalf("a start without guesses wrote: ip %d, %d transactions", count("ip:b"), txns())
	}
}

// Parallel starts for one number never exceed its limit: of 30, as many
// as the limit allows are inserted and counted, the rest write nothing.
func TestStartOTPParallel(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range 30 {
		wg.Go(func() {
			tx := &OTPTransaction{ID: "txn_" + strconv.Itoa(i), Purpose: "status", MobileHash: "mh", OTPHash: "h", Lang: "en",
				MaxAttempts: 3, CreatedAt: now, ExpiresAt: now.Add(3 * time.Minute)}
			refused, _, err := s.StartOTP(ctx, tx, []Limit{{"mobile:mh", time.Hour, 5}})
			if err != nil {
				t.Error(err)
			}
			if refused == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	var n, c int
	s.DB.QueryRow(`SELECT count(*) FROM otp_transactions`).Scan(&n)
	s.DB.QueryRow(`SELECT count FROM rate_counters WHERE key = 'mobile:mh'`).Scan(&c)
	if ok != 5 || n != 5 || c != 5 {
		t.Fatalf("%d accepted, %d transactions, count %d; want 5 each", ok, n, c)
	}
}

// Purge deletes at most PurgeBatch rows a statement and maxBatches
// statements a table, oldest state only.
func TestPurgeBatches(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	old, live := now.Add(-25*time.Hour).Unix(), now.Unix()
	if _, err := s.DB.Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < 2500)
		INSERT INTO rate_counters (key, window_start, count) SELECT 'k' || i, ?, 1 FROM n`, old); err != nil {
		t.Fatal(err)
	}
	s.DB.Exec(`INSERT INTO rate_counters (key, window_start, count) VALUES ('live', ?, 1)`, live)
	left := func() (n int) {
		s.DB.QueryRow(`SELECT count(*) FROM rate_counters`).Scan(&n)
		return n
	}
	if n, err := s.Purge(ctx, now, 2); err != nil || n != 2*PurgeBatch || left() != 501 {
		t.Fatalf("first run: %d purged, %v, %d left", n, err, left())
	}
	if n, err := s.Purge(ctx, now, 2); err != nil || n != 500 || left() != 1 {
		t.Fatalf("second run: %d purged, %v, %d left", n, err, left())
	}
}

// Past days' slots and places go after slotDays, by date; the days
// since stay, and their places still count.
func TestPurgeSlots(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	s.DB.Exec(CentreSQL("ctr_p", "P", "D", now))
	for _, d := range []string{"2026-05-10", "2026-05-11", "2026-06-14"} { // 36, 35 and 1 days before
		for i := range 3 {
			at := SlotRef{"ctr_p", d, "10:00"}
			if _, err := s.takePlace(ctx, at, fmt.Sprintf("apt_%s_%d", d, i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.Purge(ctx, now, 10); err != nil {
		t.Fatal(err)
	}
	var dates []string
	rows, _ := s.DB.Query(`SELECT slot_date || ':' || booked || ':' || (SELECT count(*) FROM slot_places p
		WHERE p.centre_id = s.centre_id AND p.slot_date = s.slot_date) FROM slots s ORDER BY slot_date`)
	for rows.Next() {
		var d string
		rows.Scan(&d)
		dates = append(dates, d)
	}
	rows.Close()
	var places int
	s.DB.QueryRow(`SELECT count(*) FROM slot_places`).Scan(&places)
	if fmt.Sprint(dates) != "[2026-05-11:3:3 2026-06-14:3:3]" || places != 6 {
		t.Fatalf("left: %v, %d places", dates, places)
	}
}

// The directory cache serves an entity for its TTL, never an unknown id,
// and hands out copies.
func TestEntityDirectoryCache(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	clock := time.Unix(1_800_000_000, 0)
	s.Directory = &Directory{TTL: DefaultDirectoryTTL, Now: func() time.Time { return clock }}
	if _, err := s.Entity(ctx, "ent_new"); err != ErrNotFound {
		t.Fatalf("unknown entity: %v", err)
	}
	if _, err := s.DB.Exec(EntitySQL(Entity{ID: "ent_new", DisplayName: "New", Purpose: "p", Origins: []string{"https://a.example"},
		SecretHash: "ab"}, clock)); err != nil {
		t.Fatal(err)
	}
	e, err := s.Entity(ctx, "ent_new") // registered a moment ago: found at once
	if err != nil || e.DisplayName != "New" {
		t.Fatalf("new entity: %v %v", e, err)
	}
	e.DisplayName = "changed by a caller"
	s.DB.Exec(`UPDATE entities SET display_name = 'Renamed' WHERE id = 'ent_new'`)
	if e, _ := s.Entity(ctx, "ent_new"); e.DisplayName != "New" || s.Directory.Reads() != 2 {
		t.Fatalf("within the TTL: %q, %d reads", e.DisplayName, s.Directory.Reads())
	}
	clock = clock.Add(DefaultDirectoryTTL)
	if e, _ := s.Entity(ctx, "ent_new"); e.DisplayName != "Renamed" || s.Directory.Reads() != 3 {
		t.Fatalf("after the TTL: %q, %d reads", e.DisplayName, s.Directory.Reads())
	}
}
