package service

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/seed"
)

// Faults lose nothing: every statement of the status flow fails in turn,
// and the SMS gateway fails each way it can. Each time the answer is a 503
// with Retry-After, the database is as it was, and the same request then
// succeeds.

// faultEnv is env on a database whose statements fail on demand, with an SMS
// gateway that fails on demand.
type faultEnv struct {
	*env
	faults *harness.Faults
	sms    *harness.Sender
}

func newFaultEnv(t testing.TB) *faultEnv {
	t.Helper()
	sender := &harness.Sender{}
	e := startEnv(t, harness.Options{Faults: true, Sender: sender}, nil)
	return &faultEnv{env: e, faults: e.Faults, sms: sender}
}

// harmless is what a failed request may leave (see the harness.Harmless functions).
func (fe *faultEnv) harmless() []harness.Harmless {
	return []harness.Harmless{harness.NoCounts(fe.Clock.Now()), harness.GuessTimes}
}

// changes lists what changed since before, less what is harmless.
func (fe *faultEnv) changes(before []harness.Row) string {
	return harness.Diff(harness.Render(before, fe.harmless()...), harness.DumpWithout(fe.t, fe.DB, fe.harmless()...))
}

func wantUnavailable(t testing.TB, r *response, code string, retryAfter int) {
	t.Helper()
	if r.Status != http.StatusServiceUnavailable || r.Code() != code || r.Header.Get("Retry-After") != strconv.Itoa(retryAfter) ||
		r.Body["retry_after"] != float64(retryAfter) {
		t.Fatalf("got %d %s (Retry-After %q), want 503 %s with Retry-After %d", r.Status, strings.TrimSpace(r.Raw),
			r.Header.Get("Retry-After"), code, retryAfter)
	}
}

// faultFlow is a request to fail in every way.
type faultFlow struct {
	// setup prepares a fresh environment and returns the request.
	setup func(fe *faultEnv) func() *response
	// ok checks the answer when nothing fails.
	ok func(fe *faultEnv, r *response)
	// tolerated lists statements (substrings) whose failure the design
	// tolerates: the request succeeds anyway (ok).
	tolerated []string
	// undone checks the answer and the database when the gateway failed
	// and then statement q, one of those undoing the request, failed too.
	undone func(fe *faultEnv, r *response, before []harness.Row, q string)
	// retry runs the request (req) again with nothing failing, after c,
	// and checks that it succeeds: nothing was lost.
	retry func(fe *faultEnv, c harness.FaultCase, req func() *response)
}

// runFaults runs the flow once with each of its fault cases, each on a
// fresh database (harness.EachFault).
func runFaults(t *testing.T, fl faultFlow) {
	fresh := func(t *testing.T) (*faultEnv, harness.FaultEnv, func() *response) {
		fe := newFaultEnv(t)
		req := fl.setup(fe)
		return fe, harness.FaultEnv{Faults: fe.faults, SMS: fe.sms, DB: fe.DB}, req
	}
	harness.EachFault(t, fresh, fl.ok, func(t *testing.T, fe *faultEnv, req func() *response, r *response, tr harness.FaultTrial) {
		c, q, before := tr.Case, tr.Failed, tr.Before
		if c.Stmt > 0 && q == "" {
			t.Skip("the request ran fewer statements this time (a random purge)")
		}
		switch {
		case c.Undo():
			fl.undone(fe, r, before, q)
		case c.Send != harness.SendOK:
			wantUnavailable(t, r, "sms_unavailable", 60)
			if d := fe.changes(before); d != "" {
				t.Fatalf("the gateway failed (%s) and the database changed:\n%s", c.Send, d)
			}
		case tolerated(fl.tolerated, q):
			fl.ok(fe, r)
		default:
			wantUnavailable(t, r, "unavailable", api.RetryAfterUnavailable)
			if d := fe.changes(before); d != "" {
				t.Fatalf("%s failed and the database changed:\n%s", harness.Short(q), d)
			}
		}
		fl.retry(fe, c, req)
	})
}

func tolerated(list []string, q string) bool {
	for _, s := range list {
		if strings.Contains(q, s) {
			return true
		}
	}
	return false
}

