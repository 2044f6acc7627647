package service

// Tests for the holes the security review found (issue 9). Each one fails
// on the code before the fix: the review reproduced every hole against it.

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/keys"
	"github.com/kycvs/kycvs/worker/names"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/seed"
)

// §1: a build that trusts the dev key serves nothing outside ENVIRONMENT=dev.
func TestDevBuildOnlyInDev(t *testing.T) {
	for _, c := range []struct {
		env string
		dev bool
		ok  bool
	}{{"production", true, false}, {"", true, false}, {"staging", true, false}, {"dev", true, true}, {"production", false, true}} {
		err := CheckBuild(Config{Environment: c.env}, c.dev)
		if (err == nil) != c.ok {
			t.Errorf("environment %q, dev keys %v: %v", c.env, c.dev, err)
		}
	}
}

// §1: the worker refuses to sign with a key its published keyset does not
// list (or lists as retired): widgets would refuse every token.
func TestSigningKeyMustBePublished(t *testing.T) {
	e := newEnv(t, nil)
	other, _ := keys.GenerateKey()
	cfg := e.h.cfg
	ks := &keys.Keyset{}
	ks.Add(other.Public(), time.Unix(0, 0), time.Time{})
	cfg.Keyset = ks
	if _, err := New(cfg, e.h.fixed.Store, nil); err == nil || !strings.Contains(err.Error(), e.Key.KeyID()) {
		t.Fatalf("unpublished signing key accepted: %v", err)
	}
	cfg.Keyset = nil
	if _, err := New(cfg, e.h.fixed.Store, nil); err == nil {
		t.Fatal("no keyset accepted")
	}
	retired := &keys.Keyset{}
	retired.Add(e.Key.Public(), time.Unix(0, 0), e.Clock.Now().Add(-time.Hour))
	cfg.Keyset = retired
	if _, err := New(cfg, e.h.fixed.Store, nil); err == nil {
		t.Fatal("retired signing key accepted")
	}
}

// §2: /dev/outbox answers only in dev and only on a loopback host.
func TestOutboxLoopbackOnly(t *testing.T) {
	e := newEnv(t, nil)
	for _, u := range []string{"https://kycvs.test/dev/outbox", "http://evil.example/dev/outbox", "http://10.0.0.5:8787/dev/outbox",
		"http://localhost.evil.example/dev/outbox"} {
		if r := e.do("GET", u, nil); r.Status != 404 || r.Code() != "not_found" {
			t.Errorf("%s: %d %s", u, r.Status, r.Raw)
		}
	}
	for _, u := range []string{"http://127.0.0.1:8787/dev/outbox", "http://localhost:8787/dev/outbox", "http://[::1]:8787/dev/outbox"} {
		if r := e.do("GET", u, nil); r.Status != 200 {
			t.Errorf("%s: %d %s", u, r.Status, r.Raw)
		}
	}
	// A loopback Host header on a request to another host changes nothing:
	// the outbox goes by the URL the server was asked for.
	req := httptest.NewRequest("GET", "https://kycvs.test/dev/outbox", nil)
	req.Host = "127.0.0.1"
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	if w.Code != 404 {
		t.Errorf("Host: 127.0.0.1 on a request for kycvs.test: %d", w.Code)
	}
}

