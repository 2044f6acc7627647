package booking_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/sms"
)

// Faults lose nothing: every statement of booking, recording, walk-ins and
// unlocking fails in turn, and the SMS gateway fails each way it can. Each
// time the answer is a 503 with Retry-After and the database is as it was,
// or the dose stands with its confirmation queued; and the same request
// then succeeds, or the queued confirmation goes out.

// faultEnv is env on a database whose statements fail on demand, with an SMS
// sender that fails on demand (or the real webhook sender).
type faultEnv struct {
	*env
	faults *harness.Faults
	sms    *harness.Sender
	apt    booked // the appointment a flow's setup booked
}

// newFaultEnv builds the worker as newEnv does; sender nil is fe.sms.
func newFaultEnv(t testing.TB, sender sms.Sender) *faultEnv {
	t.Helper()
	fake := &harness.Sender{}
	if sender == nil {
		sender = fake
	}
	e := startEnv(t, harness.Options{Faults: true, Sender: sender}, nil)
	return &faultEnv{env: e, faults: e.Faults, sms: fake}
}

// changes lists what changed since before, less what a failed request may
// leave harmlessly: the harness.Harmless functions, and extra.
func (fe *faultEnv) changes(before []harness.Row, extra ...harness.Harmless) string {
	h := append([]harness.Harmless{harness.NoCounts(fe.Clock.Now()), harness.GuessTimes}, extra...)
	return harness.Diff(harness.Render(before, h...), harness.DumpWithout(fe.t, fe.DB, h...))
}

// session proves mobile with a booking OTP.
func (fe *faultEnv) session(mobile string) string {
	fe.t.Helper()
	r := fe.do("POST", "/v1/booking/otp", "", map[string]string{"mobile": mobile})
	fe.want(r, http.StatusAccepted, "")
	r = fe.do("POST", "/v1/booking/session", "", map[string]string{"txn": r.Str("txn"), "otp": fe.LastOTP(mobile)})
	fe.want(r, http.StatusOK, "")
	return r.Str("session")
}

// bookRequest is the booking request for name on mobile at centre today, 10:00.
func (fe *faultEnv) bookRequest(session, mobile, name, centre string) func() *response {
	return func() *response {
		return fe.do("POST", "/v1/appointments", session, map[string]string{"mobile": mobile, "name": name, "centre": centre,
			"date": fe.day(0), "time": "10:00"})
	}
}

// booked reads the appointment of a 201 booking response and its code from
// the slip SMS.
func (fe *faultEnv) booked(r *response, mobile string) booked {
	fe.t.Helper()
	fe.want(r, http.StatusCreated, "")
	b := booked{id: r.Str("appointment", "id"), access: r.Str("access_token")}
	if slip := fe.LastSMS(mobile, "booking"); !strings.Contains(slip, b.id) {
		fe.t.Fatalf("slip SMS without the appointment id: %q", slip)
	}
	b.code = fe.LastCode(mobile)
	return b
}

// book books name on mobile at centre today.
func (fe *faultEnv) book(mobile, name, centre string) booked {
	fe.t.Helper()
	return fe.booked(fe.bookRequest(fe.session(mobile), mobile, name, centre)(), mobile)
}

func (fe *faultEnv) walkInOTP(centre, mobile, name string) *response {
	return fe.do("POST", "/v1/vaccinations/walk-in", fe.tokens[centre], map[string]string{"mobile": mobile, "name": name})
}

func (fe *faultEnv) recordWalkIn(centre, txn, code, vaccine string) *response {
	return fe.do("POST", "/v1/vaccinations", fe.tokens[centre],
		map[string]any{"walk_in": true, "txn": txn, "otp": code, "vaccine": vaccine, "batch": "B-1234"})
}

// scheduled runs the cron trigger's work.
func (fe *faultEnv) scheduled() error { return fe.svc.ScheduledFixed(context.Background()) }

// queued returns the confirmations queued: "dose_id attempts next_at-now".
func (fe *faultEnv) queued() []string {
	fe.t.Helper()
	rows, err := fe.DB.Query(`SELECT dose_id, attempts, next_at FROM confirmations ORDER BY dose_id`)
	if err != nil {
		fe.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		var attempts, next int64
		rows.Scan(&id, &attempts, &next)
		out = append(out, id+" "+strconv.FormatInt(attempts, 10)+" "+strconv.FormatInt(next-fe.Clock.Now().Unix(), 10))
	}
	return out
}

// doseSMS returns the dose confirmations delivered to mobile.
func (fe *faultEnv) doseSMS(mobile string) []sms.Message {
	var out []sms.Message
	for _, m := range fe.sms.Delivered() {
		if m.To == mobile && m.Kind == "dose" {
			out = append(out, m)
		}
	}
	return out
}

