package harness

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/store"
)

// HashKey is the tests' HASH_KEY.
var HashKey = []byte("0123456789abcdef0123456789abcdef")

// Clock is a time source the test moves; safe for parallel requests.
type Clock struct {
	mu    sync.Mutex
	start time.Time // zero: the real time
	moved time.Duration
}

// NewClock returns a clock standing at start, or running with the real time
// if start is zero; either way Add moves it.
func NewClock(start time.Time) *Clock { return &Clock{start: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.start.IsZero() {
		return time.Now().Add(c.moved)
	}
	return c.start.Add(c.moved)
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.moved += d
}

// SeededDB opens a fresh SQLite database, closed when t ends, holding the
// migrations, the demo data and synthetic beneficiaries besides the demo
// people (seed.WriteSQL), with mobile hashes under hashKey.
func SeededDB(t testing.TB, hashKey []byte, synthetic int) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "kycvs.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var sqlText bytes.Buffer
	if err := seed.WriteSQL(&sqlText, hashKey, synthetic); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, sqlText.String()); err != nil {
		t.Fatal(err)
	}
	return db
}

// Dump returns every row of every table, one "table [values]" line each.
func Dump(t testing.TB, db *sql.DB) string { return DumpWithout(t, db) }

// Row is one row of a table, as Dump reads it.
type Row struct {
	Table string
	Cols  []string
	Vals  []any
}

// Get returns the value of column col; nil if the row has none.
func (r *Row) Get(col string) any {
	for i, c := range r.Cols {
		if c == col {
			return r.Vals[i]
		}
	}
	return nil
}

// Set replaces the value of column col.
func (r *Row) Set(col string, v any) {
	for i, c := range r.Cols {
		if c == col {
			r.Vals[i] = v
		}
	}
}

// Harmless names what a failed request may leave in the database without
// having half-changed anything: it returns false to leave a row out of a
// dump, and may blank a column of it with Set. Each one says why it is
// harmless; a test comparing the database before and after a fault uses
// only these.
type Harmless func(r *Row) bool

// DumpWithout is Dump less what the harmless functions leave out.
func DumpWithout(t testing.TB, db *sql.DB, harmless ...Harmless) string {
	t.Helper()
	return Render(Rows(t, db), harmless...)
}

// names returns the first column of q's rows on db: table names.
func names(t testing.TB, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// Rows returns every row of every table, tables by name, rows by their
// first column: a snapshot to Render later.
func Rows(t testing.TB, db *sql.DB) []Row {
	t.Helper()
	// A sharded server's DB has its tables as temporary views (unionDB).
	tables := names(t, db, `SELECT name FROM sqlite_master WHERE type = 'table'
		UNION SELECT name FROM sqlite_temp_master WHERE type = 'view' ORDER BY name`)
	var out []Row
	for _, tb := range tables {
		rows, err := db.Query(`SELECT * FROM "` + tb + `" ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			out = append(out, Row{Table: tb, Cols: cols, Vals: vals})
		}
		rows.Close()
	}
	return out
}

// Render prints rows as Dump does, less what the harmless functions leave
// out; rows itself is not changed.
func Render(rows []Row, harmless ...Harmless) string {
	var b strings.Builder
row:
	for _, r := range rows {
		r.Vals = append([]any(nil), r.Vals...)
		for _, h := range harmless {
			if !h(&r) {
				continue row
			}
		}
		fmt.Fprintf(&b, "%s %v\n", r.Table, r.Vals)
	}
	return b.String()
}

// NoCounts leaves out the rate counters that count nothing at now: those at
// 0 and those whose window is over (store.SQL.HitAll starts a new window at
// 1 for them). A start is counted before its code is sent and the count
// given back (store.Release) when the send fails; the row stays, at 0, its
// window begun by the failed event, so it ends no later than a window the
// next event would begin: no limit allows more for it.
func NoCounts(now time.Time) Harmless {
	return func(r *Row) bool {
		if r.Table != "rate_counters" {
			return true
		}
		count, _ := r.Get("count").(int64)
		start, _ := r.Get("window_start").(int64)
		win, _ := r.Get("win").(int64)
		return count > 0 && !(win > 0 && start <= now.Unix()-win)
	}
}

// GuessTimes blanks otp_transactions.attempted_at, the time of the latest
// guess at a code, which only the walk-in audit trigger reads. A guess whose
// attempt was refunded because the service then failed was still made:
// when it was stays recorded, while the attempt it cost is given back.
func GuessTimes(r *Row) bool {
	if r.Table == "otp_transactions" {
		r.Set("attempted_at", nil)
	}
	return true
}

// WalkInGuessesAudited leaves out the audit rows of guesses at walk-in
// codes: the audit log is append-only and records every guess a vaccinator
// makes, including a right one whose attempt was refunded because the
// service then failed. That is history, not state: the code's attempts are
// what limit guessing. Use it with AuditCounter.
func WalkInGuessesAudited(r *Row) bool {
	return !(r.Table == "audit_log" && r.Get("event") == "walk_in_otp_attempt")
}

// AuditCounter blanks the audit log's id counter (sqlite_sequence), which
// the audit rows a Harmless leaves out advanced.
func AuditCounter(r *Row) bool {
	if r.Table == "sqlite_sequence" && r.Get("name") == "audit_log" {
		r.Set("seq", nil)
	}
	return true
}

// Diff lists the rows only in a dump before ("- ") or only after ("+ "), to
// say what a request changed.
func Diff(before, after string) string {
	count := map[string]int{}
	for _, l := range strings.Split(before, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(after, "\n") {
		count[l]--
	}
	var b strings.Builder
	for _, l := range strings.Split(before, "\n") {
		if count[l] > 0 {
			count[l]--
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(after, "\n") {
		if count[l] < 0 {
			count[l]++
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}

// Tables returns the tables a Diff names, sorted.
func Tables(diff string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range strings.Split(diff, "\n") {
		f := strings.Fields(l)
		if len(f) > 1 && !seen[f[1]] {
			seen[f[1]] = true
			out = append(out, f[1])
		}
	}
	sort.Strings(out)
	return out
}
