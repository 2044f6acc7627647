package service

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/sms"
)

const nonce = "nonce-0123456789"

func subjectKey(e *env) []byte { return e.h.subjectKey() }

func TestFlowEveryDemoPerson(t *testing.T) {
	e := newEnv(t, nil)
	statuses := map[kycvs.Status]bool{}
	for _, p := range seed.DemoPeople {
		e.Clock.Add(31 * time.Second) // past the resend gap of the shared mobile
		r := e.flow("ent_railways", p.Mobile, p.Name, nonce)
		a := e.checkToken(r, "ent_railways", nonce)
		if a.Status != p.Status {
			t.Errorf("%s %q: status %v, want %v", p.Mobile, p.Name, a.Status, p.Status)
		}
		if a.Subject != kycvs.PairwiseSubject(subjectKey(e), "ent_railways", p.ID) {
			t.Errorf("%q: subject is not the pairwise subject of %s", p.Name, p.ID)
		}
		if a.Issuer != "kycvs-test" || a.ExpiresAt.Sub(a.IssuedAt) != 5*time.Minute {
			t.Errorf("%q: issuer %q, lifetime %s", p.Name, a.Issuer, a.ExpiresAt.Sub(a.IssuedAt))
		}
		statuses[a.Status] = true
	}
	if len(statuses) != 3 {
		t.Errorf("statuses covered: %v", statuses)
	}
}

func TestSharedMobilePicksByName(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Limits.ResendAfter = 0; c.Limits.PerMobileHour = 100 })
	cases := []struct {
		typed string
		id    string
	}{
		{"Sunita Devi", "ben_demo_04"},
		{"  SUNITA    devi ", "ben_demo_04"},
		{"ｓｕｎｉｔａ　ｄｅｖｉ", "ben_demo_04"}, // full-width, as some Indic keyboards produce
		{"मोहन लाल", "ben_demo_05"},
		{" मोहन  लाल", "ben_demo_05"},
		{"محمد عارف", "ben_demo_06"},
		{"محمد\tعارف ", "ben_demo_06"},
		{"সুমন দাস", "ben_demo_07"},
		{"সুমন   দাস", "ben_demo_07"},
	}
	for _, c := range cases {
		r := e.flow("ent_hotel", seed.SharedMobile, c.typed, nonce)
		a := e.checkToken(r, "ent_hotel", nonce)
		if a.Subject != kycvs.PairwiseSubject(subjectKey(e), "ent_hotel", c.id) {
			t.Errorf("%q did not pick %s", c.typed, c.id)
		}
	}
	// A name in another script is another name, and a near miss is a miss.
	for _, typed := range []string{"Mohan Lal", "Sunita", "Sunita Devi Sharma", "SunitaDevi"} {
		if r := e.flow("ent_hotel", seed.SharedMobile, typed, nonce); r.Status != 422 || r.Code() != "name_mismatch" {
			t.Errorf("%q: %d %s, want 422 name_mismatch", typed, r.Status, r.Raw)
		}
	}
}

func TestPairwiseSubjectsDiffer(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Limits.ResendAfter = 0 })
	p := seed.DemoPeople[0]
	a1 := e.checkToken(e.flow("ent_railways", p.Mobile, p.Name, nonce), "ent_railways", nonce)
	a2 := e.checkToken(e.flow("ent_airline", p.Mobile, p.Name, nonce), "ent_airline", nonce)
	a3 := e.checkToken(e.flow("ent_railways", p.Mobile, p.Name, nonce), "ent_railways", nonce)
	if a1.Subject == a2.Subject || a1.Subject != a3.Subject || a1.TokenID == a3.TokenID {
		t.Errorf("subjects must differ across entities and repeat within one; token ids must differ")
	}
}

func TestWrongOTPLocks(t *testing.T) {
	e := newEnv(t, nil)
	p := seed.DemoPeople[0]
	r := e.start("ent_railways", p.Mobile, p.Name, nonce)
	txn := r.Body["txn"].(string)
	right := e.LastOTP(p.Mobile)
	wrong := "000000"
	if right == wrong {
		wrong = "000001"
	}
	for left := 2; left >= 0; left-- {
		r := e.verify(txn, wrong)
		if r.Status != 401 || r.Code() != "otp_incorrect" || r.Body["attempts_left"] != float64(left) {
			t.Fatalf("wrong code: %d %s, want 401 attempts_left %d", r.Status, r.Raw, left)
		}
	}
	if r := e.verify(txn, right); r.Status != 410 || r.Code() != "otp_locked" {
		t.Fatalf("right code after lock: %d %s", r.Status, r.Raw)
	}
}