func wantUnavailable(t testing.TB, r *response, code string, retryAfter int) {
	t.Helper()
	if r.Status != http.StatusServiceUnavailable || r.Code() != code || r.Header.Get("Retry-After") != strconv.Itoa(retryAfter) ||
		r.Body["retry_after"] != float64(retryAfter) {
		t.Fatalf("got %d %s (Retry-After %q), want 503 %s with Retry-After %d", r.Status, strings.TrimSpace(r.Raw),
			r.Header.Get("Retry-After"), code, retryAfter)
	}
}

// wantSame fails t if the database changed, less what harmless leaves out.
func (fe *faultEnv) wantSame(before []harness.Row, why string, harmless ...harness.Harmless) {
	fe.t.Helper()
	if d := fe.changes(before, harmless...); d != "" {
		fe.t.Fatalf("%s, and the database changed:\n%s", why, d)
	}
}

// faultFlow is a request to fail in every way.
type faultFlow struct {
	// setup prepares a fresh environment and returns the request.
	setup func(fe *faultEnv) func() *response
	// ok checks the answer when nothing fails.
	ok func(fe *faultEnv, r *response)
	// harmless is what else a failed request of this flow may leave.
	harmless []harness.Harmless
	// tolerated lists statements (substrings) whose failure the design
	// tolerates after the fact, and what it promises instead.
	tolerated map[string]func(fe *faultEnv, r *response, before []harness.Row)
	// sendFailed checks a failed send; nil: 503 sms_unavailable, the
	// database as it was.
	sendFailed func(fe *faultEnv, r *response, before []harness.Row, f harness.SendFault)
	// undone checks the answer and the database when the send failed and
	// then statement q, run because of it, failed too.
	undone func(fe *faultEnv, r *response, before []harness.Row, q string)
	// retry runs the request (req) again with nothing failing, after the
	// first answer, and checks that nothing was lost.
	retry func(fe *faultEnv, first *response, req func() *response)
}

// runFaults runs the flow once with each of its fault cases, each on a
// fresh database (harness.EachFault).
func runFaults(t *testing.T, fl faultFlow) {
	fresh := func(t *testing.T) (*faultEnv, harness.FaultEnv, func() *response) {
		fe := newFaultEnv(t, nil)
		req := fl.setup(fe)
		return fe, harness.FaultEnv{Faults: fe.faults, SMS: fe.sms, DB: fe.DB}, req
	}
	harness.EachFault(t, fresh, fl.ok, func(t *testing.T, fe *faultEnv, req func() *response, r *response, tr harness.FaultTrial) {
		c, q, before := tr.Case, tr.Failed, tr.Before
		if c.Stmt > 0 && q == "" {
			t.Fatalf("the request ran fewer than %d statements", c.Stmt)
		}
		var check func(fe *faultEnv, r *response, before []harness.Row)
		for s, f := range fl.tolerated {
			if strings.Contains(q, s) {
				check = f
			}
		}
		switch {
		case c.Undo():
			fl.undone(fe, r, before, q)
		case c.Send != harness.SendOK && fl.sendFailed != nil:
			fl.sendFailed(fe, r, before, c.Send)
		case c.Send != harness.SendOK:
			wantUnavailable(t, r, "sms_unavailable", 60)
			fe.wantSame(before, "the gateway failed ("+c.Send.String()+")", fl.harmless...)
		case check != nil:
			check(fe, r, before)
		case tolerated(givingBack, q):
			fl.ok(fe, r)
		default:
			wantUnavailable(t, r, "unavailable", api.RetryAfterUnavailable)
			fe.wantSame(before, harness.Short(q)+" failed", fl.harmless...)
		}
		fl.retry(fe, r, req)
	})
}

// undoLeaves is what a second fault leaves, by the tables it changes: the
// send failed, and then the statement (substring) undoing the request
// failed too. The answer is still 503 sms_unavailable, and the retry (see
// each flow) works.
var undoLeaves = map[string]string{
	// An OTP start: the unsent code stays live and the older one
	// superseded (it answers 410 otp_superseded; the person starts again,
	// as the answer told them to) …
	"SET superseded_by = NULL": "otp_transactions",
	// … or the older code is live again and the unsent one beside it:
	// nobody holds that one, and the number's guess budget covers both.
	"DELETE FROM otp_transactions": "otp_transactions",
	// Any request: it stays counted (an OTP start against its limits, a
	// booking against the mobile's 10 a day, a reschedule against the
	// appointment's 3 a day) though its SMS never went out.
	"UPDATE rate_counters SET count = count - 1": "rate_counters",
	// A booking: live, with a code nobody holds; the retry answers 409
	// already_booked, and the person's session cancels it (which gives its
	// place in the slot back).
	"updated_by = 'system:slip_not_sent'": "appointments audit_log slot_places slots",
	// An unlock: live, with a code nobody holds; unlocking again answers
	// 409 not_locked, and the person gets a code by rescheduling.
	"SET status = 'locked'": "appointments",
	// A reschedule: at the new slot with the unsent code (the person's
	// old code stops working), holding its place there (slot_places,
	// slots); the person's retry sends a new one.
	"SET centre_id = ?": "appointments slot_places slots",
	// With shards, a move back is three statements in two databases
	// (store.Sharded.RescheduleAppointment): reading where the appointment
	// is or taking the old place failing leaves it as the failed move back
	// does above.
	"SELECT a.id, a.beneficiary_id": "appointments slot_places slots",
	"INSERT INTO slot_places":       "appointments slot_places slots",
	// A place given back in the centre's database after the appointment
	// was cancelled or moved: tried twice, so one failure leaves nothing.
	"UPDATE slot_places SET holds = 0":        "",
	"DELETE FROM slot_places WHERE centre_id": "",
}

