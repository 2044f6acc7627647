package booking_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/store"
)

// TestE2ESlotsInWorkerd is the capacity rule on the real Worker (workerd +
// local D1, whose CHECK failure must reach the store as slot_full): 20
// parallel bookings for a slot of 5 places make exactly 5 appointments, and
// the slip shows the code the SMS carried.
func TestE2ESlotsInWorkerd(t *testing.T) {
	harness.Skip(t)
	people := slotsPeople(20)
	e := &env{t: t, tokens: map[string]string{}}
	sv, err := secret.NewToken(nil, secret.SupervisorTokenPrefix)
	if err != nil {
		t.Fatal(err)
	}
	e.Server = harness.Workerd(t, harness.Options{
		Vars:   map[string]string{"OTP_RESEND_SECONDS": "0", "OTP_PER_MOBILE_HOUR": "1000", "OTP_PER_IP_MINUTE": "1000"},
		People: people,
		SQL:    store.SupervisorSQL(delhi, "e2e supervisor", secret.TokenHash(sv), time.Now().Add(time.Hour), time.Now()),
	})
	date := e.day(1)
	r := e.do("POST", "/v1/centre/capacity", sv, map[string]any{"date": date, "time": "14:00", "capacity": 5})
	e.want(r, http.StatusOK, "")
	rs := slotsParallel(e.do, e.slotsBookers(people, delhi, date, "14:00"))
	slotsCount(t, rs, 5)
	rows := e.Query(`SELECT count(*) AS n FROM appointments WHERE slot_date = '` + date + `' AND slot_time = '14:00' AND status = 'live'`)
	if len(rows) != 1 || fmt.Sprint(rows[0]["n"]) != "5" { // a number from D1's JSON, or the shards' union
		t.Fatalf("appointments in the slot: %v", rows)
	}
	r = e.do("GET", "/v1/centres/"+delhi+"/slots?date="+date, "", nil)
	if !strings.Contains(r.Raw, `{"capacity":5,"free":0,"time":"14:00"}`) {
		t.Fatalf("slots: %s", r.Raw)
	}
	for i, x := range rs {
		if x.Status != http.StatusCreated {
			continue
		}
		slip := e.do("GET", "/v1/appointments/"+x.Str("appointment", "id")+"/slip", x.Str("access_token"), nil)
		if code := e.LastCode(people[i].Mobile); slip.Str("security_code") != code || code == "" {
			t.Fatalf("slip %s, SMS code %q", slip.Raw, code)
		}
		break
	}
	e.want(e.do("POST", "/v1/centre/capacity", sv, map[string]any{"date": date, "time": "14:00", "capacity": 4}),
		http.StatusConflict, "capacity_below_booked")
}
