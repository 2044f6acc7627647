// Package harness starts the servers the tests need and talks to them. A
// Server is the worker's handler natively (Native: SQLite with the real
// migrations, a clock the test moves) or the real Worker in workerd
// (Workerd: wrangler dev and a local D1), seeded the same way (the
// migrations, the demo seed, the test's entities and SQL), and driven the
// same way: requests (Do), the SMS the worker sent (LastSMS, LastOTP,
// LastCode), the database (Exec, Query, Dump).
//
// It also holds the fixtures of the fault tests: a database whose statements
// fail on demand (FaultyDB, or Options.Faults), an SMS sender and an SMS
// gateway that fail on demand (Sender, Gateway), the ways to fail a request
// (FaultCases), and what a failed request may leave behind without having
// half-changed anything (the Harmless functions), each with its reason.
//
// It does not import worker/service, so that the service's own tests can use
// it: natively, Options.Handler builds the handler from the Deps the harness
// prepared (database, SMS sender, keys, origin, clock). It does not build or
// install anything but the Worker (scripts/build-worker, scripts/build-site):
// wrangler and the rest come from scripts/setup.
//
// It is for tests only; nothing in the worker imports it.
package harness

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs/internal/wrangler"
	"github.com/kycvs/kycvs/keys"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/sms"
	"github.com/kycvs/kycvs/worker/store"
)

// Enabled reports whether end-to-end tests (workerd, Chromium) run:
// KYCVS_E2E=1, which the scripts/test.d scripts set, so that a plain
// `go test ./...` stays hermetic.
func Enabled() bool { return os.Getenv("KYCVS_E2E") == "1" }

// Skip skips t unless end-to-end tests are enabled.
func Skip(t testing.TB) {
	t.Helper()
	if !Enabled() {
		t.Skip("end-to-end test: set KYCVS_E2E=1 (scripts/test does)")
	}
}

// Options configure a server. The first group applies to both kinds.
type Options struct {
	// Synthetic is the number of synthetic beneficiaries seeded besides
	// seed.DemoPeople (seed.WriteSQL).
	Synthetic int
	// Entities are registered besides seed.DemoEntities; every entity's
	// secret is in Server.Secrets.
	Entities []seed.Entity
	// People are registered besides seed.DemoPeople, with the server's
	// HASH_KEY (seed.PeopleSQL), before SQL runs: e.g. six people on one
	// number, which the seed does not have.
	People []seed.Person
	// SQL runs after the seed (extra rows for a test).
	SQL string

	// Native only (see Native).

	// Handler builds the handler; required.
	Handler func(Deps) (http.Handler, error)
	// Origin is the service origin (SERVICE_ORIGIN). Empty: TestOrigin, or
	// with Listen the server's URL.
	Origin string
	// Listen serves the handler on a loopback port too (Server.URL), for
	// clients other than Do: a browser, a benchmark.
	Listen bool
	// Wrap, if set, wraps the handler that Listen serves (and Do calls):
	// static files in front of it, responses altered in transit.
	Wrap func(http.Handler) http.Handler
	// Start is where the server's clock starts. Zero: it runs with the
	// real time.
	Start time.Time
	// Faults opens the database with FaultyDB: Server.Faults fails its
	// statements on demand.
	Faults bool
	// Shards is the number of registry shards (store.EvenShardMap):
	// natively that many SQLite files, in workerd that many local D1
	// bindings (wrangler.toml's [env.shards4] for 4). 0: ShardsFromEnv.
	Shards int
	// Sender sends the SMS. Nil: the outbox table (sms.Outbox), which
	// LastSMS reads; a *Sender is read too.
	Sender sms.Sender
	// Key signs tokens and HashKey hashes mobiles. Nil: a fresh key, and
	// HashKey (the package variable).
	Key     *keys.PrivateKey
	HashKey []byte

	// Workerd only (see Workerd).

	// Vars override wrangler.toml's [env.dev.vars], e.g.
	// {"OTP_RESEND_SECONDS": "0"}. SERVICE_ORIGIN is the server's URL.
	Vars map[string]string
	// CountD1 runs the Worker under a test entry (d1count/entry.mjs) that
	// counts each request's D1 round trips into the response headers
	// x-kycvs-d1-round-trips and x-kycvs-d1-outbox.
	CountD1 bool
}

// TestOrigin is a native server's service origin unless Options say
// otherwise.
const TestOrigin = "https://kycvs.test"