// undoLeaves is what a second fault leaves, by the tables it changes: the
// send failed, and then the statement (substring) undoing the start failed
// too. The answer is still 503 sms_unavailable and a retry works.
var undoLeaves = map[string]string{
	// The unsent code stays live and the older one superseded: the older
	// code answers 410 otp_superseded; the person starts again, as the
	// answer told them to.
	"SET superseded_by = NULL": "otp_transactions",
	// The older code is live again, the unsent one beside it: nobody holds
	// that one, and the number's guess budget covers both.
	"DELETE FROM otp_transactions": "otp_transactions",
	// The start stays counted (resend gap, hour, IP, entity) though its
	// code never went out.
	"UPDATE rate_counters SET count = count - 1": "rate_counters",
}

// wantLeft checks that what a failed undo statement q left is as undoLeaves
// says, and logs it.
func wantLeft(t testing.TB, q, diff string) {
	t.Helper()
	for s, tables := range undoLeaves {
		if strings.Contains(q, s) {
			if got := strings.Join(harness.Tables(diff), " "); got != tables {
				t.Fatalf("%s failed after the send and left %s, want %s:\n%s", harness.Short(q), got, tables, diff)
			}
			t.Logf("%s failed after the send; left\n%s", harness.Short(q), diff)
			return
		}
	}
	t.Fatalf("%s failed after the send: not a known undo statement", harness.Short(q))
}

// purge is what a start runs now and then (about one in 256): a failure
// only delays it.
var purge = []string{"DELETE FROM otp_transactions WHERE expires_at <", "DELETE FROM rate_counters WHERE window_start <",
	"DELETE FROM used_tokens WHERE expires_at <"}

func TestFaultsStatusStart(t *testing.T) {
	p := seed.DemoPeople[0]
	runFaults(t, startFlow(func(fe *faultEnv) *response { return fe.start("ent_railways", p.Mobile, p.Name, nonce) },
		func(fe *faultEnv, r *response) {
			fe.checkToken(fe.verify(r.Str("txn"), fe.LastOTP(p.Mobile)), "ent_railways", nonce)
		}))
}

// startFlow is the fault flow of an OTP start (one person's, a family's):
// the setup sends a live code that the start supersedes and must give back
// if the new one cannot be sent; after any fault a retried start works,
// and its code verifies (verified).
func startFlow(start func(fe *faultEnv) *response, verified func(fe *faultEnv, r *response)) faultFlow {
	return faultFlow{
		setup: func(fe *faultEnv) func() *response {
			if r := start(fe); r.Status != http.StatusAccepted {
				fe.t.Fatalf("first start: %d %s", r.Status, r.Raw)
			}
			fe.Clock.Add(fe.h.cfg.Limits.ResendAfter)
			return func() *response { return start(fe) }
		},
		ok: func(fe *faultEnv, r *response) {
			if r.Status != http.StatusAccepted {
				fe.t.Fatalf("start: %d %s", r.Status, r.Raw)
			}
		},
		tolerated: purge,
		undone: func(fe *faultEnv, r *response, before []harness.Row, q string) {
			wantUnavailable(fe.t, r, "sms_unavailable", 60)
			wantLeft(fe.t, q, fe.changes(before))
		},
		retry: func(fe *faultEnv, c harness.FaultCase, req func() *response) {
			if c.Undo() {
				// The counts may not have been given back: the resend gap.
				fe.Clock.Add(fe.h.cfg.Limits.ResendAfter)
			}
			r := req()
			if r.Status != http.StatusAccepted {
				fe.t.Fatalf("retried start: %d %s", r.Status, r.Raw)
			}
			verified(fe, r)
		},
	}
}

