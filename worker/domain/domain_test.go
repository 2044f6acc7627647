package domain

import (
	"errors"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/worker/store"
)

func TestStatus(t *testing.T) {
	for _, c := range []struct {
		doses, required int
		want            kycvs.Status
	}{{0, 0, kycvs.NotVaccinated}, {0, 2, kycvs.NotVaccinated}, {1, 2, kycvs.PartiallyVaccinated},
		{2, 2, kycvs.FullyVaccinated}, {1, 1, kycvs.FullyVaccinated}, {2, 3, kycvs.PartiallyVaccinated}, {3, 2, kycvs.FullyVaccinated}} {
		if got := Status(c.doses, c.required); got != c.want {
			t.Errorf("Status(%d, %d) = %v, want %v", c.doses, c.required, got, c.want)
		}
	}
}

func TestCheckNextDose(t *testing.T) {
	covaxin := &store.Vaccine{ID: "covaxin", Name: "Covaxin", DosesRequired: 2, MinIntervalDays: 28}
	now := time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC)
	dose := func(v string, daysAgo int) store.Dose {
		return store.Dose{VaccineID: v, AdministeredAt: now.Add(-time.Duration(daysAgo) * 24 * time.Hour)}
	}
	if err := CheckNextDose(covaxin, nil, now); err != nil {
		t.Errorf("first dose: %v", err)
	}
	if err := CheckNextDose(covaxin, []store.Dose{dose("covaxin", 28)}, now); err != nil {
		t.Errorf("second dose on day 28: %v", err)
	}
	var te *TooEarlyError
	if err := CheckNextDose(covaxin, []store.Dose{dose("covaxin", 27)}, now); !errors.As(err, &te) || te.Dose != 2 ||
		Date(te.Earliest) != Date(now.Add(24*time.Hour)) {
		t.Errorf("day 27: %v", err)
	}
	var vm *VaccineMismatchError
	if err := CheckNextDose(covaxin, []store.Dose{dose("covishield", 100)}, now); !errors.As(err, &vm) || vm.Expected != "covishield" {
		t.Errorf("other vaccine: %v", err)
	}
	if err := CheckNextDose(covaxin, []store.Dose{dose("covaxin", 200), dose("covaxin", 100)}, now); !errors.Is(err, ErrScheduleComplete) {
		t.Errorf("complete: %v", err)
	}
}

func TestMatchName(t *testing.T) {
	bens := []store.Beneficiary{{ID: "a", NameNorm: "sunita devi"}, {ID: "b", NameNorm: "मोहन लाल"}}
	hash := func(s string) string { return "h:" + s }
	if b, err := MatchName(bens, "h:मोहन लाल", hash); err != nil || b.ID != "b" {
		t.Errorf("%v %v", b, err)
	}
	if _, err := MatchName(bens, "h:someone", hash); !errors.Is(err, ErrNameMismatch) {
		t.Errorf("%v", err)
	}
	if _, err := MatchName(nil, "h:x", hash); !errors.Is(err, ErrNameMismatch) {
		t.Errorf("%v", err)
	}
}

func TestCheckLive(t *testing.T) {
	if CheckLive(store.AppointmentLive) != nil {
		t.Error("live refused")
	}
	var nl *store.StateError
	for _, s := range []string{store.AppointmentCancelled, store.AppointmentDone, store.AppointmentLocked} {
		if err := CheckLive(s); !errors.As(err, &nl) || nl.Status != s {
			t.Errorf("%s: %v", s, err)
		}
	}
}
