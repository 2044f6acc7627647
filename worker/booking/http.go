package booking

import (
	"net/http"
	"strings"

	"github.com/kycvs/kycvs/worker/api"
)

// Error codes, stable for clients (the table is worker/api/codes.go; every
// code is documented in docs/API.md):
//
//	400 bad_json, unknown_field, missing_field, invalid_mobile, invalid_name, invalid_lang, invalid_txn, invalid_otp,
//	    invalid_centre, invalid_date, invalid_time, invalid_appointment, invalid_security_code, invalid_vaccine,
//	    invalid_batch, invalid_utf8, bad_body, walk_in_otp_required, invalid_birth_year
//	401 unauthorized (no or malformed bearer, no centre session), invalid_token, token_expired, session_expired, otp_incorrect
//	403 origin_not_allowed, mobile_mismatch, wrong_centre, csrf_failed, supervisor_only, not_a_vaccinator
//	404 not_found, appointment_not_found, beneficiary_not_found, unknown_centre, unknown_vaccine
//	405 method_not_allowed   413 body_too_large   415 unsupported_media_type
//	409 already_booked, appointment_cancelled, appointment_done, already_recorded, not_today, vaccine_mismatch,
//	    schedule_complete, too_early, has_appointment, conflict, not_locked, already_registered, too_many_people
//	410 otp_expired, otp_used, otp_locked, otp_superseded, txn_unknown
//	422 security_code_incorrect (+ attempts_left, locked), name_mismatch
//	423 appointment_locked
//	429 rate_limited (+ Retry-After; never which limit)
//	503 unavailable, sms_unavailable (+ Retry-After: nothing was changed)
//
// The error body and headers are worker/api's, as in the service.

// bearer returns the Authorization bearer credential, or a 401.
func bearer(r *http.Request) (string, error) {
	a := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(a, "Bearer ")
	if !ok || tok == "" || len(tok) > 200 {
		return "", api.Challenge(api.E("unauthorized"), `Bearer realm="kycvs"`)
	}
	return strings.TrimSpace(tok), nil
}