// givingBack are the statements that give a place back in the centre's
// database with shards (store.Sharded), after the appointment changed:
// each is tried twice, so one failure changes nothing for the request.
var givingBack = []string{"UPDATE slot_places SET holds = 0", "DELETE FROM slot_places WHERE centre_id"}

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

func TestFaultsBookingOTP(t *testing.T) {
	req := func(fe *faultEnv) *response {
		return fe.do("POST", "/v1/booking/otp", "", map[string]string{"mobile": arjunMobile})
	}
	runFaults(t, faultFlow{
		setup: func(fe *faultEnv) func() *response {
			fe.want(req(fe), http.StatusAccepted, "") // a live code for the new one to supersede
			return func() *response { return req(fe) }
		},
		ok: func(fe *faultEnv, r *response) { fe.want(r, http.StatusAccepted, "") },
		undone: func(fe *faultEnv, r *response, before []harness.Row, q string) {
			wantUnavailable(fe.t, r, "sms_unavailable", 60)
			wantLeft(fe.t, q, fe.changes(before))
		},
		retry: func(fe *faultEnv, _ *response, req func() *response) {
			r := req()
			fe.want(r, http.StatusAccepted, "")
			fe.want(fe.do("POST", "/v1/booking/session", "", map[string]string{"txn": r.Str("txn"), "otp": fe.LastOTP(arjunMobile)}),
				http.StatusOK, "")
		},
	})
}

func TestFaultsBookingSession(t *testing.T) {
	// The shared mobile: four people, three with doses, so every read
	// of the session runs.
	const shared = "9876500004"
	runFaults(t, faultFlow{
		setup: func(fe *faultEnv) func() *response {
			r := fe.do("POST", "/v1/booking/otp", "", map[string]string{"mobile": shared})
			fe.want(r, http.StatusAccepted, "")
			body := map[string]string{"txn": r.Str("txn"), "otp": fe.LastOTP(shared)}
			return func() *response { return fe.do("POST", "/v1/booking/session", "", body) }
		},
		ok: func(fe *faultEnv, r *response) {
			fe.want(r, http.StatusOK, "")
			if n := len(r.Body["beneficiaries"].([]any)); n != 4 {
				fe.t.Fatalf("%d beneficiaries: %s", n, r.Raw)
			}
		},
		retry: func(fe *faultEnv, _ *response, req func() *response) {
			// The same code opens the session: its attempt was given back.
			r := req()
			fe.want(r, http.StatusOK, "")
			fe.want(req(), http.StatusGone, "otp_used")
		},
	})
}

// unsentAppointments leaves out appointments cancelled because their slip
// was not sent, and the audit and place rows naming them (a place row of a
// cancelled appointment holds nothing): the answer said nothing was
// booked, and nothing is: the row is cancelled, holds no slot, blocks no
// booking, and its code reached nobody. It cannot be deleted, since the
// append-only audit log records its booking and cancelling.
func (fe *faultEnv) unsentAppointments() harness.Harmless {
	unsent := map[any]bool{}
	rows, err := fe.DB.Query(`SELECT id FROM appointments WHERE updated_by = 'system:slip_not_sent' AND status = 'cancelled'`)
	if err != nil {
		fe.t.Fatal(err)
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		unsent[id] = true
	}
	rows.Close()
	return func(r *harness.Row) bool {
		switch r.Table {
		case "appointments":
			return !unsent[r.Get("id")]
		case "audit_log", "slot_places":
			return !unsent[r.Get("appointment_id")]
		}
		return true
	}
}

