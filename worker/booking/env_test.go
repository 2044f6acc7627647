package booking_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/internal/harness"
	. "github.com/kycvs/kycvs/worker/booking"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/service"
	"github.com/kycvs/kycvs/worker/store"
)

// env is the whole worker (service + booking) with the demo seed and
// vaccinator tokens for two centres: natively on SQLite (newEnv) or in
// workerd (newWorkerdEnv).
type env struct {
	*harness.Server
	t      testing.TB
	svc    *service.Handler  // natively
	tokens map[string]string // centre id → vaccinator token
}

type response = harness.Response

// nativeStart is the native servers' time: 09:30 in India.
var nativeStart = time.Date(2026, 5, 1, 4, 0, 0, 0, time.UTC)

func newEnv(t testing.TB) *env { t.Helper(); return newEnvWith(t, nil) }

// newEnvWith is newEnv with the service configuration changed by tweak.
func newEnvWith(t testing.TB, tweak func(*service.Config)) *env {
	t.Helper()
	return startEnv(t, harness.Options{}, tweak)
}

// startEnv is newEnvWith on a native server with opts (Faults, Sender).
func startEnv(t testing.TB, opts harness.Options, tweak func(*service.Config)) *env {
	t.Helper()
	e := &env{t: t, tokens: map[string]string{}}
	opts.Synthetic = 20
	opts.Start = nativeStart
	opts.SQL += e.centreTokens(nativeStart.Add(365*24*time.Hour), delhi, kolkata)
	opts.Handler = func(d harness.Deps) (http.Handler, error) {
		limits := otp.DefaultLimits
		limits.ResendAfter = 0 // tests run many flows for one number
		limits.PerMobileHour = 1000
		cfg := service.Config{Environment: "dev", Issuer: "kycvs-test", SigningKey: d.Key, HashKey: d.HashKey, Keyset: d.Keyset,
			ServiceOrigin: d.Origin, Limits: limits, TokenLifetime: 5 * time.Minute, Now: d.Now}
		if tweak != nil {
			tweak(&cfg)
		}
		var err error
		e.svc, err = service.New(cfg, d.Store, d.Sender)
		return e.svc, err
	}
	e.Server = harness.Native(t, opts)
	return e
}

// centreTokens returns SQL giving each centre a new vaccinator token valid
// until exp, and records the tokens.
func (e *env) centreTokens(exp time.Time, centres ...string) string {
	var b strings.Builder
	for _, c := range centres {
		tok, err := secret.NewToken(nil, secret.CentreTokenPrefix)
		if err != nil {
			e.t.Fatal(err)
		}
		b.WriteString(store.CentreTokenSQL(c, secret.TokenHash(tok), exp))
		e.tokens[c] = tok
	}
	return b.String()
}

// now is the server's time.
func (e *env) now() time.Time {
	if e.Clock == nil { // workerd
		return time.Now()
	}
	return e.Clock.Now()
}

func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.DB.QueryRow(q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// do sends a request; bearer is the Authorization credential ("" for none).
// Every answer of the booking API is a JSON object.
func (e *env) do(method, path, bearer string, body any) *response {
	e.t.Helper()
	r := e.Do(method, path, bearer, body)
	if r.Body == nil {
		e.t.Fatalf("%s %s: %d, not JSON: %q", method, path, r.Status, r.Raw)
	}
	return r
}

func (e *env) want(r *response, status int, code string) {
	e.t.Helper()
	if r.Status != status || (code != "" && r.Code() != code) {
		e.t.Fatalf("got %d %s, want %d %s", r.Status, strings.TrimSpace(r.Raw), status, code)
	}
}

// session proves mobile with a booking OTP read from the SMS sent.
func (e *env) session(mobile string) string {
	e.t.Helper()
	r := e.do("POST", "/v1/booking/otp", "", map[string]string{"mobile": mobile})
	e.want(r, http.StatusAccepted, "")
	r = e.do("POST", "/v1/booking/session", "", map[string]string{"txn": r.Str("txn"), "otp": e.LastOTP(mobile)})
	e.want(r, http.StatusOK, "")
	return r.Str("session")
}

type booked struct {
	id, access, code string
}

// book books name on mobile at centre on the day `days` from now, 10:00.
func (e *env) book(mobile, name, centre string, days int) booked {
	e.t.Helper()
	s := e.session(mobile)
	r := e.do("POST", "/v1/appointments", s, map[string]string{"mobile": mobile, "name": name, "centre": centre,
		"date": e.day(days), "time": "10:00"})
	e.want(r, http.StatusCreated, "")
	b := booked{id: r.Str("appointment", "id"), access: r.Str("access_token")}
	if sms := e.LastSMS(mobile, "booking"); !strings.Contains(sms, b.id) {
		e.t.Fatalf("slip SMS without the appointment id: %q", sms)
	}
	b.code = e.LastCode(mobile)
	if strings.Contains(r.Raw, b.code+`"`) || strings.Contains(r.Raw, mobile) {
		e.t.Fatalf("booking response shows the code or mobile: %s", r.Raw)
	}
	return b
}

func (e *env) day(days int) string { return Today(e.now().AddDate(0, 0, days)) }

func (e *env) record(centre, apt, code, vaccine string) *response {
	e.t.Helper()
	return e.do("POST", "/v1/vaccinations", e.tokens[centre],
		map[string]any{"appointment": apt, "security_code": code, "vaccine": vaccine, "batch": "B-1234"})
}

// status runs the worker's own OTP → token flow for the person and returns
// the status the signed token carries, verified as an entity server does.
func (e *env) status(mobile, name string) kycvs.Status {
	e.t.Helper()
	const nonce = "nonce-0123456789"
	r := e.do("POST", "/v1/otp", "", map[string]string{"entity": "ent_railways", "mobile": mobile, "name": name, "nonce": nonce})
	e.want(r, http.StatusAccepted, "")
	r = e.do("POST", "/v1/otp/verify", "", map[string]string{"txn": r.Str("txn"), "otp": e.LastOTP(mobile)})
	e.want(r, http.StatusOK, "")
	a, err := kycvs.Verify(r.Str("token"), e.Keyset, kycvs.Expect{Audience: "ent_railways", Nonce: nonce, Now: e.now()})
	if err != nil {
		e.t.Fatal(err)
	}
	return a.Status
}

// audit returns the audit trail of an appointment, "event actor" each.
func (e *env) audit(apt string) []string {
	e.t.Helper()
	var out []string
	for _, row := range e.Query(store.AuditSQL(apt)) {
		out = append(out, row["event"].(string)+" "+row["actor"].(string))
	}
	return out
}

// supervisor registers a supervisor of centre and returns their token.
func (e *env) supervisor(centre, name string) string {
	e.t.Helper()
	tok, err := secret.NewToken(nil, secret.SupervisorTokenPrefix)
	if err != nil {
		e.t.Fatal(err)
	}
	e.Exec(store.SupervisorSQL(centre, name, secret.TokenHash(tok), e.Clock.Now().Add(10*time.Hour), e.Clock.Now()))
	return tok
}