func TestRightOTPOnLastAttempt(t *testing.T) {
	e := newEnv(t, nil)
	p := seed.DemoPeople[1]
	txn := e.start("ent_railways", p.Mobile, p.Name, nonce).Body["txn"].(string)
	right := e.LastOTP(p.Mobile)
	wrong := strconv.Itoa(100000 + (mustAtoi(right)+1)%900000)
	e.verify(txn, wrong)
	e.verify(txn, wrong)
	e.checkToken(e.verify(txn, right), "ent_railways", nonce)
}

func mustAtoi(s string) int { n, _ := strconv.Atoi(s); return n }

func TestExpired(t *testing.T) {
	e := newEnv(t, nil)
	p := seed.DemoPeople[0]
	txn := e.start("ent_railways", p.Mobile, p.Name, nonce).Body["txn"].(string)
	e.Clock.Add(3*time.Minute + time.Second)
	if r := e.verify(txn, e.LastOTP(p.Mobile)); r.Status != 410 || r.Code() != "otp_expired" {
		t.Fatalf("expired: %d %s", r.Status, r.Raw)
	}
}

func TestReused(t *testing.T) {
	e := newEnv(t, nil)
	p := seed.DemoPeople[0]
	txn := e.start("ent_railways", p.Mobile, p.Name, nonce).Body["txn"].(string)
	code := e.LastOTP(p.Mobile)
	e.checkToken(e.verify(txn, code), "ent_railways", nonce)
	if r := e.verify(txn, code); r.Status != 410 || r.Code() != "otp_used" {
		t.Fatalf("reuse: %d %s", r.Status, r.Raw)
	}
	if r := e.verify("txn_AAAAAAAAAAAAAAAAAAAAAA", code); r.Status != 410 || r.Code() != "txn_unknown" {
		t.Fatalf("unknown txn: %d %s", r.Status, r.Raw)
	}
}

func TestUnregisteredLooksTheSame(t *testing.T) {
	e := newEnv(t, nil)
	reg := e.start("ent_railways", seed.DemoPeople[0].Mobile, "Nobody Here", nonce)
	unreg := e.start("ent_railways", seed.UnregisteredMobile, "Nobody Here", nonce)
	if reg.Status != unreg.Status || len(reg.Body) != len(unreg.Body) || reg.Body["expires_in"] != unreg.Body["expires_in"] {
		t.Fatalf("registered %d %s vs unregistered %d %s", reg.Status, reg.Raw, unreg.Status, unreg.Raw)
	}
	for k := range reg.Body {
		if _, ok := unreg.Body[k]; !ok {
			t.Errorf("field %q only for registered numbers", k)
		}
	}
	if r := e.verify(unreg.Body["txn"].(string), e.LastOTP(seed.UnregisteredMobile)); r.Status != 422 || r.Code() != "name_mismatch" {
		t.Fatalf("unregistered verify: %d %s", r.Status, r.Raw)
	}
}