// Server is a running server of either kind. The fields of the other kind
// are zero.
type Server struct {
	// URL is where the server listens: workerd, or native with
	// Options.Listen; "" otherwise (Do calls the handler directly).
	URL string
	// Origin is the service origin (SERVICE_ORIGIN).
	Origin string
	// Header is sent with every request Do makes (e.g. an Origin for
	// browser-like calls); Do's bearer and header arguments win.
	Header  http.Header
	HashKey []byte
	// Keyset is what an entity server pins to verify the tokens.
	Keyset *keys.Keyset
	// Secrets maps entity ids to their server secrets.
	Secrets map[string]string

	// Native only.
	Handler http.Handler     // what Do calls (Options.Wrap applied)
	DB      *sql.DB          // the database, for checks the API cannot make
	Clock   *Clock           // the server's clock
	Key     *keys.PrivateKey // the signing key
	Faults  *Faults          // with Options.Faults
	// Store is the server's store: *store.SQL on DB, or store.Sharded
	// over Shards (for tests that drive it directly, such as parallel
	// writes racing in the database).
	Store store.BookingStore

	// With more than one shard (Options.Shards): the map, each shard's
	// database and statement log (natively), in the map's binding order.
	// DB then reads the union of the shards (see unionDB).
	ShardMap   *store.ShardMap
	Shards     []*sql.DB
	ShardLogs  []*Faults
	shardFiles []string
	union      *sql.DB // workerd with shards: the union of the local D1 files

	// Workerd only.
	PersistDir string // the local D1's --persist-to directory
	Root       string // the repository the Worker was built from
	dev        *wrangler.Dev
	config     string // the test wrangler.toml

	t   testing.TB
	sms func(mobile string) ([]store.OutboxMessage, error) // newest first
}

// SchemaDB is a database with the schema's tables and indexes, for
// EXPLAIN QUERY PLAN: DB, or with shards the first shard (DB is then a
// union of views, which has no indexes).
func (s *Server) SchemaDB() *sql.DB {
	if len(s.Shards) > 0 {
		return s.Shards[0]
	}
	return s.DB
}

// For returns the server as seen from t, a subtest of the test that started
// it: failures are reported to t.
func (s *Server) For(t testing.TB) *Server {
	c := *s
	c.t = t
	return &c
}

// Response is an answer to Do.
type Response struct {
	Status int
	Header http.Header
	Body   map[string]any // the JSON object answered; nil if not JSON
	Raw    string
}

// Code returns the error code of an error answer.
func (r *Response) Code() string { s, _ := r.Body["error"].(string); return s }