// §3: the service's origin is configuration. A request's Host header (the
// client's choice) never reaches the WebOTP line of the SMS.
func TestHostHeaderNotBelieved(t *testing.T) {
	e := newEnv(t, nil)
	p := seed.DemoPeople[0]
	r := e.do("POST", "http://evil.example/v1/otp", map[string]string{"entity": "ent_railways", "mobile": p.Mobile, "name": p.Name, "nonce": nonce},
		"Origin", "")
	if r.Status != 202 {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	var body string
	e.DB.QueryRow(`SELECT body FROM sms_outbox ORDER BY id DESC LIMIT 1`).Scan(&body)
	if strings.Contains(body, "evil") || !strings.HasSuffix(body, "@kycvs.test #"+e.LastOTP(p.Mobile)) {
		t.Fatalf("SMS %q", body)
	}
	// And a browser page on that host is not the service's own.
	r = e.do("POST", "http://evil.example/v1/otp", map[string]string{"entity": "ent_railways", "mobile": p.Mobile, "name": p.Name, "nonce": nonce},
		"Origin", "http://evil.example")
	if r.Status != 403 || r.Code() != "origin_not_allowed" {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
}

// §3: natively the per-IP limit keys on the connection, not on a header a
// client sets; IPv6 counts by /64.
func TestClientIPFromTheConnection(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Limits.PerIPMinute = 2 })
	start := func(remote, cfIP string, i int) *response {
		b := fmt.Sprintf(`{"entity":"ent_railways","mobile":"%s","name":"x","nonce":"%s"}`, seed.DemoPeople[i].Mobile, nonce)
		req := httptest.NewRequest("POST", testOrigin+"/v1/otp", strings.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("CF-Connecting-IP", cfIP)
		req.RemoteAddr = remote
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, req)
		return &response{Status: w.Code, Raw: w.Body.String()}
	}
	for i := range 3 {
		r := start("203.0.113.9:4000", fmt.Sprintf("198.51.100.%d", i), i)
		if (i < 2) != (r.Status == 202) {
			t.Fatalf("send %d with a fresh CF-Connecting-IP: %d %s", i, r.Status, r.Raw)
		}
	}
	for i := range 3 {
		r := start(fmt.Sprintf("[2001:db8:1:2::%x]:4000", i+1), "", i+7)
		if (i < 2) != (r.Status == 202) {
			t.Fatalf("send %d from another address of one /64: %d %s", i, r.Status, r.Raw)
		}
	}
	if r := start("[2001:db8:1:3::1]:4000", "", 10); r.Status != 202 {
		t.Fatalf("another /64: %d %s", r.Status, r.Raw)
	}
	// Inside workerd the edge's header is the address.
	w := newEnv(t, func(c *Config) { c.Limits.PerIPMinute = 2; c.TrustCFConnectingIP = true })
	e = w
	for i := range 3 {
		if r := start("127.0.0.1:1", fmt.Sprintf("198.51.100.%d", i), i); r.Status != 202 {
			t.Fatalf("workerd, distinct CF-Connecting-IP %d: %d %s", i, r.Status, r.Raw)
		}
	}
}

// §4: a new code supersedes the number's live ones.
func TestNewCodeSupersedesOld(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Limits.ResendAfter = 0 })
	p := seed.DemoPeople[0]
	a := e.start("ent_railways", p.Mobile, p.Name, nonce).Body["txn"].(string)
	codeA := e.LastOTP(p.Mobile)
	b := e.start("ent_railways", p.Mobile, p.Name, nonce).Body["txn"].(string)
	codeB := e.LastOTP(p.Mobile)
	if r := e.verify(a, codeA); r.Status != 410 || r.Code() != "otp_superseded" {
		t.Fatalf("old code: %d %s", r.Status, r.Raw)
	}
	e.checkToken(e.verify(b, codeB), "ent_railways", nonce)
	// A booking code for the same number is another purpose: it supersedes
	// nothing of the status flow.
	c := e.start("ent_railways", p.Mobile, p.Name, nonce).Body["txn"].(string)
	codeC := e.LastOTP(p.Mobile)
	if r := e.do("POST", "/v1/booking/otp", map[string]string{"mobile": p.Mobile}); r.Status != 202 {
		t.Fatalf("booking OTP: %d %s", r.Status, r.Raw)
	}
	e.checkToken(e.verify(c, codeC), "ent_railways", nonce)
}

