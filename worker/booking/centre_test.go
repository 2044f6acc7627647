package booking_test

// The centre console's people (issue 11): vaccinators and supervisors who
// sign in with an OTP to their own mobile, a shift's session cookie, CSRF,
// roles, centres kept apart, the audit log naming them, on-site
// registration.

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	. "github.com/kycvs/kycvs/worker/booking"
	"github.com/kycvs/kycvs/worker/domain"
	"github.com/kycvs/kycvs/worker/mobile"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/store"
)

// centreUser is a vaccinator or supervisor of a centre and, once signed
// in, their cookie and CSRF token.
type centreUser struct {
	id, mobile, centre, role string
	cookie, csrf             string
}

// centrePerson registers a vaccinator or supervisor as kycvs-centres does.
func (e *env) centrePerson(centre, name, role, digits string) *centreUser {
	e.t.Helper()
	id, err := secret.NewID(nil, "vcr_")
	if err != nil {
		e.t.Fatal(err)
	}
	e.Exec(store.VaccinatorSQL(id, centre, name, role, mobile.Hash(e.HashKey, digits), e.now()))
	return &centreUser{id: id, mobile: digits, centre: centre, role: role}
}

// centreSignIn signs u in with the OTP sent to their mobile and keeps the
// cookie and CSRF token.
func (e *env) centreSignIn(u *centreUser) *response {
	e.t.Helper()
	r := e.do("POST", "/v1/centre/sign-in", "", map[string]string{"mobile": u.mobile})
	e.want(r, http.StatusAccepted, "")
	r = e.do("POST", "/v1/centre/session", "", map[string]string{"txn": r.Str("txn"), "otp": e.LastOTP(u.mobile)})
	e.want(r, http.StatusOK, "")
	c := centreCookie(e.t, r)
	if c == nil || c.Value == "" {
		e.t.Fatalf("no session cookie: %v", r.Header)
	}
	u.cookie, u.csrf = c.Value, r.Str("csrf")
	return r
}

func centreCookie(t testing.TB, r *response) *http.Cookie {
	t.Helper()
	for _, line := range r.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", line, err)
		}
		if strings.Contains(c.Name, "kycvs_centre") {
			return c
		}
	}
	return nil
}

// as sends a request the way the /centre page does: the cookie, the
// service's Origin and the CSRF token.
func (e *env) as(u *centreUser, method, path string, body any, hdr ...string) *response {
	e.t.Helper()
	h := []string{"Cookie", CookieName(e.Origin) + "=" + u.cookie, "Origin", e.Origin, CSRFHeader, u.csrf}
	r := e.Do(method, path, "", body, append(h, hdr...)...)
	if r.Body == nil {
		e.t.Fatalf("%s %s: %d, not JSON: %q", method, path, r.Status, r.Raw)
	}
	return r
}

func (e *env) recordAs(u *centreUser, apt, code, vaccine string) *response {
	e.t.Helper()
	return e.as(u, "POST", "/v1/vaccinations", map[string]any{"appointment": apt, "security_code": code, "vaccine": vaccine, "batch": "B-77"})
}

