package service

import (
	"net/http"
	"testing"

	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/seed"
)

// A family check loses nothing to faults either (runFaults): its start is
// the one-person start with the travellers' binding, its verification reads
// the transaction before it tries the code.

func TestFaultsFamilyStart(t *testing.T) {
	ts := travellersOf("rail", shared()[:3]...)
	runFaults(t, startFlow(func(fe *faultEnv) *response { return fe.startFamily("ent_railways", seed.SharedMobile, ts) },
		func(fe *faultEnv, r *response) {
			v := fe.verifyFamily(r.Str("txn"), fe.LastOTP(seed.SharedMobile), ts)
			if toks, _ := v.Body["tokens"].([]any); v.Status != http.StatusOK || len(toks) != len(ts) {
				fe.t.Fatalf("verify after the retried start: %d %s", v.Status, v.Raw)
			}
		}))
}

func TestFaultsFamilyVerify(t *testing.T) {
	ts := travellersOf("air", shared()...)
	tokens := func(fe *faultEnv, r *response) {
		fe.t.Helper()
		toks, _ := r.Body["tokens"].([]any)
		if r.Status != http.StatusOK || len(toks) != len(ts) {
			fe.t.Fatalf("verify: %d %s", r.Status, r.Raw)
		}
		for i, x := range toks {
			fe.checkFamilyToken("ent_airline", x.(map[string]any), ts, i)
		}
	}
	runFaults(t, faultFlow{
		setup: func(fe *faultEnv) func() *response {
			r := fe.startFamily("ent_airline", seed.SharedMobile, ts)
			if r.Status != http.StatusAccepted {
				fe.t.Fatalf("start: %d %s", r.Status, r.Raw)
			}
			txn, code := r.Str("txn"), fe.LastOTP(seed.SharedMobile)
			return func() *response { return fe.verifyFamily(txn, code, ts) }
		},
		ok: tokens,
		retry: func(fe *faultEnv, _ harness.FaultCase, req func() *response) {
			// The same code still works: its attempt was given back.
			tokens(fe, req())
			if r := req(); r.Status != http.StatusGone || r.Code() != "otp_used" {
				fe.t.Fatalf("second verify: %d %s", r.Status, r.Raw)
			}
		},
	})
}
