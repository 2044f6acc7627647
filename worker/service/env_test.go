package service

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/keys"
	"github.com/kycvs/kycvs/worker/internal/testenv"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/sms"
	"github.com/kycvs/kycvs/worker/store"
)

// env is a handler on a fresh SQLite database with the real migrations and
// the demo seed.
type env struct {
	t       testing.TB
	h       *Handler
	db      *sql.DB
	clock   *testenv.Clock
	hashKey []byte
	key     *keys.PrivateKey
}

const testOrigin = "https://kycvs.test"

func newEnv(t testing.TB, tweak func(*Config)) *env {
	t.Helper()
	hashKey := testenv.HashKey
	db := testenv.SeededDB(t, hashKey, 50)
	key, err := keys.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	clk := testenv.NewClock(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC))
	ks := &keys.Keyset{}
	if err := ks.Add(key.Public(), time.Unix(0, 0).UTC(), time.Time{}); err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Environment: "dev", Issuer: "kycvs-test", SigningKey: key, HashKey: hashKey, Keyset: ks, ServiceOrigin: testOrigin,
		Limits: otp.DefaultLimits, TokenLifetime: 5 * time.Minute, Now: clk.Now,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	st := &store.SQL{DB: db}
	h, err := New(cfg, st, &sms.Outbox{Store: st, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, h: h, db: db, clock: clk, hashKey: hashKey, key: key}
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r *response) code() string { s, _ := r.body["error"].(string); return s }

// do sends a request through the handler. body is JSON-encoded unless it is a
// string or []byte.
func (e *env) do(method, path string, body any, hdr ...string) *response {
	e.t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			e.t.Fatal(err)
		}
	}
	u := testOrigin + path
	if strings.HasPrefix(path, "http") { // another host, e.g. loopback for /dev/outbox
		u = path
	}
	req := httptest.NewRequest(method, u, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", testOrigin)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	res := &response{status: w.Code, header: w.Header(), raw: w.Body.String()}
	if strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(w.Body.Bytes(), &res.body); err != nil {
			e.t.Fatalf("%s %s: response is not JSON: %v: %q", method, path, err, w.Body.String())
		}
	}
	return res
}

func (e *env) start(entity, mobile, name, nonce string) *response {
	e.t.Helper()
	return e.do("POST", "/v1/otp", map[string]string{"entity": entity, "mobile": mobile, "name": name, "nonce": nonce})
}

var otpLine = regexp.MustCompile(`#([0-9]{6})( @\S+)?$`)

// lastOTP reads the newest OTP sent to mobile from the outbox.
func (e *env) lastOTP(mobile string) string {
	e.t.Helper()
	var body string
	if err := e.db.QueryRow(`SELECT body FROM sms_outbox WHERE to_mobile = ? ORDER BY id DESC LIMIT 1`, mobile).Scan(&body); err != nil {
		e.t.Fatalf("no SMS to %s: %v", mobile, err)
	}
	m := otpLine.FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("SMS without WebOTP line: %q", body)
	}
	return m[1]
}

func (e *env) verify(txn, code string) *response {
	e.t.Helper()
	return e.do("POST", "/v1/otp/verify", map[string]string{"txn": txn, "otp": code})
}

// flow runs start → OTP from the outbox → verify and returns the verify response.
func (e *env) flow(entity, mobile, name, nonce string) *response {
	e.t.Helper()
	r := e.start(entity, mobile, name, nonce)
	if r.status != http.StatusAccepted {
		e.t.Fatalf("start %s %q: %d %s", mobile, name, r.status, r.raw)
	}
	return e.verify(r.body["txn"].(string), e.lastOTP(mobile))
}

// checkToken verifies a token from a 200 verify response with the package a
// real entity server uses.
func (e *env) checkToken(r *response, entity, nonce string) *kycvs.Attestation {
	e.t.Helper()
	if r.status != 200 {
		e.t.Fatalf("verify: %d %s", r.status, r.raw)
	}
	tok, _ := r.body["token"].(string)
	a, err := kycvs.Verify(tok, e.h.keyset, kycvs.Expect{Audience: entity, Nonce: nonce, Now: e.clock.Now()})
	if err != nil {
		e.t.Fatalf("token %q: %v", tok, err)
	}
	return a
}

// dump returns every row of every table, to check that refused requests
// change nothing.
func (e *env) dump() string {
	e.t.Helper()
	return testenv.Dump(e.t, e.db)
}