// A start the resend gap refuses (429) counts against none of the limits,
// whatever statement fails.
func TestFaultsStatusStartRefused(t *testing.T) {
	p := seed.DemoPeople[0]
	start := func(fe *faultEnv) *response { return fe.start("ent_railways", p.Mobile, p.Name, nonce) }
	refused := func(fe *faultEnv, r *response) {
		if r.Status != http.StatusTooManyRequests || r.Code() != "rate_limited" {
			fe.t.Fatalf("start within the resend gap: %d %s", r.Status, r.Raw)
		}
	}
	runFaults(t, faultFlow{
		setup: func(fe *faultEnv) func() *response {
			if r := start(fe); r.Status != http.StatusAccepted {
				fe.t.Fatalf("first start: %d %s", r.Status, r.Raw)
			}
			return func() *response { return start(fe) }
		},
		ok: refused,
		retry: func(fe *faultEnv, _ harness.FaultCase, req func() *response) {
			refused(fe, req())
			fe.Clock.Add(fe.h.cfg.Limits.ResendAfter)
			if r := req(); r.Status != http.StatusAccepted {
				fe.t.Fatalf("start after the resend gap: %d %s", r.Status, r.Raw)
			}
		},
	})
}

func TestFaultsStatusVerify(t *testing.T) {
	p := seed.DemoPeople[1]
	runFaults(t, faultFlow{
		setup: func(fe *faultEnv) func() *response {
			r := fe.start("ent_airline", p.Mobile, p.Name, nonce)
			if r.Status != http.StatusAccepted {
				fe.t.Fatalf("start: %d %s", r.Status, r.Raw)
			}
			txn, code := r.Body["txn"].(string), fe.LastOTP(p.Mobile)
			return func() *response { return fe.verify(txn, code) }
		},
		ok: func(fe *faultEnv, r *response) { fe.checkToken(r, "ent_airline", nonce) },
		retry: func(fe *faultEnv, _ harness.FaultCase, req func() *response) {
			// The same code still works: its attempt was given back.
			fe.checkToken(req(), "ent_airline", nonce)
			if r := req(); r.Status != http.StatusGone || r.Code() != "otp_used" {
				fe.t.Fatalf("second verify: %d %s", r.Status, r.Raw)
			}
		},
	})
}

// No token is issued twice for one transaction: of 20 parallel verifies
// with the right code exactly one gets a token.
func TestParallelVerifiesOneToken(t *testing.T) {
	fe := newFaultEnv(t)
	p := seed.DemoPeople[0]
	r := fe.start("ent_railways", p.Mobile, p.Name, nonce)
	txn, code := r.Body["txn"].(string), fe.LastOTP(p.Mobile)
	var mu sync.Mutex
	outcomes := map[string]int{}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			r := fe.verify(txn, code)
			mu.Lock()
			outcomes[strconv.Itoa(r.Status)+" "+r.Code()]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if outcomes["200 "] != 1 || outcomes["200 "]+outcomes["410 otp_used"]+outcomes["410 otp_locked"] != 20 {
		t.Fatalf("outcomes %v, want one 200 and the rest 410 otp_used or otp_locked", outcomes)
	}
}

// A statement D1 ran whose reply was lost fails the request like any other
// fault, and still no transaction yields two tokens: the retry with the same
// code gets the one token, or none if the lost statement was the one that
// used the transaction up (the person then starts again).
func TestLostRepliesNoTokenTwice(t *testing.T) {
	p := seed.DemoPeople[1]
	n := 0
	for {
		n++
		fe := newFaultEnv(t)
		r := fe.start("ent_airline", p.Mobile, p.Name, nonce)
		txn, code := r.Body["txn"].(string), fe.LastOTP(p.Mobile)
		fe.faults.LoseNth(n)
		first := fe.verify(txn, code)
		q := fe.faults.Failed()
		fe.faults.Clear()
		if q == "" {
			if first.Status != http.StatusOK {
				t.Fatalf("verify: %d %s", first.Status, first.Raw)
			}
			break
		}
		wantUnavailable(t, first, "unavailable", api.RetryAfterUnavailable)
		again := fe.verify(txn, code)
		switch {
		case again.Status == http.StatusOK:
			fe.checkToken(again, "ent_airline", nonce)
		case (strings.Contains(q, "SET used_at") || strings.Contains(q, "used_at = CASE")) && again.Status == http.StatusGone && again.Code() == "otp_used":
		default:
			t.Fatalf("reply of %s lost; retry: %d %s", harness.Short(q), again.Status, again.Raw)
		}
		t.Logf("reply of %s lost: retry %d %s", harness.Short(q), again.Status, again.Code())
	}
	if n < 3 {
		t.Fatalf("verify ran %d statements", n-1)
	}
}
