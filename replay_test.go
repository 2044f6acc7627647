//go:build !kycvs_verifyonly

package kycvs

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testReplayStore is the contract every ReplayStore meets; newStore returns
// an empty store on the given clock with a retention of 15 minutes.
func testReplayStore(t *testing.T, newStore func(t *testing.T, now func() time.Time) ReplayStore) {
	ctx := context.Background()
	token := func(id byte, aud, nonce string, clock *fakeClock) *Attestation {
		a := &Attestation{Audience: aud, Nonce: nonce, IssuedAt: clock.Now(), ExpiresAt: clock.Now().Add(5 * time.Minute)}
		a.TokenID[0], a.TokenID[15] = id, 0xa5
		return a
	}
	wantUsed := func(t *testing.T, err error, what string) {
		t.Helper()
		if !errors.Is(err, ErrAlreadyUsed) || ErrorCode(err) != "token_used" {
			t.Fatalf("%s: %v, want token_used", what, err)
		}
	}

	t.Run("single use", func(t *testing.T) {
		clock := newFakeClock()
		s := newStore(t, clock.Now)
		a := token(1, "ent_rail", "nonce-1", clock)
		must(t, s.Use(ctx, a))
		wantUsed(t, s.Use(ctx, a), "the same token again")
		clock.Advance(4 * time.Minute)
		wantUsed(t, s.Use(ctx, a), "the same token 4 minutes later")
	})

	t.Run("a second token for a used nonce", func(t *testing.T) {
		clock := newFakeClock()
		s := newStore(t, clock.Now)
		must(t, s.Use(ctx, token(1, "ent_rail", "nonce-1", clock)))
		wantUsed(t, s.Use(ctx, token(2, "ent_rail", "nonce-1", clock)), "token 2 for nonce-1")
		// Refused uses record nothing: token 2 is still unused.
		must(t, s.Use(ctx, token(2, "ent_rail", "nonce-2", clock)))
		// A nonce belongs to its audience: another entity's equal nonce is its own.
		must(t, s.Use(ctx, token(3, "ent_hotel", "nonce-1", clock)))
		wantUsed(t, s.Use(ctx, token(1, "ent_hotel", "nonce-9", clock)), "token 1 at another audience")
	})

	t.Run("retention", func(t *testing.T) {
		clock := newFakeClock()
		s := newStore(t, clock.Now)
		must(t, s.Use(ctx, token(1, "ent_rail", "nonce-1", clock)))
		clock.Advance(15*time.Minute - time.Second)
		// The token has expired, but its nonce is still valid at the entity.
		wantUsed(t, s.Use(ctx, token(2, "ent_rail", "nonce-1", clock)), "nonce-1 after the token expired")
		clock.Advance(time.Second)
		must(t, s.Use(ctx, token(2, "ent_rail", "nonce-1", clock)))
		must(t, s.Use(ctx, token(1, "ent_rail", "nonce-3", clock)))
	})

	t.Run("concurrent uses", func(t *testing.T) {
		clock := newFakeClock()
		s := newStore(t, clock.Now)
		var ok, used atomic.Int32
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				// Half the same token, half new tokens for the same nonce.
				id := byte(1)
				if i%2 == 1 {
					id = byte(100 + i)
				}
				switch err := s.Use(ctx, token(id, "ent_rail", "nonce-1", clock)); {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, ErrAlreadyUsed):
					used.Add(1)
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 1 || used.Load() != 15 {
			t.Fatalf("%d accepted, %d refused as used; want 1 and 15", ok.Load(), used.Load())
		}
	})

	t.Run("cancelled context", func(t *testing.T) {
		clock := newFakeClock()
		s := newStore(t, clock.Now)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		err := s.Use(cctx, token(1, "ent_rail", "nonce-1", clock))
		if err == nil || ErrorCode(err) != "" {
			t.Fatalf("use with a cancelled context: %v (code %q)", err, ErrorCode(err))
		}
		must(t, s.Use(ctx, token(1, "ent_rail", "nonce-1", clock)))
	})
}

func TestMemoryReplayStore(t *testing.T) {
	testReplayStore(t, func(t *testing.T, now func() time.Time) ReplayStore {
		return NewMemoryReplayStore(&ReplayOptions{Retention: 15 * time.Minute, Now: now})
	})
}

func TestMemoryReplayStoreForgets(t *testing.T) {
	clock := newFakeClock()
	s := NewMemoryReplayStore(&ReplayOptions{Retention: time.Minute, Now: clock.Now})
	for i := range 100 {
		a := &Attestation{Audience: "ent_rail", Nonce: "n" + itoa(int64(i)), ExpiresAt: clock.Now().Add(time.Minute)}
		a.TokenID[0] = byte(i)
		must(t, s.Use(context.Background(), a))
	}
	clock.Advance(2 * time.Minute)
	must(t, s.Use(context.Background(), &Attestation{Audience: "ent_rail", Nonce: "last", ExpiresAt: clock.Now().Add(time.Minute)}))
	if n := len(s.used); n != 2 {
		t.Fatalf("%d records after the others' retention ended, want 2", n)
	}
}