func TestFaultsBooking(t *testing.T) {
	runFaults(t, faultFlow{
		setup: func(fe *faultEnv) func() *response {
			return fe.bookRequest(fe.session(arjunMobile), arjunMobile, arjun, delhi)
		},
		ok:       func(fe *faultEnv, r *response) { fe.booked(r, arjunMobile) },
		harmless: []harness.Harmless{harness.AuditCounter},
		sendFailed: func(fe *faultEnv, r *response, before []harness.Row, f harness.SendFault) {
			wantUnavailable(fe.t, r, "sms_unavailable", 60)
			fe.wantSame(before, "the slip was not sent ("+f.String()+")", harness.AuditCounter, fe.unsentAppointments())
		},
		undone: func(fe *faultEnv, r *response, before []harness.Row, q string) {
			wantUnavailable(fe.t, r, "sms_unavailable", 60)
			wantLeft(fe.t, q, fe.changes(before, harness.AuditCounter, fe.unsentAppointments()))
		},
		retry: func(fe *faultEnv, _ *response, req func() *response) {
			r := req()
			if r.Status == http.StatusConflict && r.Code() == "already_booked" {
				// The slip was not sent and cancelling failed too: the
				// person's session can cancel the appointment nobody holds.
				var id string
				fe.DB.QueryRow(`SELECT id FROM appointments WHERE status = 'live'`).Scan(&id)
				fe.want(fe.do("DELETE", "/v1/appointments/"+id, fe.session(arjunMobile), nil), http.StatusOK, "")
				r = req()
			}
			b := fe.booked(r, arjunMobile)
			fe.want(fe.record(delhi, b.id, b.code, "covaxin"), http.StatusCreated, "")
		},
	})
}

// confirmedOnce checks, after the cron trigger has run, that the person on
// mobile has exactly one recorded dose of beneficiary and that its
// confirmation went out (more than once only under one idempotency key)
// and left the queue.
func (fe *faultEnv) confirmedOnce(mobile, beneficiary string) {
	fe.t.Helper()
	fe.Clock.Add(time.Hour) // the longest backoff
	if err := fe.scheduled(); err != nil {
		fe.t.Fatalf("scheduled: %v", err)
	}
	if n := fe.count(`SELECT count(*) FROM doses WHERE beneficiary_id = ? AND (appointment_id IS NOT NULL OR walk_in = 1)`, beneficiary); n != 1 {
		fe.t.Fatalf("%d doses recorded, want 1", n)
	}
	if q := fe.queued(); len(q) != 0 {
		fe.t.Fatalf("confirmations still queued after the cron trigger: %v", q)
	}
	sent := fe.doseSMS(mobile)
	if len(sent) == 0 {
		fe.t.Fatal("no dose confirmation sent")
	}
	var id string
	fe.DB.QueryRow(`SELECT id FROM doses WHERE beneficiary_id = ? AND (appointment_id IS NOT NULL OR walk_in = 1)`, beneficiary).Scan(&id)
	for _, m := range sent {
		if m.ID != "dose:"+id {
			fe.t.Fatalf("confirmation with idempotency id %q, want dose:%s", m.ID, id)
		}
	}
}

// recordingFlow is the tolerated failures, the failed sends and the retry
// common to recording with a security code and recording a walk-in; again
// is what repeating a successful recording answers.
func recordingFlow(fl faultFlow, mobile, beneficiary string, againStatus int, againCode string) faultFlow {
	fl.tolerated = map[string]func(fe *faultEnv, r *response, before []harness.Row){
		// The confirmation went out and dequeuing it failed: the dose
		// stands, and the queue sends the confirmation once more under
		// the same idempotency key (the gateway de-duplicates).
		"DELETE FROM confirmations": func(fe *faultEnv, r *response, _ []harness.Row) {
			fe.want(r, http.StatusCreated, "")
			if r.Str("confirmation_sent") != "true" || len(fe.queued()) != 1 || !strings.HasSuffix(fe.queued()[0], " 0 0") {
				fe.t.Fatalf("dequeuing failed: %s, queued %v", r.Raw, fe.queued())
			}
		},
	}
	fl.sendFailed = func(fe *faultEnv, r *response, _ []harness.Row, f harness.SendFault) {
		// The dose stands; its confirmation waits a minute in the queue.
		fe.want(r, http.StatusCreated, "")
		if q := fe.queued(); r.Str("confirmation_sent") != "false" || len(q) != 1 || !strings.HasSuffix(q[0], " 1 60") {
			fe.t.Fatalf("gateway %s: %s, queued %v", f, r.Raw, q)
		}
	}
	fl.undone = func(fe *faultEnv, r *response, _ []harness.Row, q string) {
		// Counting the failed send failed: still queued, due at once.
		fe.want(r, http.StatusCreated, "")
		if qd := fe.queued(); r.Str("confirmation_sent") != "false" || len(qd) != 1 || !strings.HasSuffix(qd[0], " 0 0") {
			fe.t.Fatalf("%s failed: %s, queued %v", harness.Short(q), r.Raw, qd)
		}
	}
	fl.retry = func(fe *faultEnv, first *response, req func() *response) {
		if first.Status == http.StatusCreated {
			fe.want(req(), againStatus, againCode)
		} else {
			r := req()
			fe.want(r, http.StatusCreated, "")
			if r.Str("confirmation_sent") != "true" {
				fe.t.Fatalf("retried recording: %s", r.Raw)
			}
		}
		fe.confirmedOnce(mobile, beneficiary)
	}
	return fl
}

