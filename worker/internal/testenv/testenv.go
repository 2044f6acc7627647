// Package testenv is the fixture shared by the worker's native handler tests
// (worker/service and worker/booking): a fresh SQLite database with the real
// migrations and the demo seed, a clock the test moves, and a dump of every
// row, to check that refused requests change nothing. Both suites exercise
// the same database, so they build it the same way.
//
// It is for tests only; nothing in the worker imports it.
package testenv

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/store"
)

// HashKey is the tests' HASH_KEY.
var HashKey = []byte("0123456789abcdef0123456789abcdef")

// Clock is a time source the test sets; safe for parallel requests.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
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
func Dump(t testing.TB, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var b strings.Builder
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
			fmt.Fprintf(&b, "%s %v\n", tb, vals)
		}
		rows.Close()
	}
	return b.String()
}
