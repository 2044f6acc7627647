package harness_test

import (
	"context"
	"database/sql"
	"io/fs"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/service"
	"github.com/kycvs/kycvs/worker/store"
	_ "modernc.org/sqlite"
)

func TestSMSPatterns(t *testing.T) {
	for _, c := range []struct{ body, otp, code string }{
		{"Your KYC-VS code for Bharat Rail is 123456.\n\n@kycvs.test #123456", "123456", ""},
		{"…\n@localhost #654321 @kycvs.test", "654321", ""},
		{"booking code\n#000111", "000111", ""},
		{"#123456 is not at the end, nor is the code 12345", "", ""},
		{"KYC-VS appointment apt_1 for A: C, 2026-05-01 at 10:00. Security code 0042. Tell it only to the vaccinator", "", "0042"},
		{"KYC-VS अपॉइंटमेंट apt_1, A: C, 2026-05-01 को 10:00 बजे। सुरक्षा कोड 1234। यह कोड केवल", "", "1234"},
		{"KYC-VS اپوائنٹمنٹ apt_1، A: C، 2026-05-01 کو 10:00 بجے۔ سیکیورٹی کوڈ 5678۔ یہ کوڈ صرف", "", "5678"},
		{"KYC-VS অ্যাপয়েন্টমেন্ট apt_1, A: C, 2026-05-01 তারিখে 10:00-এ। নিরাপত্তা কোড 9012। টিকা", "", "9012"},
	} {
		if got := harness.OTPOf(c.body); got != c.otp {
			t.Errorf("OTPOf(%q) = %q, want %q", c.body, got, c.otp)
		}
		if got := harness.CodeOf(c.body); got != c.code {
			t.Errorf("CodeOf(%q) = %q, want %q", c.body, got, c.code)
		}
	}
}

// serviceHandler builds the service as the worker does, with short limits.
func serviceHandler(d harness.Deps) (http.Handler, error) {
	return service.New(service.Config{Environment: "dev", Issuer: "kycvs-test", SigningKey: d.Key, HashKey: d.HashKey,
		Keyset: d.Keyset, ServiceOrigin: d.Origin, Limits: otp.DefaultLimits, TokenLifetime: 5 * time.Minute, Now: d.Now},
		d.Store, d.Sender)
}

// check runs what both kinds of server must do alike: a status flow with
// the OTP read back, an entity of the test's with its secret, SQL applied.
func check(t *testing.T, s *harness.Server) {
	p := seed.DemoPeople[0]
	start := func(entity string) *harness.Response {
		return s.Do("POST", "/v1/otp", "", map[string]string{"entity": entity, "mobile": p.Mobile, "name": p.Name, "nonce": "harness-test-nonce"})
	}
	r := start("ent_harness")
	if r.Status != http.StatusAccepted {
		t.Fatalf("start: %d %s", r.Status, r.Raw)
	}
	r = s.Do("POST", "/v1/otp/verify", "", map[string]string{"txn": r.Str("txn"), "otp": s.LastOTP(p.Mobile)})
	if r.Status != http.StatusOK {
		t.Fatalf("verify: %d %s", r.Status, r.Raw)
	}
	a, err := kycvs.Verify(r.Str("token"), s.Keyset, kycvs.Expect{Audience: "ent_harness", Nonce: "harness-test-nonce", Now: time.Now()})
	if err != nil || a.Status != p.Status {
		t.Fatalf("token: %v, %v", a, err)
	}
	if s.Secrets["ent_harness"] == "" || s.Secrets["ent_railways"] == "" {
		t.Errorf("secrets %v", s.Secrets)
	}
	r = s.Do("POST", "/v1/tokens/verify", s.Secrets["ent_harness"], map[string]string{"token": r.Str("token"), "nonce": "harness-test-nonce"})
	if r.Status != http.StatusOK || r.Body["valid"] != true {
		t.Errorf("tokens/verify with the entity's secret: %d %s", r.Status, r.Raw)
	}
	if rows := s.Query(`SELECT count(*) AS n FROM entities WHERE id = 'ent_harness'`); len(rows) != 1 || rows[0]["n"] != float64(1) && rows[0]["n"] != int64(1) {
		t.Errorf("entity rows %v", rows)
	}
	// Exec reaches the server's database: an entity removed is unknown. (One
	// no request has used yet: the worker caches the entities it has read
	// for store.DefaultDirectoryTTL.)
	s.Exec(store.RemoveEntitySQL("ent_harness_spare"))
	if r := start("ent_harness_spare"); r.Status != http.StatusForbidden || r.Code() != "unknown_entity" {
		t.Errorf("after Exec removed the entity: %d %s", r.Status, r.Raw)
	}
}