func TestFaultsRecording(t *testing.T) {
	runFaults(t, recordingFlow(faultFlow{
		setup: func(fe *faultEnv) func() *response {
			b := fe.book(arjunMobile, arjun, delhi)
			return func() *response { return fe.record(delhi, b.id, b.code, "covaxin") }
		},
		ok: func(fe *faultEnv, r *response) {
			fe.want(r, http.StatusCreated, "")
			if r.Str("confirmation_sent") != "true" || len(fe.queued()) != 0 || len(fe.doseSMS(arjunMobile)) != 1 {
				fe.t.Fatalf("recorded: %s, queued %v", r.Raw, fe.queued())
			}
		},
	}, arjunMobile, "ben_demo_03", http.StatusConflict, "already_recorded"))
}

func TestFaultsWalkInOTP(t *testing.T) {
	runFaults(t, faultFlow{
		setup: func(fe *faultEnv) func() *response {
			fe.want(fe.walkInOTP(delhi, arjunMobile, arjun), http.StatusAccepted, "") // a live code to supersede
			return func() *response { return fe.walkInOTP(delhi, arjunMobile, arjun) }
		},
		ok: func(fe *faultEnv, r *response) { fe.want(r, http.StatusAccepted, "") },
		undone: func(fe *faultEnv, r *response, before []harness.Row, q string) {
			wantUnavailable(fe.t, r, "sms_unavailable", 60)
			wantLeft(fe.t, q, fe.changes(before))
		},
		retry: func(fe *faultEnv, _ *response, req func() *response) {
			r := req()
			fe.want(r, http.StatusAccepted, "")
			fe.want(fe.recordWalkIn(delhi, r.Str("txn"), fe.LastOTP(arjunMobile), "covaxin"), http.StatusCreated, "")
		},
	})
}

func TestFaultsWalkInRecording(t *testing.T) {
	runFaults(t, recordingFlow(faultFlow{
		setup: func(fe *faultEnv) func() *response {
			r := fe.walkInOTP(delhi, arjunMobile, arjun)
			fe.want(r, http.StatusAccepted, "")
			txn, code := r.Str("txn"), fe.LastOTP(arjunMobile)
			return func() *response { return fe.recordWalkIn(delhi, txn, code, "covaxin") }
		},
		ok: func(fe *faultEnv, r *response) {
			fe.want(r, http.StatusCreated, "")
			if r.Str("confirmation_sent") != "true" || r.Str("dose", "walk_in") != "true" || len(fe.queued()) != 0 {
				fe.t.Fatalf("recorded: %s, queued %v", r.Raw, fe.queued())
			}
		},
		harmless: []harness.Harmless{harness.WalkInGuessesAudited, harness.AuditCounter},
	}, arjunMobile, "ben_demo_03", http.StatusGone, "otp_used"))
}

// historyOf leaves out the audit rows of appointment id, which the test
// checks itself, and blanks the named columns of its row: what those audit
// rows explain.
func historyOf(id string, cols ...string) harness.Harmless {
	return func(r *harness.Row) bool {
		switch {
		case r.Table == "audit_log" && r.Get("appointment_id") == id:
			return false
		case r.Table == "appointments" && r.Get("id") == id:
			for _, c := range cols {
				r.Set(c, nil)
			}
		}
		return true
	}
}

// auditIn returns the audit rows of appointment id in rows as env.audit does.
func auditIn(rows []harness.Row, id string) []string {
	var out []string
	for _, r := range rows {
		if r.Table == "audit_log" && r.Get("appointment_id") == id {
			out = append(out, r.Get("event").(string)+" "+r.Get("actor").(string))
		}
	}
	return out
}

func (fe *faultEnv) wantAudit(before []harness.Row, id string, added ...string) {
	fe.t.Helper()
	if got, want := fe.audit(id), append(auditIn(before, id), added...); !slices.Equal(got, want) {
		fe.t.Fatalf("audit %v, want %v", got, want)
	}
}

