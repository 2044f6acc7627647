//go:build !kycvs_verifyonly

package kycvs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kycvs/kycvs/keys"
)

// This file and the replay store are for entity servers. They are not built
// with the kycvs_verifyonly tag: net/http and database/sql would cost the
// browser module far more than its budget (wasm/SIZE.md), and it pins its
// keyset at build time anyway. Every other build of this package (the
// worker, the tools) links net/http and database/sql already.

// KeysetPath is where a KYC-VS service publishes its keyset (SPEC.md §1).
const KeysetPath = "/.well-known/kycvs/keys.json"

// How long a KeysetCache uses a fetched keyset, and how often it fetches.
const (
	// DefaultKeysetMaxAge applies to a response without Cache-Control
	// max-age; the service sends max-age=300.
	DefaultKeysetMaxAge = 5 * time.Minute
	// MinKeysetRefresh is the least time between two fetches, whatever
	// prompts them: an expired keyset, an unknown key id, a failed fetch.
	MinKeysetRefresh = time.Minute
	// MaxKeysetMaxAge caps max-age, so a retirement (a key's not_after)
	// reaches verifiers within a day.
	MaxKeysetMaxAge = 24 * time.Hour

	maxKeysetBytes = 1 << 16
)

// KeysetCacheOptions adjusts a KeysetCache. The zero value is what a
// production entity server wants.
type KeysetCacheOptions struct {
	// Client fetches the keyset. Nil: a client with a 10-second timeout.
	Client *http.Client
	// Fallback is the keyset used until the first fetch succeeds, for
	// example keys.Published(): with it, a server that starts while the
	// service is unreachable still verifies tokens of the keys it knows.
	Fallback *keys.Keyset
	// Now is the cache's clock (tests). Nil: time.Now.
	Now func() time.Time
}

// KeysetCache keeps an issuer's published keyset for an entity's server. It
// fetches the keyset document when it has none or when the copy it has is
// older than the response's Cache-Control max-age (less its Age header;
// 5 minutes if the response gives none; never less than a minute, never more
// than a day). When a token names a key id the cached set lacks — how a key
// rotation reaches verifiers — it fetches again at once, but at most once a
// minute, so a stream of tokens with made-up key ids cannot make the server
// hammer the service. A failed fetch (network error, non-200 status, a
// document that does not parse) keeps the last good keyset, however old,
// and is retried no sooner than a minute later: the keyset is public keys,
// and a stale copy at worst misses a key retired since, whereas refusing
// every person while the service has an outage helps nobody.
//
// A KeysetCache is safe for concurrent use; concurrent callers share one
// fetch. Create one per service and keep it for the life of the process.
type KeysetCache struct {
	url    string
	client *http.Client
	now    func() time.Time

	mu       sync.Mutex
	ks       *keys.Keyset // last good keyset, or Fallback, or nil
	fresh    time.Time    // ks needs no refetch before this
	tried    time.Time    // start of the last fetch, good or bad
	lastErr  error        // of the last fetch, nil if it succeeded
	inflight *keysetFetch // non-nil while a fetch runs
}

// keysetFetch is one fetch that concurrent callers wait for.
type keysetFetch struct {
	done chan struct{}
	ks   *keys.Keyset
	err  error
}

