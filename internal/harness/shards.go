package harness

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"modernc.org/sqlite"

	"github.com/kycvs/kycvs/internal/wrangler"
	"github.com/kycvs/kycvs/worker/migrations"
	"github.com/kycvs/kycvs/worker/store"
)

// ShardsFromEnv is the number of registry shards a server runs on unless
// Options.Shards says: KYCVS_SHARDS (scripts/test.d/45-shards runs the
// service, booking and end-to-end suites with 4), else 1.
func ShardsFromEnv() int {
	n, err := strconv.Atoi(os.Getenv("KYCVS_SHARDS"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

func shardCount(opts Options) int {
	if opts.Shards > 0 {
		return opts.Shards
	}
	return ShardsFromEnv()
}

// shardDSN is store.OpenSQLite's DSN: keep them the same.
func shardDSN(path string) string {
	return "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)"
}

// nativeShards opens n shard files (store.EvenShardMap(n)), each a copy of
// the seeded database less the rows of the buckets it does not own, on
// the statement-counting driver: with Options.Faults one Faults fails
// statements of any shard; each shard also logs its own statements
// (Server.ShardLogs). Server.DB is then a union view of the shards
// (unionDB).
func (s *Server) nativeShards(t testing.TB, n int, faults bool, synthetic int) {
	t.Helper()
	ctx := context.Background()
	s.ShardMap = store.EvenShardMap(n)
	b, err := seededFile(s.HashKey, synthetic)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if faults {
		s.Faults = &Faults{}
	}
	s.shardFiles = nil
	for i, name := range s.ShardMap.Bindings {
		path := filepath.Join(dir, name+".sqlite")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := sqlite.NewConnector(shardDSN(path))
		if err != nil {
			t.Fatal(err)
		}
		log := &Faults{}
		db := sql.OpenDB(&connector{c, s.Faults, log})
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { db.Close() })
		if err := migrations.Apply(ctx, db); err != nil {
			t.Fatal(err)
		}
		if err := store.KeepBuckets(ctx, db, s.ShardMap.BucketsOf(i)); err != nil {
			t.Fatal(err)
		}
		s.Shards = append(s.Shards, db)
		s.ShardLogs = append(s.ShardLogs, log)
		s.shardFiles = append(s.shardFiles, path)
	}
	s.DB = unionDB(t, s.shardFiles, s.Shards)
}

// shardedStore is the store of a sharded native server: store.Sharded
// over its shard files, with no directory cache (tests change the
// directory with SQL and expect the next request to see it).
func (s *Server) shardedStore(t testing.TB) store.BookingStore {
	dbs := map[string]*store.SQL{}
	for i, name := range s.ShardMap.Bindings {
		dbs[name] = &store.SQL{DB: s.Shards[i]}
	}
	st, err := store.NewSharded(s.ShardMap, dbs, store.NewDirectory(0))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// execShards runs statements on every shard, then takes out of each the
// rows of buckets it does not own: an INSERT lands in the shard of its
// rows, an UPDATE or DELETE changes the rows wherever they are.
func (s *Server) execShards(sqlText string, args ...any) error {
	ctx := context.Background()
	for i, db := range s.Shards {
		if _, err := db.ExecContext(ctx, sqlText, args...); err != nil {
			return fmt.Errorf("shard %s: %w", s.ShardMap.Bindings[i], err)
		}
	}
	for i, db := range s.Shards {
		if err := store.KeepBuckets(ctx, db, s.ShardMap.BucketsOf(i)); err != nil {
			return err
		}
	}
	return nil
}

// unionDB is what tests read a sharded registry through, as if it were
// one database: a connection with the shard files attached, where each
// table is a temporary view of the same name (the union of every shard's
// rows; for the directory's tables, DB's rows), and where a statement
// that is not a query runs on every shard (through shards, counted by
// their logs) as execShards does without the pruning: the tests' own
// UPDATE and DELETE statements.
func unionDB(t testing.TB, files []string, shards []*sql.DB) *sql.DB {
	t.Helper()
	main := filepath.Join(t.TempDir(), "union.sqlite")
	c, err := sqlite.NewConnector(shardDSN(main))
	if err != nil {
		t.Fatal(err)
	}
	// The tables, from the first shard (every shard has the same
	// migrations); not SQLite's nor workerd's own (_cf_…).
	first, err := sql.Open("sqlite", shardDSN(files[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	tables := names(t, first, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\_cf\_%' ESCAPE '\' ORDER BY name`)
	var setup []string
	for i, f := range files {
		setup = append(setup, fmt.Sprintf("ATTACH DATABASE '%s' AS s%d", strings.ReplaceAll(f, "'", "''"), i))
	}
	for _, tb := range tables {
		var parts []string
		for i := range files {
			if i > 0 && store.DirectoryTables[tb] {
				break
			}
			parts = append(parts, fmt.Sprintf(`SELECT * FROM s%d."%s"`, i, tb))
		}
		setup = append(setup, fmt.Sprintf(`CREATE TEMP VIEW "%s" AS %s`, tb, strings.Join(parts, " UNION ALL ")))
	}
	db := sql.OpenDB(&unionConnector{Connector: c, setup: setup, shards: shards})
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

type unionConnector struct {
	driver.Connector
	setup  []string
	shards []*sql.DB
}

func (u *unionConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := u.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	ex := c.(driver.ExecerContext)
	for _, q := range u.setup {
		if _, err := ex.ExecContext(ctx, q, nil); err != nil {
			c.Close()
			return nil, fmt.Errorf("union view: %s: %w", q, err)
		}
	}
	return &unionConn{Conn: c, shards: u.shards}, nil
}

// unionConn reads through the views and writes to every shard.
type unionConn struct {
	driver.Conn
	shards []*sql.DB
}

func (c *unionConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c *unionConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	vals := make([]any, len(args))
	for i, a := range args {
		vals[i] = a.Value
	}
	var n int64
	for _, db := range c.shards {
		r, err := db.ExecContext(ctx, q, vals...)
		if err != nil {
			return nil, err
		}
		k, _ := r.RowsAffected()
		n += k
	}
	return driver.RowsAffected(n), nil
}

// workerdShards prepares the local D1 of a sharded workerd server: the
// migrations applied to every binding (each a SQLite file wrangler
// creates under the persist directory, found as it appears), the seed
// loaded into each and pruned to its buckets (d1Exec), and a union of the
// files for Query.
func (s *Server) workerdShards(t testing.TB, tc *wrangler.TestConfig, seedSQL string) {
	t.Helper()
	m, err := store.ParseShardMap(tc.Vars["SHARDS"])
	if err != nil || len(m.Bindings) != len(tc.D1) {
		t.Fatalf("harness: [env] SHARDS %q: %v (bindings %v)", tc.Vars["SHARDS"], err, tc.D1)
	}
	s.ShardMap = m
	for _, name := range m.Bindings {
		before := sqliteFiles(s.PersistDir)
		if _, err := s.wrangler("d1", "migrations", "apply", name); err != nil {
			t.Fatalf("harness: %v", err)
		}
		var made []string
		for _, f := range sqliteFiles(s.PersistDir) {
			if !slices.Contains(before, f) {
				made = append(made, f)
			}
		}
		if len(made) != 1 {
			t.Fatalf("harness: applying the migrations to %s made the local files %v, want one", name, made)
		}
		s.shardFiles = append(s.shardFiles, made[0])
	}
	s.Exec(seedSQL)
	s.union = unionDB(t, s.shardFiles, nil)
}

// sqliteFiles lists the SQLite files of databases under dir (not
// miniflare's metadata.sqlite).
func sqliteFiles(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".sqlite") && d.Name() != "metadata.sqlite" {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// unionQuery runs a query on the union of a workerd server's shards.
func (s *Server) unionQuery(q string) ([]map[string]any, error) {
	return queryRows(s.union, q)
}
