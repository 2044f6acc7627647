package e2e

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/seed"
)

// sixMobile holds the six people of familyOfSix, which TestWorkerEndToEnd
// seeds through the harness: the demo seed has no number with six.
const sixMobile = "9876500060"

// familyOfSix is six people on one number (as many as CoWIN registers on
// one), in four scripts, every status.
var familyOfSix = []seed.Person{
	{ID: "ben_six_1", Mobile: sixMobile, Name: "Kamala Iyer", Vaccine: "covishield", Doses: 2, Status: kycvs.FullyVaccinated},
	{ID: "ben_six_2", Mobile: sixMobile, Name: "Raghav Iyer", Vaccine: "covishield", Doses: 1, Status: kycvs.PartiallyVaccinated},
	{ID: "ben_six_3", Mobile: sixMobile, Name: "सीता देवी", Status: kycvs.NotVaccinated},
	{ID: "ben_six_4", Mobile: sixMobile, Name: "عائشہ بانو", Vaccine: "covaxin", Doses: 2, Status: kycvs.FullyVaccinated},
	{ID: "ben_six_5", Mobile: sixMobile, Name: "অনিতা বসু", Vaccine: "sputnik_light", Doses: 1, Status: kycvs.FullyVaccinated},
	{ID: "ben_six_6", Mobile: sixMobile, Name: "Meera Iyer", Vaccine: "zycov_d", Doses: 2, Status: kycvs.PartiallyVaccinated},
}

// testFamilyOfSix: in workerd, a family of six on one number is checked
// with one code (one SMS, one send from the number's limits: a second code
// within the resend gap is refused), and every token verifies alone with
// its own traveller's nonce, not with another's.
func testFamilyOfSix(t *testing.T, s *harness.Server) {
	c := newClient(t, s)
	var ts []map[string]string
	for i, p := range familyOfSix {
		ts = append(ts, map[string]string{"name": p.Name, "nonce": fmt.Sprintf("e2e-family-nonce-%d", i)})
	}
	start := map[string]any{"entity": "ent_railways", "mobile": sixMobile, "travellers": ts}
	st, m, _ := c.post("/v1/otp", start)
	if st != 202 {
		t.Fatalf("start: %d %v", st, m)
	}
	txn := m["txn"].(string)
	if st, m, _ := c.post("/v1/otp", start); st != 429 || m["error"] != "rate_limited" {
		t.Errorf("a second code within the resend gap: %d %v", st, m)
	}
	if n := len(s.For(t).Outbox(sixMobile)); n != 1 {
		t.Errorf("%d SMS to the family's number, want 1", n)
	}
	st, m, _ = c.post("/v1/otp/verify", map[string]any{"txn": txn, "otp": s.For(t).LastOTP(sixMobile), "travellers": ts})
	if st != 200 {
		t.Fatalf("verify: %d %v", st, m)
	}
	toks, _ := m["tokens"].([]any)
	if len(toks) != len(familyOfSix) {
		t.Fatalf("%d results: %v", len(toks), m)
	}
	for i, p := range familyOfSix {
		tok, _ := toks[i].(map[string]any)["token"].(string)
		a, err := kycvs.Verify(tok, s.Keyset, kycvs.Expect{Audience: "ent_railways", Nonce: ts[i]["nonce"], Now: time.Now()})
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		if a.Status != p.Status {
			t.Errorf("%s: status %v, want %v", p.Name, a.Status, p.Status)
		}
		other := ts[(i+1)%len(ts)]["nonce"]
		if _, err := kycvs.Verify(tok, s.Keyset, kycvs.Expect{Audience: "ent_railways", Nonce: other, Now: time.Now()}); !errors.Is(err, kycvs.ErrNonce) {
			t.Errorf("%s's token with another traveller's nonce: %v", p.Name, err)
		}
	}
}
