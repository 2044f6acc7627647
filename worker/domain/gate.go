package domain

import (
	"strings"
	"time"

	"github.com/kycvs/kycvs/worker/store"
)

// GatePassLifetime is the longest a status token issued for a gate venue
// lives (SPEC.md, gate profile): the pass is shown at the gate within
// moments of being made, and a screenshot passed on must stop working
// before it is of use to anyone else.
const GatePassLifetime = 120 * time.Second

// Lifetime returns the lifetime of the tokens issued for e: the
// configured one, capped at GatePassLifetime for a gate venue.
func Lifetime(e *store.Entity, configured time.Duration) time.Duration {
	if e != nil && e.Kind == store.KindGate && configured > GatePassLifetime {
		return GatePassLifetime
	}
	return configured
}

// ChallengeLen and ChallengeAlphabet are a gate challenge's format (SPEC.md,
// gate profile): 8 characters of Crockford's base32 (no I, L, O, U: a person
// can type it from the gate's screen), 40 random bits, drawn by the gate.
const (
	ChallengeLen      = 8
	ChallengeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)

// IsChallenge reports whether s is a gate challenge.
func IsChallenge(s string) bool {
	if len(s) != ChallengeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(ChallengeAlphabet, rune(s[i])) {
			return false
		}
	}
	return true
}
