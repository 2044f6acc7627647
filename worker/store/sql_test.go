//go:build !js

package store

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kycvs/kycvs/worker/migrations"
)

func open(t *testing.T) *SQL {
	db, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "s.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := migrations.Apply(context.Background(), db); err != nil { // again: a no-op
		t.Fatal(err)
	}
	return &SQL{DB: db}
}

func TestHitAll(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	limits := func() []Limit {
		return []Limit{{"ip:1", time.Hour, 100}, {"mobile:a", time.Hour, 5}}
	}
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			refused, _, err := s.HitAll(ctx, limits(), now)
			if err != nil {
				t.Error(err)
			}
			if refused == nil {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	var ip, mob int
	s.DB.QueryRow(`SELECT count FROM rate_counters WHERE key = 'ip:1'`).Scan(&ip)
	s.DB.QueryRow(`SELECT count FROM rate_counters WHERE key = 'mobile:a'`).Scan(&mob)
	if ok.Load() != 5 || mob != 5 || ip != 5 {
		t.Fatalf("%d allowed, counts ip %d mobile %d; want 5, and refused events refunded", ok.Load(), ip, mob)
	}
	refused, retry, _ := s.HitAll(ctx, limits(), now.Add(10*time.Minute))
	if refused == nil || refused.Key != "mobile:a" || retry != 50*time.Minute {
		t.Fatalf("refused %v, retry %s", refused, retry)
	}
	if refused, _, _ := s.HitAll(ctx, limits(), now.Add(time.Hour)); refused != nil {
		t.Fatalf("new window refused by %v", refused)
	}
	if refused, _, _ := s.HitAll(ctx, []Limit{{"x", time.Hour, 0}}, now); refused == nil {
		t.Fatal("a zero limit allowed an event")
	}
}

func TestUseTokenOnce(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	now := time.Now()
	var first atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			ok, err := s.UseToken(ctx, "tid", "ent_x", "", now.Add(time.Minute), now)
			if err != nil {
				t.Error(err)
			}
			if ok {
				first.Add(1)
			}
		})
	}
	wg.Wait()
	if first.Load() != 1 {
		t.Fatalf("%d first uses", first.Load())
	}
}

// A retry with the same Idempotency-Key is answered as the first use;
// another key, no key, or another entity with the key is not.
func TestUseTokenIdempotent(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	now := time.Now()
	use := func(entity, key string) bool {
		t.Helper()
		ok, err := s.UseToken(ctx, "tid", entity, key, now.Add(time.Minute), now)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for i := range 3 {
		if !use("ent_x", "k1") {
			t.Fatalf("use %d with the same key refused", i+1)
		}
	}
	if use("ent_x", "k2") || use("ent_x", "") || use("ent_y", "k1") {
		t.Fatal("another key, no key or another entity accepted a used token")
	}
	if use("ent_z", "") {
		t.Fatal("reuse accepted")
	}
	// Without a key the first use is the only one.
	ok, _ := s.UseToken(ctx, "tid2", "ent_x", "", now.Add(time.Minute), now)
	again, _ := s.UseToken(ctx, "tid2", "ent_x", "", now.Add(time.Minute), now)
	if !ok || again {
		t.Fatalf("no key: %v then %v", ok, again)
	}
}
