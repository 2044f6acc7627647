package service

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/store"
)

// roundtripsMax is the budget of issue 14: D1 round trips (statements) of a
// full status flow, POST /v1/otp and POST /v1/otp/verify, once the
// instance has the entity cached. A statement is a round trip: the D1
// driver sends each on its own.
const roundtripsMax = 3

// roundtripsEnv is the service on a statement-logging database (FaultyDB),
// with the entity cache the worker uses and an SMS gateway that is not the
// database (the production shape; the dev outbox is one more statement).
func roundtripsEnv(t *testing.T) (*env, *store.Directory) {
	sender := &harness.Sender{}
	dir := store.NewDirectory(store.DefaultDirectoryTTL)
	e := &env{t: t}
	e.Server = harness.Native(t, harness.Options{Faults: true, Sender: sender, Synthetic: 50,
		Start: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC),
		Handler: func(d harness.Deps) (http.Handler, error) {
			sq, ok := d.Store.(*store.SQL)
			if !ok {
				t.Skip("round trips are counted on one database (the harness runs shards: KYCVS_SHARDS)")
			}
			sq.Directory = dir
			dir.Now = d.Now
			var err error
			e.h, err = New(Config{Environment: "production", Issuer: "kycvs-test", SigningKey: d.Key, HashKey: d.HashKey,
				Keyset: d.Keyset, ServiceOrigin: d.Origin, Limits: otp.DefaultLimits, TokenLifetime: 5 * time.Minute, Now: d.Now},
				d.Store, d.Sender)
			return e.h, err
		}})
	e.Header.Set("Origin", e.Origin)
	e.Header.Set("Content-Type", "application/json")
	return e, dir
}

// roundtripsFlow runs one status flow for p and returns its statements and
// the rows it inserted, updated or deleted (SQLite's total_changes, which
// counts the rows triggers write too; index entries not included).
func roundtripsFlow(t *testing.T, e *env, p seed.Person) (stmts []string, rows int64) {
	t.Helper()
	var before, after int64
	e.DB.QueryRow(`SELECT total_changes()`).Scan(&before)
	e.Faults.Start()
	r := e.start("ent_railways", p.Mobile, p.Name, nonce)
	if r.Status != http.StatusAccepted {
		t.Fatalf("start: %d %s", r.Status, r.Raw)
	}
	v := e.verify(r.Str("txn"), e.LastOTP(p.Mobile))
	stmts = e.Faults.Statements()
	if v.Status != http.StatusOK {
		t.Fatalf("verify: %d %s", v.Status, v.Raw)
	}
	e.DB.QueryRow(`SELECT total_changes()`).Scan(&after)
	return stmts, after - before
}

// TestRoundtripsStatusFlow holds the status flow to roundtripsMax
// statements with the entity cached, and one more on a cold instance. It
// fails if a statement is added to the flow (or the cache stops serving).
func TestRoundtripsStatusFlow(t *testing.T) {
	e, dir := roundtripsEnv(t)
	cold, _ := roundtripsFlow(t, e, seed.DemoPeople[0])
	warm, rows := roundtripsFlow(t, e, seed.DemoPeople[1])
	list := func(s []string) string {
		var b strings.Builder
		for _, q := range s {
			b.WriteString("\n  " + harness.Short(q))
		}
		return b.String()
	}
	t.Logf("warm flow: %d statements, %d rows written:%s", len(warm), rows, list(warm))
	if len(warm) > roundtripsMax {
		t.Errorf("a status flow ran %d statements, budget %d:%s", len(warm), roundtripsMax, list(warm))
	}
	if len(cold) != len(warm)+1 || dir.Reads() != 1 {
		t.Errorf("cold flow %d statements (want warm+1 = %d), entity reads %d (want 1):%s", len(cold), len(warm)+1, dir.Reads(), list(cold))
	}
	// What the flow writes: the transaction (inserted, then used), the
	// four counters (ip, entity, resend, mobile).
	if rows > 6 {
		t.Errorf("a status flow wrote %d rows, want at most 6", rows)
	}
	// After the TTL the entity is read again.
	e.Clock.Add(store.DefaultDirectoryTTL + time.Second)
	if again, _ := roundtripsFlow(t, e, seed.DemoPeople[2]); len(again) != len(warm)+1 {
		t.Errorf("after the TTL: %d statements, want %d", len(again), len(warm)+1)
	}
}
