package booking_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/internal/devserver"
	. "github.com/kycvs/kycvs/worker/booking"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/store"
)

// e2e is the booking flow against the real Worker in wrangler dev (workerd +
// local D1), reading SMS from /dev/outbox.
type e2e struct {
	t      *testing.T
	s      *devserver.Server
	tokens map[string]string
}

func (x *e2e) do(method, path, bearer string, body any) *response {
	x.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			x.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, x.s.URL+path, rd)
	if err != nil {
		x.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		x.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := &response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		x.t.Fatalf("%s %s: %d, not JSON: %q", method, path, resp.StatusCode, raw)
	}
	return r
}

func (x *e2e) want(r *response, status int, code string) {
	x.t.Helper()
	if r.status != status || (code != "" && r.code() != code) {
		x.t.Fatalf("got %d %s, want %d %s", r.status, strings.TrimSpace(r.raw), status, code)
	}
}

// lastSMS returns the newest SMS of kind to mobile.
func (x *e2e) lastSMS(mobile, kind string) string {
	x.t.Helper()
	msgs, err := x.s.Outbox(context.Background(), mobile)
	if err != nil {
		x.t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Kind == kind {
			return m.Body
		}
	}
	return ""
}

func (x *e2e) session(mobile string) string {
	x.t.Helper()
	r := x.do("POST", "/v1/booking/otp", "", map[string]string{"mobile": mobile})
	x.want(r, http.StatusAccepted, "")
	r = x.do("POST", "/v1/booking/session", "", map[string]string{"txn": r.str("txn"), "otp": x.s.LastOTP(x.t, mobile)})
	x.want(r, http.StatusOK, "")
	return r.str("session")
}

func (x *e2e) book(mobile, name, centre string) booked {
	x.t.Helper()
	r := x.do("POST", "/v1/appointments", x.session(mobile), map[string]string{"mobile": mobile, "name": name,
		"centre": centre, "date": Today(time.Now()), "time": "10:00"})
	x.want(r, http.StatusCreated, "")
	b := booked{id: r.str("appointment", "id"), access: r.str("access_token")}
	m := codeLine.FindStringSubmatch(x.lastSMS(mobile, "booking"))
	if m == nil {
		x.t.Fatalf("no slip SMS for %s", mobile)
	}
	b.code = m[1]
	return b
}

func (x *e2e) record(centre, apt, code, vaccine string) *response {
	x.t.Helper()
	return x.do("POST", "/v1/vaccinations", x.tokens[centre],
		map[string]any{"appointment": apt, "security_code": code, "vaccine": vaccine, "batch": "E2E-1"})
}

// status runs the status flow and verifies the token like an entity server.
func (x *e2e) status(mobile, name string) kycvs.Status {
	x.t.Helper()
	const nonce = "nonce-e2e-0123456789"
	r := x.do("POST", "/v1/otp", "", map[string]string{"entity": "ent_railways", "mobile": mobile, "name": name, "nonce": nonce})
	x.want(r, http.StatusAccepted, "")
	r = x.do("POST", "/v1/otp/verify", "", map[string]string{"txn": r.str("txn"), "otp": x.s.LastOTP(x.t, mobile)})
	x.want(r, http.StatusOK, "")
	a, err := kycvs.Verify(r.str("token"), x.s.Keyset, kycvs.Expect{Audience: "ent_railways", Nonce: nonce, Now: time.Now()})
	if err != nil {
		x.t.Fatal(err)
	}
	return a.Status
}

// execSQL runs SQL on the server's local D1 the way the admin command's
// --apply-local does.
func (x *e2e) execSQL(q string) string {
	x.t.Helper()
	dir := filepath.Dir(x.s.PersistDir)
	cmd := exec.Command(filepath.Join(x.s.Root, "scripts/node_modules/.bin/wrangler"), "d1", "execute", "DB", "--local",
		"--config", filepath.Join(dir, "wrangler.toml"), "--persist-to", x.s.PersistDir, "--json", "--command", q)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), devserver.OfflineEnv...)
	out, err := cmd.Output()
	if err != nil {
		x.t.Fatalf("wrangler d1 execute: %v\n%s", err, out)
	}
	return string(out)
}