func TestCentreSignInSession(t *testing.T) {
	e := newEnv(t)
	v := e.centrePerson(delhi, "Asha Verma", store.RoleVaccinator, "9876511111")

	// A number nobody is registered on gets the same answer, and no SMS.
	known := e.do("POST", "/v1/centre/sign-in", "", map[string]string{"mobile": v.mobile})
	stranger := e.do("POST", "/v1/centre/sign-in", "", map[string]string{"mobile": "9876522222"})
	for _, r := range []*response{known, stranger} {
		e.want(r, http.StatusAccepted, "")
		if len(r.Body) != 3 || !strings.HasPrefix(r.Str("txn"), "txn_") {
			t.Fatalf("sign-in answer: %s", r.Raw)
		}
	}
	if len(e.Outbox("9876522222")) != 0 {
		t.Fatal("an SMS to a number no vaccinator is registered on")
	}
	if s := e.LastSMS(v.mobile, "otp"); !strings.Contains(s, "centre console") {
		t.Fatalf("sign-in SMS: %q", s)
	}
	// A guessed code for the stranger's number is a wrong code like any.
	r := e.do("POST", "/v1/centre/session", "", map[string]string{"txn": stranger.Str("txn"), "otp": "000000"})
	if r.Status != http.StatusUnauthorized || centreCookie(t, r) != nil {
		t.Fatalf("stranger's session: %d %s", r.Status, r.Raw)
	}
	// The sign-in code is for sign-in only, and the walk-in's is not one.
	e.want(e.do("POST", "/v1/booking/session", "", map[string]string{"txn": known.Str("txn"), "otp": e.LastOTP(v.mobile)}),
		http.StatusGone, "txn_unknown")

	r = e.centreSignIn(v)
	c := centreCookie(t, r)
	// https origin: the __Host- cookie, Secure, HttpOnly, SameSite=Strict,
	// Path=/, no Domain, one shift.
	if c.Name != "__Host-kycvs_centre" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" ||
		c.Domain != "" || c.MaxAge != int(MaxShift/time.Second) || !strings.HasPrefix(c.Value, SessionTokenPrefix) {
		t.Fatalf("cookie %+v", c)
	}
	if r.Str("vaccinator", "name") != "Asha Verma" || r.Str("vaccinator", "role") != "vaccinator" || r.Str("centre", "id") != delhi ||
		r.Str("csrf") == "" || strings.Contains(r.Raw, c.Value) {
		t.Fatalf("session: %s", r.Raw)
	}
	// Only a keyed hash is stored.
	if n := e.count(`SELECT count(*) FROM vaccinator_sessions WHERE token_hash = ?`, c.Value); n != 0 {
		t.Fatal("the session token is stored as it is")
	}
	if n := e.count(`SELECT count(*) FROM vaccinator_sessions WHERE token_hash = ?`, secret.TokenHash(c.Value)); n != 0 {
		t.Fatal("the session token is stored as an unkeyed hash")
	}
	if n := e.count(`SELECT count(*) FROM vaccinator_sessions WHERE vaccinator_id = ?`, v.id); n != 1 {
		t.Fatalf("%d sessions", n)
	}
	e.want(e.as(v, "GET", "/v1/centre/session", nil), http.StatusOK, "")
	e.want(e.as(v, "GET", "/v1/centre/appointments", nil), http.StatusOK, "")

	// A forged or unknown cookie is not signed in.
	forged := *v
	forged.cookie = SessionTokenPrefix + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	e.want(e.as(&forged, "GET", "/v1/centre/appointments", nil), http.StatusUnauthorized, "unauthorized")
	e.want(e.do("GET", "/v1/centre/session", "", nil), http.StatusUnauthorized, "unauthorized")

	// The shift ends after 10 hours: session_expired, sign in again.
	e.Clock.Add(MaxShift - time.Second)
	e.want(e.as(v, "GET", "/v1/centre/appointments", nil), http.StatusOK, "")
	e.Clock.Add(time.Second)
	e.want(e.as(v, "GET", "/v1/centre/appointments", nil), http.StatusUnauthorized, "session_expired")
	e.want(e.as(v, "GET", "/v1/centre/session", nil), http.StatusUnauthorized, "session_expired")
	old := *v
	e.centreSignIn(v)
	// The new session cleared the expired one.
	if n := e.count(`SELECT count(*) FROM vaccinator_sessions WHERE vaccinator_id = ?`, v.id); n != 1 {
		t.Fatalf("%d sessions after signing in again", n)
	}
	e.want(e.as(&old, "GET", "/v1/centre/appointments", nil), http.StatusUnauthorized, "unauthorized")

	// Sign-out needs the CSRF token too, deletes the session and clears the cookie.
	e.want(e.Do("DELETE", "/v1/centre/session", "", nil, "Cookie", CookieName(e.Origin)+"="+v.cookie, "Origin", e.Origin), http.StatusForbidden, "csrf_failed")
	r = e.as(v, "DELETE", "/v1/centre/session", nil)
	e.want(r, http.StatusOK, "")
	if c := centreCookie(t, r); c == nil || c.MaxAge >= 0 || c.Value != "" {
		t.Fatalf("sign-out cookie %+v", c)
	}
	if n := e.count(`SELECT count(*) FROM vaccinator_sessions WHERE vaccinator_id = ?`, v.id); n != 0 {
		t.Fatalf("%d sessions after sign-out", n)
	}
	e.want(e.as(v, "GET", "/v1/centre/appointments", nil), http.StatusUnauthorized, "unauthorized")

	// A revoked vaccinator's sessions end at once, and they cannot sign in.
	e.centreSignIn(v)
	e.Exec(store.RevokeVaccinatorSQL(v.id, e.now()))
	e.want(e.as(v, "GET", "/v1/centre/appointments", nil), http.StatusUnauthorized, "unauthorized")
	r = e.do("POST", "/v1/centre/sign-in", "", map[string]string{"mobile": v.mobile})
	e.want(r, http.StatusAccepted, "")
	e.Clock.Add(time.Minute)
}

