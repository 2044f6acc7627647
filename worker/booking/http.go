package booking

import (
	"net/http"
	"sort"
	"strings"

	"github.com/kycvs/kycvs/worker/api"
)

// Error codes, stable for clients:
//
//	400 bad_json, unknown_field, missing_field, invalid_mobile, invalid_name, invalid_lang, invalid_txn, invalid_otp,
//	    invalid_centre, invalid_date, invalid_time, invalid_appointment, invalid_security_code, invalid_vaccine,
//	    invalid_batch, invalid_utf8, bad_body, walk_in_otp_required
//	401 unauthorized (no or malformed bearer), invalid_token, token_expired, session_expired, otp_incorrect
//	403 origin_not_allowed, mobile_mismatch, wrong_centre
//	404 not_found, appointment_not_found, beneficiary_not_found, unknown_centre, unknown_vaccine
//	405 method_not_allowed   413 body_too_large   415 unsupported_media_type
//	409 already_booked, appointment_cancelled, appointment_done, already_recorded, not_today, vaccine_mismatch,
//	    schedule_complete, too_early, has_appointment, conflict, not_locked
//	410 otp_expired, otp_used, otp_locked, otp_superseded, txn_unknown
//	422 security_code_incorrect (+ attempts_left, locked), name_mismatch
//	423 appointment_locked
//	429 rate_limited (+ Retry-After; never which limit)
//	503 unavailable, sms_unavailable (+ Retry-After: nothing was changed)
//
// The error body and headers are worker/api's, as in the service.

type endpoint func(r *http.Request, body []byte) (int, any, error)

// api wraps an endpoint of one method: origin, method, and for bodies the
// content type, size and UTF-8 checks.
func (h *Handler) api(method string, fn endpoint) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.serve(w, r, map[string]endpoint{method: fn})
	}
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, fns map[string]endpoint) {
	status, v, err := h.dispatch(r, fns)
	if err != nil {
		api.WriteError(w, r, err)
		return
	}
	api.WriteJSON(w, status, v)
}

func (h *Handler) dispatch(r *http.Request, fns map[string]endpoint) (int, any, error) {
	if err := api.CheckOrigin(r, h.cfg.ServiceOrigin); err != nil {
		return 0, nil, err
	}
	fn, ok := fns[r.Method]
	if !ok {
		var allow []string
		for m := range fns {
			allow = append(allow, m)
		}
		sort.Strings(allow)
		return 0, nil, &api.Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
			Message: "use " + strings.Join(allow, " or "), Header: http.Header{"Allow": {strings.Join(allow, ", ")}}}
	}
	if r.Method != http.MethodPost && r.Method != http.MethodPatch {
		return fn(r, nil)
	}
	body, err := api.ReadBody(r)
	if err != nil {
		return 0, nil, err
	}
	return fn(r, body)
}

// bearer returns the Authorization bearer credential, or a 401.
func bearer(r *http.Request) (string, error) {
	a := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(a, "Bearer ")
	if !ok || tok == "" || len(tok) > 200 {
		return "", &api.Error{Status: http.StatusUnauthorized, Code: "unauthorized",
			Message: "send Authorization: Bearer <token>", Header: http.Header{"WWW-Authenticate": {`Bearer realm="kycvs"`}}}
	}
	return strings.TrimSpace(tok), nil
}