func TestE2EBookingInWorkerd(t *testing.T) {
	devserver.Skip(t)
	tokens := map[string]string{}
	var extra strings.Builder
	for _, c := range []string{delhi, kolkata, "ctr_lucknow_kgmu"} {
		tok, err := secret.NewToken(nil, secret.CentreTokenPrefix)
		if err != nil {
			t.Fatal(err)
		}
		exp := time.Now().Add(24 * time.Hour)
		if c == "ctr_lucknow_kgmu" {
			exp = time.Now().Add(-time.Minute) // expired
		}
		extra.WriteString(store.CentreTokenSQL(c, secret.TokenHash(tok), exp))
		tokens[c] = tok
	}
	supervisor, err := secret.NewToken(nil, secret.SupervisorTokenPrefix)
	if err != nil {
		t.Fatal(err)
	}
	extra.WriteString(store.SupervisorSQL(kolkata, "e2e supervisor", secret.TokenHash(supervisor), time.Now().Add(time.Hour), time.Now()))
	s := devserver.Start(t, devserver.Options{
		Vars: map[string]string{"OTP_RESEND_SECONDS": "0", "OTP_PER_MOBILE_HOUR": "1000", "OTP_PER_IP_MINUTE": "1000"},
		SQL:  extra.String(),
	})
	x := &e2e{t: t, s: s, tokens: tokens}

	// Booking → code by SMS → recording with the code → confirmation → status 0 → 1.
	if st := x.status(arjunMobile, arjun); st != kycvs.NotVaccinated {
		t.Fatalf("status before: %v", st)
	}
	b := x.book(arjunMobile, arjun, delhi)
	r := x.do("GET", "/v1/appointments/"+b.id, b.access, nil)
	x.want(r, http.StatusOK, "")
	if r.str("status") != "live" || strings.Contains(r.raw, `"`+b.code+`"`) {
		t.Fatalf("slip: %s", r.raw)
	}
	r = x.do("GET", "/v1/centre/appointments", tokens[delhi], nil)
	x.want(r, http.StatusOK, "")
	if !strings.Contains(r.raw, b.id) || strings.Contains(r.raw, arjunMobile) {
		t.Fatalf("centre day: %s", r.raw)
	}
	x.want(x.record(kolkata, b.id, b.code, "covaxin"), http.StatusForbidden, "wrong_centre")
	x.want(x.record("ctr_lucknow_kgmu", b.id, b.code, "covaxin"), http.StatusUnauthorized, "token_expired")
	if x.lastSMS(arjunMobile, "dose") != "" {
		t.Fatal("dose SMS before recording")
	}
	r = x.record(delhi, b.id, b.code, "covaxin")
	x.want(r, http.StatusCreated, "")
	if s := x.lastSMS(arjunMobile, "dose"); !strings.Contains(s, "dose 1 of Covaxin recorded") || !strings.Contains(s, "certificate generated") {
		t.Fatalf("confirmation: %q", s)
	}
	if st := x.status(arjunMobile, arjun); st != kycvs.PartiallyVaccinated {
		t.Fatalf("status after dose 1: %v", st)
	}
	x.want(x.record(delhi, b.id, b.code, "covaxin"), http.StatusConflict, "already_recorded")

	// A too-early second dose, a different vaccine, a cancelled appointment.
	b2 := x.book(arjunMobile, arjun, delhi)
	x.want(x.record(delhi, b2.id, b2.code, "covaxin"), http.StatusConflict, "too_early")
	x.want(x.record(delhi, b2.id, b2.code, "covishield"), http.StatusConflict, "vaccine_mismatch")
	x.want(x.do("DELETE", "/v1/appointments/"+b2.id, b2.access, nil), http.StatusOK, "")
	x.want(x.record(delhi, b2.id, b2.code, "covaxin"), http.StatusConflict, "appointment_cancelled")

	// Status 1 → 2: Priya's second Covaxin dose, her first was long ago.
	p := x.book(priyaMobile, priya, kolkata)
	x.want(x.record(kolkata, p.id, p.code, "covaxin"), http.StatusCreated, "")
	if st := x.status(priyaMobile, priya); st != kycvs.FullyVaccinated {
		t.Fatalf("Priya after dose 2: %v", st)
	}

	// Three wrong codes lock; the supervisor's unlock sends a new code, which
	// works, and the old one does not.
	f := x.book(fatemaMob, fatema, kolkata)
	wrong := "0000"
	if f.code == wrong {
		wrong = "1111"
	}
	for _, left := range []string{"2", "1", "0"} {
		r := x.record(kolkata, f.id, wrong, "covishield")
		x.want(r, http.StatusUnprocessableEntity, "security_code_incorrect")
		if r.str("attempts_left") != left {
			t.Fatalf("attempts_left: %s", r.raw)
		}
	}
	x.want(x.record(kolkata, f.id, f.code, "covishield"), http.StatusLocked, "appointment_locked")
	if x.lastSMS(fatemaMob, "dose") != "" {
		t.Fatal("dose SMS for a locked appointment")
	}
	x.want(x.do("POST", "/v1/centre/appointments/"+f.id+"/unlock", supervisor, map[string]any{}), http.StatusOK, "")
	newCode := codeLine.FindStringSubmatch(x.lastSMS(fatemaMob, "booking"))[1]
	if newCode != f.code {
		x.want(x.record(kolkata, f.id, f.code, "covishield"), http.StatusUnprocessableEntity, "security_code_incorrect")
	}
	x.want(x.record(kolkata, f.id, newCode, "covishield"), http.StatusCreated, "")
	audit := x.execSQL(store.AuditSQL(f.id))
	var events []string
	for _, m := range regexp.MustCompile(`"event":\s*"([a-z_]+)"`).FindAllStringSubmatch(audit, -1) {
		events = append(events, m[1])
	}
	want := []string{"booked", "wrong_code", "wrong_code", "wrong_code", "locked", "unlocked", "new_code", "wrong_code", "recorded"}
	if newCode == f.code {
		want = slices.Delete(want, 7, 8)
	}
	if !slices.Equal(events, want) {
		t.Fatalf("audit events %v, want %v:\n%s", events, want, audit)
	}
	if strings.Contains(audit, fatemaMob) || strings.Contains(audit, `"`+f.code+`"`) || strings.Contains(audit, `"`+newCode+`"`) ||
		!strings.Contains(audit, "supervisor:e2e supervisor") {
		t.Fatalf("audit log: %s", audit)
	}

	// 20 parallel right codes → one dose; 20 parallel wrong codes → 3 counted.
	const shared = "9876500004"
	m := x.book(shared, "मोहन लाल", delhi)
	a := x.book(shared, "محمد عارف", delhi)
	var wg sync.WaitGroup
	right := make([]*response, 20)
	wrongs := make([]*response, 20)
	for i := range 20 {
		wg.Add(2)
		go func() { defer wg.Done(); right[i] = x.record(delhi, m.id, m.code, "covaxin") }()
		go func() {
			defer wg.Done()
			c := fourDigits(i*101 + 7)
			if c == a.code {
				c = fourDigits(i*101 + 8)
			}
			wrongs[i] = x.record(delhi, a.id, c, "covaxin")
		}()
	}
	wg.Wait()
	var created, counted int
	for i := range 20 {
		if right[i].status == http.StatusCreated {
			created++
		} else if right[i].code() != "already_recorded" {
			t.Errorf("parallel right code: %d %s", right[i].status, right[i].raw)
		}
		if wrongs[i].code() == "security_code_incorrect" {
			counted++
		} else if wrongs[i].code() != "appointment_locked" {
			t.Errorf("parallel wrong code: %d %s", wrongs[i].status, wrongs[i].raw)
		}
	}
	if created != 1 || counted != 3 {
		t.Fatalf("parallel: %d recorded (want 1), %d wrong codes counted (want 3)", created, counted)
	}
	doses := 0
	msgs, _ := x.s.Outbox(context.Background(), shared)
	for _, msg := range msgs {
		if msg.Kind == "dose" {
			doses++
		}
	}
	if doses != 1 {
		t.Fatalf("%d confirmation SMS to the shared mobile, want 1", doses)
	}

	// A walk-in: impossible without the person's OTP; with it, recorded,
	// marked and visible as such.
	x.want(x.do("POST", "/v1/vaccinations", tokens[delhi], map[string]any{"walk_in": true, "mobile": "9876500005",
		"name": "Imran Khan", "vaccine": "zycov_d", "batch": "ZY-3"}), http.StatusBadRequest, "walk_in_otp_required")
	r = x.do("POST", "/v1/vaccinations/walk-in", tokens[delhi], map[string]any{"mobile": "9876500005", "name": "Imran Khan"})
	x.want(r, http.StatusAccepted, "")
	txn := r.str("txn")
	walkOTP := otpLine.FindStringSubmatch(x.lastSMS("9876500005", "otp"))[1]
	r = x.do("POST", "/v1/vaccinations", tokens[delhi], map[string]any{"walk_in": true, "txn": txn, "otp": walkOTP,
		"vaccine": "zycov_d", "batch": "ZY-3"})
	x.want(r, http.StatusCreated, "")
	if r.str("dose", "dose_number") != "3" || r.str("status") != "2" {
		t.Fatalf("walk-in: %s", r.raw)
	}
	r = x.do("GET", "/v1/centre/appointments", tokens[delhi], nil)
	if !strings.Contains(r.raw, `"walk_in":true`) {
		t.Fatalf("centre day without the walk-in: %s", r.raw)
	}
}