// A loopback http origin (development) gets the cookie without __Host- and
// Secure; nothing else changes.
func TestCentreCookieOnLoopbackHTTP(t *testing.T) {
	if CookieName("http://127.0.0.1:8787") != "kycvs_centre" || CookieName("https://kycvs.example") != "__Host-kycvs_centre" {
		t.Fatal("cookie names")
	}
}

func TestCentreCSRF(t *testing.T) {
	e := newEnv(t)
	v := e.centrePerson(delhi, "Asha Verma", store.RoleVaccinator, "9876511111")
	e.centreSignIn(v)
	b := e.book(arjunMobile, arjun, delhi, 0)
	body := map[string]any{"appointment": b.id, "security_code": b.code, "vaccine": "covaxin", "batch": "B-1"}
	cookie := CookieName(e.Origin) + "=" + v.cookie
	before := e.Dump()
	for _, tc := range []struct {
		name string
		hdr  []string
		code string
	}{
		{"no Origin", []string{"Cookie", cookie, CSRFHeader, v.csrf}, "csrf_failed"},
		{"another site's Origin", []string{"Cookie", cookie, "Origin", "https://evil.example", CSRFHeader, v.csrf}, "origin_not_allowed"},
		{"a sibling host's Origin", []string{"Cookie", cookie, "Origin", "https://other.kycvs.test", CSRFHeader, v.csrf}, "origin_not_allowed"},
		{"no token", []string{"Cookie", cookie, "Origin", e.Origin}, "csrf_failed"},
		{"another session's token", []string{"Cookie", cookie, "Origin", e.Origin, CSRFHeader, "x" + v.csrf[1:]}, "csrf_failed"},
	} {
		r := e.Do("POST", "/v1/vaccinations", "", body, tc.hdr...)
		if r.Status != http.StatusForbidden || r.Code() != tc.code {
			t.Errorf("%s: %d %s, want 403 %s", tc.name, r.Status, r.Raw, tc.code)
		}
	}
	// A form post (what a cross-site page can send without CORS) is
	// refused before anything else.
	r := e.Do("POST", "/v1/vaccinations", "", "appointment="+b.id, "Cookie", cookie, "Content-Type", "application/x-www-form-urlencoded")
	if r.Status < 400 || r.Status >= 500 {
		t.Errorf("form post: %d %s", r.Status, r.Raw)
	}
	if e.Dump() != before {
		t.Fatal("a refused request changed the database")
	}
	// GETs need no token (they change nothing); the page's own POST works.
	e.want(e.Do("GET", "/v1/centre/appointments", "", nil, "Cookie", cookie), http.StatusOK, "")
	e.want(e.recordAs(v, b.id, b.code, "covaxin"), http.StatusCreated, "")
}

