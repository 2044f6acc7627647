package booking_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/seed"
)

// slotsPeople are n unvaccinated people, one per mobile, for the parallel
// bookings.
func slotsPeople(n int) []seed.Person {
	out := make([]seed.Person, n)
	for i := range out {
		out[i] = seed.Person{ID: fmt.Sprintf("ben_slots_%02d", i), Mobile: fmt.Sprintf("91234000%02d", i),
			Name: fmt.Sprintf("Slot Person %c", 'A'+i)}
	}
	return out
}

// slotsBooker is one person ready to book: a session and the body.
type slotsBooker struct {
	session string
	body    map[string]string
}

// slotsParallel books every booker at once and returns the answers.
func slotsParallel(do func(method, path, bearer string, body any) *response, bs []slotsBooker) []*response {
	out := make([]*response, len(bs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, b := range bs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = do("POST", "/v1/appointments", b.session, b.body)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// slotsBookers proves each person's mobile and returns their bookings of
// centre's slot on date.
func (e *env) slotsBookers(people []seed.Person, centre, date, slot string) []slotsBooker {
	var out []slotsBooker
	for _, p := range people {
		out = append(out, slotsBooker{session: e.session(p.Mobile),
			body: map[string]string{"mobile": p.Mobile, "name": p.Name, "centre": centre, "date": date, "time": slot}})
	}
	return out
}

// slotsCount checks the answers of a parallel booking: exactly want 201s,
// the rest 409 slot_full.
func slotsCount(t *testing.T, rs []*response, want int) {
	t.Helper()
	created := 0
	for _, r := range rs {
		switch {
		case r.Status == http.StatusCreated:
			created++
		case r.Status == http.StatusConflict && r.Code() == "slot_full":
		default:
			t.Errorf("parallel booking: %d %s", r.Status, r.Raw)
		}
	}
	if created != want {
		t.Fatalf("%d of %d parallel bookings for %d places succeeded", created, len(rs), want)
	}
}

func TestSlotsParallelBookingsNeverExceedCapacity(t *testing.T) {
	people := slotsPeople(20)
	e := startEnv(t, harness.Options{People: people}, nil)
	sv := e.supervisor(delhi, "Dr Rao")
	date := e.day(1)
	r := e.do("POST", "/v1/centre/capacity", sv, map[string]any{"date": date, "time": "11:00", "capacity": 5})
	e.want(r, http.StatusOK, "")

	rs := slotsParallel(e.do, e.slotsBookers(people, delhi, date, "11:00"))
	slotsCount(t, rs, 5)
	if n := e.count(`SELECT count(*) FROM appointments WHERE centre_id = ? AND slot_date = ? AND slot_time = '11:00' AND status = 'live'`,
		delhi, date); n != 5 {
		t.Fatalf("%d live appointments in a slot of 5", n)
	}
	if n := e.count(`SELECT booked FROM slots WHERE centre_id = ? AND slot_date = ? AND slot_time = '11:00'`, delhi, date); n != 5 {
		t.Fatalf("booked = %d", n)
	}
	// The refused got no SMS slip.
	slips := 0
	for _, p := range people {
		if e.LastSMS(p.Mobile, "booking") != "" {
			slips++
		}
	}
	if slips != 5 {
		t.Fatalf("%d slips sent for 5 bookings", slips)
	}

	r = e.do("GET", "/v1/centres/"+delhi+"/slots?date="+date, "", nil)
	e.want(r, http.StatusOK, "")
	if !strings.Contains(r.Raw, `{"capacity":5,"free":0,"time":"11:00"}`) || !strings.Contains(r.Raw, `{"capacity":30,"free":30,"time":"12:00"}`) {
		t.Fatalf("slots: %s", r.Raw)
	}

	// A cancel gives the place back: one more booking fits, then none.
	var waiting slotsBooker
	var firstID, firstAccess string
	for i, x := range rs {
		if x.Status == http.StatusCreated && firstID == "" {
			firstID, firstAccess = x.Str("appointment", "id"), x.Str("access_token")
		}
		if x.Status != http.StatusCreated {
			waiting = slotsBooker{session: e.session(people[i].Mobile), body: map[string]string{"mobile": people[i].Mobile,
				"name": people[i].Name, "centre": delhi, "date": date, "time": "11:00"}}
		}
	}
	e.want(e.do("DELETE", "/v1/appointments/"+firstID, firstAccess, nil), http.StatusOK, "")
	e.want(e.do("POST", "/v1/appointments", waiting.session, waiting.body), http.StatusCreated, "")

	// A reschedule into the full slot is refused and changes nothing; out
	// of it, the place moves.
	mover := e.book(arjunMobile, arjun, delhi, 1) // 10:00
	// A counter given back to 0 is no count.
	zeroCounter := func(r *harness.Row) bool { return !(r.Table == "rate_counters" && fmt.Sprint(r.Get("count")) == "0") }
	before := harness.DumpWithout(t, e.DB, zeroCounter)
	e.want(e.do("PATCH", "/v1/appointments/"+mover.id, mover.access, map[string]string{"time": "11:00"}), http.StatusConflict, "slot_full")
	if after := harness.DumpWithout(t, e.DB, zeroCounter); after != before {
		t.Fatalf("a refused reschedule changed the database:\n%s", harness.Diff(before, after))
	}
	var someone string
	e.DB.QueryRow(`SELECT id FROM appointments WHERE slot_time = '11:00' AND status = 'live' LIMIT 1`).Scan(&someone)
	sess := ""
	for _, p := range people {
		var mine int
		e.DB.QueryRow(`SELECT count(*) FROM appointments a JOIN beneficiaries b ON b.id = a.beneficiary_id WHERE a.id = ? AND b.id = ?`,
			someone, p.ID).Scan(&mine)
		if mine == 1 {
			sess = e.session(p.Mobile)
		}
	}
	e.want(e.do("PATCH", "/v1/appointments/"+someone, sess, map[string]string{"time": "12:00"}), http.StatusOK, "")
	e.want(e.do("PATCH", "/v1/appointments/"+mover.id, mover.access, map[string]string{"time": "11:00"}), http.StatusOK, "")
	for slot, want := range map[string]int{"10:00": 0, "11:00": 5, "12:00": 1} {
		var n int
		e.DB.QueryRow(`SELECT coalesce((SELECT booked FROM slots WHERE centre_id = ? AND slot_date = ? AND slot_time = ?), 0)`,
			delhi, date, slot).Scan(&n)
		if n != want {
			t.Errorf("%s: booked %d, want %d", slot, n, want)
		}
	}
}

func TestSlotsCapacityBySupervisor(t *testing.T) {
	e := newEnv(t)
	sv := e.supervisor(delhi, "Dr Rao")
	date := e.day(2)
	set := func(tok string, body any) *response { return e.do("POST", "/v1/centre/capacity", tok, body) }

	e.want(set(e.tokens[delhi], map[string]any{"date": date, "capacity": 3}), http.StatusUnauthorized, "invalid_token")
	e.want(set("", map[string]any{"date": date, "capacity": 3}), http.StatusUnauthorized, "unauthorized")
	for _, c := range []struct {
		body any
		code string
	}{
		{map[string]any{"date": date, "capacity": -1}, "invalid_capacity"},
		{map[string]any{"date": date, "capacity": 501}, "invalid_capacity"},
		{map[string]any{"date": date}, "missing_field"},
		{map[string]any{"capacity": 3}, "missing_field"},
		{map[string]any{"date": date, "time": "10:30", "capacity": 3}, "invalid_time"},
		{map[string]any{"date": e.day(-1), "capacity": 3}, "invalid_date"},
		{map[string]any{"date": date, "capacity": "3"}, "bad_json"},
	} {
		before := harness.Dump(t, e.DB)
		r := set(sv, c.body)
		if r.Status != http.StatusBadRequest || r.Code() != c.code {
			t.Errorf("%v: %d %s, want 400 %s", c.body, r.Status, r.Raw, c.code)
		}
		if harness.Dump(t, e.DB) != before {
			t.Errorf("%v changed the database", c.body)
		}
	}

	// Every time of the day at once.
	r := set(sv, map[string]any{"date": date, "capacity": 2})
	e.want(r, http.StatusOK, "")
	if strings.Count(r.Raw, `"capacity":2`) != 7 {
		t.Fatalf("day capacity: %s", r.Raw)
	}
	b := e.book(arjunMobile, arjun, delhi, 2)
	e.book(priyaMobile, priya, delhi, 2)
	// Below what is booked: refused, all or nothing.
	before := harness.Dump(t, e.DB)
	e.want(set(sv, map[string]any{"date": date, "capacity": 1}), http.StatusConflict, "capacity_below_booked")
	if harness.Dump(t, e.DB) != before {
		t.Fatal("a refused capacity changed the database")
	}
	e.want(set(sv, map[string]any{"date": date, "time": "10:00", "capacity": 2}), http.StatusOK, "")
	e.want(e.do("PATCH", "/v1/appointments/"+b.id, b.access, map[string]string{"time": "11:00"}), http.StatusOK, "")
	e.want(set(sv, map[string]any{"date": date, "time": "10:00", "capacity": 1}), http.StatusOK, "")

	// A supervisor sets only their own centre's slots, audited by name.
	var kolkataRows int
	e.DB.QueryRow(`SELECT count(*) FROM slots WHERE centre_id = ?`, kolkata).Scan(&kolkataRows)
	if kolkataRows != 0 {
		t.Fatalf("%d Kolkata slot rows", kolkataRows)
	}
	var audits int
	e.DB.QueryRow(`SELECT count(*) FROM audit_log WHERE event = 'capacity' AND actor = 'supervisor:Dr Rao' AND centre_id = ?`, delhi).Scan(&audits)
	if audits != 7+1 { // 7 new rows, 10:00 → 1 (2 → 2 is no change)
		t.Fatalf("%d capacity audit rows", audits)
	}
}

func TestSlotsCentresSearch(t *testing.T) {
	e := newEnv(t)
	for q, want := range map[string]string{
		"pin=110029":           delhi,
		"district=kolkata":     kolkata,
		"district=NEW%20DELHI": delhi,
	} {
		r := e.do("GET", "/v1/centres?"+q, "", nil)
		e.want(r, http.StatusOK, "")
		if !strings.Contains(r.Raw, `"id":"`+want+`"`) || strings.Count(r.Raw, `"id"`) != 1 || strings.Contains(r.Raw, "token") {
			t.Errorf("%s: %s", q, r.Raw)
		}
	}
	r := e.do("GET", "/v1/centres?pin=110001", "", nil)
	e.want(r, http.StatusOK, "")
	if !strings.Contains(r.Raw, `"centres":[]`) {
		t.Errorf("an unknown PIN: %s", r.Raw)
	}
	for q, code := range map[string]string{
		"":                          "missing_field",
		"pin=11002":                 "invalid_pin",
		"pin=011002":                "invalid_pin",
		"pin=1100299":               "invalid_pin",
		"district=x":                "invalid_district",
		"district=%3Cscript%3E":     "invalid_district",
		"pin=110029&district=delhi": "bad_query",
	} {
		e.want(e.do("GET", "/v1/centres?"+q, "", nil), http.StatusBadRequest, code)
	}
	e.want(e.do("GET", "/v1/centres/ctr_nowhere/slots?date="+e.day(0), "", nil), http.StatusNotFound, "unknown_centre")
	e.want(e.do("GET", "/v1/centres/xyz/slots?date="+e.day(0), "", nil), http.StatusBadRequest, "invalid_centre")
	e.want(e.do("GET", "/v1/centres/"+delhi+"/slots?date="+e.day(61), "", nil), http.StatusBadRequest, "invalid_date")
	e.want(e.do("GET", "/v1/centres/"+delhi+"/slots", "", nil), http.StatusBadRequest, "invalid_date")
	// 09:30 in India: 09:00 has begun.
	r = e.do("GET", "/v1/centres/"+delhi+"/slots?date="+e.day(0), "", nil)
	e.want(r, http.StatusOK, "")
	if !strings.Contains(r.Raw, `"passed":true,"time":"09:00"`) || strings.Contains(r.Raw, `"passed":true,"time":"10:00"`) ||
		r.Str("centre", "pin") != "110029" || r.Str("centre", "address") == "" {
		t.Fatalf("today's slots: %s", r.Raw)
	}

	// Each search and the slot listing is an index lookup.
	for _, q := range []string{
		`SELECT id FROM centres WHERE pin = '110029' ORDER BY name, id LIMIT 50`,
		`SELECT id FROM centres WHERE district = 'kolkata' COLLATE NOCASE ORDER BY name, id LIMIT 50`,
		`SELECT c.id, s.slot_time FROM centres c LEFT JOIN slots s ON s.centre_id = c.id AND s.slot_date = '2026-05-02' WHERE c.id = 'x'`,
	} {
		plan := explain(t, e.SchemaDB(), q)
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN") {
				t.Errorf("%s: %v", q, plan)
			}
		}
	}
}

// The slip shows the security code to the person (access token or a
// session for the mobile), and only the current code; the vaccinator's and
// supervisor's answers never do.
func TestSlotsCodeOnSlip(t *testing.T) {
	e := newEnv(t)
	b := e.book(arjunMobile, arjun, delhi, 0)
	slipOf := func(bearer string) *response { return e.do("GET", "/v1/appointments/"+b.id+"/slip", bearer, nil) }

	r := slipOf(b.access)
	e.want(r, http.StatusOK, "")
	if r.Str("security_code") != b.code || r.Str("appointment", "id") != b.id || r.Str("pin") != "110029" ||
		!strings.Contains(r.Str("address"), "Ansari Nagar") {
		t.Fatalf("slip with the access token: %s (code %s)", r.Raw, b.code)
	}
	s := e.session(arjunMobile)
	if r := slipOf(s); r.Str("security_code") != b.code {
		t.Fatalf("slip with a session: %s", r.Raw)
	}
	e.want(slipOf(e.session(priyaMobile)), http.StatusNotFound, "appointment_not_found")
	e.want(slipOf("kycvs_bat_"+strings.Repeat("A", 43)), http.StatusNotFound, "appointment_not_found")
	e.want(slipOf(""), http.StatusUnauthorized, "unauthorized")
	e.want(slipOf(e.tokens[delhi]), http.StatusNotFound, "appointment_not_found")
	// The plain GET, the list and the vaccinator's day carry no code.
	for _, r := range []*response{
		e.do("GET", "/v1/appointments/"+b.id, b.access, nil),
		e.do("GET", "/v1/appointments", s, nil),
		e.do("GET", "/v1/centre/appointments", e.tokens[delhi], nil),
	} {
		e.want(r, http.StatusOK, "")
		if strings.Contains(r.Raw, `"`+b.code+`"`) || strings.Contains(r.Raw, "security_code") {
			t.Fatalf("an answer without the slip shows the code: %s", r.Raw)
		}
	}
	// The database keeps the hash and the sealed code, never the code.
	var enc, hash string
	e.DB.QueryRow(`SELECT code_enc, code_hash FROM appointments WHERE id = ?`, b.id).Scan(&enc, &hash)
	if enc == "" || strings.Contains(enc, b.code) || hash == enc {
		t.Fatalf("code_enc %q", enc)
	}

	// A reschedule: the slip shows the new code (the SMS's), the old one is dead.
	e.want(e.do("PATCH", "/v1/appointments/"+b.id, b.access, map[string]string{"time": "11:00"}), http.StatusOK, "")
	newCode := e.LastCode(arjunMobile)
	if r := slipOf(b.access); r.Str("security_code") != newCode || r.Str("appointment", "time") != "11:00" {
		t.Fatalf("slip after the reschedule: %s (new code %s)", r.Raw, newCode)
	}
	if newCode != b.code {
		e.want(e.record(delhi, b.id, b.code, "covaxin"), http.StatusUnprocessableEntity, "security_code_incorrect")
	}

	// Locked and unlocked: the new code went by SMS; the supervisor's answer
	// has no code, and the slip shows the new one, not the old one.
	for range 3 {
		e.record(delhi, b.id, wrongCode(newCode), "covaxin")
	}
	sv := e.supervisor(delhi, "Dr Rao")
	r = e.do("POST", "/v1/centre/appointments/"+b.id+"/unlock", sv, map[string]any{})
	e.want(r, http.StatusOK, "")
	unlocked := e.LastCode(arjunMobile)
	if strings.Contains(r.Raw, `"`+unlocked+`"`) || strings.Contains(r.Raw, "security_code") {
		t.Fatalf("unlock answer shows the code: %s", r.Raw)
	}
	r = slipOf(b.access)
	if r.Str("security_code") != unlocked || unlocked == "" {
		t.Fatalf("slip after an unlock: %s (new code %s)", r.Raw, unlocked)
	}
	// Cancelled: no code.
	e.want(e.do("DELETE", "/v1/appointments/"+b.id, b.access, nil), http.StatusOK, "")
	if r := slipOf(b.access); r.Str("security_code") != "" || r.Str("appointment", "status") != "cancelled" {
		t.Fatalf("slip after cancelling: %s", r.Raw)
	}
}

func wrongCode(code string) string {
	if code == "0000" {
		return "1111"
	}
	return "0000"
}

// explain returns the steps of q's query plan on db.
func explain(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN " + q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return plan
}
