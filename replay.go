//go:build !kycvs_verifyonly

package kycvs

import (
	"context"
	"encoding/hex"
	"sync"
	"time"
)

// ReplayStore remembers what an entity's server has accepted, so that it
// accepts each token once (SPEC.md §5: a server MUST refuse a token id it
// has accepted before) and each nonce it issued once. The nonce matters as
// much as the token id: the person can complete the widget twice for one
// request, and the second token has a new id but the same nonce.
//
// MemoryReplayStore suits one process; SQLReplayStore is for servers that
// run several processes or restart (a restart must not forget what was
// used).
type ReplayStore interface {
	// Use records that the entity accepted a: its token id, and its nonce
	// for its audience. If either was recorded before and not yet
	// forgotten, Use records nothing and returns an error wrapping
	// ErrAlreadyUsed. Of concurrent calls for the same token or nonce, one
	// succeeds. Other errors (a failed database) say nothing about the
	// token; the caller must not accept it then.
	Use(ctx context.Context, a *Attestation) error
}

// DefaultReplayRetention is ReplayOptions.Retention's default.
const DefaultReplayRetention = 24 * time.Hour

// ReplayOptions adjusts a replay store.
type ReplayOptions struct {
	// Retention is how long a use is remembered; a token id is also
	// remembered until its token expires, whichever is later. Make it at
	// least as long as your nonces stay valid: once a used nonce is
	// forgotten, a new token for it would be accepted. Zero:
	// DefaultReplayRetention.
	Retention time.Duration
	// Now is the store's clock (tests). Nil: time.Now.
	Now func() time.Time
}

func (o *ReplayOptions) withDefaults() ReplayOptions {
	var r ReplayOptions
	if o != nil {
		r = *o
	}
	if r.Retention <= 0 {
		r.Retention = DefaultReplayRetention
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	return r
}

// replayKey is one thing used once: a token id (audience "" — token ids are
// random and global) or a nonce, which belongs to the audience that issued
// it.
type replayKey struct {
	kind     byte // 't' token id, 'n' nonce
	audience string
	item     string // token id in hex, or the nonce
}

func replayKeys(a *Attestation) [2]replayKey {
	return [2]replayKey{
		{'t', "", hex.EncodeToString(a.TokenID[:])},
		{'n', a.Audience, a.Nonce},
	}
}

func (k replayKey) used() error {
	if k.kind == 't' {
		return wrap("", ErrAlreadyUsed, ": token id "+k.item+" was accepted before")
	}
	return wrap("", ErrAlreadyUsed, ": nonce was used before")
}

// keepUntil is when a use made at now may be forgotten.
func keepUntil(a *Attestation, now time.Time, retention time.Duration) time.Time {
	t := now.Add(retention)
	if a.ExpiresAt.After(t) {
		return a.ExpiresAt
	}
	return t
}

// MemoryReplayStore is a ReplayStore in the process's memory, for a server
// that runs as one process and may forget on restart (demos, tests). Its
// size is the uses of the last Retention.
type MemoryReplayStore struct {
	opts ReplayOptions

	mu    sync.Mutex
	used  map[replayKey]time.Time // → keep until
	swept time.Time
}

// NewMemoryReplayStore returns an empty store. opts may be nil.
func NewMemoryReplayStore(opts *ReplayOptions) *MemoryReplayStore {
	return &MemoryReplayStore{opts: opts.withDefaults(), used: map[replayKey]time.Time{}}
}

// Use implements ReplayStore.
func (s *MemoryReplayStore) Use(ctx context.Context, a *Attestation) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.swept) >= time.Minute {
		for k, until := range s.used {
			if !now.Before(until) {
				delete(s.used, k)
			}
		}
		s.swept = now
	}
	ks := replayKeys(a)
	for _, k := range ks {
		if until, ok := s.used[k]; ok && now.Before(until) {
			return k.used()
		}
	}
	until := keepUntil(a, now, s.opts.Retention)
	for _, k := range ks {
		s.used[k] = until
	}
	return nil
}