func TestCentreRolesAndAudit(t *testing.T) {
	e := newEnv(t)
	v := e.centrePerson(delhi, "Asha Verma", store.RoleVaccinator, "9876511111")
	sup := e.centrePerson(delhi, "Dr. Meera Rao", store.RoleSupervisor, "9876511112")
	e.centreSignIn(v)
	e.centreSignIn(sup)
	b := e.book(arjunMobile, arjun, delhi, 0)

	// The list: time, reference, name, dose due (and the schedule's vaccine).
	r := e.as(v, "GET", "/v1/centre/appointments", nil)
	e.want(r, http.StatusOK, "")
	if !strings.Contains(r.Raw, `"dose_due":1`) || !strings.Contains(r.Raw, b.id) || strings.Contains(r.Raw, arjunMobile) {
		t.Fatalf("list: %s", r.Raw)
	}
	p := e.book(priyaMobile, priya, delhi, 0)
	r = e.as(v, "GET", "/v1/centre/appointments/"+p.id, nil)
	e.want(r, http.StatusOK, "")
	if r.Str("dose_due") != "2" || r.Str("vaccine_due") != "covaxin" || r.Str("name") != priya || r.Str("date") != e.day(0) {
		t.Fatalf("appointment: %s", r.Raw)
	}

	// Wrong codes and the lock name the vaccinator; a vaccinator cannot
	// unlock or read the trail.
	wrong := pad(b.code)
	for i, left := range []string{"2", "1", "0"} {
		r := e.recordAs(v, b.id, wrong, "covishield")
		e.want(r, http.StatusUnprocessableEntity, "security_code_incorrect")
		if r.Str("attempts_left") != left || r.Str("locked") != fmt.Sprint(i == 2) {
			t.Fatalf("wrong code %d: %s", i+1, r.Raw)
		}
	}
	e.want(e.recordAs(v, b.id, b.code, "covishield"), http.StatusLocked, "appointment_locked")
	before := e.Dump()
	e.want(e.as(v, "POST", "/v1/centre/appointments/"+b.id+"/unlock", map[string]any{}), http.StatusForbidden, "supervisor_only")
	e.want(e.as(v, "GET", "/v1/centre/audit", nil), http.StatusForbidden, "supervisor_only")
	if e.Dump() != before {
		t.Fatal("a refused unlock changed the database")
	}
	// The supervisor unlocks: a new code by SMS; the old one is dead.
	e.want(e.as(sup, "POST", "/v1/centre/appointments/"+b.id+"/unlock", map[string]any{}), http.StatusOK, "")
	code := e.LastCode(arjunMobile)
	if code != b.code {
		e.want(e.recordAs(v, b.id, b.code, "covishield"), http.StatusUnprocessableEntity, "security_code_incorrect")
	}
	r = e.recordAs(v, b.id, code, "covishield")
	e.want(r, http.StatusCreated, "")
	if r.Str("dose", "dose_number") != "1" || r.Str("confirmation_sent") != "true" {
		t.Fatalf("record: %s", r.Raw)
	}
	// The supervisor records too (a supervisor vaccinates as well).
	e.want(e.recordAs(sup, p.id, p.code, "covaxin"), http.StatusCreated, "")

	va, sa := "vaccinator:"+v.id, "supervisor:"+sup.id
	want := []string{"booked beneficiary", "wrong_code " + va, "wrong_code " + va, "wrong_code " + va, "locked " + va,
		"unlocked " + sa, "new_code " + sa}
	if code != b.code {
		want = append(want, "wrong_code "+va)
	}
	want = append(want, "recorded "+va)
	if got := e.audit(b.id); !slices.Equal(got, want) {
		t.Fatalf("audit %v, want %v", got, want)
	}
	if got := e.audit(p.id); got[len(got)-1] != "recorded "+sa {
		t.Fatalf("audit %v", got)
	}

	// The day's trail for the supervisor, with names.
	r = e.as(sup, "GET", "/v1/centre/audit", nil)
	e.want(r, http.StatusOK, "")
	entries := r.Body["entries"].([]any)
	named := 0
	for _, x := range entries {
		m := x.(map[string]any)
		if m["actor"] == va && m["actor_name"] == "Asha Verma" || m["actor"] == sa && m["actor_name"] == "Dr. Meera Rao" {
			named++
		}
	}
	if len(entries) < 10 || named < 8 || strings.Contains(r.Raw, arjunMobile) || strings.Contains(r.Raw, `"`+code+`"`) {
		t.Fatalf("trail (%d entries, %d named): %s", len(entries), named, r.Raw)
	}
	e.want(e.as(sup, "GET", "/v1/centre/audit?date=2026-13-01", nil), http.StatusBadRequest, "invalid_date")
	r = e.as(sup, "GET", "/v1/centre/audit?date="+e.day(-1), nil)
	if r.Status != http.StatusOK || len(r.Body["entries"].([]any)) != 0 {
		t.Fatalf("yesterday's trail: %s", r.Raw)
	}

	// The trail reads by the centre's index, not the whole log.
	plan := e.Query(`EXPLAIN QUERY PLAN SELECT id FROM audit_log l WHERE l.centre_id = 'x' AND l.at >= 0 AND l.at < 1 ORDER BY l.at, l.id`)
	if !strings.Contains(fmt.Sprint(plan), "audit_log_centre_day") {
		t.Fatalf("plan: %v", plan)
	}
	// The machine tokens still work, and still say the centre.
	f := e.book(fatemaMob, fatema, delhi, 0)
	e.want(e.record(delhi, f.id, f.code, "covaxin"), http.StatusCreated, "")
	if got := e.audit(f.id); got[len(got)-1] != "recorded vaccinator@"+delhi {
		t.Fatalf("audit %v", got)
	}
}

