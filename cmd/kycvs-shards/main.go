// Command kycvs-shards administers the sharded registry (worker/store's
// ShardMap: 4,096 buckets of the keyed mobile hash, mapped to D1 bindings
// by the var SHARDS).
//
//	kycvs-shards map   -n 4                                      print an even SHARDS value for n bindings
//	kycvs-shards move  -shards "…" -db DB=a.sqlite -db DB_1=b.sqlite … -bucket 0a0 -to DB_1 [-yes]
//	kycvs-shards check -shards "…" -db DB=a.sqlite …              count rows kept in a shard that does not serve their bucket
//
// move carries one bucket to another shard with every lookup answering,
// through the phases ShardMap documents: for each phase it prints the
// SHARDS value to deploy and waits until the operator says every instance
// runs it (Enter; -yes does not wait, for a server that reads the map per
// request or a test), copying the bucket before the freeze and again
// during it, and deleting it from the old shard at the end. It works on
// SQLite files (the native server, tests; a D1 database exported with
// `wrangler d1 export` and imported back works the same way); the copy
// runs in one transaction per database, with the schema's triggers held
// off so that rows move as they are.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kycvs/kycvs/worker/store"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kycvs-shards:", err)
		os.Exit(1)
	}
}

// dbFlags collects -db BINDING=path.
type dbFlags map[string]string

func (d dbFlags) String() string { return fmt.Sprint(map[string]string(d)) }

func (d dbFlags) Set(v string) error {
	name, path, ok := strings.Cut(v, "=")
	if !ok || name == "" || path == "" {
		return fmt.Errorf("-db %q: want BINDING=path.sqlite", v)
	}
	d[name] = path
	return nil
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: kycvs-shards map | move | check (see go doc ./cmd/kycvs-shards)")
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("kycvs-shards "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 1, "bindings (map)")
	shards := fs.String("shards", "", "the SHARDS value now deployed (move, check)")
	dbs := dbFlags{}
	fs.Var(dbs, "db", "BINDING=path.sqlite, once per binding of the map (move, check)")
	bucket := fs.String("bucket", "", "the bucket to move, 3 hex digits (move)")
	to := fs.String("to", "", "the binding to move it to (move)")
	yes := fs.Bool("yes", false, "do not wait for the operator between phases (move)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	switch cmd {
	case "map":
		if *n < 1 || *n > store.Buckets {
			return fmt.Errorf("-n %d: want 1 to %d", *n, store.Buckets)
		}
		fmt.Fprintln(stdout, store.EvenShardMap(*n))
		return nil
	case "move", "check":
	default:
		return fmt.Errorf("unknown command %q", cmd)
	}
	m, err := store.ParseShardMap(*shards)
	if err != nil {
		return err
	}
	open := map[string]*sql.DB{}
	for _, name := range m.Bindings {
		path, ok := dbs[name]
		if !ok {
			return fmt.Errorf("no -db for binding %s of the map", name)
		}
		if _, err := os.Stat(path); err != nil {
			return err
		}
		db, err := store.OpenSQLite(ctx, path)
		if err != nil {
			return err
		}
		defer db.Close()
		open[name] = db
	}
	if cmd == "check" {
		return check(ctx, m, open, stdout)
	}
	if len(*bucket) != 3 || store.BucketHex(store.Bucket(*bucket+"0")) != *bucket {
		return fmt.Errorf("-bucket %q: want 3 lowercase hex digits", *bucket)
	}
	b := store.Bucket(*bucket + "0")
	in := bufio.NewReader(stdin)
	final, err := store.MoveBucket(ctx, m, open, b, *to, func(phase string, next *store.ShardMap) error {
		fmt.Fprintf(stdout, "phase %s: deploy\n  SHARDS = %q\n", phase, next.String())
		if *yes {
			return nil
		}
		fmt.Fprint(stdout, "press Enter once every instance runs it (wrangler deploy, then wait for the old version to drain): ")
		if _, err := in.ReadString('\n'); err != nil {
			return fmt.Errorf("waiting for the operator: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "bucket %s moved to %s; SHARDS = %q\n", *bucket, *to, final.String())
	return nil
}

// check counts, per shard, the rows of buckets it does not serve (a move's
// leftovers, rows written under a wrong map): 0 everywhere is a clean map.
func check(ctx context.Context, m *store.ShardMap, dbs map[string]*sql.DB, stdout io.Writer) error {
	bad := 0
	for i, name := range m.Bindings {
		stray, err := store.StrayRows(ctx, dbs[name], m, i)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(stdout, "%s: %d rows of buckets it does not serve\n", name, stray)
		bad += stray
	}
	if bad > 0 {
		return fmt.Errorf("%d stray rows", bad)
	}
	return nil
}
