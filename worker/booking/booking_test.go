package booking_test

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/store"
)

// Arjun Singh (seed ben_demo_03) has no dose; Priya Sharma (ben_demo_02) has
// one Covaxin dose from 2024; Fatema Begum (ben_demo_10) none.
const (
	arjunMobile = "9876500003"
	arjun       = "Arjun Singh"
	priyaMobile = "9876500002"
	priya       = "Priya Sharma"
	fatemaMob   = "9876500007"
	fatema      = "ফাতেমা বেগম"
	delhi       = "ctr_delhi_aiims"
	kolkata     = "ctr_kolkata_sskm"
)

func TestBookRecordStatus(t *testing.T) {
	e := newEnv(t)
	if st := e.status(arjunMobile, arjun); st != kycvs.NotVaccinated {
		t.Fatalf("status before any dose: %v", st)
	}
	b := e.book(arjunMobile, arjun, delhi, 0)

	// The slip, for the access token's holder only, without the code.
	r := e.do("GET", "/v1/appointments/"+b.id, b.access, nil)
	e.want(r, http.StatusOK, "")
	if r.Str("status") != "live" || r.Str("name") != arjun || r.Str("centre", "id") != delhi || strings.Contains(r.Raw, b.code) {
		t.Fatalf("slip: %s", r.Raw)
	}
	e.want(e.do("GET", "/v1/appointments/"+b.id, secret.AccessTokenPrefix+"AAAA", nil), http.StatusNotFound, "appointment_not_found")
	e.want(e.do("GET", "/v1/appointments/"+b.id, "", nil), http.StatusUnauthorized, "unauthorized")

	// The vaccinator's day: the appointment, no mobile, no code.
	r = e.do("GET", "/v1/centre/appointments?date="+e.day(0), e.tokens[delhi], nil)
	e.want(r, http.StatusOK, "")
	if !strings.Contains(r.Raw, b.id) || strings.Contains(r.Raw, arjunMobile) || strings.Contains(r.Raw, `"`+b.code+`"`) || strings.Contains(r.Raw, "code_hash") {
		t.Fatalf("centre day: %s", r.Raw)
	}
	r = e.do("GET", "/v1/centre/appointments?date="+e.day(0), e.tokens[kolkata], nil)
	if strings.Contains(r.Raw, b.id) {
		t.Fatalf("another centre sees the appointment: %s", r.Raw)
	}

	if s := e.LastSMS(arjunMobile, "dose"); s != "" {
		t.Fatalf("dose SMS before any recording: %q", s)
	}
	r = e.record(delhi, b.id, b.code, "covaxin")
	e.want(r, http.StatusCreated, "")
	if r.Str("dose", "dose_number") != "1" || r.Str("status") != "1" || r.Str("confirmation_sent") != "true" || r.Str("dose", "walk_in") != "false" {
		t.Fatalf("record: %s", r.Raw)
	}
	if s := e.LastSMS(arjunMobile, "dose"); !strings.Contains(s, "dose 1 of Covaxin recorded") || !strings.Contains(s, "certificate generated") {
		t.Fatalf("confirmation SMS: %q", s)
	}
	if st := e.status(arjunMobile, arjun); st != kycvs.PartiallyVaccinated {
		t.Fatalf("status after dose 1: %v", st)
	}
	r = e.do("GET", "/v1/appointments/"+b.id, b.access, nil)
	if r.Str("status") != "done" || r.Str("dose_number") != "1" {
		t.Fatalf("slip after recording: %s", r.Raw)
	}

	// Dose 2 of Covaxin, 28 days later.
	b2 := e.book(arjunMobile, arjun, delhi, 28)
	e.Clock.Add(28 * 24 * time.Hour)
	r = e.record(delhi, b2.id, b2.code, "covaxin")
	e.want(r, http.StatusCreated, "")
	if r.Str("dose", "dose_number") != "2" || r.Str("status") != "2" {
		t.Fatalf("record dose 2: %s", r.Raw)
	}
	if s := e.LastSMS(arjunMobile, "dose"); !strings.Contains(s, "dose 2 of Covaxin recorded") {
		t.Fatalf("confirmation SMS: %q", s)
	}
	if st := e.status(arjunMobile, arjun); st != kycvs.FullyVaccinated {
		t.Fatalf("status after dose 2: %v", st)
	}
	// Complete: no third booking.
	s := e.session(arjunMobile)
	r = e.do("POST", "/v1/appointments", s, map[string]string{"mobile": arjunMobile, "name": arjun, "centre": delhi, "date": e.day(1), "time": "10:00"})
	e.want(r, http.StatusConflict, "schedule_complete")

	want := []string{"booked beneficiary", "recorded vaccinator@" + delhi}
	if got := e.audit(b.id); !slices.Equal(got, want) {
		t.Fatalf("audit %v, want %v", got, want)
	}
}

