package production

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/keys"
	"github.com/kycvs/kycvs/worker/booking"
	"github.com/kycvs/kycvs/worker/seed"
)

const nonce = "production-e2e-nonce-0123"

// response is a decoded JSON answer.
type response struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

// str returns the field at path (nested objects) as text.
func (r *response) str(path ...string) string {
	var v any = r.body
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// call sends a request; origin is the Origin header ("" for none: a
// server-to-server call), bearer the Authorization token.
func call(t *testing.T, method, url, origin, bearer string, body any) *response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := &response{status: resp.StatusCode, header: resp.Header, raw: strings.TrimSpace(string(raw))}
	json.Unmarshal(raw, &r.body)
	return r
}

func want(t *testing.T, what string, r *response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: %d %s, want %d", what, r.status, r.raw, status)
	}
}

// TestProduction runs the production build with the production
// configuration and checks what only that combination guarantees: SMS go
// signed to the gateway and nowhere else, tokens are signed with the
// published production key and verify, and the dev key is trusted nowhere.
func TestProduction(t *testing.T) {
	t.Parallel()
	d := setup(t)
	gw := startGateway(t, d.webhookSecret)
	s := d.startServer(t, gw.URL, "", true)
	if st, body := get(t, s.URL+"/.well-known/kycvs/keys.json"); st != http.StatusOK {
		t.Fatalf("GET /.well-known/kycvs/keys.json: %d %.300s", st, body)
	}
	person := func(t *testing.T, path string, body any, bearer string) *response {
		t.Helper()
		// The widget and the booking pages are served from the service
		// origin: SERVICE_ORIGIN, here the server's loopback URL.
		return call(t, "POST", s.URL+path, s.URL, bearer, body)
	}

	t.Run("keys.json publishes the production key only", func(t *testing.T) {
		st, body := get(t, s.URL+"/.well-known/kycvs/keys.json")
		if st != http.StatusOK {
			t.Fatalf("%d %s", st, body)
		}
		ks, err := keys.ParseKeyset(body)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := ks.Has(d.prodKey.KeyID()); !ok {
			t.Errorf("keys.json lacks the production key %s: %s", d.prodKey.KeyID(), body)
		}
		if _, ok := ks.Has(d.devKey.KeyID()); ok {
			t.Errorf("keys.json publishes the dev key %s: %s", d.devKey.KeyID(), body)
		}
		published, err := os.ReadFile(filepath.Join(d.root, "keys", "published.json"))
		if err != nil {
			t.Fatal(err)
		}
		pks, err := keys.ParseKeyset(published)
		if err != nil {
			t.Fatal(err)
		}
		if len(ks.Entries()) != len(pks.Entries()) {
			t.Errorf("keys.json has %d keys, keys/published.json %d", len(ks.Entries()), len(pks.Entries()))
		}
	})

	t.Run("no SMS outbox", func(t *testing.T) {
		for _, path := range []string{"/dev/outbox", "/dev/outbox?to=" + seed.DemoPeople[0].Mobile} {
			if st, body := get(t, s.URL+path); st != http.StatusNotFound {
				t.Errorf("GET %s: %d %.200s, want 404", path, st, body)
			}
		}
	})

	t.Run("no dev token sandbox", func(t *testing.T) {
		r := call(t, "POST", s.URL+"/dev/tokens", "", "", map[string]any{"entity": "ent_railways", "nonce": nonce, "status": 2})
		if r.status != http.StatusNotFound || strings.Contains(r.raw, "kycvs1.") {
			t.Errorf("POST /dev/tokens: %d %.200s, want 404", r.status, r.raw)
		}
		// Not only unrouted: not built. The sandbox's code (worker/service/
		// devtokens.go, -tags kycvs_dev) is absent from the production binary.
		bin, err := os.ReadFile(filepath.Join(d.root, "build", "app.wasm"))
		if err != nil {
			t.Fatal(err)
		}
		for _, sym := range []string{"devToken", "/dev/tokens", "dev-person"} {
			if bytes.Contains(bin, []byte(sym)) {
				t.Errorf("the production build contains %q", sym)
			}
		}
	})

	// Booking first: the person's next OTP (the status check after the dose)
	// must wait for the production resend gap, and the other subtests fill it.
	arjun := seed.DemoPeople[2]
	var dosed bool
	t.Run("booking, security code by SMS, dose recorded", func(t *testing.T) {
		n := gw.count()
		r := person(t, "/v1/booking/otp", map[string]string{"mobile": arjun.Mobile}, "")
		want(t, "POST /v1/booking/otp", r, http.StatusAccepted)
		otp := otpOf(t, gw.next(t, n, arjun.Mobile, "otp"))
		r = person(t, "/v1/booking/session", map[string]string{"txn": r.str("txn"), "otp": otp}, "")
		want(t, "POST /v1/booking/session", r, http.StatusOK)
		session := r.str("session")

		n = gw.count()
		r = person(t, "/v1/appointments", map[string]string{"mobile": arjun.Mobile, "name": arjun.Name,
			"centre": d.centre, "date": booking.Today(time.Now()), "time": "10:00"}, session)
		want(t, "POST /v1/appointments", r, http.StatusCreated)
		apt := r.str("appointment", "id")
		slip := gw.next(t, n, arjun.Mobile, "booking")
		code := harness.CodeOf(slip.Body)
		if code == "" {
			t.Fatalf("no security code in the slip SMS %q", slip.Body)
		}
		if strings.Contains(r.raw, `"`+code+`"`) {
			t.Errorf("the booking answer contains the security code: %s", r.raw)
		}

		vaccinator := func(body any) *response {
			t.Helper()
			return call(t, "POST", s.URL+"/v1/vaccinations", "", d.centreToken, body)
		}
		wrong := "0000"
		if code == wrong {
			wrong = "1111"
		}
		r = vaccinator(map[string]any{"appointment": apt, "security_code": wrong, "vaccine": "covaxin", "batch": "PROD-E2E-1"})
		if r.status != http.StatusUnprocessableEntity || r.str("error") != "security_code_incorrect" {
			t.Fatalf("wrong code: %d %s", r.status, r.raw)
		}
		n = gw.count()
		r = vaccinator(map[string]any{"appointment": apt, "security_code": code, "vaccine": "covaxin", "batch": "PROD-E2E-1"})
		want(t, "POST /v1/vaccinations", r, http.StatusCreated)
		if r.str("status") != "1" {
			t.Errorf("status after dose 1: %s", r.raw)
		}
		if c := gw.next(t, n, arjun.Mobile, "dose"); !strings.Contains(c.Body, "Covaxin") {
			t.Errorf("confirmation SMS %q", c.Body)
		}
		dosed = true
	})

	var statusToken string
	ramesh := seed.DemoPeople[0]
	t.Run("status: OTP by SMS, token signed with the production key, verified by the entity", func(t *testing.T) {
		statusToken = statusFlow(t, s, gw, d, "ent_railways", ramesh, ramesh.Status)
	})

	// A token for a real person and the right entity and nonce, signed with
	// the dev key a developer's checkout holds, and the same attestation
	// signed with the production key to show the refusal is the key's.
	now := time.Now().Truncate(time.Second)
	attestation := func() *kycvs.Attestation {
		a := &kycvs.Attestation{Issuer: "kycvs", Audience: "ent_hotel", Nonce: nonce, Status: kycvs.FullyVaccinated,
			IssuedAt: now, ExpiresAt: now.Add(4 * time.Minute)}
		copy(a.TokenID[:], randomBytes(16))
		a.Subject = kycvs.PairwiseSubject(d.hashKey, "ent_hotel", seed.DemoPeople[0].ID)
		return a
	}
	devToken, err := kycvs.Sign(d.devKey, attestation())
	if err != nil {
		t.Fatal(err)
	}
	prodToken, err := kycvs.Sign(d.prodKey, attestation())
	if err != nil {
		t.Fatal(err)
	}

	t.Run("the worker refuses a token signed with the dev key", func(t *testing.T) {
		secret := seed.DemoSecret(d.hashKey, "ent_hotel")
		r := call(t, "POST", s.URL+"/v1/tokens/verify", "", secret, map[string]string{"token": devToken, "nonce": nonce})
		want(t, "dev-key token", r, http.StatusOK)
		if r.body["valid"] != false || r.str("reason") != "token_unknown_key" {
			t.Errorf("dev-key token: %s, want valid:false reason token_unknown_key", r.raw)
		}
		r = call(t, "POST", s.URL+"/v1/tokens/verify", "", secret, map[string]string{"token": prodToken, "nonce": nonce})
		if r.status != http.StatusOK || r.body["valid"] != true || r.str("status") != "2" {
			t.Errorf("the same attestation signed with the production key: %d %s, want valid status 2", r.status, r.raw)
		}
	})

	t.Run("the production browser module refuses a token signed with the dev key", func(t *testing.T) {
		checks := map[string]moduleCheck{
			"dev":        {Token: devToken, Entity: "ent_hotel"},
			"production": {Token: prodToken, Entity: "ent_hotel"},
		}
		if statusToken != "" {
			checks["issued"] = moduleCheck{Token: statusToken, Entity: "ent_railways"}
		}
		res := verifyInModule(t, d, s.URL, checks)
		if r := res["dev"]; r.OK || r.Code != "token_unknown_key" {
			t.Errorf("dev-key token: %+v, want refused with token_unknown_key", r)
		}
		if r := res["production"]; !r.OK || r.Status != 2 || r.Kid != d.prodKey.KeyID() {
			t.Errorf("production-key token: %+v, want status 2 from kid %s", r, d.prodKey.KeyID())
		}
		if r, ok := res["issued"]; ok && (!r.OK || r.Status != int(ramesh.Status)) {
			t.Errorf("the token the worker issued: %+v, want status %d", r, ramesh.Status)
		}
	})

	t.Run("status after the recorded dose", func(t *testing.T) {
		if !dosed {
			t.Skip("the booking subtest failed")
		}
		statusFlow(t, s, gw, d, "ent_airline", arjun, kycvs.PartiallyVaccinated)
	})

	t.Run("every SMS reached the gateway signed", func(t *testing.T) {
		if r := gw.refusals(); len(r) > 0 {
			t.Errorf("the gateway refused posts from the worker: %q", r)
		}
		if gw.count() == 0 {
			t.Error("no SMS reached the gateway")
		}
	})
}

