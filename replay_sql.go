//go:build !kycvs_verifyonly

package kycvs

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// DefaultReplayTable is SQLReplayOptions.Table's default.
const DefaultReplayTable = "kycvs_replay"

// SQLReplayOptions adjusts an SQLReplayStore.
type SQLReplayOptions struct {
	ReplayOptions
	// Table is the table's name: letters, digits and underscores. Empty:
	// DefaultReplayTable.
	Table string
}

// SQLReplayStore is a ReplayStore in an SQL database, shared by every
// process of an entity's server and kept across restarts. Each use is two
// rows (token id, nonce) inserted in one transaction with INSERT … ON
// CONFLICT DO NOTHING, so a concurrent second use of either finds the row
// and fails, whatever the isolation level. The SQL, with $n parameters, runs
// on SQLite (3.24 or later) and PostgreSQL (9.5 or later); the tests use
// SQLite (modernc.org/sqlite).
//
// The table (see CreateTable) is:
//
//	CREATE TABLE kycvs_replay (
//		kind CHAR(1) NOT NULL,           -- 't' token id, 'n' nonce
//		audience VARCHAR(64) NOT NULL,   -- '' for token ids
//		item VARCHAR(128) NOT NULL,      -- token id in hex, or the nonce
//		keep_until BIGINT NOT NULL,      -- Unix seconds
//		PRIMARY KEY (kind, audience, item))
//
// Rows past keep_until are deleted by Purge, which Use calls at most every
// ten minutes.
type SQLReplayStore struct {
	db    *sql.DB
	opts  ReplayOptions
	table string

	mu     sync.Mutex
	purged time.Time
}

// sqlIdentifier reports whether name is safe to splice into SQL as a table
// name: a letter or underscore, then letters, digits and underscores, at most
// 63 bytes (PostgreSQL's limit).
func sqlIdentifier(name string) bool {
	if name == "" || len(name) > 63 || name[0] >= '0' && name[0] <= '9' {
		return false
	}
	for _, c := range []byte(name) {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// NewSQLReplayStore returns a store using db. It does not touch the
// database: create the table with CreateTable or with your own migrations.
// opts may be nil.
func NewSQLReplayStore(db *sql.DB, opts *SQLReplayOptions) (*SQLReplayStore, error) {
	var o SQLReplayOptions
	if opts != nil {
		o = *opts
	}
	if o.Table == "" {
		o.Table = DefaultReplayTable
	}
	if !sqlIdentifier(o.Table) {
		// The name is spliced into SQL; parameters cannot name tables.
		return nil, fmt.Errorf("replay table name %q: want letters, digits and underscores", o.Table)
	}
	return &SQLReplayStore{db: db, opts: o.ReplayOptions.withDefaults(), table: o.Table}, nil
}

// CreateTable creates the store's table and its index if they do not exist.
func (s *SQLReplayStore) CreateTable(ctx context.Context) error {
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS ` + s.table + ` (
			kind CHAR(1) NOT NULL,
			audience VARCHAR(64) NOT NULL,
			item VARCHAR(128) NOT NULL,
			keep_until BIGINT NOT NULL,
			PRIMARY KEY (kind, audience, item))`,
		`CREATE INDEX IF NOT EXISTS ` + s.table + `_keep_until ON ` + s.table + ` (keep_until)`,
	} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("creating replay table %s: %w", s.table, err)
		}
	}
	return nil
}

// Use implements ReplayStore.
func (s *SQLReplayStore) Use(ctx context.Context, a *Attestation) error {
	now := s.opts.Now()
	if err := s.use(ctx, a, now); err != nil {
		return err
	}
	s.mu.Lock()
	due := now.Sub(s.purged) >= 10*time.Minute
	if due {
		s.purged = now
	}
	s.mu.Unlock()
	if due {
		// Best effort: the use is recorded, and a row left behind is
		// deleted by the next purge. It only costs space.
		_, _ = s.Purge(ctx)
	}
	return nil
}

func (s *SQLReplayStore) use(ctx context.Context, a *Attestation, now time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("recording token use: %w", err)
	}
	defer tx.Rollback()
	until := keepUntil(a, now, s.opts.Retention).Unix()
	for _, k := range replayKeys(a) {
		// A forgotten row still in the table must not refuse the use. The
		// statement writes first, so SQLite takes its write lock before
		// reading (no deadlock between two deferred transactions).
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+s.table+
			` WHERE kind = $1 AND audience = $2 AND item = $3 AND keep_until <= $4`,
			string(k.kind), k.audience, k.item, now.Unix()); err != nil {
			return fmt.Errorf("recording token use: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO `+s.table+
			` (kind, audience, item, keep_until) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			string(k.kind), k.audience, k.item, until)
		if err != nil {
			return fmt.Errorf("recording token use: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("recording token use: %w", err)
		}
		if n == 0 {
			return k.used() // the deferred Rollback drops the token row, if any
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("recording token use: %w", err)
	}
	return nil
}

// Purge deletes the rows that may be forgotten and returns how many.
func (s *SQLReplayStore) Purge(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM `+s.table+` WHERE keep_until <= $1`, s.opts.Now().Unix())
	if err != nil {
		return 0, fmt.Errorf("purging replay table: %w", err)
	}
	return res.RowsAffected()
}