func TestRateLimits(t *testing.T) {
	e := newEnv(t, nil)
	p := seed.DemoPeople[0]
	if r := e.start("ent_railways", p.Mobile, p.Name, nonce); r.Status != 202 {
		t.Fatal(r.Raw)
	}
	r := e.start("ent_railways", p.Mobile, p.Name, nonce)
	if r.Status != 429 || r.Code() != "rate_limited" || r.Header.Get("Retry-After") != "30" || r.Body["limit"] != nil {
		t.Fatalf("resend within 30 s: %d %v %s", r.Status, r.Header, r.Raw)
	}
	for i := 2; i <= 5; i++ {
		e.Clock.Add(30 * time.Second)
		if r := e.start("ent_railways", p.Mobile, p.Name, nonce); r.Status != 202 {
			t.Fatalf("send %d: %d %s", i, r.Status, r.Raw)
		}
	}
	e.Clock.Add(30 * time.Second)
	r = e.start("ent_railways", p.Mobile, p.Name, nonce)
	if r.Status != 429 || r.Code() != "rate_limited" || r.Body["limit"] != nil {
		t.Fatalf("6th send in an hour: %d %s", r.Status, r.Raw)
	}
	ra, _ := strconv.Atoi(r.Header.Get("Retry-After"))
	if ra <= 0 || ra > 3600 {
		t.Fatalf("Retry-After %d", ra)
	}
	e.Clock.Add(time.Duration(ra) * time.Second)
	if r := e.start("ent_railways", p.Mobile, p.Name, nonce); r.Status != 202 {
		t.Fatalf("after the window: %d %s", r.Status, r.Raw)
	}

	// Per IP and per entity budgets.
	e = newEnv(t, func(c *Config) { c.Limits.PerIPMinute = 3 })
	for i := range 4 {
		r := e.start("ent_railways", seed.DemoPeople[i].Mobile, "x", nonce)
		if (i < 3) != (r.Status == 202) || (i == 3 && r.Code() != "rate_limited") {
			t.Fatalf("ip send %d: %d %s", i, r.Status, r.Raw)
		}
	}
	e = newEnv(t, func(c *Config) { c.Limits.PerEntityHour = 2 })
	for i := range 3 {
		r := e.start("ent_airline", seed.DemoPeople[i].Mobile, "x", nonce)
		if (i < 2) != (r.Status == 202) || (i == 2 && r.Code() != "rate_limited") {
			t.Fatalf("entity send %d: %d %s", i, r.Status, r.Raw)
		}
	}
	if r := e.start("ent_hotel", seed.DemoPeople[3].Mobile, "x", nonce); r.Status != 202 {
		t.Fatalf("another entity's budget: %d %s", r.Status, r.Raw)
	}
}

func TestTokenVerifyEndpoint(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Limits.ResendAfter = 0 })
	p := seed.DemoPeople[0]
	tok := e.flow("ent_railways", p.Mobile, p.Name, nonce).Body["token"].(string)
	secret := seed.DemoSecret(e.HashKey, "ent_railways")
	call := func(secret, tok, n string) *response {
		return e.do("POST", "/v1/tokens/verify", map[string]string{"token": tok, "nonce": n},
			"Authorization", "Bearer "+secret, "Origin", "")
	}
	for _, s := range []string{"", "wrong", seed.DemoSecret([]byte("another key, another deployment"), "ent_railways")} {
		if r := call(s, tok, nonce); r.Status != 401 || r.Code() != "entity_auth" {
			t.Errorf("secret %q: %d %s", s, r.Status, r.Raw)
		}
	}
	// Another entity's valid secret: the token is not for it.
	if r := call(seed.DemoSecret(e.HashKey, "ent_airline"), tok, nonce); r.Status != 200 || r.Body["valid"] != false || r.Body["reason"] != "token_audience" {
		t.Errorf("other entity: %d %s", r.Status, r.Raw)
	}
	if r := call(secret, tok, "another-nonce-123"); r.Body["valid"] != false || r.Body["reason"] != "token_nonce" {
		t.Errorf("wrong nonce: %s", r.Raw)
	}
	// Flip a character in the middle of the signature (its last characters
	// are often "A": the top byte of S is small).
	i := len(tok) - 20
	c := byte('A')
	if tok[i] == 'A' {
		c = 'B'
	}
	broken := tok[:i] + string(c) + tok[i+1:]
	if r := call(secret, broken, nonce); r.Body["valid"] != false {
		t.Errorf("broken signature accepted: %s", r.Raw)
	}
	r := call(secret, tok, nonce)
	if r.Status != 200 || r.Body["valid"] != true || r.Body["status"] != float64(p.Status) || r.Body["status_name"] != p.Status.String() {
		t.Fatalf("first verify: %d %s", r.Status, r.Raw)
	}
	if r := call(secret, tok, nonce); r.Body["valid"] != false || r.Body["reason"] != "token_used" {
		t.Fatalf("second verify: %s", r.Raw)
	}
	e.Clock.Add(5*time.Minute + time.Second)
	tok2 := e.flow("ent_railways", p.Mobile, p.Name, nonce).Body["token"].(string)
	e.Clock.Add(5*time.Minute + time.Second)
	if r := call(secret, tok2, nonce); r.Body["valid"] != false || r.Body["reason"] != "token_expired" {
		t.Fatalf("expired token: %s", r.Raw)
	}
}