func TestWrongCodeLocksAndUnlock(t *testing.T) {
	e := newEnv(t)
	b := e.book(arjunMobile, arjun, delhi, 0)
	wrong := "0000"
	if b.code == wrong {
		wrong = "1111"
	}
	for i, left := range []string{"2", "1", "0"} {
		r := e.record(delhi, b.id, wrong, "covishield")
		e.want(r, http.StatusUnprocessableEntity, "security_code_incorrect")
		if r.Str("attempts_left") != left || r.Str("locked") != map[bool]string{true: "true", false: "false"}[i == 2] {
			t.Fatalf("wrong code %d: %s", i+1, r.Raw)
		}
	}
	// Locked: even the right code is refused, nothing recorded, no SMS.
	e.want(e.record(delhi, b.id, b.code, "covishield"), http.StatusLocked, "appointment_locked")
	if n := e.count(`SELECT count(*) FROM doses WHERE beneficiary_id = 'ben_demo_03'`); n != 0 {
		t.Fatalf("%d doses after a lock", n)
	}
	if s := e.LastSMS(arjunMobile, "dose"); s != "" {
		t.Fatalf("dose SMS after a lock: %q", s)
	}
	if r := e.do("GET", "/v1/appointments/"+b.id, b.access, nil); r.Str("status") != "locked" {
		t.Fatalf("slip: %s", r.Raw)
	}
	want := []string{"booked beneficiary", "wrong_code vaccinator@" + delhi, "wrong_code vaccinator@" + delhi,
		"wrong_code vaccinator@" + delhi, "locked vaccinator@" + delhi}
	if got := e.audit(b.id); !slices.Equal(got, want) {
		t.Fatalf("audit %v, want %v", got, want)
	}
	// No code or mobile in any audit row.
	rows := e.Dump()
	for _, line := range strings.Split(rows, "\n") {
		if strings.HasPrefix(line, "audit_log ") && (strings.Contains(line, arjunMobile) || strings.Contains(line, " "+b.code)) {
			t.Fatalf("audit row with code or mobile: %s", line)
		}
	}

	// Only a supervisor of this centre unlocks it, and unlocking sends a new
	// code: never three more tries at the same one.
	sup := e.supervisor(delhi, "Dr. Meera Rao")
	otherCentre := e.supervisor(kolkata, "Dr. Sen")
	unlock := func(bearer string) *response {
		return e.do("POST", "/v1/centre/appointments/"+b.id+"/unlock", bearer, "{}")
	}
	before := e.Dump()
	e.want(unlock(e.tokens[delhi]), http.StatusUnauthorized, "invalid_token")
	e.want(unlock(otherCentre), http.StatusNotFound, "appointment_not_found")
	if e.Dump() != before {
		t.Fatal("a refused unlock changed the database")
	}
	r := unlock(sup)
	e.want(r, http.StatusOK, "")
	if r.Str("status") != "live" || strings.Contains(r.Raw, b.code) {
		t.Fatalf("unlock: %s", r.Raw)
	}
	newCode := e.LastCode(arjunMobile)
	want = append(want, "unlocked supervisor:Dr. Meera Rao", "new_code supervisor:Dr. Meera Rao")
	if got := e.audit(b.id); !slices.Equal(got, want) {
		t.Fatalf("audit %v, want %v", got, want)
	}
	e.want(unlock(sup), http.StatusConflict, "not_locked")
	if newCode != b.code {
		e.want(e.record(delhi, b.id, b.code, "covishield"), http.StatusUnprocessableEntity, "security_code_incorrect")
	}
	e.want(e.record(delhi, b.id, newCode, "covishield"), http.StatusCreated, "")
	if st := e.status(arjunMobile, arjun); st != kycvs.PartiallyVaccinated {
		t.Fatalf("status: %v", st)
	}

	// A locked appointment a supervisor closes instead: the person can book again.
	f := e.book(fatemaMob, fatema, delhi, 0)
	for range 3 {
		e.record(delhi, f.id, pad(f.code), "covishield")
	}
	e.want(e.record(delhi, f.id, f.code, "covishield"), http.StatusLocked, "appointment_locked")
	e.Exec(store.SupervisorCancelSQL(f.id, "Dr. Meera Rao", e.Clock.Now()))
	if got := e.audit(f.id); got[len(got)-1] != "cancelled supervisor:Dr. Meera Rao" {
		t.Fatalf("audit %v", got)
	}
	e.book(fatemaMob, fatema, delhi, 0)
}

