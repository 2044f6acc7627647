//go:build !js

package store

import (
	"context"
	"testing"
	"time"
)

// HitAll counts an event against all its limits or none: a limit this event
// fills does not stop the limits after it, and a full limit stops those
// before it.
func TestHitAllAllOrNothing(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	count := func(key string) int {
		var n int
		s.DB.QueryRow(`SELECT coalesce((SELECT count FROM rate_counters WHERE key = ?), 0)`, key).Scan(&n)
		return n
	}
	fills := []Limit{{"a", time.Hour, 2}, {"b", time.Hour, 10}}
	for i := range 2 {
		if refused, _, err := s.HitAll(ctx, fills, now); refused != nil || err != nil {
			t.Fatalf("event %d refused by %v (%v)", i+1, refused, err)
		}
	}
	if count("a") != 2 || count("b") != 2 {
		t.Fatalf("counts a %d b %d, want 2 and 2", count("a"), count("b"))
	}
	full := []Limit{{"c", time.Hour, 5}, {"b", time.Hour, 10}, {"a", time.Hour, 2}}
	refused, retry, err := s.HitAll(ctx, full, now.Add(time.Minute))
	if err != nil || refused == nil || refused.Key != "a" || retry != 59*time.Minute {
		t.Fatalf("refused %v, retry %s, %v", refused, retry, err)
	}
	if count("a") != 2 || count("b") != 2 || count("c") != 0 {
		t.Fatalf("a refused event counted: a %d b %d c %d", count("a"), count("b"), count("c"))
	}
}
