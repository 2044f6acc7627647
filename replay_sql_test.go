//go:build !kycvs_verifyonly && !js

package kycvs

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // not under js/wasm: modernc.org/sqlite does not build there
)

// openReplayDB opens a new SQLite file the way the worker's store does: a
// file, not :memory: (every pooled connection would get its own database),
// and a busy timeout so concurrent writers wait rather than fail.
func openReplayDB(t *testing.T) *sql.DB {
	path := filepath.Join(t.TempDir(), "replay.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	must(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSQLReplayStore(t *testing.T) {
	testReplayStore(t, func(t *testing.T, now func() time.Time) ReplayStore {
		s, err := NewSQLReplayStore(openReplayDB(t), &SQLReplayOptions{ReplayOptions: ReplayOptions{Retention: 15 * time.Minute, Now: now}})
		must(t, err)
		must(t, s.CreateTable(context.Background()))
		return s
	})
}

// Two stores on one database (two processes of one server) share what was
// used; a purge deletes only what may be forgotten; CreateTable is idempotent.
func TestSQLReplayStoreShared(t *testing.T) {
	ctx := context.Background()
	db := openReplayDB(t)
	clock := newFakeClock()
	opts := &SQLReplayOptions{Table: "entity_used_tokens", ReplayOptions: ReplayOptions{Retention: 10 * time.Minute, Now: clock.Now}}
	s1, err := NewSQLReplayStore(db, opts)
	must(t, err)
	s2, err := NewSQLReplayStore(db, opts)
	must(t, err)
	must(t, s1.CreateTable(ctx))
	must(t, s2.CreateTable(ctx))
	a := &Attestation{Audience: "ent_rail", Nonce: "n-1", ExpiresAt: clock.Now().Add(5 * time.Minute)}
	must(t, s1.Use(ctx, a))
	if err := s2.Use(ctx, a); ErrorCode(err) != "token_used" {
		t.Fatalf("second process: %v", err)
	}
	clock.Advance(5 * time.Minute)
	b := &Attestation{Audience: "ent_rail", Nonce: "n-2", TokenID: [16]byte{2}, ExpiresAt: clock.Now().Add(5 * time.Minute)}
	must(t, s2.Use(ctx, b))
	clock.Advance(5 * time.Minute)
	n, err := s1.Purge(ctx)
	must(t, err)
	if n != 2 {
		t.Fatalf("purge deleted %d rows, want a's 2", n)
	}
	var left int
	must(t, db.QueryRow(`SELECT count(*) FROM entity_used_tokens`).Scan(&left))
	if left != 2 {
		t.Fatalf("%d rows left, want b's 2", left)
	}
}

func TestSQLReplayStoreTableName(t *testing.T) {
	for _, name := range []string{"x; DROP TABLE y", "1abc", "a-b", `"q"`, "tæble", strings.Repeat("t", 64)} {
		if _, err := NewSQLReplayStore(nil, &SQLReplayOptions{Table: name}); err == nil {
			t.Errorf("table name %q accepted", name)
		}
	}
	for _, name := range []string{"_t", "kycvs_replay", "T9", strings.Repeat("t", 63)} {
		if _, err := NewSQLReplayStore(nil, &SQLReplayOptions{Table: name}); err != nil {
			t.Errorf("table name %q refused: %v", name, err)
		}
	}
}
