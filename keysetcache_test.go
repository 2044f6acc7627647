//go:build !kycvs_verifyonly

package kycvs

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kycvs/kycvs/keys"
)

// fakeClock is the caches' and stores' clock in tests, moved by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Unix(vIat, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// keysetServer serves a keyset document the test changes as it goes, and
// counts the requests: the count is what the tests check.
type keysetServer struct {
	*httptest.Server
	mu           sync.Mutex
	status       int
	body         []byte
	cacheControl string
	hits         int
	block        chan struct{} // if non-nil, requests wait for it to close
}

func newKeysetServer(t *testing.T, ks *keys.Keyset) *keysetServer {
	s := &keysetServer{status: http.StatusOK, cacheControl: "public, max-age=300"}
	s.serve(ks)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits++
		block, status, body, cc := s.block, s.status, s.body, s.cacheControl
		s.mu.Unlock()
		if r.URL.Path != KeysetPath {
			http.NotFound(w, r)
			return
		}
		if block != nil {
			<-block
		}
		w.Header().Set("Cache-Control", cc)
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *keysetServer) serve(ks *keys.Keyset) {
	b, err := ks.MarshalJSON()
	if err != nil {
		panic(err)
	}
	s.mu.Lock()
	s.status, s.body = http.StatusOK, b
	s.mu.Unlock()
}

func (s *keysetServer) fail(status int, body string) {
	s.mu.Lock()
	s.status, s.body = status, []byte(body)
	s.mu.Unlock()
}

func (s *keysetServer) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits
}

// cacheFixture is two issuer keys, A and B, and a service publishing A.
type cacheFixture struct {
	a, b     *keys.PrivateKey
	onlyA    *keys.Keyset
	onlyB    *keys.Keyset
	both     *keys.Keyset
	srv      *keysetServer
	clock    *fakeClock
	cache    *KeysetCache
	tokA     string
	tokB     string
	expectAB Expect
}

func newCacheFixture(t *testing.T, opts *KeysetCacheOptions) *cacheFixture {
	f := &cacheFixture{clock: newFakeClock()}
	var err error
	f.a, err = keys.GenerateKey()
	must(t, err)
	f.b, err = keys.GenerateKey()
	must(t, err)
	set := func(ks ...*keys.PrivateKey) *keys.Keyset {
		s := &keys.Keyset{}
		for _, k := range ks {
			must(t, s.Add(k.Public(), time.Unix(0, 0), time.Time{}))
		}
		return s
	}
	f.onlyA, f.onlyB, f.both = set(f.a), set(f.b), set(f.a, f.b)
	f.srv = newKeysetServer(t, f.onlyA)
	var o KeysetCacheOptions
	if opts != nil {
		o = *opts
	}
	o.Now = f.clock.Now
	f.cache = NewKeysetCache(f.srv.URL+KeysetPath, &o)
	f.tokA, f.tokB = testToken(t, f.a), testToken(t, f.b)
	f.expectAB = testExpect
	return f
}

func (f *cacheFixture) verify(t *testing.T, tok string) error {
	t.Helper()
	_, err := f.cache.Verify(context.Background(), tok, f.expectAB)
	return err
}

func (f *cacheFixture) wantRequests(t *testing.T, n int, when string) {
	t.Helper()
	if got := f.srv.requests(); got != n {
		t.Fatalf("%s: the service saw %d keyset requests, want %d", when, got, n)
	}
}

func TestKeysetCacheHonoursMaxAge(t *testing.T) {
	f := newCacheFixture(t, nil)
	for range 3 {
		must(t, f.verify(t, f.tokA))
	}
	f.wantRequests(t, 1, "three tokens at once")
	f.clock.Advance(299 * time.Second)
	must(t, f.verify(t, f.tokA))
	f.wantRequests(t, 1, "299 s later")
	f.clock.Advance(time.Second)
	must(t, f.verify(t, f.tokA))
	f.wantRequests(t, 2, "at max-age")
	must(t, f.verify(t, f.tokA))
	f.wantRequests(t, 2, "right after the refetch")
}