// statusFlow runs the person's status check for entity, expecting the
// status expect, and verifies the token as the entity's server does: kycvs.Verify against keys.json, then
// POST /v1/tokens/verify with the entity secret. It returns the token.
func statusFlow(t *testing.T, s *server, gw *gateway, d *deployment, entity string, p seed.Person, expect kycvs.Status) string {
	t.Helper()
	n := gw.count()
	body := map[string]string{"entity": entity, "mobile": p.Mobile, "name": p.Name, "nonce": nonce}
	r := call(t, "POST", s.URL+"/v1/otp", s.URL, "", body)
	for tries := 0; r.status == http.StatusTooManyRequests && r.str("error") == "rate_limited" && tries < 2; tries++ {
		// The production resend gap after this person's last OTP.
		wait, _ := time.ParseDuration(r.header.Get("Retry-After") + "s")
		if wait <= 0 || wait > time.Minute {
			t.Fatalf("POST /v1/otp: 429 with Retry-After %q", r.header.Get("Retry-After"))
		}
		t.Logf("resend gap: waiting %v", wait)
		time.Sleep(wait + 500*time.Millisecond)
		r = call(t, "POST", s.URL+"/v1/otp", s.URL, "", body)
	}
	want(t, "POST /v1/otp", r, http.StatusAccepted)
	sms := gw.next(t, n, p.Mobile, "otp")
	if sms.Idem == "" {
		t.Error("OTP SMS without an idempotency key")
	}
	r = call(t, "POST", s.URL+"/v1/otp/verify", s.URL, "", map[string]string{"txn": r.str("txn"), "otp": otpOf(t, sms)})
	want(t, "POST /v1/otp/verify", r, http.StatusOK)
	token := r.str("token")

	_, ksJSON := get(t, s.URL+"/.well-known/kycvs/keys.json")
	ks, err := keys.ParseKeyset(ksJSON)
	if err != nil {
		t.Fatal(err)
	}
	a, err := kycvs.Verify(token, ks, kycvs.Expect{Audience: entity, Nonce: nonce, Now: time.Now()})
	if err != nil {
		t.Fatalf("kycvs.Verify with keys.json: %v", err)
	}
	if a.KeyID != d.prodKey.KeyID() || a.Issuer != "kycvs" || a.Status != expect {
		t.Errorf("token: kid %s issuer %q status %v; want kid %s, issuer kycvs, status %v", a.KeyID, a.Issuer, a.Status, d.prodKey.KeyID(), expect)
	}
	r = call(t, "POST", s.URL+"/v1/tokens/verify", "", seed.DemoSecret(d.hashKey, entity), map[string]string{"token": token, "nonce": nonce})
	if r.status != http.StatusOK || r.body["valid"] != true || r.str("status") != fmt.Sprint(int(expect)) {
		t.Errorf("POST /v1/tokens/verify: %d %s, want valid status %d", r.status, r.raw, expect)
	}
	return token
}

