// Package e2e runs the Worker inside workerd (wrangler dev, local D1) and
// drives it over HTTP. Skipped unless KYCVS_E2E=1.
package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/store"
)

const nonce = "e2e-nonce-0123456789"

// client sends the requests of one test, from the service's origin unless
// told otherwise.
type client struct {
	t *testing.T
	s *harness.Server
}

func newClient(t *testing.T, s *harness.Server) *client { return &client{t: t, s: s.For(t)} }

func (c *client) post(path string, body any, hdr ...string) (int, map[string]any, http.Header) {
	c.t.Helper()
	r := c.s.Do("POST", path, "", body, hdr...)
	if r.Body == nil {
		c.t.Fatalf("POST %s: %d, not JSON: %q", path, r.Status, r.Raw)
	}
	return r.Status, r.Body, r.Header
}

func (c *client) flow(entity string, p seed.Person, typed string) (int, map[string]any) {
	c.t.Helper()
	st, m, _ := c.post("/v1/otp", map[string]string{"entity": entity, "mobile": p.Mobile, "name": typed, "nonce": nonce})
	if st != 202 {
		c.t.Fatalf("start %q: %d %v", typed, st, m)
	}
	st, m, _ = c.post("/v1/otp/verify", map[string]string{"txn": m["txn"].(string), "otp": c.s.LastOTP(p.Mobile)})
	return st, m
}