// pad returns a 4-digit code other than code.
func pad(code string) string {
	if code == "0000" {
		return "1111"
	}
	return "0000"
}

// Each refusal is a clear 4xx and changes nothing at all.
func TestRefusalsChangeNothing(t *testing.T) {
	e := newEnv(t)
	// Priya: one Covaxin dose (seed, long ago). Arjun: none.
	early := e.book(arjunMobile, arjun, delhi, 0)
	e.want(e.record(delhi, early.id, early.code, "covaxin"), http.StatusCreated, "")
	tooEarly := e.book(arjunMobile, arjun, delhi, 10)
	cancelled := e.book(fatemaMob, fatema, delhi, 0)
	e.want(e.do("DELETE", "/v1/appointments/"+cancelled.id, cancelled.access, nil), http.StatusOK, "")
	p := e.book(priyaMobile, priya, delhi, 0)
	expiredTok, _ := secret.NewToken(nil, secret.CentreTokenPrefix)
	e.Exec(store.CentreTokenSQL("ctr_lucknow_kgmu", secret.TokenHash(expiredTok), e.Clock.Now().Add(-time.Second)))
	e.Clock.Add(10 * 24 * time.Hour)
	// p is for 10 days ago now; move it to today.
	e.want(e.do("PATCH", "/v1/appointments/"+p.id, p.access, map[string]string{"date": e.day(0)}), http.StatusOK, "")
	p.code = e.LastCode(priyaMobile)

	body := func(apt, code, vaccine string) map[string]any {
		return map[string]any{"appointment": apt, "security_code": code, "vaccine": vaccine, "batch": "B-1"}
	}
	cases := []struct {
		name   string
		token  string
		body   any
		status int
		code   string
	}{
		{"another centre", e.tokens[kolkata], body(tooEarly.id, tooEarly.code, "covaxin"), 403, "wrong_centre"},
		{"another centre, wrong code", e.tokens[kolkata], body(tooEarly.id, "9999", "covaxin"), 403, "wrong_centre"},
		{"expired token", expiredTok, body(tooEarly.id, tooEarly.code, "covaxin"), 401, "token_expired"},
		{"unknown token", secret.CentreTokenPrefix + "nope", body(tooEarly.id, tooEarly.code, "covaxin"), 401, "invalid_token"},
		{"no token", "", body(tooEarly.id, tooEarly.code, "covaxin"), 401, "unauthorized"},
		{"booking access token", tooEarly.access, body(tooEarly.id, tooEarly.code, "covaxin"), 401, "invalid_token"},
		{"cancelled appointment", e.tokens[delhi], body(cancelled.id, cancelled.code, "covaxin"), 409, "appointment_cancelled"},
		{"reused appointment", e.tokens[delhi], body(early.id, early.code, "covaxin"), 409, "already_recorded"},
		{"too early second dose", e.tokens[delhi], body(tooEarly.id, tooEarly.code, "covaxin"), 409, "too_early"},
		{"different vaccine for dose 2", e.tokens[delhi], body(p.id, p.code, "covishield"), 409, "vaccine_mismatch"},
		{"unknown vaccine", e.tokens[delhi], body(p.id, p.code, "moderna"), 404, "unknown_vaccine"},
		{"unknown appointment", e.tokens[delhi], body("apt_AAAAAAAAAAAAAAAA", "1234", "covaxin"), 404, "appointment_not_found"},
		{"3-digit code", e.tokens[delhi], body(p.id, "123", "covaxin"), 400, "invalid_security_code"},
		{"no batch", e.tokens[delhi], map[string]any{"appointment": p.id, "security_code": p.code, "vaccine": "covaxin"}, 400, "missing_field"},
		{"walk-in with a code", e.tokens[delhi], map[string]any{"walk_in": true, "appointment": p.id, "security_code": p.code, "vaccine": "covaxin", "batch": "B"}, 400, "bad_json"},
		{"walk-in without the person's OTP", e.tokens[delhi], map[string]any{"walk_in": true, "mobile": priyaMobile, "name": priya, "vaccine": "covaxin", "batch": "B"}, 400, "walk_in_otp_required"},
		{"walk-in, no txn", e.tokens[delhi], map[string]any{"walk_in": true, "otp": "123456", "vaccine": "covaxin", "batch": "B"}, 400, "missing_field"},
		{"walk-in, unknown txn", e.tokens[delhi], map[string]any{"walk_in": true, "txn": "txn_AAAAAAAAAAAAAAAAAAAAAA", "otp": "123456", "vaccine": "covaxin", "batch": "B"}, 410, "txn_unknown"},
		{"walk-in, 5-digit otp", e.tokens[delhi], map[string]any{"walk_in": true, "txn": "txn_AAAAAAAAAAAAAAAAAAAAAA", "otp": "12345", "vaccine": "covaxin", "batch": "B"}, 400, "invalid_otp"},
		{"appointment with an otp", e.tokens[delhi], map[string]any{"appointment": p.id, "security_code": p.code, "otp": "123456", "vaccine": "covaxin", "batch": "B"}, 400, "bad_json"},
		{"walk_in wrong type", e.tokens[delhi], `{"walk_in":"yes","vaccine":"covaxin","batch":"B"}`, 400, "bad_json"},
		{"not JSON", e.tokens[delhi], `{"appointment":`, 400, "bad_json"},
	}
	before := e.Dump()
	for _, c := range cases {
		r := e.do("POST", "/v1/vaccinations", c.token, c.body)
		if r.Status != c.status || r.Code() != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.Status, strings.TrimSpace(r.Raw), c.status, c.code)
		}
		if after := e.Dump(); after != before {
			t.Fatalf("%s changed the database", c.name)
		}
	}
	// Not today: an appointment for tomorrow.
	e.want(e.do("PATCH", "/v1/appointments/"+p.id, p.access, map[string]string{"date": e.day(1)}), http.StatusOK, "")
	p.code = e.LastCode(priyaMobile)
	before = e.Dump()
	e.want(e.record(delhi, p.id, p.code, "covaxin"), http.StatusConflict, "not_today")
	if e.Dump() != before {
		t.Fatal("not_today changed the database")
	}
	// And the right vaccine on the right day works.
	e.Clock.Add(24 * time.Hour)
	r := e.record(delhi, p.id, p.code, "covaxin")
	e.want(r, http.StatusCreated, "")
	if r.Str("status") != "2" || e.status(priyaMobile, priya) != kycvs.FullyVaccinated {
		t.Fatalf("Priya's dose 2: %s", r.Raw)
	}
}

