package harness

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"modernc.org/sqlite"

	"github.com/kycvs/kycvs/worker/migrations"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/store"
)

// ErrFault is the error an injected fault returns, worded like D1's errors.
var ErrFault = errors.New("D1_ERROR: injected fault")

// Faults counts and fails the statements of a database opened by FaultyDB.
//
// A statement is one Exec or Query on a connection or a prepared statement:
// one D1 round trip. A fault fails one statement before SQLite runs it, so
// it changes nothing, as a D1 error does; with Lost it runs the statement
// and then fails it, like a reply lost on the way back from D1. Safe for
// parallel requests.
type Faults struct {
	mu     sync.Mutex
	log    []string // statements since Start, whitespace collapsed
	left   int      // the armed fault fires at the left-th statement from now; 0: not by number
	match  string   // the armed fault fires at the next statement containing match
	lost   bool
	every  bool   // with match: every matching statement fails, until Clear
	failed string // the statement the last armed fault failed
}

// Start begins a new statement log.
func (f *Faults) Start() { f.mu.Lock(); defer f.mu.Unlock(); f.log = nil }

// Statements returns the statements run since Start, whitespace collapsed.
func (f *Faults) Statements() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

// FailNth arms a fault: the nth statement from now (1: the next) fails
// with ErrFault. Arming replaces any armed fault and forgets Failed.
func (f *Faults) FailNth(n int) { f.arm(n, "", false) }

// FailMatching arms a fault on the next statement whose SQL, whitespace
// collapsed, contains substr.
func (f *Faults) FailMatching(substr string) { f.arm(0, substr, false) }

// FailEveryMatching arms a fault on every statement containing substr,
// until Clear: a database that keeps refusing one kind of statement (a
// retry fails too).
func (f *Faults) FailEveryMatching(substr string) {
	f.arm(0, substr, false)
	f.mu.Lock()
	f.every = true
	f.mu.Unlock()
}

// LoseMatching arms a lost reply on the next statement containing substr:
// it runs, then fails.
func (f *Faults) LoseMatching(substr string) { f.arm(0, substr, true) }

// LoseNth arms a lost reply: the nth statement from now runs, then fails.
func (f *Faults) LoseNth(n int) { f.arm(n, "", true) }

func (f *Faults) arm(n int, match string, lost bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.left, f.match, f.lost, f.every, f.failed = n, match, lost, false, ""
}

// Clear disarms the fault.
func (f *Faults) Clear() { f.arm(0, "", false) }

// Failed returns the statement the armed fault failed, "" if it has not
// fired.
func (f *Faults) Failed() string { f.mu.Lock(); defer f.mu.Unlock(); return f.failed }

// before logs a statement and reports whether it is the one to fail, and
// whether it should run first.
func (f *Faults) before(query string) (fail, run bool) {
	q := strings.Join(strings.Fields(query), " ")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, q)
	hit := false
	if f.left > 0 {
		f.left--
		hit = f.left == 0
	} else if f.match != "" {
		hit = strings.Contains(q, f.match)
	}
	if !hit {
		return false, true
	}
	f.failed = q
	if !f.every {
		f.match = ""
	}
	return true, f.lost
}