func TestCentreAnotherCentreSeesNothing(t *testing.T) {
	e := newEnv(t)
	here := e.centrePerson(delhi, "Asha Verma", store.RoleVaccinator, "9876511111")
	there := e.centrePerson(kolkata, "Rina Sen", store.RoleSupervisor, "9876511113")
	e.centreSignIn(here)
	e.centreSignIn(there)
	b := e.book(arjunMobile, arjun, delhi, 0)
	before := e.Dump()
	r := e.as(there, "GET", "/v1/centre/appointments", nil)
	e.want(r, http.StatusOK, "")
	if strings.Contains(r.Raw, b.id) || strings.Contains(r.Raw, arjun) || r.Str("centre", "id") != kolkata {
		t.Fatalf("another centre's list: %s", r.Raw)
	}
	e.want(e.as(there, "GET", "/v1/centre/appointments/"+b.id, nil), http.StatusNotFound, "appointment_not_found")
	e.want(e.recordAs(there, b.id, b.code, "covaxin"), http.StatusForbidden, "wrong_centre")
	e.want(e.recordAs(there, b.id, pad(b.code), "covaxin"), http.StatusForbidden, "wrong_centre")
	e.want(e.as(there, "POST", "/v1/centre/appointments/"+b.id+"/unlock", map[string]any{}), http.StatusNotFound, "appointment_not_found")
	r = e.as(there, "GET", "/v1/centre/audit", nil)
	if strings.Contains(r.Raw, b.id) {
		t.Fatalf("another centre's trail: %s", r.Raw)
	}
	if e.Dump() != before {
		t.Fatal("another centre's requests changed the database")
	}
	e.want(e.recordAs(here, b.id, b.code, "covaxin"), http.StatusCreated, "")
}

