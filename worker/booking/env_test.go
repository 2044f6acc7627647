package booking_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/keys"
	. "github.com/kycvs/kycvs/worker/booking"
	"github.com/kycvs/kycvs/worker/internal/testenv"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/service"
	"github.com/kycvs/kycvs/worker/sms"
	"github.com/kycvs/kycvs/worker/store"
)

const testOrigin = "https://kycvs.test"

// env is the whole worker (service + booking) on SQLite with the real
// migrations and the demo seed, and two centres with vaccinator tokens.
type env struct {
	t       testing.TB
	h       http.Handler
	db      *sql.DB
	clock   *testenv.Clock
	hashKey []byte
	keyset  *keys.Keyset
	tokens  map[string]string // centre id → vaccinator token
}

func newEnv(t testing.TB) *env { t.Helper(); return newEnvWith(t, nil) }

// newEnvWith is newEnv with the service configuration changed by tweak.
func newEnvWith(t testing.TB, tweak func(*service.Config)) *env {
	t.Helper()
	hashKey := testenv.HashKey
	db := testenv.SeededDB(t, hashKey, 20)
	key, err := keys.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	clk := testenv.NewClock(time.Date(2026, 5, 1, 4, 0, 0, 0, time.UTC)) // 09:30 in India
	limits := otp.DefaultLimits
	limits.ResendAfter = 0 // tests run many flows for one number
	limits.PerMobileHour = 1000
	ks := &keys.Keyset{}
	if err := ks.Add(key.Public(), time.Unix(0, 0).UTC(), time.Time{}); err != nil {
		t.Fatal(err)
	}
	cfg := service.Config{Environment: "dev", Issuer: "kycvs-test", SigningKey: key, HashKey: hashKey, Keyset: ks,
		ServiceOrigin: testOrigin, Limits: limits, TokenLifetime: 5 * time.Minute, Now: clk.Now}
	if tweak != nil {
		tweak(&cfg)
	}
	st := &store.SQL{DB: db}
	sender := &sms.Outbox{Store: st, Now: clk.Now}
	h, err := service.New(cfg, st, sender)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, h: h, db: db, clock: clk, hashKey: hashKey, keyset: ks, tokens: map[string]string{}}
	for _, c := range []string{"ctr_delhi_aiims", "ctr_kolkata_sskm"} {
		tok, err := secret.NewToken(nil, secret.CentreTokenPrefix)
		if err != nil {
			t.Fatal(err)
		}
		e.exec(store.CentreTokenSQL(c, secret.TokenHash(tok), clk.Now().Add(365*24*time.Hour)))
		e.tokens[c] = tok
	}
	return e
}

func (e *env) exec(q string, args ...any) {
	e.t.Helper()
	if _, err := e.db.Exec(q, args...); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
}

func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRow(q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r *response) code() string { s, _ := r.body["error"].(string); return s }

func (r *response) str(path ...string) string {
	var v any = r.body
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return fmt.Sprint(x)
	case bool:
		return fmt.Sprint(x)
	}
	return ""
}

// do sends a request; bearer is the Authorization credential ("" for none).
func (e *env) do(method, path, bearer string, body any) *response {
	e.t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			e.t.Fatal(err)
		}
	}
	req := httptest.NewRequest(method, testOrigin+path, bytes.NewReader(b))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	res := &response{status: w.Code, header: w.Header(), raw: w.Body.String()}
	if err := json.Unmarshal(w.Body.Bytes(), &res.body); err != nil {
		e.t.Fatalf("%s %s: response is not JSON: %v: %q", method, path, err, w.Body.String())
	}
	return res
}

func (e *env) want(r *response, status int, code string) {
	e.t.Helper()
	if r.status != status || (code != "" && r.code() != code) {
		e.t.Fatalf("got %d %s, want %d %s", r.status, strings.TrimSpace(r.raw), status, code)
	}
}

// lastSMS returns the newest SMS of kind to mobile, "" if none.
func (e *env) lastSMS(mobile, kind string) string {
	e.t.Helper()
	var body string
	err := e.db.QueryRow(`SELECT body FROM sms_outbox WHERE to_mobile = ? AND kind = ? ORDER BY id DESC LIMIT 1`, mobile, kind).Scan(&body)
	if err == sql.ErrNoRows {
		return ""
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return body
}

var (
	otpLine  = regexp.MustCompile(`#([0-9]{6})$`)
	codeLine = regexp.MustCompile(`(?:code|कोड|کوڈ|কোড) ([0-9]{4})`)
)

// session proves mobile with a booking OTP read from the outbox.
func (e *env) session(mobile string) string {
	e.t.Helper()
	r := e.do("POST", "/v1/booking/otp", "", map[string]string{"mobile": mobile})
	e.want(r, http.StatusAccepted, "")
	m := otpLine.FindStringSubmatch(e.lastSMS(mobile, "otp"))
	if m == nil {
		e.t.Fatalf("no booking OTP in the outbox for %s", mobile)
	}
	r = e.do("POST", "/v1/booking/session", "", map[string]string{"txn": r.str("txn"), "otp": m[1]})
	e.want(r, http.StatusOK, "")
	return r.str("session")
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
	b := booked{id: r.str("appointment", "id"), access: r.str("access_token")}
	sms := e.lastSMS(mobile, "booking")
	m := codeLine.FindStringSubmatch(sms)
	if m == nil || !strings.Contains(sms, b.id) {
		e.t.Fatalf("slip SMS without code or id: %q", sms)
	}
	b.code = m[1]
	if strings.Contains(r.raw, b.code+`"`) || strings.Contains(r.raw, mobile) {
		e.t.Fatalf("booking response shows the code or mobile: %s", r.raw)
	}
	return b
}

func (e *env) day(days int) string { return Today(e.clock.Now().AddDate(0, 0, days)) }

func (e *env) record(centre, apt, code, vaccine string) *response {
	e.t.Helper()
	return e.do("POST", "/v1/vaccinations", e.tokens[centre],
		map[string]any{"appointment": apt, "security_code": code, "vaccine": vaccine, "batch": "B-1234"})
}

// status runs the worker's own OTP → token flow for the person and returns
// the status the signed token carries.
func (e *env) status(mobile, name string) kycvs.Status {
	e.t.Helper()
	const nonce = "nonce-0123456789"
	r := e.do("POST", "/v1/otp", "", map[string]string{"entity": "ent_railways", "mobile": mobile, "name": name, "nonce": nonce})
	e.want(r, http.StatusAccepted, "")
	m := otpLine.FindStringSubmatch(e.lastSMS(mobile, "otp"))
	r = e.do("POST", "/v1/otp/verify", "", map[string]string{"txn": r.str("txn"), "otp": m[1]})
	e.want(r, http.StatusOK, "")
	a, err := kycvs.Verify(r.str("token"), e.keyset, kycvs.Expect{Audience: "ent_railways", Nonce: nonce, Now: e.clock.Now()})
	if err != nil {
		e.t.Fatal(err)
	}
	return a.Status
}

// dump returns every row of every table, to check that refused requests
// change nothing.
func (e *env) dump() string {
	e.t.Helper()
	return testenv.Dump(e.t, e.db)
}

func (e *env) audit(apt string) []string {
	e.t.Helper()
	rows, err := e.db.Query(`SELECT event, actor FROM audit_log WHERE appointment_id = ? ORDER BY id`, apt)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ev, actor string
		rows.Scan(&ev, &actor)
		out = append(out, ev+" "+actor)
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
	e.exec(store.SupervisorSQL(centre, name, secret.TokenHash(tok), e.clock.Now().Add(10*time.Hour), e.clock.Now()))
	return tok
}