func TestKeysetMaxAge(t *testing.T) {
	for _, c := range []struct {
		cacheControl, age string
		want              time.Duration
	}{
		{"", "", DefaultKeysetMaxAge},
		{"public, max-age=300", "", 300 * time.Second},
		{"Max-Age=90, public", "", 90 * time.Second},
		{`max-age="200"`, "", 200 * time.Second},
		{"max-age=600", "240", 360 * time.Second},
		{"max-age=600", "900", MinKeysetRefresh},
		{"max-age=0", "", MinKeysetRefresh},
		{"max-age=5", "", MinKeysetRefresh},
		{"no-cache", "", MinKeysetRefresh},
		{"public, no-store, max-age=3600", "", MinKeysetRefresh},
		{"max-age=99999999999", "", MaxKeysetMaxAge},
		{"max-age=-5", "", DefaultKeysetMaxAge},
		{"max-age=soon", "", DefaultKeysetMaxAge},
	} {
		h := http.Header{}
		if c.cacheControl != "" {
			h.Set("Cache-Control", c.cacheControl)
		}
		if c.age != "" {
			h.Set("Age", c.age)
		}
		if got := keysetMaxAge(h); got != c.want {
			t.Errorf("Cache-Control %q, Age %q: %v, want %v", c.cacheControl, c.age, got, c.want)
		}
	}
}

// A token naming a key the cache lacks makes it fetch at once (rotation),
// but at most once a minute, however many such tokens arrive. (A fetch of
// any kind counts: a keyset fetched seconds ago is as new as it gets.)
func TestKeysetCacheUnknownKeyRefreshIsRateLimited(t *testing.T) {
	f := newCacheFixture(t, nil)
	must(t, f.verify(t, f.tokA))
	if err := f.verify(t, f.tokB); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("token of an unpublished key: %v", err)
	}
	f.wantRequests(t, 1, "an unknown key right after the first fetch")
	f.clock.Advance(2 * time.Minute) // the keyset is still fresh (max-age 300)
	for i := range 20 {
		if err := f.verify(t, f.tokB); !errors.Is(err, ErrUnknownKey) || ErrorCode(err) != "token_unknown_key" {
			t.Fatalf("token %d of an unpublished key: %v", i, err)
		}
	}
	f.wantRequests(t, 2, "20 tokens of an unknown key")
	f.clock.Advance(59 * time.Second)
	f.verify(t, f.tokB)
	f.wantRequests(t, 2, "59 s later")
	must(t, f.verify(t, f.tokA))
	f.wantRequests(t, 2, "a known key")

	// The service publishes B: the next unknown-key refresh picks it up.
	f.srv.serve(f.both)
	f.clock.Advance(time.Second)
	must(t, f.verify(t, f.tokB))
	f.wantRequests(t, 3, "a minute after the last refresh, B published")
	must(t, f.verify(t, f.tokB))
	must(t, f.verify(t, f.tokA))
	f.wantRequests(t, 3, "both keys known")
}

// Rotation: a fresh cache (max-age not reached) still learns a new key on
// the first token that uses it.
func TestKeysetCacheLearnsRotatedKey(t *testing.T) {
	f := newCacheFixture(t, nil)
	must(t, f.verify(t, f.tokA))
	f.clock.Advance(2 * MinKeysetRefresh)
	f.srv.serve(f.both)
	must(t, f.verify(t, f.tokB))
	f.wantRequests(t, 2, "B's first token")
}

// A key in the set but outside its window is not a reason to fetch.
func TestKeysetCacheNoRefreshForKnownKey(t *testing.T) {
	f := newCacheFixture(t, nil)
	retired := &keys.Keyset{}
	must(t, retired.Add(f.a.Public(), time.Unix(0, 0), time.Unix(vIat-10, 0)))
	f.srv.serve(retired)
	if err := f.verify(t, f.tokA); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("token of a retired key: %v", err)
	}
	f.wantRequests(t, 1, "a retired key's token")
}