func TestCentreWalkInRegistration(t *testing.T) {
	e := newEnv(t)
	v := e.centrePerson(kolkata, "Rina Sen", store.RoleVaccinator, "9876511113")
	e.centreSignIn(v)
	const newMobile = "9876533333"
	walkIn := func(digits, name string) (string, string) {
		t.Helper()
		r := e.as(v, "POST", "/v1/vaccinations/walk-in", map[string]string{"mobile": digits, "name": name})
		e.want(r, http.StatusAccepted, "")
		return r.Str("txn"), e.LastOTP(digits)
	}
	register := func(txn, code, name string, year int) *response {
		t.Helper()
		return e.as(v, "POST", "/v1/centre/registrations", map[string]any{"txn": txn, "otp": code, "name": name, "birth_year": year})
	}
	txn, code := walkIn(newMobile, "Kavya  Nair")
	// The bad requests change nothing.
	before := e.Dump()
	e.want(register(txn, code, "Kavya Nair", 2030), http.StatusBadRequest, "invalid_birth_year")
	e.want(register(txn, code, "Kavya Nair", 1850), http.StatusBadRequest, "invalid_birth_year")
	e.want(register(txn, code, "Someone Else", 1990), http.StatusUnprocessableEntity, "name_mismatch")
	e.want(register(txn, "12345", "Kavya Nair", 1990), http.StatusBadRequest, "invalid_otp")
	e.want(e.as(v, "POST", "/v1/centre/registrations", map[string]any{"txn": txn, "otp": code, "name": "Kavya Nair"}), http.StatusBadRequest, "missing_field")
	e.want(e.Do("POST", "/v1/centre/registrations", "", map[string]any{"txn": txn, "otp": code, "name": "Kavya Nair", "birth_year": 1990}),
		http.StatusUnauthorized, "unauthorized")
	// (Right-code refusals audit the guess; nothing else.)
	if strip := func(s string) string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.HasPrefix(l, "audit_log ") && !strings.HasPrefix(l, "otp_transactions ") && !strings.HasPrefix(l, "sqlite_sequence ") {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}; strip(e.Dump()) != strip(before) {
		t.Fatal("a refused registration changed the database")
	}
	// A wrong code is a wrong code.
	e.want(register(txn, otherCode(code), "Kavya Nair", 1990), http.StatusUnauthorized, "otp_incorrect")

	r := register(txn, code, "Kavya  Nair", 1990)
	e.want(r, http.StatusCreated, "")
	if r.Str("name") != "Kavya Nair" || r.Str("birth_year") != "1990" {
		t.Fatalf("registration: %s", r.Raw)
	}
	e.want(register(txn, code, "Kavya Nair", 1990), http.StatusConflict, "already_registered")
	// The same code records the dose: the person is now registered.
	r = e.as(v, "POST", "/v1/vaccinations", map[string]any{"walk_in": true, "txn": txn, "otp": code, "vaccine": "covaxin", "batch": "CV-9"})
	e.want(r, http.StatusCreated, "")
	if r.Str("dose", "dose_number") != "1" || r.Str("dose", "walk_in") != "true" || r.Str("dose", "name") != "Kavya Nair" {
		t.Fatalf("walk-in dose: %s", r.Raw)
	}
	if s := e.LastSMS(newMobile, "dose"); !strings.Contains(s, "dose 1 of Covaxin") {
		t.Fatalf("confirmation: %q", s)
	}
	if st := e.status(newMobile, "Kavya Nair"); st != kycvs.PartiallyVaccinated {
		t.Fatalf("status: %v", st)
	}
	var events []string
	for _, row := range e.Query(`SELECT event, actor FROM audit_log WHERE centre_id = 'ctr_kolkata_sskm' AND event IN ('registered', 'recorded_walk_in') ORDER BY id`) {
		events = append(events, row["event"].(string)+" "+row["actor"].(string))
	}
	if want := []string{"registered vaccinator:" + v.id, "recorded_walk_in vaccinator:" + v.id}; !slices.Equal(events, want) {
		t.Fatalf("audit %v, want %v", events, want)
	}
	// Every guess at the walk-in code names the vaccinator who asked for it.
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event = 'walk_in_otp_attempt' AND actor = ?`, "vaccinator:"+v.id); n < 3 {
		t.Fatalf("%d walk-in guesses audited with the vaccinator", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event = 'walk_in_otp_attempt' AND actor <> ?`, "vaccinator:"+v.id); n != 0 {
		t.Fatalf("%d walk-in guesses audited without the vaccinator", n)
	}

	// Six people per number: the shared demo number has four; two more
	// fit, a seventh does not.
	const shared = "9876500004"
	for i, name := range []string{"Lata Devi", "Ravi Kumar"} {
		e.Clock.Add(time.Minute)
		txn, code := walkIn(shared, name)
		e.want(register(txn, code, name, 1980+i), http.StatusCreated, "")
	}
	e.Clock.Add(time.Minute)
	txn, code = walkIn(shared, "Seventh Person")
	e.want(register(txn, code, "Seventh Person", 1985), http.StatusConflict, "too_many_people")
	if n := e.count(`SELECT count(*) FROM beneficiaries WHERE mobile_hash = ?`, mobile.Hash(e.HashKey, shared)); n != domain.MaxPeoplePerMobile {
		t.Fatalf("%d people on the shared number", n)
	}
	// A name already on the number (as normalised).
	e.Clock.Add(time.Minute)
	txn, code = walkIn("9876500003", "arjun  SINGH")
	e.want(register(txn, code, "arjun  SINGH", 1990), http.StatusConflict, "already_registered")
}