// TestDevBuildRefusesProduction runs a development build of the worker
// (scripts/build-worker --dev, which trusts the dev key) with the production
// configuration: it must refuse to serve rather than run half-production.
func TestDevBuildRefusesProduction(t *testing.T) {
	t.Parallel()
	d := setup(t)
	out := filepath.Join(d.base, "build-dev")
	if _, err := d.run("scripts/build-worker", "--dev", out); err != nil {
		t.Fatal(err)
	}
	gw := startGateway(t, d.webhookSecret)
	s := d.startServer(t, gw.URL, filepath.Join(out, "worker.mjs"), false)
	misconfigured := regexp.MustCompile(`"error"\s*:\s*"misconfigured"`)
	for _, c := range []struct{ method, path string }{
		{"GET", "/.well-known/kycvs/keys.json"},
		{"GET", "/widget?entity=ent_railways&nonce=" + nonce},
		{"POST", "/v1/otp"},
		{"POST", "/v1/otp/verify"},
		{"POST", "/v1/tokens/verify"},
		{"GET", "/dev/outbox"},
		{"POST", "/v1/booking/otp"},
		{"GET", "/v1/centres"},
		{"POST", "/v1/vaccinations"},
		{"GET", "/no/such/path"},
	} {
		var body any
		if c.method == "POST" {
			body = map[string]string{}
		}
		r := call(t, c.method, s.URL+c.path, "", "", body)
		if r.status != http.StatusServiceUnavailable || !misconfigured.MatchString(r.raw) {
			t.Errorf("%s %s: %d %.200s, want 503 misconfigured", c.method, c.path, r.status, r.raw)
		}
	}
	if n := gw.count(); n > 0 {
		t.Errorf("the dev build sent %d SMS", n)
	}
}