// §4: at most MaxAttempts guesses per number within a code lifetime, across
// its codes: resending does not buy guesses.
func TestGuessesPerNumberAcrossResends(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Limits.ResendAfter = 0 })
	p := seed.DemoPeople[0]
	guesses := 0
	wrong := func(txn string) *response {
		guesses++
		return e.verify(txn, "000000")
	}
	a := e.start("ent_railways", p.Mobile, p.Name, nonce).Body["txn"].(string)
	if e.LastOTP(p.Mobile) == "000000" {
		t.Skip("the code drawn was 000000")
	}
	wrong(a)
	wrong(a)
	r := e.start("ent_railways", p.Mobile, p.Name, nonce)
	b := r.Body["txn"].(string)
	codeB := e.LastOTP(p.Mobile)
	if codeB == "000000" {
		t.Skip("the code drawn was 000000")
	}
	if r := wrong(b); r.Status != 401 || r.Body["attempts_left"] != 0.0 {
		t.Fatalf("third guess over two codes: %d %s", r.Status, r.Raw)
	}
	if r := e.verify(b, codeB); r.Status != 410 || r.Code() != "otp_locked" {
		t.Fatalf("fourth guess: %d %s", r.Status, r.Raw)
	}
	var sent int
	e.DB.QueryRow(`SELECT count(*) FROM sms_outbox`).Scan(&sent)
	before := e.Dump()
	// No guess left: no code is sent (it could not be used), the 429 says
	// when to come back, and nothing changes.
	r = e.start("ent_railways", p.Mobile, p.Name, nonce)
	if r.Status != 429 || r.Code() != "rate_limited" || r.Header.Get("Retry-After") == "" || r.Body["limit"] != nil {
		t.Fatalf("start with no guesses left: %d %s", r.Status, r.Raw)
	}
	if got := e.dumpCounted(); got != normaliseCounters(before) {
		t.Fatalf("a refused start changed the database:\n%s\nwant\n%s", got, normaliseCounters(before))
	}
	// A lifetime later the number has its guesses back.
	e.Clock.Add(e.h.cfg.Limits.Lifetime + time.Second)
	e.checkToken(e.flow("ent_railways", p.Mobile, p.Name, nonce), "ent_railways", nonce)
}

// §4: 50 parallel starts and guesses for one number spend at most
// MaxAttempts guesses in all.
func TestParallelStartsAndGuesses(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Limits.ResendAfter = 0; c.Limits.PerMobileHour = 1000 })
	p := seed.DemoPeople[0]
	var mu sync.Mutex
	txns := []string{e.start("ent_railways", p.Mobile, p.Name, nonce).Body["txn"].(string)}
	outcomes := map[string]int{}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if i%2 == 0 {
				r := e.start("ent_railways", p.Mobile, p.Name, nonce)
				mu.Lock()
				if txn, ok := r.Body["txn"].(string); ok {
					txns = append(txns, txn)
				}
				outcomes[fmt.Sprintf("start %d", r.Status)]++
				mu.Unlock()
				return
			}
			mu.Lock()
			txn := txns[len(txns)-1]
			mu.Unlock()
			r := e.verify(txn, fmt.Sprintf("%06d", 100000+i)) // never a right code: those are in the outbox
			mu.Lock()
			outcomes[fmt.Sprintf("guess %d %s", r.Status, r.Code())]++
			mu.Unlock()
		})
	}
	wg.Wait()
	var spent int
	e.DB.QueryRow(`SELECT sum(attempts) FROM otp_transactions WHERE used_at IS NULL`).Scan(&spent)
	if spent > e.h.cfg.Limits.MaxAttempts || outcomes["guess 401 otp_incorrect"] > e.h.cfg.Limits.MaxAttempts {
		t.Fatalf("%d guesses spent (outcomes %v); at most %d allowed", spent, outcomes, e.h.cfg.Limits.MaxAttempts)
	}
	var live int
	e.DB.QueryRow(`SELECT count(*) FROM otp_transactions WHERE superseded_by IS NULL AND used_at IS NULL`).Scan(&live)
	if live != 1 {
		t.Fatalf("%d live codes for one number, want 1 (outcomes %v)", live, outcomes)
	}
	t.Logf("outcomes %v, %d guesses spent", outcomes, spent)
}

