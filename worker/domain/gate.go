package domain

import (
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
