// Package domain holds the registry's rules, each written once, as plain Go
// that returns typed errors: what status a person's doses give, when the
// next dose may be given and of what, who a typed name is on a mobile, and
// what an appointment in a given state allows. The handlers ask it and the
// error table (worker/api/codes.go) turns its errors into public codes.
//
// Two rules also live in SQL, because D1 has no interactive transactions:
// the statement that records a dose re-checks the schedule atomically
// (store.scheduleOK), so parallel requests cannot break it. The SQL is the
// guard, this package the explanation; TestScheduleRuleAgreesWithSQL holds
// them together.
package domain

import (
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/store"
)

// India is India Standard Time; appointment dates are India dates. A fixed
// zone, because the worker's wasm has no time zone database.
var India = time.FixedZone("IST", 5*3600+1800)

// Date returns t's date in India, YYYY-MM-DD.
func Date(t time.Time) string { return t.In(India).Format(time.DateOnly) }

// Errors without parameters.
var (
	ErrAlreadyRecorded  = errors.New("a dose was already recorded for this appointment")
	ErrNameMismatch     = errors.New("no one with this name is registered on this mobile number")
	ErrScheduleComplete = errors.New("the primary schedule is complete")
)

// TooEarlyError: the next dose is not due until Earliest.
type TooEarlyError struct {
	Dose         int // the dose that would be given
	Vaccine      string
	IntervalDays int
	Earliest     time.Time
}

func (e *TooEarlyError) Error() string {
	return fmt.Sprintf("dose %d of %s is due from %s", e.Dose, e.Vaccine, Date(e.Earliest))
}

// VaccineMismatchError: the primary schedule continues with Expected.
type VaccineMismatchError struct{ Expected string }

func (e *VaccineMismatchError) Error() string {
	return "the primary schedule continues with " + e.Expected
}

// ScheduleCompleteError: the primary schedule of Vaccine (Doses doses) is
// complete. errors.Is(err, ErrScheduleComplete) holds for it.
type ScheduleCompleteError struct {
	Vaccine string
	Doses   int
}

func (e *ScheduleCompleteError) Error() string {
	return fmt.Sprintf("the primary schedule of %s (%d doses) is complete", e.Vaccine, e.Doses)
}

// Is makes the typed error match ErrScheduleComplete.
func (e *ScheduleCompleteError) Is(target error) bool { return target == ErrScheduleComplete }

// WrongCodeError is a wrong security code; Locked after the last attempt.
type WrongCodeError struct {
	AttemptsLeft int
	Locked       bool
}

func (e *WrongCodeError) Error() string {
	return fmt.Sprintf("wrong security code, %d attempts left", e.AttemptsLeft)
}

// MaxWrongCodes is how many wrong security codes lock an appointment. The
// schema's CHECK on wrong_attempts says the same.
const MaxWrongCodes = 3

// Status is the vaccination status of a person with doses recorded doses of
// a primary schedule of required doses: none → not vaccinated, complete →
// fully, in between → partially. The registry's one status rule.
func Status(doses, required int) kycvs.Status {
	switch {
	case doses <= 0:
		return kycvs.NotVaccinated
	case doses >= required:
		return kycvs.FullyVaccinated
	}
	return kycvs.PartiallyVaccinated
}

// StatusOf is b's status by the rule of Status.
func StatusOf(b *store.Beneficiary) kycvs.Status { return Status(b.Doses, b.DosesRequired) }

// CheckNextDose says whether a dose of v may be given at now after doses
// (in dose order): every earlier dose is of v (the primary schedule
// continues with its vaccine), the schedule is not complete, and the latest
// dose is v's minimum interval ago.
// Callers have proven the person's secret first: its errors tell the
// person's vaccine.
func CheckNextDose(v *store.Vaccine, doses []store.Dose, now time.Time) error {
	if len(doses) == 0 {
		return nil
	}
	for _, d := range doses {
		if d.VaccineID != v.ID {
			return &VaccineMismatchError{Expected: doses[0].VaccineID}
		}
	}
	if len(doses) >= v.DosesRequired {
		return &ScheduleCompleteError{Vaccine: v.Name, Doses: v.DosesRequired}
	}
	earliest := NextDoseFrom(v, doses)
	if now.Before(earliest) {
		return &TooEarlyError{Dose: len(doses) + 1, Vaccine: v.Name, IntervalDays: v.MinIntervalDays, Earliest: earliest}
	}
	return nil
}

// NextDoseFrom is when the dose after doses may be given (v is the
// schedule's vaccine): the latest dose plus v's minimum interval.
func NextDoseFrom(v *store.Vaccine, doses []store.Dose) time.Time {
	var last time.Time
	for _, d := range doses {
		if d.AdministeredAt.After(last) {
			last = d.AdministeredAt
		}
	}
	if last.IsZero() {
		return last
	}
	return last.Add(time.Duration(v.MinIntervalDays) * 24 * time.Hour)
}

// Issue is the rule of a status token: for the beneficiary ben, to the
// entity and nonce of the verified transaction t, the status by Status,
// valid from now (to the second) for lifetime, with a fresh token id and the
// pairwise subject (subjectKey) that lets no two entities link a person.
// A family transaction (IsFamily) names its nonces at verification, so it
// is ErrTravellersMismatch here: IssueFamily issues its tokens.
func Issue(issuer string, t *store.OTPTransaction, ben *store.Beneficiary, subjectKey []byte, now time.Time, lifetime time.Duration) (*kycvs.Attestation, error) {
	if IsFamily(t) {
		return nil, ErrTravellersMismatch
	}
	return issue(issuer, t.EntityID, t.Nonce, ben, subjectKey, now, lifetime)
}

func issue(issuer, entity, nonce string, ben *store.Beneficiary, subjectKey []byte, now time.Time, lifetime time.Duration) (*kycvs.Attestation, error) {
	now = now.Truncate(time.Second)
	a := &kycvs.Attestation{
		Issuer:    issuer,
		Audience:  entity,
		Nonce:     nonce,
		Status:    StatusOf(ben),
		IssuedAt:  now,
		ExpiresAt: now.Add(lifetime),
		Subject:   kycvs.PairwiseSubject(subjectKey, entity, ben.ID),
	}
	if _, err := rand.Read(a.TokenID[:]); err != nil {
		return nil, fmt.Errorf("reading random: %w", err)
	}
	return a, nil
}

// MatchName picks the beneficiary whose normalised name hashes (hash) to
// nameHash, in constant time per comparison: a mobile holds up to six
// people, told apart by name, and a name picks at most one (the schema's
// UNIQUE (mobile_hash, name_norm)). ErrNameMismatch if nobody matches.
func MatchName(bens []store.Beneficiary, nameHash string, hash func(norm string) string) (*store.Beneficiary, error) {
	for i := range bens {
		if secret.SameHash(hash(bens[i].NameNorm), nameHash) {
			return &bens[i], nil
		}
	}
	return nil, ErrNameMismatch
}

// CheckLive says whether an appointment in status can be changed or
// recorded: if not, a *store.StateError, the same error the store returns
// when a parallel request changed the appointment first.
func CheckLive(status string) error {
	if status == store.AppointmentLive {
		return nil
	}
	return &store.StateError{Status: status}
}
