package domain

import (
	"errors"
	"fmt"
	"time"

	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/store"
)

// MaxPeoplePerMobile is how many people one mobile number may hold in the
// registry: CoWIN allowed a number to register up to six (a family sharing
// one phone). On-site registration holds it; the store's statement holds
// it again atomically (store.Registration.MaxPerMobile).
const MaxPeoplePerMobile = 6

// Ages a person may be registered at on site: CoWIN registered people from
// 12 (the youngest age group vaccinated); over 120 is a typing mistake.
const (
	MinRegistrationAge = 12
	MaxRegistrationAge = 120
)

// Errors of on-site registration.
var (
	// ErrMobileFull: the number already holds MaxPeoplePerMobile people.
	ErrMobileFull = fmt.Errorf("at most %d people are registered on one mobile number", MaxPeoplePerMobile)
	// ErrAlreadyRegistered: someone of this name is already on the number
	// (names as normalised: case, spacing and Unicode forms do not count).
	ErrAlreadyRegistered = errors.New("someone of this name is already registered on this mobile number")
)

// BirthYearError is a year of birth outside the ages a person may be
// registered at.
type BirthYearError struct{ From, To int }

func (e *BirthYearError) Error() string {
	return fmt.Sprintf("the year of birth must be from %d to %d", e.From, e.To)
}

// CheckRegistration is the rule of registering a person on site on a
// mobile that holds people: not a seventh, not a name twice, a year of
// birth that gives an age from MinRegistrationAge to MaxRegistrationAge
// (India time). nameHash is the keyed hash of the new name (as normalised);
// hash is secret.Keys.NameHash, applied to the registered names.
func CheckRegistration(people []store.Beneficiary, nameHash string, hash func(norm string) string, birthYear int, now time.Time) error {
	year := now.In(India).Year()
	if birthYear < year-MaxRegistrationAge || birthYear > year-MinRegistrationAge {
		return &BirthYearError{From: year - MaxRegistrationAge, To: year - MinRegistrationAge}
	}
	for _, p := range people {
		if secret.SameHash(hash(p.NameNorm), nameHash) {
			return ErrAlreadyRegistered
		}
	}
	if len(people) >= MaxPeoplePerMobile {
		return ErrMobileFull
	}
	return nil
}