func TestFaultsUnlock(t *testing.T) {
	const who = "supervisor:Dr. Meera Rao"
	runFaults(t, faultFlow{
		setup: func(fe *faultEnv) func() *response {
			fe.apt = fe.book(arjunMobile, arjun, delhi)
			for range 3 {
				fe.want(fe.record(delhi, fe.apt.id, pad(fe.apt.code), "covaxin"), http.StatusUnprocessableEntity, "security_code_incorrect")
			}
			sup := fe.supervisor(delhi, "Dr. Meera Rao")
			fe.Clock.Add(time.Minute)
			return func() *response { return fe.do("POST", "/v1/centre/appointments/"+fe.apt.id+"/unlock", sup, "{}") }
		},
		ok: func(fe *faultEnv, r *response) {
			fe.want(r, http.StatusOK, "")
			if r.Str("status") != "live" {
				fe.t.Fatalf("unlocked: %s", r.Raw)
			}
		},
		harmless: []harness.Harmless{harness.AuditCounter},
		sendFailed: func(fe *faultEnv, r *response, before []harness.Row, f harness.SendFault) {
			wantUnavailable(fe.t, r, "sms_unavailable", 60)
			// Locked again, by the system, and the audit log says so (and
			// no wrong code: nobody entered one).
			fe.wantAudit(before, fe.apt.id, "unlocked "+who, "new_code "+who, "locked system:code_not_sent")
			// Its code hash (and sealed code) are now the unsent code's, good for
			// nothing while it is locked and which the next unlock
			// replaces; its wrong-code count is the unlock's 0.
			fe.wantSame(before, "the new code was not sent ("+f.String()+")", harness.AuditCounter,
				historyOf(fe.apt.id, "code_hash", "code_enc", "wrong_attempts", "updated_at", "updated_by"))
		},
		undone: func(fe *faultEnv, r *response, before []harness.Row, q string) {
			wantUnavailable(fe.t, r, "sms_unavailable", 60)
			wantLeft(fe.t, q, fe.changes(before, harness.AuditCounter,
				historyOf(fe.apt.id, "code_hash", "code_enc", "wrong_attempts", "updated_at", "updated_by")))
		},
		retry: func(fe *faultEnv, _ *response, req func() *response) {
			r := req()
			if r.Status == http.StatusConflict && r.Code() == "not_locked" {
				// The new code was not sent and locking again failed too:
				// live, with a code nobody holds. The person gets a new
				// one by rescheduling to the same slot.
				r = fe.do("PATCH", "/v1/appointments/"+fe.apt.id, fe.apt.access, map[string]string{"date": fe.day(0)})
			}
			fe.want(r, http.StatusOK, "")
			fe.want(fe.record(delhi, fe.apt.id, fe.LastCode(arjunMobile), "covaxin"), http.StatusCreated, "")
		},
	})
}

func TestFaultsReschedule(t *testing.T) {
	runFaults(t, faultFlow{
		setup: func(fe *faultEnv) func() *response {
			fe.apt = fe.book(arjunMobile, arjun, delhi)
			fe.Clock.Add(time.Minute)
			return func() *response {
				return fe.do("PATCH", "/v1/appointments/"+fe.apt.id, fe.apt.access, map[string]string{"date": fe.day(1)})
			}
		},
		ok: func(fe *faultEnv, r *response) {
			fe.want(r, http.StatusOK, "")
			if r.Str("date") != fe.day(1) {
				fe.t.Fatalf("rescheduled: %s", r.Raw)
			}
		},
		harmless: []harness.Harmless{harness.AuditCounter},
		sendFailed: func(fe *faultEnv, r *response, before []harness.Row, f harness.SendFault) {
			wantUnavailable(fe.t, r, "sms_unavailable", 60)
			// Moved and moved back, with the old code: the audit log has
			// both moves, and updated_at is the second's time.
			fe.wantAudit(before, fe.apt.id, "rescheduled beneficiary", "rescheduled beneficiary")
			fe.wantSame(before, "the new slip was not sent ("+f.String()+")", harness.AuditCounter, historyOf(fe.apt.id, "updated_at"))
			fe.want(fe.record(delhi, fe.apt.id, fe.apt.code, "covaxin"), http.StatusCreated, "") // the old code still works
		},
		undone: func(fe *faultEnv, r *response, before []harness.Row, q string) {
			wantUnavailable(fe.t, r, "sms_unavailable", 60)
			wantLeft(fe.t, q, fe.changes(before, harness.AuditCounter, historyOf(fe.apt.id, "updated_at")))
		},
		retry: func(fe *faultEnv, first *response, req func() *response) {
			if n := fe.count(`SELECT count(*) FROM doses WHERE appointment_id = ?`, fe.apt.id); n == 1 {
				return // recorded with the old code above
			}
			r := req()
			fe.want(r, http.StatusOK, "")
			code := fe.LastCode(arjunMobile)
			fe.Clock.Add(24 * time.Hour)
			fe.want(fe.record(delhi, r.Str("id"), code, "covaxin"), http.StatusCreated, "")
		},
	})
}

