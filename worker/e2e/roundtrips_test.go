package e2e

import (
	"strconv"
	"testing"

	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/seed"
)

// roundTripsMax is issue 14's budget: D1 round trips for a full status
// flow (start and verify) once the instance has the entity cached.
const roundTripsMax = 3

// The status flow's D1 round trips, counted in workerd against local D1
// (harness Options.CountD1 wraps each request's D1 bindings): what
// worker/service's TestRoundtripsStatusFlow counts natively, in the real
// runtime and driver. The dev SMS outbox (a D1 insert per start in dev,
// an HTTP call to the gateway in production) is counted apart.
func TestWorkerdRoundTrips(t *testing.T) {
	harness.Skip(t)
	s := harness.Workerd(t, harness.Options{CountD1: true})
	s.Header.Set("Origin", s.Origin)
	trips := func(r *harness.Response, what string) (int, int) {
		t.Helper()
		n, err1 := strconv.Atoi(r.Header.Get("x-kycvs-d1-round-trips"))
		o, err2 := strconv.Atoi(r.Header.Get("x-kycvs-d1-outbox"))
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: no round-trip count (%q, %q)", what, r.Header.Get("x-kycvs-d1-round-trips"), r.Header.Get("x-kycvs-d1-outbox"))
		}
		return n, o
	}
	flow := func(p seed.Person) (start, verify, outbox int) {
		t.Helper()
		r := s.Do("POST", "/v1/otp", "", map[string]string{"entity": "ent_railways", "mobile": p.Mobile, "name": p.Name, "nonce": nonce})
		if r.Status != 202 {
			t.Fatalf("start: %d %s", r.Status, r.Raw)
		}
		start, outbox = trips(r, "start")
		r = s.Do("POST", "/v1/otp/verify", "", map[string]string{"txn": r.Str("txn"), "otp": s.LastOTP(p.Mobile)})
		if r.Status != 200 {
			t.Fatalf("verify: %d %s", r.Status, r.Raw)
		}
		verify, _ = trips(r, "verify")
		return start, verify, outbox
	}
	// The pool has several instances, each with its own entity cache:
	// warm every one that a request may land on, then measure.
	var warm []int
	seen := map[string]bool{}
	for _, p := range seed.DemoPeople {
		if seen[p.Mobile] || len(warm) == 4 {
			continue // a number's second start waits for the resend gap
		}
		seen[p.Mobile] = true
		start, verify, outbox := flow(p)
		t.Logf("flow %d (%s): start %d + verify %d D1 round trips (+%d dev outbox)", len(warm)+1, p.ID, start, verify, outbox)
		if len(warm) == 0 && start+verify > roundTripsMax+1 {
			t.Errorf("the first flow made %d round trips; at most %d with the entity read", start+verify, roundTripsMax+1)
		}
		if outbox != 1 {
			t.Errorf("flow %d: %d outbox statements, want 1 (the dev SMS)", len(warm)+1, outbox)
		}
		warm = append(warm, start+verify)
	}
	best := warm[0]
	for _, n := range warm {
		best = min(best, n)
	}
	if best > roundTripsMax {
		t.Errorf("no flow made at most %d D1 round trips: %v", roundTripsMax, warm)
	}
}