func TestParallelRightCodes(t *testing.T) {
	e := newEnv(t)
	b := e.book(arjunMobile, arjun, delhi, 0)
	var wg sync.WaitGroup
	statuses := make([]*response, 20)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.record(delhi, b.id, b.code, "covishield")
		}()
	}
	wg.Wait()
	created := 0
	for _, r := range statuses {
		switch {
		case r.Status == http.StatusCreated:
			created++
		case r.Status == http.StatusConflict && r.Code() == "already_recorded":
		default:
			t.Errorf("parallel record: %d %s", r.Status, r.Raw)
		}
	}
	if created != 1 {
		t.Fatalf("%d recordings succeeded, want 1", created)
	}
	if n := e.count(`SELECT count(*) FROM doses WHERE beneficiary_id = 'ben_demo_03'`); n != 1 {
		t.Fatalf("%d doses, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM sms_outbox WHERE to_mobile = ? AND kind = 'dose'`, arjunMobile); n != 1 {
		t.Fatalf("%d confirmation SMS, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE appointment_id = ? AND event = 'recorded'`, b.id); n != 1 {
		t.Fatalf("%d recorded audit rows, want 1", n)
	}
}

func TestParallelWrongCodes(t *testing.T) {
	e := newEnv(t)
	b := e.book(arjunMobile, arjun, delhi, 0)
	var wg sync.WaitGroup
	res := make([]*response, 20)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code := ""
			for c := 0; c < 10000 && code == ""; c++ { // distinct wrong codes
				if s := fourDigits(i*37 + c); s != b.code {
					code = s
				}
			}
			res[i] = e.record(delhi, b.id, code, "covishield")
		}()
	}
	wg.Wait()
	counted := 0
	for _, r := range res {
		switch {
		case r.Status == http.StatusUnprocessableEntity && r.Code() == "security_code_incorrect":
			counted++
		case r.Status == http.StatusLocked && r.Code() == "appointment_locked":
		default:
			t.Errorf("parallel wrong code: %d %s", r.Status, r.Raw)
		}
	}
	if counted != 3 {
		t.Errorf("%d wrong codes counted, want 3", counted)
	}
	if n := e.count(`SELECT wrong_attempts FROM appointments WHERE id = ?`, b.id); n != 3 {
		t.Errorf("wrong_attempts %d, want 3", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE appointment_id = ? AND event = 'wrong_code'`, b.id); n != 3 {
		t.Errorf("%d wrong_code audit rows, want 3", n)
	}
	e.want(e.record(delhi, b.id, b.code, "covishield"), http.StatusLocked, "appointment_locked")
}

func fourDigits(n int) string {
	n %= 10000
	b := []byte("0000")
	for i := 3; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}

func TestRescheduleAndCancel(t *testing.T) {
	e := newEnv(t)
	b := e.book(arjunMobile, arjun, delhi, 1)
	// A second booking for the same person is refused while one is open.
	s := e.session(arjunMobile)
	e.want(e.do("POST", "/v1/appointments", s, map[string]string{"mobile": arjunMobile, "name": arjun, "centre": delhi,
		"date": e.day(2), "time": "10:00"}), http.StatusConflict, "already_booked")

	r := e.do("PATCH", "/v1/appointments/"+b.id, b.access, map[string]string{"centre": kolkata, "date": e.day(0), "time": "15:00"})
	e.want(r, http.StatusOK, "")
	if r.Str("centre", "id") != kolkata || r.Str("date") != e.day(0) || r.Str("time") != "15:00" {
		t.Fatalf("rescheduled slip: %s", r.Raw)
	}
	newCode := e.LastCode(arjunMobile)
	// The old centre no longer sees it; the old code no longer works.
	e.want(e.record(delhi, b.id, b.code, "covishield"), http.StatusForbidden, "wrong_centre")
	if newCode != b.code {
		r = e.record(kolkata, b.id, b.code, "covishield")
		e.want(r, http.StatusUnprocessableEntity, "security_code_incorrect")
	}
	// Cancel: the new code stops working too.
	r = e.do("DELETE", "/v1/appointments/"+b.id, b.access, nil)
	e.want(r, http.StatusOK, "")
	if r.Str("status") != "cancelled" {
		t.Fatalf("cancel: %s", r.Raw)
	}
	e.want(e.record(kolkata, b.id, newCode, "covishield"), http.StatusConflict, "appointment_cancelled")
	e.want(e.do("DELETE", "/v1/appointments/"+b.id, b.access, nil), http.StatusConflict, "appointment_cancelled")
	e.want(e.do("PATCH", "/v1/appointments/"+b.id, b.access, map[string]string{"time": "09:00"}), http.StatusConflict, "appointment_cancelled")
	// After cancelling, booking again works.
	b2 := e.book(arjunMobile, arjun, kolkata, 0)
	e.want(e.record(kolkata, b2.id, b2.code, "covishield"), http.StatusCreated, "")
	got := e.audit(b.id)
	want := []string{"booked beneficiary", "rescheduled beneficiary", "wrong_code vaccinator@" + kolkata, "cancelled beneficiary"}
	if newCode == b.code {
		want = slices.Delete(want, 2, 3)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("audit %v, want %v", got, want)
	}
}

func TestBookingSession(t *testing.T) {
	e := newEnv(t)
	// A status transaction cannot open a booking session.
	r := e.do("POST", "/v1/otp", "", map[string]string{"entity": "ent_railways", "mobile": arjunMobile, "name": arjun, "nonce": "nonce-0123456789"})
	otp := e.LastOTP(arjunMobile)
	e.want(e.do("POST", "/v1/booking/session", "", map[string]string{"txn": r.Str("txn"), "otp": otp}), http.StatusGone, "txn_unknown")

	r = e.do("POST", "/v1/booking/otp", "", map[string]string{"mobile": "9876500004"})
	e.want(r, http.StatusAccepted, "")
	otp = e.LastOTP("9876500004")
	e.want(e.do("POST", "/v1/booking/session", "", map[string]string{"txn": r.Str("txn"), "otp": "000000"}), http.StatusUnauthorized, "otp_incorrect")
	r = e.do("POST", "/v1/booking/session", "", map[string]string{"txn": r.Str("txn"), "otp": otp})
	e.want(r, http.StatusOK, "")
	if n := len(r.Body["beneficiaries"].([]any)); n != 4 {
		t.Fatalf("%d beneficiaries on the shared mobile: %s", n, r.Raw)
	}
	if !strings.Contains(r.Raw, `"next_dose_from":"2024-`) { // मोहन लाल: one Covaxin dose in 2024
		t.Fatalf("no next_dose_from: %s", r.Raw)
	}
	s := r.Str("session")
	book := func(mobile, name string) *response {
		return e.do("POST", "/v1/appointments", s, map[string]string{"mobile": mobile, "name": name, "centre": delhi, "date": e.day(3), "time": "11:00"})
	}
	e.want(book(arjunMobile, arjun), http.StatusForbidden, "mobile_mismatch")
	e.want(book("9876500004", "Mohan Lal"), http.StatusUnprocessableEntity, "name_mismatch")
	e.want(book("9876500004", "Sunita Devi"), http.StatusConflict, "schedule_complete")
	e.want(e.do("POST", "/v1/appointments", s, map[string]string{"mobile": "9876500004", "name": "محمد عارف", "centre": "ctr_nowhere", "date": e.day(3), "time": "11:00"}), http.StatusNotFound, "unknown_centre")
	e.want(e.do("POST", "/v1/appointments", s, map[string]string{"mobile": "9876500004", "name": "محمد عارف", "centre": delhi, "date": e.day(-1), "time": "11:00"}), http.StatusBadRequest, "invalid_date")
	e.want(e.do("POST", "/v1/appointments", s, map[string]string{"mobile": "9876500004", "name": "محمد عارف", "centre": delhi, "date": e.day(3), "time": "03:00"}), http.StatusBadRequest, "invalid_time")
	// Two people on one session.
	e.want(book("9876500004", "محمد عارف"), http.StatusCreated, "")
	e.want(book("+91 98765 00004", " मोहन  लाल"), http.StatusCreated, "")
	// Forged and expired sessions.
	e.want(e.do("POST", "/v1/appointments", s[:len(s)-2]+"AA", map[string]string{}), http.StatusUnauthorized, "invalid_token")
	e.Clock.Add(16 * time.Minute)
	e.want(book("9876500004", "محمد عارف"), http.StatusUnauthorized, "session_expired")
}

