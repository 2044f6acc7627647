package booking

// The person's slip: the appointment with the centre's address and the
// 4-digit security code. CoWIN's slip could be carried instead of the
// registered phone, so it shows the code — to the person who proved the
// number (a booking session) or holds the booking's access token, and to no
// one else: the vaccinator's and supervisor's answers never carry it, and
// the plain GET /v1/appointments/{id} does not either (an API client that
// only needs the state never handles the secret).

import (
	"net/http"

	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/store"
)

// slipWithCode is GET /v1/appointments/{id}/slip. SecurityCode is "" when
// the appointment has no live code to show: it is not live, it was booked
// before codes were kept for the slip, or a supervisor's unlock replaced the
// code (the new one went by SMS; CodeBySMS says so).
type slipWithCode struct {
	Address      string   `json:"address"`
	Appointment  slipJSON `json:"appointment"`
	CodeBySMS    bool     `json:"code_by_sms,omitempty"`
	PIN          string   `json:"pin"`
	SecurityCode string   `json:"security_code"`
}

// showSlip answers the holder of the appointment (held: the access token or
// a booking session for its mobile) with the slip and its code.
func (h *Handler) showSlip(d *api.Deps, r *http.Request, _ []byte) (int, any, error) {
	a, _, err := h.held(d, r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, h.slipOf(a), nil
}

func (h *Handler) slipOf(a *store.Appointment) slipWithCode {
	out := slipWithCode{Address: a.CentreAddress, Appointment: slip(a), PIN: a.CentrePIN}
	if a.Status != store.AppointmentLive && a.Status != store.AppointmentLocked {
		return out
	}
	// The code opens only while its hash is the appointment's current one
	// (the associated data): after an unlock it no longer does.
	code, err := h.keys.OpenCode(a.ID, a.CodeHash, a.CodeEnc)
	if err != nil || a.CodeEnc == "" {
		out.CodeBySMS = true
		return out
	}
	out.SecurityCode = code
	return out
}