func TestTokenVerifyParallelSingleUse(t *testing.T) {
	e := newEnv(t, nil)
	p := seed.DemoPeople[0]
	tok := e.flow("ent_railways", p.Mobile, p.Name, nonce).Body["token"].(string)
	secret := seed.DemoSecret(e.HashKey, "ent_railways")
	var mu sync.Mutex
	valid := 0
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			r := e.do("POST", "/v1/tokens/verify", map[string]string{"token": tok, "nonce": nonce}, "Authorization", "Bearer "+secret)
			if r.Body["valid"] == true {
				mu.Lock()
				valid++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if valid != 1 {
		t.Fatalf("%d of 20 parallel verifications valid, want 1", valid)
	}
}

func TestParallelWrongOTPs(t *testing.T) {
	e := newEnv(t, nil)
	p := seed.DemoPeople[0]
	txn := e.start("ent_railways", p.Mobile, p.Name, nonce).Body["txn"].(string)
	right := e.LastOTP(p.Mobile)
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			code := strconv.Itoa(100000 + i)
			if code == right {
				code = "999999"
			}
			r := e.verify(txn, code)
			mu.Lock()
			counts[strconv.Itoa(r.Status)+" "+r.Code()]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if counts["401 otp_incorrect"] != 3 || counts["410 otp_locked"] != 47 {
		t.Fatalf("outcomes %v, want 3 incorrect and 47 locked", counts)
	}
	var attempts int
	e.DB.QueryRow(`SELECT attempts FROM otp_transactions WHERE id = ?`, txn).Scan(&attempts)
	if attempts != 3 {
		t.Fatalf("attempts = %d", attempts)
	}
}

func TestParallelSends(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Limits.ResendAfter = 0 })
	p := seed.DemoPeople[0]
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			r := e.start("ent_railways", p.Mobile, p.Name, nonce)
			mu.Lock()
			counts[r.Status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	var sms int
	e.DB.QueryRow(`SELECT count(*) FROM sms_outbox WHERE to_mobile = ?`, p.Mobile).Scan(&sms)
	if counts[202] != 5 || counts[429] != 45 || sms != 5 {
		t.Fatalf("outcomes %v, %d SMS; want 5 sent and 45 refused", counts, sms)
	}
}

func TestHeadersAndOrigin(t *testing.T) {
	e := newEnv(t, nil)
	p := seed.DemoPeople[0]
	r := e.start("ent_railways", p.Mobile, p.Name, nonce)
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"} {
		if r.Header.Get(k) != v {
			t.Errorf("%s: %q, want %q", k, r.Header.Get(k), v)
		}
	}
	if r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("API sends CORS headers")
	}
	r = e.do("POST", "/v1/otp", map[string]string{"entity": "ent_railways", "mobile": p.Mobile, "name": p.Name, "nonce": nonce},
		"Origin", seed.DemoHostOrigin)
	if r.Status != 403 || r.Code() != "origin_not_allowed" {
		t.Errorf("host page origin calling the API: %d %s", r.Status, r.Raw)
	}
	r = e.do("GET", "/.well-known/kycvs/keys.json", nil)
	if r.Status != 200 || !strings.Contains(r.Raw, e.Key.Public().String()) || r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("keys.json: %d %s", r.Status, r.Raw)
	}
	r = e.do("GET", "/widget?entity=ent_railways&nonce="+nonce+"&origin="+seed.DemoHostOrigin, nil)
	if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors") ||
		!strings.Contains(r.Raw, "Indian Railways") {
		t.Errorf("widget: %d %v", r.Status, r.Header)
	}
	if r := e.do("GET", "/widget?entity=ent_nope&nonce="+nonce, nil); r.Status != 404 {
		t.Errorf("widget for unknown entity: %d", r.Status)
	}
	r = e.do("GET", "http://127.0.0.1:8787/dev/outbox?to="+p.Mobile, nil)
	if msgs, _ := r.Body["messages"].([]any); r.Status != 200 || len(msgs) != 1 {
		t.Errorf("outbox: %d %s", r.Status, r.Raw)
	}
	prod := newEnv(t, func(c *Config) { c.Environment = "production" })
	if r := prod.do("GET", "http://127.0.0.1:8787/dev/outbox", nil); r.Status != 404 {
		t.Errorf("outbox in production: %d", r.Status)
	}
	if r := e.do("GET", "/nope", nil); r.Status != 404 || r.Code() != "not_found" {
		t.Errorf("unknown path: %d %s", r.Status, r.Raw)
	}
	if r := e.do("OPTIONS", "/v1/otp", nil, "Origin", "https://evil.example"); r.Status != 403 || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d %v", r.Status, r.Header)
	}
	if r := e.do("POST", "/v1/otp", `{"entity":"ent_railways","mobile":"`+seed.DemoPeople[1].Mobile+`","name":"x","nonce":"`+nonce+`"}`, "Origin", ""); r.Status != 202 {
		t.Errorf("non-browser client (no Origin): %d %s", r.Status, r.Raw)
	}
}