func TestKeysetCacheKeepsLastGood(t *testing.T) {
	f := newCacheFixture(t, nil)
	must(t, f.verify(t, f.tokA))
	for _, bad := range []struct {
		status int
		body   string
	}{
		{http.StatusInternalServerError, `{"error":"internal"}`},
		{http.StatusOK, `{"keys": [`},
		{http.StatusOK, `{"keys": [{"kid": "00000000", "key": "` + f.b.Public().String() + `", "not_before": "2026-01-01T00:00:00Z"}]}`},
		{http.StatusNotFound, ``},
	} {
		f.srv.fail(bad.status, bad.body)
		before := f.srv.requests()
		f.clock.Advance(10 * time.Minute) // past max-age
		ks, err := f.cache.Keyset(context.Background())
		if err != nil || ks == nil {
			t.Fatalf("%d %s: %v", bad.status, bad.body, err)
		}
		must(t, f.verify(t, f.tokA))
		f.wantRequests(t, before+1, "a failed refetch")
		// Failures are retried no sooner than a minute later.
		f.clock.Advance(59 * time.Second)
		must(t, f.verify(t, f.tokA))
		f.verify(t, f.tokB)
		f.wantRequests(t, before+1, "59 s after a failed refetch")
	}
	// The service recovers, now publishing B only: the set is replaced.
	f.srv.serve(f.onlyB)
	f.clock.Advance(time.Second)
	must(t, f.verify(t, f.tokB))
	if err := f.verify(t, f.tokA); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("A's token after A was withdrawn: %v", err)
	}
}

func TestKeysetCacheUnavailable(t *testing.T) {
	f := newCacheFixture(t, nil)
	f.srv.fail(http.StatusServiceUnavailable, "")
	for range 3 {
		_, err := f.cache.Keyset(context.Background())
		if !errors.Is(err, ErrKeysetUnavailable) || ErrorCode(err) != "keyset_unavailable" {
			t.Fatalf("no keyset ever fetched: %v", err)
		}
		if err := f.verify(t, f.tokA); ErrorCode(err) != "keyset_unavailable" {
			t.Fatalf("verify without a keyset: %v", err)
		}
	}
	f.wantRequests(t, 1, "a down service, six calls")
	f.srv.serve(f.onlyA)
	f.clock.Advance(MinKeysetRefresh)
	must(t, f.verify(t, f.tokA))
	f.wantRequests(t, 2, "the service back")
}

func TestKeysetCacheFallback(t *testing.T) {
	f := newCacheFixture(t, nil)
	f.cache = NewKeysetCache(f.srv.URL+KeysetPath, &KeysetCacheOptions{Fallback: f.onlyB, Now: f.clock.Now})
	f.srv.fail(http.StatusBadGateway, "")
	must(t, f.verify(t, f.tokB))
	f.srv.serve(f.onlyA)
	f.clock.Advance(MinKeysetRefresh)
	must(t, f.verify(t, f.tokA)) // the fallback is replaced by what the service publishes
	f.wantRequests(t, 2, "fallback, then the service")
}

// Concurrent callers of a cold cache share one request; a caller that gives
// up does not cancel it for the others.
func TestKeysetCacheConcurrentFetch(t *testing.T) {
	f := newCacheFixture(t, nil)
	release := make(chan struct{})
	f.srv.mu.Lock()
	f.srv.block = release
	f.srv.mu.Unlock()

	impatient, cancel := context.WithCancel(context.Background())
	impatientErr := make(chan error)
	go func() {
		_, err := f.cache.Keyset(impatient)
		impatientErr <- err
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() { errs <- f.verify(t, f.tokA) })
	}
	for f.srv.requests() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-impatientErr; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: %v", err)
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	f.wantRequests(t, 1, "21 concurrent callers")
}
