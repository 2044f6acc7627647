// Package migrations holds the one schema of the worker's database. wrangler
// applies the .sql files to D1 (migrations_dir in wrangler.toml); native tests
// and tools apply the same files to SQLite through Apply, so both run the
// same SQL.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.sql
var files embed.FS

// FS returns the migration files, named NNNN_name.sql.
func FS() fs.FS { return files }

// Names returns the migration file names in the order they apply.
func Names() []string {
	ents, _ := fs.ReadDir(files, ".")
	var out []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".sql") {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// Apply runs every migration on db in order. It is for fresh native databases
// (tests, the native server); it records applied names in d1_migrations like
// wrangler does, so running it twice is harmless.
func Apply(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS d1_migrations (
		id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)`); err != nil {
		return fmt.Errorf("creating d1_migrations: %w", err)
	}
	for _, name := range Names() {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM d1_migrations WHERE name = ?`, name).Scan(&n); err != nil {
			return fmt.Errorf("checking migration %s: %w", name, err)
		}
		if n > 0 {
			continue
		}
		b, err := fs.ReadFile(files, name)
		if err != nil {
			return fmt.Errorf("reading migration %s: %w", name, err)
		}
		if _, err := db.ExecContext(ctx, string(b)); err != nil {
			return fmt.Errorf("applying migration %s: %w", name, err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO d1_migrations (name) VALUES (?)`, name); err != nil {
			return fmt.Errorf("recording migration %s: %w", name, err)
		}
	}
	return nil
}
