package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/keys"
)

// issuer signs tokens as the service would, each with a new token id.
type issuer struct {
	t  *testing.T
	sk *keys.PrivateKey
	n  byte
}

func newIssuer(t *testing.T) *issuer {
	sk, err := keys.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return &issuer{t: t, sk: sk}
}

func (is *issuer) keyset(more ...*issuer) *keys.Keyset {
	ks := &keys.Keyset{}
	for _, i := range append([]*issuer{is}, more...) {
		if err := ks.Add(i.sk.Public(), time.Now().Add(-time.Hour), time.Time{}); err != nil {
			is.t.Fatal(err)
		}
	}
	return ks
}

func (is *issuer) sign(aud, nonce string) string {
	now := time.Now().Truncate(time.Second)
	a := &kycvs.Attestation{Issuer: "test", Audience: aud, Nonce: nonce, Status: kycvs.PartiallyVaccinated, IssuedAt: now, ExpiresAt: now.Add(time.Minute)}
	is.n++
	a.TokenID[0] = is.n
	tok, err := kycvs.Sign(is.sk, a)
	if err != nil {
		is.t.Fatal(err)
	}
	return tok
}

func post(s *Server, site, nonce, token string) (int, CheckResult) {
	b, _ := json.Marshal(map[string]string{"site": site, "nonce": nonce, "token": token})
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("POST", "/api/check", bytes.NewReader(b)))
	var res CheckResult
	json.NewDecoder(w.Body).Decode(&res)
	return w.Code, res
}

func TestCheckSingleUse(t *testing.T) {
	is := newIssuer(t)
	s := New(Config{Service: "http://svc.test", Railway: "ent_rail", Hotel: "ent_hotel", Keyset: is.keyset()})
	n := s.IssueNonce("railway")
	for _, c := range []struct {
		what, site, nonce, token, err string
	}{
		{"a token for another entity", "railway", n, is.sign("ent_hotel", n), "token_audience"},
		{"a token for another nonce", "railway", n, is.sign("ent_rail", "other-nonce"), "token_nonce"},
		{"a railway nonce on the hotel site", "hotel", n, is.sign("ent_hotel", n), "nonce_unknown"},
		{"a nonce never issued", "railway", "never-issued", is.sign("ent_rail", "never-issued"), "nonce_unknown"},
	} {
		if code, r := post(s, c.site, c.nonce, c.token); r.OK || code != http.StatusUnprocessableEntity || r.Error != c.err {
			t.Fatalf("%s: %d %+v", c.what, code, r)
		}
	}
	tok := is.sign("ent_rail", n)
	if code, r := post(s, "railway", n, tok); !r.OK || r.Status != 1 || code != http.StatusOK {
		t.Fatalf("good token refused: %d %+v", code, r)
	}
	if _, r := post(s, "railway", n, tok); r.OK || r.Error != "token_used" {
		t.Fatalf("the same token twice: %+v", r)
	}
	// The person completed the widget twice for one booking: a new token id,
	// the same nonce.
	if _, r := post(s, "railway", n, is.sign("ent_rail", n)); r.OK || r.Error != "token_used" {
		t.Fatalf("a second token for a used nonce: %+v", r)
	}
	n2 := s.IssueNonce("railway")
	if _, r := post(s, "railway", n2, is.sign("ent_rail", n2)); !r.OK {
		t.Fatalf("the next booking: %+v", r)
	}
}

// Without a pinned keyset the demo keeps the service's keys.json in a
// kycvs.KeysetCache: it refuses a key the service does not publish without
// asking again within the minute, and keeps verifying with the last good
// keyset when the service fails. (Rotation and the rate limit over time are
// the cache's own tests, on a fake clock.)
func TestCheckFetchesKeyset(t *testing.T) {
	oldKey, newKey := newIssuer(t), newIssuer(t)
	var mu sync.Mutex
	published, status, hits := oldKey.keyset(), http.StatusOK, 0
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		hits++
		if r.URL.Path != kycvs.KeysetPath || status != http.StatusOK {
			http.Error(w, "no", status)
			return
		}
		b, _ := published.MarshalJSON()
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Write(b)
	}))
	defer svc.Close()
	s := New(Config{Service: svc.URL + "/", Railway: "ent_rail", Hotel: "ent_hotel"})
	check := func(is *issuer) CheckResult {
		n := s.IssueNonce("hotel")
		_, r := post(s, "hotel", n, is.sign("ent_hotel", n))
		return r
	}
	if r := check(oldKey); !r.OK {
		t.Fatalf("old key: %+v", r)
	}
	if r := check(newKey); r.OK || r.Error != "token_unknown_key" {
		t.Fatalf("a key the service does not publish: %+v", r)
	}
	mu.Lock()
	published, status = oldKey.keyset(newKey), http.StatusInternalServerError
	mu.Unlock()
	if r := check(oldKey); !r.OK {
		t.Fatalf("old key while the service fails: %+v", r)
	}
	mu.Lock()
	if hits != 1 {
		t.Errorf("the service saw %d requests, want 1: the unknown key came within a minute of the first fetch", hits)
	}
	mu.Unlock()
}

type failingStore struct{}

func (failingStore) Use(context.Context, *kycvs.Attestation) error {
	return errors.New("database is down")
}

// A replay store that fails is the server's outage, not the person's: 503,
// no code, and nothing accepted.
func TestCheckReplayStoreFails(t *testing.T) {
	is := newIssuer(t)
	s := New(Config{Service: "http://svc.test", Railway: "ent_rail", Hotel: "ent_hotel", Keyset: is.keyset(), Replay: failingStore{}})
	n := s.IssueNonce("railway")
	if code, r := post(s, "railway", n, is.sign("ent_rail", n)); r.OK || code != http.StatusServiceUnavailable || r.Error != "internal" || r.Message == "" {
		t.Fatalf("replay store down: %d %+v", code, r)
	}
}

func TestPages(t *testing.T) {
	s := New(Config{Service: "http://127.0.0.1:8787", Railway: "ent_rail", Hotel: "ent_hotel"})
	for _, p := range []string{"/railway", "/hotel?lang=ur"} {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", p, nil))
		body := w.Body.String()
		if w.Code != http.StatusOK || !strings.Contains(body, `src="http://127.0.0.1:8787/embed.js"`) || !strings.Contains(body, "data-kycvs-nonce=") {
			t.Errorf("%s: %d %s", p, w.Code, body)
		}
	}
}