// FaultyDB is SeededDB on a driver whose statements f counts and fails:
// the same file, DSN and pragmas as store.OpenSQLite, the migrations
// (already applied to the copied file; Apply checks them), one connection.
// The seeded file is built once per process for each hashKey and size and
// copied, so a test can afford a fresh database per injected fault.
func FaultyDB(t testing.TB, hashKey []byte, synthetic int) (*sql.DB, *Faults) {
	t.Helper()
	b, err := seededFile(hashKey, synthetic)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kycvs.sqlite")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// store.OpenSQLite's DSN: keep them the same.
	c, err := sqlite.NewConnector("file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	f := &Faults{}
	db := sql.OpenDB(&connector{c, f, nil})
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if err := migrations.Apply(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db, f
}

var seeded = struct {
	sync.Mutex
	files map[string][]byte
}{files: map[string][]byte{}}

// seededFile returns the bytes of a migrated, seeded database file.
func seededFile(hashKey []byte, synthetic int) ([]byte, error) {
	key := fmt.Sprintf("%x/%d", hashKey, synthetic)
	seeded.Lock()
	defer seeded.Unlock()
	if b, ok := seeded.files[key]; ok {
		return b, nil
	}
	dir, err := os.MkdirTemp("", "kycvs-seed-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(dir, "build.sqlite"))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var sqlText bytes.Buffer
	if err := seed.WriteSQL(&sqlText, hashKey, synthetic); err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, sqlText.String()); err != nil {
		return nil, err
	}
	// VACUUM INTO writes one self-contained file (no WAL beside it).
	out := filepath.Join(dir, "seeded.sqlite")
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, out); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	seeded.files[key] = b
	return b, nil
}

// connector counts statements for f (nil: none) and logs them to log too
// (nil: nowhere; a sharded server's per-shard log, never armed).
type connector struct {
	driver.Connector
	f, log *Faults
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	inner, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{inner, c.f, c.log}, nil
}

// conn passes everything to modernc's connection, counting statements.
// database/sql uses ExecContext and QueryContext when a connection has
// them (modernc's has), and Prepare only for explicit prepared statements,
// which count when they run.
type conn struct {
	driver.Conn
	f, log *Faults
}

// run executes one statement under the faults: exec runs it, drain finishes
// whatever it returned (a Query's rows) when a lost reply must throw it away.
func run[T any](f, log *Faults, query string, exec func() (T, error), drain func(T)) (T, error) {
	var zero T
	if log != nil {
		log.before(query)
	}
	if f == nil {
		return exec()
	}
	fail, runIt := f.before(query)
	if !fail {
		return exec()
	}
	if runIt {
		if v, err := exec(); err == nil {
			drain(v)
		}
	}
	return zero, ErrFault
}

func drainRows(r driver.Rows) {
	dest := make([]driver.Value, len(r.Columns()))
	for r.Next(dest) != io.EOF {
	}
	r.Close()
}

func noDrain(driver.Result) {}

func (c *conn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	ex, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	return run(c.f, c.log, q, func() (driver.Result, error) { return ex.ExecContext(ctx, q, args) }, noDrain)
}

func (c *conn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	qu, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	return run(c.f, c.log, q, func() (driver.Rows, error) { return qu.QueryContext(ctx, q, args) }, drainRows)
}

func (c *conn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	var s driver.Stmt
	var err error
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		s, err = p.PrepareContext(ctx, q)
	} else {
		s, err = c.Conn.Prepare(q)
	}
	if err != nil {
		return nil, err
	}
	return &stmt{s, q, c.f, c.log}, nil
}

func (c *conn) Prepare(q string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), q)
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	b, ok := c.Conn.(driver.ConnBeginTx)
	if !ok {
		return nil, errNoContext
	}
	return b.BeginTx(ctx, opts)
}

