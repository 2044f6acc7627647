package booking_test

// Walk-ins (issue 9 §5): every recorded dose rests on a secret that reached
// the person's phone. Before this, a walk-in needed only a mobile and a name.

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/worker/service"
)

func (e *env) walkInOTP(centre, mobile, name string) (txn, code string) {
	e.t.Helper()
	r := e.do("POST", "/v1/vaccinations/walk-in", e.tokens[centre], map[string]string{"mobile": mobile, "name": name})
	e.want(r, http.StatusAccepted, "")
	return r.Str("txn"), e.LastOTP(mobile)
}

func (e *env) recordWalkIn(centre, txn, code, vaccine string) *response {
	e.t.Helper()
	return e.do("POST", "/v1/vaccinations", e.tokens[centre],
		map[string]any{"walk_in": true, "txn": txn, "otp": code, "vaccine": vaccine, "batch": "WI-1"})
}

func otherCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

func TestWalkInNeedsThePersonsOTP(t *testing.T) {
	e := newEnv(t)
	// The old walk-in, a mobile and a name, records nothing.
	before := e.Dump()
	r := e.do("POST", "/v1/vaccinations", e.tokens[kolkata],
		map[string]any{"walk_in": true, "mobile": fatemaMob, "name": fatema, "vaccine": "sputnik_light", "batch": "SL-77"})
	e.want(r, http.StatusBadRequest, "walk_in_otp_required")
	if e.Dump() != before {
		t.Fatal("the refused walk-in changed the database")
	}

	// Asking for the OTP tells nothing about the person: the same answer for
	// a registered name and for a stranger's.
	known := e.do("POST", "/v1/vaccinations/walk-in", e.tokens[kolkata], map[string]string{"mobile": fatemaMob, "name": fatema, "lang": "bn"})
	e.Clock.Add(31e9)
	unknown := e.do("POST", "/v1/vaccinations/walk-in", e.tokens[kolkata], map[string]string{"mobile": "9876599999", "name": "Nobody Here"})
	for _, r := range []*response{known, unknown} {
		e.want(r, http.StatusAccepted, "")
		if len(r.Body) != 3 || r.Str("expires_in") == "" || r.Str("resend_in") == "" || !strings.HasPrefix(r.Str("txn"), "txn_") {
			t.Fatalf("walk-in OTP answer: %s", r.Raw)
		}
	}
	if s := e.LastSMS(fatemaMob, "otp"); !strings.Contains(s, "টিকাকরণ") || !strings.Contains(s, "SSKM") {
		t.Fatalf("walk-in OTP SMS: %q", s)
	}
	txn := known.Str("txn")
	code := e.LastOTP(fatemaMob)

	// A wrong code is refused as a wrong code, with a vaccine that does not
	// fit either: nothing about the person before the code is right. The
	// guess is audited with the centre.
	r = e.recordWalkIn(kolkata, txn, otherCode(code), "covaxin")
	e.want(r, http.StatusUnauthorized, "otp_incorrect")
	if r.Str("attempts_left") != "2" || strings.Contains(r.Raw, "vaccine") {
		t.Fatalf("wrong code: %s", r.Raw)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event = 'walk_in_otp_attempt' AND centre_id = ? AND actor = ?`,
		kolkata, "vaccinator@"+kolkata); n != 1 {
		t.Fatalf("%d audited walk-in guesses", n)
	}
	// Another centre cannot use this centre's code.
	e.want(e.recordWalkIn(delhi, txn, code, "sputnik_light"), http.StatusGone, "txn_unknown")

	// The right code: recorded, marked, confirmed by SMS, status 0 → 2.
	r = e.recordWalkIn(kolkata, txn, code, "sputnik_light")
	e.want(r, http.StatusCreated, "")
	if r.Str("dose", "walk_in") != "true" || r.Str("status") != "2" || r.Str("confirmation_sent") != "true" {
		t.Fatalf("walk-in: %s", r.Raw)
	}
	if s := e.LastSMS(fatemaMob, "dose"); !strings.Contains(s, "ডোজ 1") {
		t.Fatalf("walk-in confirmation: %q", s)
	}
	if st := e.status(fatemaMob, fatema); st != kycvs.FullyVaccinated {
		t.Fatalf("status: %v", st)
	}
	if n := e.count(`SELECT count(*) FROM doses WHERE walk_in_txn = ?`, txn); n != 1 {
		t.Fatalf("%d doses on the walk-in code", n)
	}
	if n := e.count(`SELECT count(*) FROM confirmations`); n != 0 {
		t.Fatalf("%d confirmations still queued after a send", n)
	}
	// The code is used up.
	e.want(e.recordWalkIn(kolkata, txn, code, "sputnik_light"), http.StatusGone, "otp_used")

	// The stranger's number: the right code proves the number, and only then
	// is the answer that nobody of that name is registered.
	code = e.LastOTP("9876599999")
	e.want(e.recordWalkIn(kolkata, unknown.Str("txn"), code, "covaxin"), http.StatusNotFound, "beneficiary_not_found")
}

// After the code is proven, a schedule refusal says why and leaves the code
// usable: the vaccinator corrects the vaccine and sends it again.
func TestWalkInScheduleAfterTheCode(t *testing.T) {
	e := newEnv(t)
	txn, code := e.walkInOTP(delhi, priyaMobile, priya) // one Covaxin dose, long ago
	r := e.recordWalkIn(delhi, txn, code, "covishield")
	e.want(r, http.StatusConflict, "vaccine_mismatch")
	if r.Str("expected_vaccine") != "covaxin" {
		t.Fatalf("%s", r.Raw)
	}
	r = e.recordWalkIn(delhi, txn, code, "covaxin")
	e.want(r, http.StatusCreated, "")
	if r.Str("status") != "2" {
		t.Fatalf("%s", r.Raw)
	}
}

// 20 parallel recordings with one right walk-in code make one dose.
func TestWalkInParallel(t *testing.T) {
	e := newEnvWith(t, func(c *service.Config) { c.Limits.MaxAttempts = 50 })
	txn, code := e.walkInOTP(kolkata, fatemaMob, fatema)
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]int{}
	for range 20 {
		wg.Go(func() {
			r := e.recordWalkIn(kolkata, txn, code, "sputnik_light")
			mu.Lock()
			got[r.Code()]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if got[""] != 1 || e.count(`SELECT count(*) FROM doses WHERE walk_in_txn = ?`, txn) != 1 {
		t.Fatalf("outcomes %v", got)
	}
	for c := range got {
		if c != "" && c != "already_recorded" && c != "otp_used" && c != "schedule_complete" {
			t.Fatalf("outcomes %v", got)
		}
	}
}

// Each centre has a daily cap of walk-in codes.
func TestWalkInDailyCap(t *testing.T) {
	e := newEnvWith(t, func(c *service.Config) { c.Limits.WalkInPerCentreDay = 2 })
	for i, m := range []string{fatemaMob, priyaMobile, arjunMobile} {
		r := e.do("POST", "/v1/vaccinations/walk-in", e.tokens[kolkata], map[string]string{"mobile": m, "name": "x"})
		if (i < 2) != (r.Status == http.StatusAccepted) || (i == 2 && (r.Code() != "rate_limited" || r.Header.Get("Retry-After") == "")) {
			t.Fatalf("walk-in OTP %d: %d %s", i, r.Status, r.Raw)
		}
	}
	// Another centre's cap is its own.
	e.want(e.do("POST", "/v1/vaccinations/walk-in", e.tokens[delhi], map[string]string{"mobile": arjunMobile, "name": "x"}), http.StatusAccepted, "")
}
