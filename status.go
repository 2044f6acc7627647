package kycvs

import "strconv"

// Status is the only fact about a person that an entity learns.
type Status uint8

const (
	NotVaccinated       Status = 0 // no dose recorded
	PartiallyVaccinated Status = 1 // fewer doses than the vaccine's primary schedule
	FullyVaccinated     Status = 2 // primary schedule complete
)

// String returns "not_vaccinated", "partially_vaccinated" or "fully_vaccinated".
func (s Status) String() string {
	switch s {
	case NotVaccinated:
		return "not_vaccinated"
	case PartiallyVaccinated:
		return "partially_vaccinated"
	case FullyVaccinated:
		return "fully_vaccinated"
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// Valid reports whether s is one of the three defined statuses.
func (s Status) Valid() bool { return s <= FullyVaccinated }