// The cron trigger's work, every statement failing in turn and the gateway
// failing each way: a queued confirmation is sent later, never lost, and
// every send of it carries the same idempotency key.
func TestFaultsRetryConfirmations(t *testing.T) {
	// setup records a dose whose confirmation could not be sent.
	setup := func(t *testing.T) *faultEnv {
		fe := newFaultEnv(t, nil)
		b := fe.book(arjunMobile, arjun, delhi)
		fe.sms.Fail(harness.SendFails)
		fe.want(fe.record(delhi, b.id, b.code, "covaxin"), http.StatusCreated, "")
		fe.sms.Fail(harness.SendOK)
		fe.Clock.Add(time.Minute)
		if q := fe.queued(); len(q) != 1 || !strings.HasSuffix(q[0], " 1 0") {
			t.Fatalf("queued %v", q)
		}
		return fe
	}
	statements := func(send harness.SendFault) []string {
		fe := setup(t)
		fe.sms.Fail(send)
		fe.faults.Start()
		if err := fe.scheduled(); err != nil {
			t.Fatal(err)
		}
		stmts := fe.faults.Statements()
		if send == harness.SendOK && (len(fe.queued()) != 0 || len(fe.doseSMS(arjunMobile)) != 1) {
			t.Fatalf("after the cron trigger: queued %v, %d sent", fe.queued(), len(fe.doseSMS(arjunMobile)))
		}
		return stmts
	}
	for _, c := range harness.FaultCases(statements(harness.SendOK), statements(harness.SendFails)) {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			fe := setup(t)
			c.Arm(fe.faults, fe.sms)
			err := fe.scheduled()
			q := fe.faults.Failed()
			fe.faults.Clear()
			fe.sms.Fail(harness.SendOK)
			queued, sent := fe.queued(), len(fe.doseSMS(arjunMobile))
			switch {
			case c.Undo() && tolerated(purge, q):
				// The purge failed after a failed send: reported; the
				// confirmation backs off to two minutes.
				if err == nil || len(queued) != 1 || !strings.HasSuffix(queued[0], " 2 120") {
					t.Fatalf("%s failed after the send: err %v, queued %v", harness.Short(q), err, queued)
				}
			case c.Undo():
				// Sending failed and counting it failed: due again at once.
				if err != nil || len(queued) != 1 || !strings.HasSuffix(queued[0], " 1 0") {
					t.Fatalf("%s failed after the send: err %v, queued %v", harness.Short(q), err, queued)
				}
			case c.Send != harness.SendOK:
				// Failed again: backs off to two minutes.
				if err != nil || len(queued) != 1 || !strings.HasSuffix(queued[0], " 2 120") {
					t.Fatalf("gateway %s: err %v, queued %v", c.Send, err, queued)
				}
			case strings.Contains(q, "FROM confirmations q JOIN"):
				// Reading the queue failed: nothing sent, the cron trigger fails.
				if err == nil || sent != 0 || len(queued) != 1 {
					t.Fatalf("%s failed: err %v, queued %v, %d sent", harness.Short(q), err, queued, sent)
				}
			case strings.Contains(q, "DELETE FROM confirmations"):
				// Sent, still queued: sent again next time, same key.
				if err != nil || sent != 1 || len(queued) != 1 {
					t.Fatalf("%s failed: err %v, queued %v, %d sent", harness.Short(q), err, queued, sent)
				}
			case tolerated(purge, q):
				// The purge failed: reported, the confirmation went out.
				if err == nil || sent != 1 || len(queued) != 0 {
					t.Fatalf("%s failed: err %v, queued %v, %d sent", harness.Short(q), err, queued, sent)
				}
			default:
				t.Fatalf("unexpected statement %s", q)
			}
			fe.confirmedOnce(arjunMobile, "ben_demo_03")
		})
	}
}

// purge is what the cron trigger runs after the confirmations.
var purge = []string{"DELETE FROM otp_transactions WHERE rowid IN", "DELETE FROM rate_counters WHERE rowid IN",
	"DELETE FROM used_tokens WHERE rowid IN", "DELETE FROM sms_outbox WHERE rowid IN",
	"DELETE FROM slots WHERE (centre_id, slot_date, slot_time) IN", "DELETE FROM slot_places WHERE rowid IN",
	"FROM place_returns"} // with shards, the places owed are given back first (store.Sharded.Purge)

func tolerated(list []string, q string) bool {
	for _, s := range list {
		if strings.Contains(q, s) {
			return true
		}
	}
	return false
}