func TestAuditAppendOnly(t *testing.T) {
	e := newEnv(t)
	b := e.book(arjunMobile, arjun, delhi, 0)
	for _, q := range []string{`UPDATE audit_log SET actor = 'x'`, `DELETE FROM audit_log`, `UPDATE audit_log SET event = 'x' WHERE appointment_id = '` + b.id + `'`} {
		if _, err := e.DB.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
	if got := e.audit(b.id); len(got) != 1 {
		t.Fatalf("audit: %v", got)
	}
}

func TestMethodsAndOrigin(t *testing.T) {
	e := newEnv(t)
	e.want(e.do("GET", "/v1/vaccinations", e.tokens[delhi], nil), http.StatusMethodNotAllowed, "method_not_allowed")
	e.want(e.do("PUT", "/v1/appointments/apt_AAAAAAAAAAAAAAAA", "x", `{}`), http.StatusMethodNotAllowed, "method_not_allowed")
	r := e.do("GET", "/v1/centres?district=new%20delhi", "", nil)
	e.want(r, http.StatusOK, "")
	if !strings.Contains(r.Raw, delhi) || strings.Contains(r.Raw, "token") {
		t.Fatalf("centres: %s", r.Raw)
	}
	if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers: %v", r.Header)
	}
}

// Malformed requests to the booking endpoints: a 4xx JSON error with a stable
// code, never a 5xx, and nothing changed.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	s := e.session(arjunMobile)
	b := e.book(priyaMobile, priya, delhi, 0)
	vt := e.tokens[delhi]
	ok := map[string]string{"mobile": arjunMobile, "name": arjun, "centre": delhi, "date": e.day(1), "time": "10:00"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range ok {
			m[a] = b
		}
		if v == "\x00delete" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		method, path, bearer string
		body                 any
		status               int
		code                 string
	}{
		{"POST", "/v1/booking/otp", "", map[string]string{"mobile": "12345"}, 400, "invalid_mobile"},
		{"POST", "/v1/booking/otp", "", map[string]string{"mobile": "98765000031"}, 400, "invalid_mobile"},
		{"POST", "/v1/booking/otp", "", map[string]string{"mobile": "0112345678"}, 400, "invalid_mobile"},
		{"POST", "/v1/booking/otp", "", map[string]string{}, 400, "missing_field"},
		{"POST", "/v1/booking/otp", "", map[string]string{"mobile": arjunMobile, "lang": "fr"}, 400, "invalid_lang"},
		{"POST", "/v1/booking/otp", "", map[string]any{"mobile": 9876500003}, 400, "bad_json"},
		{"POST", "/v1/booking/otp", "", `{"mobile":"9876500003"} {}`, 400, "bad_json"},
		{"POST", "/v1/booking/otp", "", `{"mobile":"9876500003","x":1}`, 400, "unknown_field"},
		{"POST", "/v1/booking/otp", "", "{\"mobile\":\"\xff\"}", 400, "invalid_utf8"},
		{"POST", "/v1/booking/otp", "", `{"mobile":"` + strings.Repeat("9", 5000) + `"}`, 413, "body_too_large"},
		{"GET", "/v1/booking/otp", "", nil, 405, "method_not_allowed"},
		{"POST", "/v1/booking/session", "", map[string]string{"txn": "txn_x", "otp": "123456"}, 400, "invalid_txn"},
		{"POST", "/v1/booking/session", "", map[string]string{"txn": "txn_AAAAAAAAAAAAAAAAAAAAAA", "otp": "12345"}, 400, "invalid_otp"},
		{"POST", "/v1/booking/session", "", map[string]string{"txn": "txn_AAAAAAAAAAAAAAAAAAAAAA", "otp": "123456"}, 410, "txn_unknown"},
		{"POST", "/v1/appointments", "", ok, 401, "unauthorized"},
		{"POST", "/v1/appointments", "bks.txn_AAAAAAAAAAAAAAAAAAAAAA.AAAA", ok, 401, "invalid_token"},
		{"POST", "/v1/appointments", s, with("mobile", "\x00delete"), 400, "missing_field"},
		{"POST", "/v1/appointments", s, with("name", strings.Repeat("a", 101)), 400, "invalid_name"},
		{"POST", "/v1/appointments", s, with("centre", "'; DROP TABLE appointments; --"), 400, "invalid_centre"},
		{"POST", "/v1/appointments", s, with("date", "2026-02-30"), 400, "invalid_date"},
		{"POST", "/v1/appointments", s, with("date", "tomorrow"), 400, "invalid_date"},
		{"POST", "/v1/appointments", s, with("date", e.day(61)), 400, "invalid_date"},
		{"POST", "/v1/appointments", s, with("time", "10:30"), 400, "invalid_time"},
		{"POST", "/v1/appointments", s, with("lang", "xx"), 400, "invalid_lang"},
		{"GET", "/v1/appointments/" + b.id + "x", b.access, nil, 400, "invalid_appointment"},
		{"GET", "/v1/appointments/apt_AAAAAAAAAAAAAAAA", b.access, nil, 404, "appointment_not_found"},
		{"PATCH", "/v1/appointments/" + b.id, b.access, map[string]string{}, 400, "missing_field"},
		{"PATCH", "/v1/appointments/" + b.id, b.access, map[string]string{"time": "25:00"}, 400, "invalid_time"},
		{"PATCH", "/v1/appointments/" + b.id, b.access, map[string]string{"centre": "ctr_nowhere"}, 404, "unknown_centre"},
		{"PATCH", "/v1/appointments/" + b.id, b.access, `[]`, 400, "bad_json"},
		{"DELETE", "/v1/appointments/" + b.id, "", nil, 401, "unauthorized"},
		{"GET", "/v1/centre/appointments?date=01-05-2026", vt, nil, 400, "invalid_date"},
		{"GET", "/v1/centre/appointments", "", nil, 401, "unauthorized"},
		{"POST", "/v1/vaccinations", vt, map[string]any{"appointment": b.id, "security_code": b.code, "vaccine": "COVAXIN", "batch": "B"}, 400, "invalid_vaccine"},
		{"POST", "/v1/vaccinations", vt, map[string]any{"appointment": b.id, "security_code": b.code, "vaccine": "covaxin", "batch": "B 1"}, 400, "invalid_batch"},
		{"POST", "/v1/vaccinations", vt, map[string]any{"appointment": b.id, "security_code": "12345", "vaccine": "covaxin", "batch": "B"}, 400, "invalid_security_code"},
		{"POST", "/v1/vaccinations", vt, map[string]any{"appointment": b.id, "security_code": 1234, "vaccine": "covaxin", "batch": "B"}, 400, "bad_json"},
		{"POST", "/v1/vaccinations", vt, map[string]any{"appointment": b.id, "security_code": b.code, "vaccine": "covaxin", "batch": "B", "name": "x"}, 400, "walk_in_otp_required"},
		{"POST", "/v1/vaccinations/walk-in", vt, map[string]any{"mobile": "123", "name": "x"}, 400, "invalid_mobile"},
		{"POST", "/v1/vaccinations/walk-in", vt, map[string]any{"mobile": priyaMobile}, 400, "missing_field"},
		{"POST", "/v1/vaccinations/walk-in", vt, map[string]any{"mobile": priyaMobile, "name": "x", "lang": "fr"}, 400, "invalid_lang"},
		{"POST", "/v1/vaccinations/walk-in", "", map[string]any{"mobile": priyaMobile, "name": "x"}, 401, "unauthorized"},
	}
	before := e.Dump()
	for _, c := range cases {
		r := e.do(c.method, c.path, c.bearer, c.body)
		if r.Status != c.status || r.Code() != c.code {
			t.Errorf("%s %s %.60v: %d %s, want %d %s", c.method, c.path, c.body, r.Status, strings.TrimSpace(r.Raw), c.status, c.code)
		}
	}
	if e.Dump() != before {
		t.Fatal("bad input changed the database")
	}
}

