package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kycvs/kycvs/worker/mobile"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/store"
)

var hashKey = []byte("0123456789abcdef0123456789abcdef")

// shardFiles writes the demo registry split over n SQLite files and
// returns the -db flags.
func shardFiles(t *testing.T, n int) (*store.ShardMap, []string) {
	ctx := context.Background()
	m := store.EvenShardMap(n)
	var seedSQL bytes.Buffer
	if err := seed.WriteSQL(&seedSQL, hashKey, 200); err != nil {
		t.Fatal(err)
	}
	var flags []string
	for i, name := range m.Bindings {
		path := filepath.Join(t.TempDir(), name+".sqlite")
		db, err := store.OpenSQLite(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(seedSQL.String()); err != nil {
			t.Fatal(err)
		}
		if err := store.KeepBuckets(ctx, db, m.BucketsOf(i)); err != nil {
			t.Fatal(err)
		}
		db.Close()
		flags = append(flags, "-db", name+"="+path)
	}
	return m, flags
}

func runTool(t *testing.T, stdin string, args ...string) (string, error) {
	var out, errs bytes.Buffer
	err := run(args, strings.NewReader(stdin), &out, &errs)
	return out.String() + errs.String(), err
}

func TestMoveAndCheck(t *testing.T) {
	m, dbs := shardFiles(t, 2)
	if out, err := runTool(t, "", append([]string{"check", "-shards", m.String()}, dbs...)...); err != nil {
		t.Fatalf("check of a fresh split: %v\n%s", err, out)
	}
	b := store.Bucket(mobile.Hash(hashKey, seed.DemoPeople[0].Mobile))
	to := m.Bindings[1-m.Owner(b)]
	args := append([]string{"move", "-shards", m.String(), "-bucket", store.BucketHex(b), "-to", to}, dbs...)
	// The operator confirms each of the 4 phases.
	out, err := runTool(t, "\n\n\n\n", args...)
	if err != nil {
		t.Fatalf("move: %v\n%s", err, out)
	}
	phases := regexp.MustCompile(`phase (\w+): deploy\n  SHARDS = "([^"]*)"`).FindAllStringSubmatch(out, -1)
	if len(phases) != 4 || phases[0][1] != "copy" || !strings.Contains(phases[1][2], store.BucketHex(b)+">"+to+":frozen") || phases[3][1] != "done" {
		t.Fatalf("phases %q\n%s", phases, out)
	}
	final, err := store.ParseShardMap(phases[3][2])
	if err != nil || final.Bindings[final.Owner(b)] != to {
		t.Fatalf("final map %s: %v", phases[3][2], err)
	}
	// Clean under the new map; not under the old one (the bucket's rows
	// are where the old map does not look for them).
	if out, err := runTool(t, "", append([]string{"check", "-shards", final.String()}, dbs...)...); err != nil {
		t.Fatalf("check after the move: %v\n%s", err, out)
	}
	if out, err := runTool(t, "", append([]string{"check", "-shards", m.String()}, dbs...)...); err == nil {
		t.Fatalf("the old map passed the check after the move:\n%s", out)
	}
	// Moving it back without an operator confirming stops at once.
	args = append([]string{"move", "-shards", final.String(), "-bucket", store.BucketHex(b), "-to", m.Bindings[m.Owner(b)]}, dbs...)
	if _, err := runTool(t, "", args...); err == nil || !strings.Contains(err.Error(), "waiting for the operator") {
		t.Fatalf("move with no confirmation: %v", err)
	}
	if out, err := runTool(t, "", append(args, "-yes")...); err != nil || !strings.Contains(out, "moved to") {
		t.Fatalf("move back: %v\n%s", err, out)
	}
}

func TestToolRefuses(t *testing.T) {
	m, dbs := shardFiles(t, 2)
	for _, args := range [][]string{
		{},
		{"map", "-n", "0"},
		{"nope"},
		append([]string{"move", "-shards", m.String(), "-bucket", "0A0", "-to", "DB_1"}, dbs...),
		append([]string{"move", "-shards", m.String(), "-bucket", "0a0", "-to", "DB_9"}, dbs...),
		{"move", "-shards", m.String(), "-bucket", "0a0", "-to", "DB_1", "-db", "DB=/nonexistent.sqlite"},
		append([]string{"check", "-shards", "000-7ff=DB"}, dbs...),
	} {
		if out, err := runTool(t, "", args...); err == nil {
			t.Errorf("%v accepted:\n%s", args, out)
		}
	}
	if out, err := runTool(t, "", "map", "-n", "4"); err != nil || strings.TrimSpace(out) != store.EvenShardMap(4).String() {
		t.Errorf("map: %q %v", out, err)
	}
}