var harnessEntities = []seed.Entity{
	{ID: "ent_harness", DisplayName: "Harness", Purpose: "Testing", Origins: []string{"https://harness.example"}},
	{ID: "ent_harness_spare", DisplayName: "Harness spare", Purpose: "Testing", Origins: []string{"https://harness.example"}},
}

func TestNative(t *testing.T) {
	s := harness.Native(t, harness.Options{Entities: harnessEntities, Handler: serviceHandler})
	if s.URL != "" || s.Origin != harness.TestOrigin || time.Since(s.Clock.Now()).Abs() > time.Minute {
		t.Fatalf("URL %q origin %q clock %v", s.URL, s.Origin, s.Clock.Now())
	}
	before := s.Dump()
	check(t, s)
	if d := harness.Diff(before, s.Dump()); !strings.Contains(d, "- entities [ent_harness") || !strings.Contains(d, "+ sms_outbox") {
		t.Errorf("what the check changed:\n%s", d)
	}

	l := harness.Native(t, harness.Options{Listen: true, Handler: serviceHandler})
	if !strings.HasPrefix(l.URL, "http://127.0.0.1:") || l.Origin != l.URL {
		t.Fatalf("listening: URL %q origin %q", l.URL, l.Origin)
	}
	if r := l.Do("GET", "/.well-known/kycvs/keys.json", "", nil); r.Status != http.StatusOK || r.Body == nil {
		t.Fatalf("keys.json over HTTP: %d %s", r.Status, r.Raw)
	}
}

// TestWorkerd checks the harness against the real Worker: the same checks
// as natively, the dev environment (the outbox answers), and the worker's
// SERVICE_ORIGIN is the server's own URL (the dev default, port 8787, is
// refused).
func TestWorkerd(t *testing.T) {
	harness.Skip(t)
	s := harness.Workerd(t, harness.Options{Synthetic: 10, Entities: harnessEntities})
	if s.Origin != s.URL {
		t.Fatalf("origin %q, URL %q", s.Origin, s.URL)
	}
	p := seed.DemoPeople[1]
	body := map[string]string{"entity": "ent_railways", "mobile": p.Mobile, "name": p.Name, "nonce": "harness-test-nonce"}
	if r := s.Do("POST", "/v1/otp", "", body, "Origin", "http://127.0.0.1:8787"); r.Status != http.StatusForbidden || r.Code() != "origin_not_allowed" {
		t.Errorf("Origin of another port: %d %s, want 403 origin_not_allowed", r.Status, r.Raw)
	}
	if r := s.Do("POST", "/v1/otp", "", body, "Origin", s.Origin); r.Status != http.StatusAccepted {
		t.Fatalf("Origin %s: %d %s, want 202", s.Origin, r.Status, r.Raw)
	}
	check(t, s)

	// Exec waits out a writer holding the database (once a CI run failed
	// with SQLITE_BUSY when the Worker was writing as Exec began): another
	// connection holds the write lock for a moment, and Exec still applies.
	lock := writeLock(t, s.PersistDir)
	go func() { time.Sleep(3 * time.Second); lock() }()
	s.Exec(`DELETE FROM sms_outbox`)
	if rows := s.Query(`SELECT count(*) AS n FROM sms_outbox`); len(rows) != 1 || rows[0]["n"] != float64(0) {
		t.Errorf("after Exec behind a lock: outbox %v", rows)
	}
}

// writeLock takes the write lock of the local D1 database under persist
// and returns the function that gives it up.
func writeLock(t *testing.T, persist string) func() {
	t.Helper()
	var files []string
	filepath.WalkDir(persist, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".sqlite") && d.Name() != "metadata.sqlite" {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 1 {
		t.Fatalf("local D1 files %v, want one", files)
	}
	db, err := sql.Open("sqlite", files[0])
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err == nil {
		_, err = conn.ExecContext(context.Background(), `BEGIN IMMEDIATE`)
	}
	if err != nil {
		t.Fatalf("taking the write lock: %v", err)
	}
	return func() {
		conn.ExecContext(context.Background(), `ROLLBACK`)
		conn.Close()
		db.Close()
	}
}