// Parallel registrations never put a seventh person on a number: the
// count and the insert are one statement.
func TestCentreRegistrationLimitAtomic(t *testing.T) {
	e := newEnv(t)
	const shared = "9876500004" // four people
	mh := mobile.Hash(e.HashKey, shared)
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = e.Store.RegisterBeneficiary(t.Context(), store.Registration{ID: fmt.Sprintf("ben_par_%02d", i), MobileHash: mh,
				Name: fmt.Sprintf("Person %d", i), NameNorm: fmt.Sprintf("person %d", i), BirthYear: 1990, CentreID: delhi,
				By: "vaccinator:vcr_x", Now: e.now(), MaxPerMobile: domain.MaxPeoplePerMobile})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if err != store.ErrMobileFull {
			t.Errorf("registration: %v", err)
		}
	}
	if n := e.count(`SELECT count(*) FROM beneficiaries WHERE mobile_hash = ?`, mh); ok != 2 || n != 6 {
		t.Fatalf("%d registered, %d on the number; want 2 and 6", ok, n)
	}
}

// Every query of the console on a request path uses an index.
func TestCentreQueriesUseIndexes(t *testing.T) {
	e := newEnv(t)
	for q, index := range map[string]string{
		`SELECT s.expires_at FROM vaccinator_sessions s JOIN vaccinators v ON v.id = s.vaccinator_id JOIN centres c ON c.id = v.centre_id
			WHERE s.token_hash = 'x' AND v.revoked_at IS NULL`: "(token_hash=?)",
		`SELECT v.id FROM vaccinators v JOIN centres c ON c.id = v.centre_id WHERE v.mobile_hash = 'x' AND v.revoked_at IS NULL`: "(mobile_hash=?)",
		`SELECT a.id FROM appointments a JOIN beneficiaries b ON b.id = a.beneficiary_id WHERE a.centre_id = 'x' AND a.slot_date = 'y'
			ORDER BY a.slot_time`: "appointments_centre_day",
		`SELECT count(*) FROM beneficiaries WHERE mobile_hash = 'x'`:                    "(mobile_hash=?)",
		`DELETE FROM vaccinator_sessions WHERE vaccinator_id = 'x' AND expires_at <= 1`: "vaccinator_sessions_vaccinator",
	} {
		plan := fmt.Sprint(explain(t, e.SchemaDB(), q))
		if !strings.Contains(plan, index) || strings.Contains(plan, "SCAN a ") || strings.Contains(plan, "SCAN s ") {
			t.Errorf("%s\nplan %s, want %s", q, plan, index)
		}
	}
}