func TestWorkerEndToEnd(t *testing.T) {
	harness.Skip(t)
	extra := seed.Entity{ID: "ent_e2e_shop", DisplayName: "E2E Shop", Purpose: "Testing", Origins: []string{"https://shop.e2e.example"}}
	s := harness.Workerd(t, harness.Options{Entities: []seed.Entity{extra}, People: familyOfSix})
	s.Header.Set("Origin", s.Origin)
	c := newClient(t, s)

	t.Run("a family of six on one number: one code, six tokens", func(t *testing.T) { testFamilyOfSix(t, s) })

	t.Run("every status, verified by the Go package", func(t *testing.T) {
		c := newClient(t, s)
		seen := map[kycvs.Status]bool{}
		for _, p := range []seed.Person{seed.DemoPeople[0], seed.DemoPeople[1], seed.DemoPeople[2]} {
			st, m := c.flow("ent_railways", p, p.Name)
			if st != 200 {
				t.Fatalf("%q: %d %v", p.Name, st, m)
			}
			a, err := kycvs.Verify(m["token"].(string), s.Keyset, kycvs.Expect{Audience: "ent_railways", Nonce: nonce, Now: time.Now()})
			if err != nil {
				t.Fatalf("%q: %v", p.Name, err)
			}
			if a.Status != p.Status {
				t.Errorf("%q: status %v, want %v", p.Name, a.Status, p.Status)
			}
			seen[a.Status] = true
		}
		if len(seen) != 3 {
			t.Errorf("statuses %v", seen)
		}
	})

	t.Run("shared mobile, name in Bengali with odd spacing; single-use server verify", func(t *testing.T) {
		c := newClient(t, s)
		p := seed.DemoPeople[6]
		st, m := c.flow("ent_hotel", p, "  সুমন   দাস ")
		if st != 200 {
			t.Fatalf("%d %v", st, m)
		}
		tok := m["token"].(string)
		call := func() map[string]any {
			st, m, _ := c.post("/v1/tokens/verify", map[string]string{"token": tok, "nonce": nonce}, "Authorization", "Bearer "+s.Secrets["ent_hotel"], "Origin", "")
			if st != 200 {
				t.Fatalf("tokens/verify: %d %v", st, m)
			}
			return m
		}
		if m := call(); m["valid"] != true || m["status"] != float64(p.Status) {
			t.Fatalf("first: %v", m)
		}
		if m := call(); m["valid"] != false || m["reason"] != "token_used" {
			t.Fatalf("second: %v", m)
		}
	})

	t.Run("wrong OTP locks, resend is limited, name mismatch", func(t *testing.T) {
		c := newClient(t, s)
		p := seed.DemoPeople[7]
		st, m, _ := c.post("/v1/otp", map[string]string{"entity": "ent_airline", "mobile": p.Mobile, "name": p.Name, "nonce": nonce})
		if st != 202 {
			t.Fatalf("%d %v", st, m)
		}
		txn := m["txn"].(string)
		right := s.For(t).LastOTP(p.Mobile)
		wrong := "000000"
		if right == wrong {
			wrong = "111111"
		}
		for left := 2; left >= 0; left-- {
			st, m, _ := c.post("/v1/otp/verify", map[string]string{"txn": txn, "otp": wrong})
			if st != 401 || m["attempts_left"] != float64(left) {
				t.Fatalf("wrong: %d %v", st, m)
			}
		}
		if st, m, _ := c.post("/v1/otp/verify", map[string]string{"txn": txn, "otp": right}); st != 410 || m["error"] != "otp_locked" {
			t.Fatalf("after lock: %d %v", st, m)
		}
		st, m, h := c.post("/v1/otp", map[string]string{"entity": "ent_airline", "mobile": p.Mobile, "name": p.Name, "nonce": nonce})
		if st != 429 || h.Get("Retry-After") == "" || m["error"] != "rate_limited" {
			t.Fatalf("resend: %d %v", st, m)
		}
		if st, m := c.flow("ent_airline", seed.DemoPeople[8], "Somebody Else"); st != 422 || m["error"] != "name_mismatch" {
			t.Fatalf("mismatch: %d %v", st, m)
		}
	})

	t.Run("parallel wrong OTPs in workerd never exceed 3 attempts", func(t *testing.T) {
		p := seed.DemoPeople[9]
		st, m, _ := c.post("/v1/otp", map[string]string{"entity": "ent_employer", "mobile": p.Mobile, "name": p.Name, "nonce": nonce})
		if st != 202 {
			t.Fatalf("%d %v", st, m)
		}
		txn := m["txn"].(string)
		right := s.For(t).LastOTP(p.Mobile)
		var mu sync.Mutex
		counts := map[float64]int{}
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				code := "1234" + string(rune('0'+i/10)) + string(rune('0'+i%10))
				if code == right {
					code = "999999"
				}
				b, _ := json.Marshal(map[string]string{"txn": txn, "otp": code})
				req, _ := http.NewRequest("POST", s.URL+"/v1/otp/verify", bytes.NewReader(b))
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				mu.Lock()
				counts[float64(resp.StatusCode)]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if counts[401] != 3 || counts[410] != 17 {
			t.Fatalf("outcomes %v, want 3×401 and 17×410", counts)
		}
	})

	t.Run("parallel sends to one number in workerd: one per resend gap", func(t *testing.T) {
		p := seed.DemoPeople[10]
		var mu sync.Mutex
		counts := map[int]int{}
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				b, _ := json.Marshal(map[string]string{"entity": "ent_hotel", "mobile": p.Mobile, "name": p.Name, "nonce": nonce})
				req, _ := http.NewRequest("POST", s.URL+"/v1/otp", bytes.NewReader(b))
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				mu.Lock()
				counts[resp.StatusCode]++
				mu.Unlock()
			})
		}
		wg.Wait()
		msgs := s.For(t).Outbox(p.Mobile)
		if counts[202] != 1 || counts[429] != 19 || len(msgs) != 1 {
			t.Fatalf("outcomes %v, %d SMS; want one sent", counts, len(msgs))
		}
	})

	t.Run("SQL applied to the running server (admin commands)", func(t *testing.T) {
		c := newClient(t, s)
		// A registration applied by SQL works at once (unknown ids are not
		// cached); a removal too for an entity the instances have not
		// looked up — one in use is cached for up to store.DefaultDirectoryTTL
		// (worker/store/shardcache.go).
		reg := func(id string) string {
			return store.EntitySQL(store.Entity{ID: id, DisplayName: "E2E admin", Purpose: "Testing",
				Origins: []string{"https://admin.e2e.example"}, SecretHash: secret.TokenHash(id)}, time.Now())
		}
		s.For(t).Exec(reg("ent_e2e_added"))
		st, m, _ := c.post("/v1/otp", map[string]string{"entity": "ent_e2e_added", "mobile": "9876500077", "name": "x", "nonce": nonce})
		if st != 202 {
			t.Fatalf("entity added by SQL: %d %v", st, m)
		}
		s.For(t).Exec(reg("ent_e2e_removed") + store.RemoveEntitySQL("ent_e2e_removed"))
		st, m, _ = c.post("/v1/otp", map[string]string{"entity": "ent_e2e_removed", "mobile": seed.DemoPeople[0].Mobile, "name": "x", "nonce": nonce})
		if st != 403 || m["error"] != "unknown_entity" {
			t.Fatalf("removed entity: %d %v", st, m)
		}
	})

	t.Run("origin, headers, widget for a registered entity", func(t *testing.T) {
		c := newClient(t, s)
		st, m, h := c.post("/v1/otp", map[string]string{"entity": "ent_hotel", "mobile": "9876500001", "name": "x", "nonce": nonce}, "Origin", "https://shop.e2e.example")
		if st != 403 || m["error"] != "origin_not_allowed" || h.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("foreign origin: %d %v", st, m)
		}
		for _, k := range []string{"X-Content-Type-Options", "Referrer-Policy", "Cache-Control"} {
			if h.Get(k) == "" {
				t.Errorf("missing %s", k)
			}
		}
		st, m, _ = c.post("/v1/otp", `{"entity":"ent_hotel","mobile":"12345","name":"x","nonce":"`+nonce+`"}`)
		if st != 400 || m["error"] != "invalid_mobile" {
			t.Fatalf("bad mobile: %d %v", st, m)
		}
		resp, err := http.Get(s.URL + "/widget?entity=ent_e2e_shop&nonce=" + nonce + "&origin=https://shop.e2e.example")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if resp.StatusCode != 200 || !strings.Contains(csp, "frame-ancestors https://shop.e2e.example") || !strings.Contains(string(body), "E2E Shop") {
			t.Fatalf("widget: %d CSP %q", resp.StatusCode, csp)
		}
	})

	t.Run("cron trigger: the glue's scheduled handler runs the Go side; outsiders cannot", func(t *testing.T) {
		s := s.For(t)
		// A transaction expired two days ago: the purge removes it.
		s.Exec(`INSERT INTO otp_transactions (id, purpose, mobile_hash, otp_hash, max_attempts, created_at, expires_at)
			VALUES ('txn_cron_e2e_0000000000000', 'status', 'x', 'y', 3, 1000, 1000)`)
		count := func() any {
			return s.Query(`SELECT count(*) AS n FROM otp_transactions WHERE id = 'txn_cron_e2e_0000000000000'`)[0]["n"]
		}
		if n := count(); n != float64(1) && n != int64(1) {
			t.Fatalf("seeded row: %v", n)
		}
		// The path the glue uses, from outside: no KYCVS_CRON var, so 404.
		if r := s.Do("POST", "/_kycvs/cron", "", map[string]any{}); r.Status != 404 {
			t.Fatalf("outside POST to the cron path: %d %s", r.Status, r.Raw)
		}
		resp, err := http.Get(s.URL + "/__scheduled?cron=*/5+*+*+*+*")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("scheduled: %d %s", resp.StatusCode, body)
		}
		if n := count(); n != float64(0) && n != int64(0) {
			t.Fatalf("after the cron trigger the expired transaction is still there (%v)", n)
		}
	})
}