// A statement D1 ran whose reply was lost: the recording may have happened
// though the answer was a 503. Then the retry says already recorded (or, for
// a walk-in, that the code was used), the dose exists once, and its
// confirmation, queued by the statement that recorded it, goes out.
func TestLostRepliesRecording(t *testing.T) {
	for _, walkIn := range []bool{false, true} {
		t.Run(map[bool]string{false: "appointment", true: "walk_in"}[walkIn], func(t *testing.T) {
			for n := 1; ; n++ {
				fe := newFaultEnv(t, nil)
				var req func() *response
				if walkIn {
					r := fe.walkInOTP(delhi, arjunMobile, arjun)
					txn, code := r.Str("txn"), fe.LastOTP(arjunMobile)
					req = func() *response { return fe.recordWalkIn(delhi, txn, code, "covaxin") }
				} else {
					b := fe.book(arjunMobile, arjun, delhi)
					req = func() *response { return fe.record(delhi, b.id, b.code, "covaxin") }
				}
				fe.faults.LoseNth(n)
				first := req()
				q := fe.faults.Failed()
				fe.faults.Clear()
				if q == "" {
					fe.want(first, http.StatusCreated, "")
					break
				}
				recorded := fe.count(`SELECT count(*) FROM doses WHERE beneficiary_id = 'ben_demo_03'`) == 1
				if strings.Contains(q, "DELETE FROM confirmations") {
					fe.want(first, http.StatusCreated, "")
				} else {
					wantUnavailable(t, first, "unavailable", api.RetryAfterUnavailable)
				}
				again := req()
				switch {
				case !recorded:
					fe.want(again, http.StatusCreated, "")
				case walkIn:
					fe.want(again, http.StatusGone, "otp_used")
				default:
					fe.want(again, http.StatusConflict, "already_recorded")
				}
				t.Logf("reply of %s lost: %d %s, retry %d %s", harness.Short(q), first.Status, first.Code(), again.Status, again.Code())
				fe.confirmedOnce(arjunMobile, "ben_demo_03")
			}
		})
	}
}

// The real webhook sender against a gateway that answers 500, answers only
// after the webhook's timeout, or accepts the message and then answers too
// late: an OTP or a slip that may not have gone out is undone (503
// sms_unavailable), a dose confirmation is queued and sent by the cron
// trigger, and every send of one message carries one idempotency key.
func TestFaultsWebhook(t *testing.T) {
	for _, f := range harness.SendFaults {
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			gw := harness.NewGateway(t)
			fe := newFaultEnv(t, gw.Webhook())
			late := f == harness.SendLate
			accepted := func(kind string) (n int, keys map[string]bool) {
				keys = map[string]bool{}
				for _, m := range gw.Accepted() {
					if m.To == "+91"+arjunMobile && m.Kind == kind {
						n++
						keys[m.Key] = true
					}
				}
				return n, keys
			}
			// Each send is tried twice (the webhook retries once); a late
			// gateway delivers both, under one key.
			wantAccepted := func(kind string, want int) {
				t.Helper()
				if n, keys := accepted(kind); n != want || len(keys) > 1 {
					t.Fatalf("gateway accepted %d %s messages under %d keys, want %d under one", n, kind, len(keys), want)
				}
			}
			twice := map[bool]int{true: 2}[late]

			// A booking OTP.
			before := harness.Rows(t, fe.DB)
			gw.Fail(f)
			wantUnavailable(t, fe.do("POST", "/v1/booking/otp", "", map[string]string{"mobile": arjunMobile}), "sms_unavailable", 60)
			fe.wantSame(before, "the OTP was not sent")
			wantAccepted("otp", twice)
			gw.Fail(harness.SendOK)
			r := fe.do("POST", "/v1/booking/otp", "", map[string]string{"mobile": arjunMobile})
			fe.want(r, http.StatusAccepted, "")
			code := harness.OTPOf(gw.Last(t, arjunMobile, "otp").Body)
			r = fe.do("POST", "/v1/booking/session", "", map[string]string{"txn": r.Str("txn"), "otp": code})
			fe.want(r, http.StatusOK, "")
			book := fe.bookRequest(r.Str("session"), arjunMobile, arjun, delhi)

			// A booking and its slip.
			before = harness.Rows(t, fe.DB)
			gw.Fail(f)
			wantUnavailable(t, book(), "sms_unavailable", 60)
			fe.wantSame(before, "the slip was not sent", harness.AuditCounter, fe.unsentAppointments())
			wantAccepted("booking", twice)
			gw.Fail(harness.SendOK)
			r = book()
			fe.want(r, http.StatusCreated, "")
			id := r.Str("appointment", "id")
			code = harness.CodeOf(gw.Last(t, arjunMobile, "booking").Body)

			// A dose and its confirmation.
			gw.Fail(f)
			r = fe.record(delhi, id, code, "covaxin")
			fe.want(r, http.StatusCreated, "")
			if q := fe.queued(); r.Str("confirmation_sent") != "false" || len(q) != 1 {
				t.Fatalf("recorded: %s, queued %v", r.Raw, q)
			}
			wantAccepted("dose", twice)
			gw.Fail(harness.SendOK)
			fe.Clock.Add(time.Minute)
			if err := fe.scheduled(); err != nil {
				t.Fatal(err)
			}
			if q := fe.queued(); len(q) != 0 {
				t.Fatalf("queued after the cron trigger: %v", q)
			}
			wantAccepted("dose", twice+1)
		})
	}
}
