package domain

import (
	"errors"
	"strconv"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/store"
)

// A family check: CoWIN registers up to six people on one mobile number,
// and a booking (a railway reservation, a hotel room) is often for several
// of them. One OTP to the number proves it for all of them; each traveller
// then gets a token of their own, bound to the entity's nonce for them and
// carrying their own pairwise subject, exactly as if they had been checked
// alone, or a refusal of their own (ErrNameMismatch).

// MaxTravellers is how many people one check may be for: as many as CoWIN
// registers on one mobile number.
const MaxTravellers = 6

// Errors of a family check's list of travellers.
var (
	ErrTooManyTravellers = errors.New("a check is for at most " + strconv.Itoa(MaxTravellers) + " travellers")
	// ErrTravellersMismatch: the travellers named when the code is verified
	// are not the ones it was sent for (or a family code is verified as a
	// single check's, or the other way round).
	ErrTravellersMismatch = errors.New("the travellers are not the ones the code was sent for")
)

// Traveller is one person of a family check: the keyed hash of the
// normalised name typed for them (secret.Keys.NameHash), and the entity's
// nonce for their token.
type Traveller struct {
	NameHash string
	Nonce    string
}

// DuplicateError: travellers First and Second (0-based) have the same name
// (What "name": the same normalised name, so the same person) or the same
// nonce (What "nonce": a nonce binds one token).
type DuplicateError struct {
	What          string
	First, Second int
}

func (e *DuplicateError) Error() string {
	return "travellers " + strconv.Itoa(e.First+1) + " and " + strconv.Itoa(e.Second+1) + " have the same " + e.What
}

// CheckTravellers is the rule of a family check's list: at most
// MaxTravellers people, no name twice, no nonce twice. (An empty list, or a
// name or nonce that breaks its format, is the request's format error.)
func CheckTravellers(ts []Traveller) error {
	if len(ts) > MaxTravellers {
		return ErrTooManyTravellers
	}
	for i := range ts {
		for j := range i {
			if ts[i].NameHash == ts[j].NameHash {
				return &DuplicateError{What: "name", First: j, Second: i}
			}
			if ts[i].Nonce == ts[j].Nonce {
				return &DuplicateError{What: "nonce", First: j, Second: i}
			}
		}
	}
	return nil
}

// IsFamily reports whether the status transaction t is a family check's:
// its code was sent for a list of travellers (bound by a keyed hash of the
// list in NameHash), whose nonces come with the verification, so it has
// none of its own.
func IsFamily(t *store.OTPTransaction) bool { return t.Nonce == "" }

// CheckBinding says whether binding, the keyed hash of the travellers a
// verification names (secret.Keys.TravellersHash), is what the family
// transaction t was started for: ErrTravellersMismatch if not.
func CheckBinding(t *store.OTPTransaction, binding string) error {
	if !IsFamily(t) || !secret.SameHash(t.NameHash, binding) {
		return ErrTravellersMismatch
	}
	return nil
}

// Issued is one traveller's outcome in a family check: the attestation to
// sign, or the refusal (ErrNameMismatch) for that traveller alone.
type Issued struct {
	Attestation *kycvs.Attestation
	Err         error
}

// IssueFamily is Issue for each traveller of the verified family
// transaction t, in the travellers' order: the beneficiary among bens (the
// people on t's mobile) whose name matches (MatchName), with the
// traveller's own nonce and pairwise subject. A name that matches nobody is
// that traveller's ErrNameMismatch, and the others still get theirs: the
// person proved the number, which tells them who is registered on it
// anyway. The error is ErrTravellersMismatch for a single check's
// transaction, or a failure of ours (reading random).
func IssueFamily(issuer string, t *store.OTPTransaction, ts []Traveller, bens []store.Beneficiary, hash func(norm string) string,
	subjectKey []byte, now time.Time, lifetime time.Duration) ([]Issued, error) {
	if !IsFamily(t) {
		return nil, ErrTravellersMismatch
	}
	out := make([]Issued, len(ts))
	for i, tr := range ts {
		ben, err := MatchName(bens, tr.NameHash, hash)
		if err != nil {
			out[i].Err = err
			continue
		}
		if out[i].Attestation, err = issue(issuer, t.EntityID, tr.Nonce, ben, subjectKey, now, lifetime); err != nil {
			return nil, err
		}
	}
	return out, nil
}