// A missed appointment does not block booking again; it ends cancelled.
func TestMissedAppointment(t *testing.T) {
	e := newEnv(t)
	b := e.book(arjunMobile, arjun, delhi, 0)
	e.Clock.Add(48 * time.Hour)
	b2 := e.book(arjunMobile, arjun, delhi, 0)
	if r := e.do("GET", "/v1/appointments/"+b.id, b.access, nil); r.Str("status") != "cancelled" {
		t.Fatalf("missed appointment: %s", r.Raw)
	}
	e.want(e.record(delhi, b.id, b.code, "covaxin"), http.StatusConflict, "appointment_cancelled")
	e.want(e.record(delhi, b2.id, b2.code, "covaxin"), http.StatusCreated, "")
	if got := e.audit(b.id); !slices.Equal(got, []string{"booked beneficiary", "cancelled system:missed"}) {
		t.Fatalf("audit %v", got)
	}
}

// A booking session for the mobile can list, show and cancel its people's
// appointments (a lost access token); a session for another mobile cannot.
func TestSessionManagesAppointments(t *testing.T) {
	e := newEnv(t)
	b := e.book(arjunMobile, arjun, delhi, 1)
	s := e.session(arjunMobile)
	r := e.do("GET", "/v1/appointments", s, nil)
	e.want(r, http.StatusOK, "")
	if !strings.Contains(r.Raw, b.id) || strings.Contains(r.Raw, `"`+b.code+`"`) {
		t.Fatalf("list: %s", r.Raw)
	}
	other := e.session(priyaMobile)
	if r := e.do("GET", "/v1/appointments", other, nil); strings.Contains(r.Raw, b.id) {
		t.Fatalf("another mobile's list: %s", r.Raw)
	}
	e.want(e.do("GET", "/v1/appointments/"+b.id, other, nil), http.StatusNotFound, "appointment_not_found")
	e.want(e.do("DELETE", "/v1/appointments/"+b.id, other, nil), http.StatusNotFound, "appointment_not_found")
	e.want(e.do("GET", "/v1/appointments/"+b.id, s, nil), http.StatusOK, "")
	e.want(e.do("PATCH", "/v1/appointments/"+b.id, s, map[string]string{"time": "16:00"}), http.StatusOK, "")
	e.want(e.do("DELETE", "/v1/appointments/"+b.id, s, nil), http.StatusOK, "")
	e.want(e.do("GET", "/v1/appointments", b.access, nil), http.StatusUnauthorized, "invalid_token")
}