// §4: booking sends count against a service-wide budget.
func TestBookingBudget(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Limits.BookingPerHour = 2 })
	for i := range 3 {
		r := e.do("POST", "/v1/booking/otp", map[string]string{"mobile": seed.DemoPeople[i].Mobile})
		if (i < 2) != (r.Status == 202) || (i == 2 && (r.Code() != "rate_limited" || r.Header.Get("Retry-After") == "")) {
			t.Fatalf("booking OTP %d: %d %s", i, r.Status, r.Raw)
		}
	}
}

// §6: printing the configuration prints no secret, in any verb.
func TestConfigRedacted(t *testing.T) {
	e := newEnv(t, nil)
	cfg := e.h.cfg
	secrets := []string{e.Key.SecretText(), hex.EncodeToString(cfg.HashKey), string(cfg.HashKey), fmt.Sprint([]byte(cfg.HashKey))}
	for _, v := range []any{cfg, &cfg, struct{ C Config }{cfg}, e.h.fixed.OTP} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			out := fmt.Sprintf(verb, v)
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Fatalf("%s of %T shows a secret: %s", verb, v, out)
				}
			}
		}
	}
}

// §6: an entity row whose origins break the rule is refused at load.
func TestBadEntityOriginsRefused(t *testing.T) {
	e := newEnv(t, nil)
	for _, o := range []string{"https://*.c.example", "http://plain.example", "https://a.example/path"} {
		ent := seed.Entity{ID: "ent_bad", DisplayName: "Bad", Purpose: "x", Origins: []string{o}}
		e.DB.Exec(`DELETE FROM entities WHERE id = 'ent_bad'`)
		if _, err := e.DB.Exec(seed.EntitySQL(ent, secret.TokenHash("s"))); err != nil {
			t.Fatal(err)
		}
		before := e.Dump()
		r := e.start("ent_bad", seed.DemoPeople[0].Mobile, "x", nonce)
		if r.Status != 500 || r.Code() != "entity_misconfigured" || strings.Contains(r.Raw, o) {
			t.Errorf("%s: %d %s", o, r.Status, r.Raw)
		}
		if r := e.do("GET", "/widget?entity=ent_bad&nonce="+nonce, nil); r.Status < 400 || strings.Contains(r.Header.Get("Content-Security-Policy"), o) {
			t.Errorf("widget for %s: %d %v", o, r.Status, r.Header)
		}
		if e.Dump() != before {
			t.Errorf("%s: the refusal changed the database", o)
		}
	}
}

// §8: an OTP transaction keeps no name in clear.
func TestNoNameInTransactions(t *testing.T) {
	e := newEnv(t, nil)
	p := seed.DemoPeople[4] // मोहन लाल on the shared number
	r := e.start("ent_railways", p.Mobile, " "+p.Name+"  ", nonce)
	dump := e.Dump()
	for _, s := range []string{p.Name, names.Normalize(p.Name), "मोहन"} {
		for _, l := range strings.Split(dump, "\n") {
			if strings.HasPrefix(l, "otp_transactions ") && strings.Contains(l, s) {
				t.Fatalf("transaction row holds %q: %s", s, l)
			}
		}
	}
	a := e.checkToken(e.verify(r.Body["txn"].(string), e.LastOTP(p.Mobile)), "ent_railways", nonce)
	if a.Status != kycvs.PartiallyVaccinated {
		t.Fatalf("matched by hash: status %v", a.Status)
	}
}

// dumpCounted is dump with rate counters at zero left out: a counter row
// whose count was given back is no count.
func (e *env) dumpCounted() string { return normaliseCounters(e.Dump()) }

func normaliseCounters(dump string) string {
	var keep []string
	for _, l := range strings.Split(dump, "\n") {
		if strings.HasPrefix(l, "rate_counters ") && strings.Contains(l, " 0 ") {
			f := strings.Fields(strings.Trim(strings.TrimPrefix(l, "rate_counters "), "[]"))
			if len(f) >= 3 && f[2] == "0" {
				continue
			}
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

var _ = http.StatusOK