// bindingLine is one var in wrangler's bindings table: env.NAME ("value").
var bindingLine = regexp.MustCompile(`env\.([A-Z_][A-Z0-9_]*) \("([^"]*)"\)`)

// TestPlainDeployIsProduction asks wrangler what `wrangler deploy` would
// upload from the copy (--dry-run, offline): without --env it is the
// production configuration, the same as --env production, and the dev
// configuration only with --env dev.
func TestPlainDeployIsProduction(t *testing.T) {
	t.Parallel()
	d := setup(t)
	vars := func(env ...string) map[string]string {
		t.Helper()
		args := append([]string{"deploy", "--dry-run", "--outdir", t.TempDir()}, env...)
		out, err := d.run(d.wrangler, args...)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, sm := range bindingLine.FindAllStringSubmatch(out, -1) {
			m[sm[1]] = sm[2]
		}
		if len(m) == 0 {
			t.Fatalf("wrangler %s printed no vars:\n%s", strings.Join(args, " "), out)
		}
		return m
	}
	plain, prod, dev := vars(), vars("--env", "production"), vars("--env", "dev")
	if plain["ENVIRONMENT"] != "production" || plain["SMS_MODE"] != "webhook" || !strings.HasPrefix(plain["SERVICE_ORIGIN"], "https://") {
		t.Errorf("wrangler deploy would upload %v", plain)
	}
	if fmt.Sprint(plain) != fmt.Sprint(prod) {
		t.Errorf("wrangler deploy and --env production differ:\n  %v\n  %v", plain, prod)
	}
	if dev["ENVIRONMENT"] != "dev" || dev["SMS_MODE"] != "outbox" {
		t.Errorf("wrangler deploy --env dev would upload %v", dev)
	}
}