func (c *conn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *conn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// errNoContext: modernc's connections and statements implement the context
// methods, so the deprecated ones need no wrapping.
var errNoContext = errors.New("harness: the wrapped driver lacks a context method")

type stmt struct {
	driver.Stmt
	q      string
	f, log *Faults
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return run(s.f, s.log, s.q, func() (driver.Result, error) {
		e, ok := s.Stmt.(driver.StmtExecContext)
		if !ok {
			return nil, errNoContext
		}
		return e.ExecContext(ctx, args)
	}, noDrain)
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return run(s.f, s.log, s.q, func() (driver.Rows, error) {
		q, ok := s.Stmt.(driver.StmtQueryContext)
		if !ok {
			return nil, errNoContext
		}
		return q.QueryContext(ctx, args)
	}, drainRows)
}

// FaultCase is one way to fail a request: one of its statements, the SMS
// gateway, or the gateway and then one of the statements that run because
// the send failed (those that undo the request).
type FaultCase struct {
	Name string
	Stmt int       // the failing statement, counted from the request's first; 0: none
	Send SendFault // how the gateway fails
}

// Arm sets the case's faults on f and s for the request that follows.
func (c FaultCase) Arm(f *Faults, s *Sender) {
	s.Fail(c.Send)
	if c.Stmt > 0 {
		f.FailNth(c.Stmt)
	} else {
		f.Clear()
	}
}

// Undo reports whether the case fails a statement after a failed send.
func (c FaultCase) Undo() bool { return c.Stmt > 0 && c.Send != SendOK }

// FaultCases lists the ways to fail a request, given the statements it runs
// when the SMS gateway works (ok) and when the gateway fails (down): each
// statement of ok in turn; each of SendFaults; and with the gateway failing,
// each statement that runs only because it failed (down's statements after
// the ones it shares with ok) in turn. A request that sends nothing runs the
// same statements either way and gets statement cases only.
func FaultCases(ok, down []string) []FaultCase {
	var cs []FaultCase
	for i := range ok {
		cs = append(cs, FaultCase{Name: fmt.Sprintf("stmt_%02d", i+1), Stmt: i + 1})
	}
	if slices.Equal(ok, down) {
		return cs
	}
	for _, f := range SendFaults {
		cs = append(cs, FaultCase{Name: "gateway_" + f.String(), Send: f})
	}
	shared := 0
	for shared < len(ok) && shared < len(down) && ok[shared] == down[shared] {
		shared++
	}
	for i := shared; i < len(down); i++ {
		cs = append(cs, FaultCase{Name: fmt.Sprintf("gateway_fails+stmt_%02d", i+1), Stmt: i + 1, Send: SendFails})
	}
	return cs
}

// Short abbreviates a statement for test messages.
func Short(q string) string {
	if len(q) > 90 {
		return q[:90] + "…"
	}
	return q
}

// FaultEnv is what EachFault needs of one fresh test environment: its
// statement faults, its SMS gateway and its database.
type FaultEnv struct {
	Faults *Faults
	SMS    *Sender
	DB     *sql.DB
}

// FaultTrial is one request run under a fault case: the database before
// it and the statement made to fail ("" if the request ran fewer
// statements than the case's).
type FaultTrial struct {
	Case   FaultCase
	Before []Row
	Failed string
}

// EachFault runs a flow's request under each of its fault cases
// (FaultCases), each in a parallel subtest on a fresh environment, and
// hands every answer r to check, with the request (req) to retry it; the
// faults are cleared first, so that check may send requests of its own.
// fresh builds an environment, runs the flow's setup there and returns the
// request; ok checks the answer of the request with nothing failing.
func EachFault[E, R any](t *testing.T, fresh func(t *testing.T) (E, FaultEnv, func() R), ok func(E, R),
	check func(t *testing.T, e E, req func() R, r R, tr FaultTrial)) {
	statements := func(send SendFault) []string {
		e, fe, req := fresh(t)
		fe.SMS.Fail(send)
		fe.Faults.Start()
		r := req()
		stmts := fe.Faults.Statements()
		if send == SendOK {
			ok(e, r)
		}
		return stmts
	}
	okStmts, down := statements(SendOK), statements(SendFails)
	for i, q := range down {
		t.Logf("statement %d: %s", i+1, Short(q))
	}
	for _, c := range FaultCases(okStmts, down) {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			e, fe, req := fresh(t)
			before := Rows(t, fe.DB)
			c.Arm(fe.Faults, fe.SMS)
			r := req()
			q := fe.Faults.Failed()
			fe.Faults.Clear()
			fe.SMS.Fail(SendOK)
			check(t, e, req, r, FaultTrial{Case: c, Before: before, Failed: q})
		})
	}
}
