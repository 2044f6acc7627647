//go:build !js

package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/kycvs/kycvs/worker/domain"
	"github.com/kycvs/kycvs/worker/store"
)

// The schedule rule lives twice, by necessity: domain.CheckNextDose explains
// a refusal, and the recording statement's guard (scheduleOK) enforces it
// atomically, since D1 has no transactions. Over random dose histories they
// must agree on every vaccine.
func TestScheduleRuleAgreesWithSQL(t *testing.T) {
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "s.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := &store.SQL{DB: db}
	vaccines := []string{"covishield", "covaxin", "sputnik_v", "sputnik_light", "zycov_d", "corbevax"}
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	agreeAllow, agreeRefuse := 0, 0
	for i := range 400 {
		ben := fmt.Sprintf("ben_%d", i)
		if _, err := db.Exec(`INSERT INTO beneficiaries (id, mobile_hash, name, name_norm, created_at) VALUES (?, ?, 'x', 'x', 0)`,
			ben, fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
		// Mostly one vaccine, sometimes a mixed history; gaps around the
		// intervals (0 to 120 days).
		first := vaccines[rng.IntN(len(vaccines))]
		at := now.Add(-time.Duration(rng.IntN(400)) * 24 * time.Hour)
		for n := 1; n <= rng.IntN(4); n++ {
			v := first
			if rng.IntN(8) == 0 {
				v = vaccines[rng.IntN(len(vaccines))]
			}
			if at.After(now) {
				break
			}
			if _, err := db.Exec(`INSERT INTO doses (id, beneficiary_id, vaccine_id, dose_number, administered_at) VALUES (?, ?, ?, ?, ?)`,
				fmt.Sprintf("%s_%d", ben, n), ben, v, n, at.Unix()); err != nil {
				t.Fatal(err)
			}
			at = at.Add(time.Duration(rng.IntN(120)) * 24 * time.Hour)
		}
		doses, err := st.Doses(ctx, ben)
		if err != nil {
			t.Fatal(err)
		}
		for _, vid := range vaccines {
			v, err := st.Vaccine(ctx, vid)
			if err != nil {
				t.Fatal(err)
			}
			goRule := domain.CheckNextDose(v, doses, now) == nil
			sqlRule, err := st.ScheduleAllows(ctx, ben, vid, now)
			if err != nil {
				t.Fatal(err)
			}
			if goRule != sqlRule {
				t.Fatalf("%s, %d doses %v, %s at %s: domain says %v (%v), SQL says %v", ben, len(doses), doses, vid, now,
					goRule, domain.CheckNextDose(v, doses, now), sqlRule)
			}
			if goRule {
				agreeAllow++
			} else {
				agreeRefuse++
			}
		}
	}
	if agreeAllow < 100 || agreeRefuse < 100 {
		t.Fatalf("the cases did not exercise both answers: %d allowed, %d refused", agreeAllow, agreeRefuse)
	}
}