// NewKeysetCache returns a cache of the keyset at url, which is normally the
// service origin followed by KeysetPath. It does not fetch until first used.
// opts may be nil.
func NewKeysetCache(url string, opts *KeysetCacheOptions) *KeysetCache {
	var o KeysetCacheOptions
	if opts != nil {
		o = *opts
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &KeysetCache{url: url, client: o.Client, now: o.Now, ks: o.Fallback}
}

// Keyset returns the current keyset, fetching it first if the cached copy is
// stale and no fetch was tried in the last minute. It fails only when it has
// no keyset at all (an error wrapping ErrKeysetUnavailable), or when ctx
// ends while it waits for a fetch. Callers must not modify the keyset.
func (c *KeysetCache) Keyset(ctx context.Context) (*keys.Keyset, error) {
	return c.get(ctx, false)
}

// Verify is the package-level Verify with the cached keyset. If the token's
// key id is not in the keyset, Verify fetches the keyset again (at most once
// a minute, whatever the tokens) and verifies once more with the new one. A
// key id that is in the set but was not valid at the token's issued-at time
// prompts no fetch: published windows only ever close.
//
// Besides Verify's errors, it returns an error wrapping ErrKeysetUnavailable
// if there is no keyset to check against. Single use is still the caller's
// job: see ReplayStore.
func (c *KeysetCache) Verify(ctx context.Context, token string, e Expect) (*Attestation, error) {
	ks, err := c.get(ctx, false)
	if err != nil {
		return nil, err
	}
	a, err := Verify(token, ks, e)
	if !errors.Is(err, ErrUnknownKey) {
		return a, err
	}
	kid, _, _, serr := splitToken(token)
	if serr != nil {
		return a, err
	}
	if _, ok := ks.Has(kid); ok {
		return a, err // known key, outside its window
	}
	ks2, gerr := c.get(ctx, true)
	if gerr != nil || ks2 == ks {
		return a, err // no new keyset: the first answer stands
	}
	return Verify(token, ks2, e)
}

// get returns the keyset, fetching if it is stale (or, with unknownKey, in
// any case) and the last fetch started at least MinKeysetRefresh ago.
func (c *KeysetCache) get(ctx context.Context, unknownKey bool) (*keys.Keyset, error) {
	c.mu.Lock()
	now := c.now()
	if c.ks != nil && now.Before(c.fresh) && !unknownKey {
		ks := c.ks
		c.mu.Unlock()
		return ks, nil
	}
	f := c.inflight
	if f == nil {
		if !c.tried.IsZero() && now.Sub(c.tried) < MinKeysetRefresh {
			ks, err := c.ks, c.lastErr
			c.mu.Unlock()
			return c.answer(ks, err)
		}
		f = &keysetFetch{done: make(chan struct{})}
		c.inflight, c.tried = f, now
		// The fetch belongs to every caller waiting for it, so it does not
		// stop when the one that started it gives up; the client's timeout
		// bounds it.
		go c.fetch(context.WithoutCancel(ctx), f)
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		return c.answer(f.ks, f.err)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// answer returns ks if there is one, whatever the last fetch did.
func (c *KeysetCache) answer(ks *keys.Keyset, err error) (*keys.Keyset, error) {
	if ks != nil {
		return ks, nil
	}
	if err == nil {
		err = errors.New("no fetch yet")
	}
	return nil, fmt.Errorf("%w: %s: %w", ErrKeysetUnavailable, c.url, err)
}

// fetch runs one request and records its outcome for the waiters of f.
func (c *KeysetCache) fetch(ctx context.Context, f *keysetFetch) {
	ks, maxAge, err := c.request(ctx)
	c.mu.Lock()
	if err == nil {
		c.ks, c.fresh = ks, c.now().Add(maxAge)
	}
	c.lastErr = err
	f.ks, f.err = c.ks, err
	c.inflight = nil
	c.mu.Unlock()
	close(f.done)
}

func (c *KeysetCache) request(ctx context.Context) (*keys.Keyset, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("status %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeysetBytes+1))
	if err != nil {
		return nil, 0, err
	}
	if len(body) > maxKeysetBytes {
		return nil, 0, fmt.Errorf("keyset document over %d bytes", maxKeysetBytes)
	}
	ks, err := keys.ParseKeyset(body)
	if err != nil {
		return nil, 0, err
	}
	return ks, keysetMaxAge(resp.Header), nil
}

// keysetMaxAge is how long a response may be used: its max-age less its
// Age, clamped to [MinKeysetRefresh, MaxKeysetMaxAge]. no-store and no-cache
// give the minimum: a verifier cannot fetch for every token.
func keysetMaxAge(h http.Header) time.Duration {
	d := DefaultKeysetMaxAge
	for _, dir := range strings.Split(strings.Join(h.Values("Cache-Control"), ","), ",") {
		name, val, _ := strings.Cut(strings.ToLower(strings.TrimSpace(dir)), "=")
		switch name {
		case "no-store", "no-cache":
			return MinKeysetRefresh
		case "max-age":
			if n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64); err == nil && n >= 0 {
				d = time.Duration(min(n, int64(MaxKeysetMaxAge/time.Second))) * time.Second
			}
		}
	}
	if age, err := strconv.ParseInt(h.Get("Age"), 10, 64); err == nil && age > 0 {
		d -= time.Duration(min(age, int64(MaxKeysetMaxAge/time.Second))) * time.Second
	}
	return min(max(d, MinKeysetRefresh), MaxKeysetMaxAge)
}