// Str returns the value at path (nested objects) as text; "" if absent.
func (r *Response) Str(path ...string) string {
	var v any = r.Body
	for _, k := range path {
		m, _ := v.(map[string]any)
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

// Do sends a request and fails the test if it cannot. bearer is the
// Authorization credential ("" for none). body is sent as JSON unless it is
// a string or []byte (sent as is), with Content-Type application/json unless
// it is nil. hdr are header name, value pairs set after Server.Header; an
// empty value removes the header. A path starting with "http" is a whole
// URL (natively: another host on the same handler).
func (s *Server) Do(method, path, bearer string, body any, hdr ...string) *Response {
	s.t.Helper()
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
			s.t.Fatal(err)
		}
	}
	u := path
	if !strings.HasPrefix(path, "http") {
		base := s.URL
		if base == "" {
			base = s.Origin
		}
		u = base + path
	}
	var req *http.Request
	if s.URL == "" {
		req = httptest.NewRequest(method, u, bytes.NewReader(b))
	} else {
		var err error
		if req, err = http.NewRequest(method, u, bytes.NewReader(b)); err != nil {
			s.t.Fatal(err)
		}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range s.Header {
		req.Header[k] = v
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	var res *Response
	if s.URL == "" {
		w := httptest.NewRecorder()
		s.Handler.ServeHTTP(w, req)
		res = &Response{Status: w.Code, Header: w.Header(), Raw: w.Body.String()}
	} else {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			s.t.Fatalf("%s %s: %v", method, path, err)
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			s.t.Fatalf("%s %s: %v", method, path, err)
		}
		res = &Response{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal([]byte(res.Raw), &res.Body); err != nil {
			s.t.Fatalf("%s %s: %d, not JSON: %v: %q", method, path, res.Status, err, res.Raw)
		}
	}
	return res
}

// The SMS texts the tests read codes from, in every language: the WebOTP
// last line of an OTP SMS ("@host #123456", or "#123456" alone), and the
// 4-digit security code of a booking slip.
var (
	otpLine  = regexp.MustCompile(`#([0-9]{6})( @\S+)?\s*$`)
	codeLine = regexp.MustCompile(`(?:code|कोड|کوڈ|কোড) ([0-9]{4})\b`)
)

// OTPOf returns the OTP of an OTP SMS's text, "" if it has none.
func OTPOf(body string) string {
	if m := otpLine.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// CodeOf returns the security code of a booking SMS's text, "" if it has
// none.
func CodeOf(body string) string {
	if m := codeLine.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// Outbox returns the SMS the server sent to mobile (10 digits), newest
// first.
func (s *Server) Outbox(mobile string) []store.OutboxMessage {
	s.t.Helper()
	if s.sms == nil {
		s.t.Fatal("harness: this server's SMS go where the harness cannot read them (Options.Sender)")
	}
	msgs, err := s.sms(mobile)
	if err != nil {
		s.t.Fatalf("harness: reading the SMS to %s: %v", mobile, err)
	}
	return msgs
}

// LastSMS returns the text of the newest SMS of kind ("otp", "booking",
// "dose") sent to mobile, "" if there is none.
func (s *Server) LastSMS(mobile, kind string) string {
	s.t.Helper()
	for _, m := range s.Outbox(mobile) {
		if m.Kind == kind {
			return m.Body
		}
	}
	return ""
}

// LastOTP returns the code of the newest OTP SMS sent to mobile, and fails
// the test if there is none.
func (s *Server) LastOTP(mobile string) string {
	s.t.Helper()
	body := s.LastSMS(mobile, "otp")
	otp := OTPOf(body)
	if otp == "" {
		s.t.Fatalf("harness: no OTP SMS to %s (newest: %q)", mobile, body)
	}
	return otp
}

// LastCode returns the security code of the newest booking SMS sent to
// mobile, and fails the test if there is none.
func (s *Server) LastCode(mobile string) string {
	s.t.Helper()
	body := s.LastSMS(mobile, "booking")
	code := CodeOf(body)
	if code == "" {
		s.t.Fatalf("harness: no booking SMS with a code to %s (newest: %q)", mobile, body)
	}
	return code
}

// Exec runs SQL statements on the server's database: natively directly,
// in workerd with `wrangler d1 execute` as an admin command's output is
// applied.
func (s *Server) Exec(sqlText string, args ...any) {
	s.t.Helper()
	if len(s.Shards) > 0 {
		if err := s.execShards(sqlText, args...); err != nil {
			s.t.Fatalf("harness: %s: %v", sqlText, err)
		}
		return
	}
	if s.DB != nil {
		if _, err := s.DB.Exec(sqlText, args...); err != nil {
			s.t.Fatalf("harness: %s: %v", sqlText, err)
		}
		return
	}
	if len(args) > 0 {
		s.t.Fatal("harness: Exec with arguments works natively only")
	}
	if err := s.d1Exec(sqlText); err != nil {
		s.t.Fatalf("harness: %v", err)
	}
}

// Query runs one SELECT on the server's database and returns its rows,
// each a column → value map (in workerd, numbers are float64).
func (s *Server) Query(q string) []map[string]any {
	s.t.Helper()
	if s.DB == nil {
		rows, err := s.d1Query(q)
		if err != nil {
			s.t.Fatalf("harness: %v", err)
		}
		return rows
	}
	out, err := queryRows(s.DB, q)
	if err != nil {
		s.t.Fatalf("harness: %s: %v", q, err)
	}
	return out
}

// queryRows runs q on db and returns its rows as column → value maps.
func queryRows(db *sql.DB, q string) ([]map[string]any, error) {
	rows, err := db.Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []map[string]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		m := map[string]any{}
		for i, c := range cols {
			if b, ok := vals[i].([]byte); ok {
				vals[i] = string(b)
			}
			m[c] = vals[i]
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Dump returns every row of every table, one "table [values]" line each:
// comparing two dumps shows what a request changed. Natively only.
func (s *Server) Dump() string {
	s.t.Helper()
	if s.DB == nil {
		s.t.Fatal("harness: Dump works natively only")
	}
	return Dump(s.t, s.DB)
}

// sqlOutbox reads the outbox table natively.
func sqlOutbox(db *sql.DB) func(string) ([]store.OutboxMessage, error) {
	st := &store.SQL{DB: db}
	return func(mobile string) ([]store.OutboxMessage, error) {
		return st.Outbox(context.Background(), mobile, 1000)
	}
}
