//go:build !js

package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/kycvs/kycvs/worker/migrations"
	_ "modernc.org/sqlite" // the native stand-in for D1
)

// OpenSQLite opens (creating if needed) a SQLite database at path and applies
// the migrations: the native twin of the worker's D1 binding, for tests, the
// native server and the admin tool.
//
// One connection only: D1 executes one statement at a time per database, and
// so does this, which also keeps SQLite from returning SQLITE_BUSY.
func OpenSQLite(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := migrations.Apply(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