func TestPurgeAndOutboxHTML(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Limits.ResendAfter = 0 })
	p := seed.DemoPeople[0]
	tok := e.flow("ent_railways", p.Mobile, p.Name, nonce).Body["token"].(string)
	r := e.do("POST", "/v1/tokens/verify", map[string]string{"token": tok, "nonce": nonce}, "Authorization", "Bearer "+seed.DemoSecret(e.HashKey, "ent_railways"))
	if r.Body["valid"] != true {
		t.Fatal(r.Raw)
	}
	count := func() (n int) {
		e.DB.QueryRow(`SELECT (SELECT count(*) FROM otp_transactions) + (SELECT count(*) FROM rate_counters) + (SELECT count(*) FROM used_tokens)`).Scan(&n)
		return n
	}
	if err := e.h.fixed.Store.Purge(t.Context(), e.Clock.Now()); err != nil || count() == 0 {
		t.Fatalf("purge of live state: %v, %d rows left", err, count())
	}
	if err := e.h.fixed.Store.Purge(t.Context(), e.Clock.Now().Add(25*time.Hour)); err != nil || count() != 0 {
		t.Fatalf("purge a day later: %v, %d rows left", err, count())
	}
	r = e.do("GET", "http://localhost:8787/dev/outbox", nil, "Accept", "text/html")
	if r.Status != 200 || !strings.Contains(r.Raw, "#") || !strings.Contains(r.Header.Get("Content-Type"), "text/html") || strings.Contains(r.Raw, "<script") {
		t.Fatalf("outbox HTML: %d %s", r.Status, r.Raw)
	}
}

type failingSender struct{}

func (failingSender) Send(context.Context, sms.Message) error { return errors.New("gateway down") }

func TestSMSUnavailable(t *testing.T) {
	e := newEnv(t, nil)
	h, err := New(e.h.cfg, e.h.fixed.Store, failingSender{})
	if err != nil {
		t.Fatal(err)
	}
	e.h, e.Handler = h, h
	r := e.start("ent_railways", seed.DemoPeople[0].Mobile, "x", nonce)
	if r.Status != 503 || r.Code() != "sms_unavailable" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
}

func TestWebOTPIframeForm(t *testing.T) {
	e := newEnv(t, nil)
	p := seed.DemoPeople[0]
	r := e.do("POST", "/v1/otp", map[string]string{"entity": "ent_railways", "mobile": p.Mobile, "name": p.Name, "nonce": nonce, "origin": seed.DemoHostOrigin})
	if r.Status != 202 {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	var body string
	e.DB.QueryRow(`SELECT body FROM sms_outbox ORDER BY id DESC LIMIT 1`).Scan(&body)
	if !regexp.MustCompile(`\n@localhost #[0-9]{6} @kycvs\.test$`).MatchString(body) {
		t.Fatalf("SMS %q", body)
	}
	r = e.do("POST", "/v1/otp", map[string]string{"entity": "ent_railways", "mobile": seed.DemoPeople[1].Mobile, "name": p.Name, "nonce": nonce, "origin": "https://evil.example"})
	if r.Status != 400 || r.Code() != "invalid_origin" {
		t.Fatalf("unregistered origin: %d %s", r.Status, r.Raw)
	}
}
