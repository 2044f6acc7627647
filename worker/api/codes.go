package api

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/kycvs/kycvs/worker/domain"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/store"
)

// The error table: every public error code the worker's endpoints answer
// with, its HTTP status and its default message. It is the one list: E
// refuses a code that is not here, docs/API.md documents exactly these
// (TestCodesDocumented), and clients localise a code by the message key
// "err_" + code. The codes are a public contract: add, never rename.
//
// Status is the code's status; a code answered with another status in one
// place says so in Also (documented beside it).
var Codes = map[string]Code{
	// The request itself.
	"bad_body":               {http.StatusBadRequest, "reading body failed", nil},
	"bad_json":               {http.StatusBadRequest, "body is not a JSON object", nil},
	"body_too_large":         {http.StatusRequestEntityTooLarge, "body too large", nil},
	"invalid_utf8":           {http.StatusBadRequest, "body is not valid UTF-8", nil},
	"method_not_allowed":     {http.StatusMethodNotAllowed, "method not allowed", nil},
	"missing_field":          {http.StatusBadRequest, "a required field is missing", nil},
	"not_found":              {http.StatusNotFound, "no such endpoint", nil},
	"origin_not_allowed":     {http.StatusForbidden, "this origin may not call this API", nil},
	"unknown_field":          {http.StatusBadRequest, "unknown field", nil},
	"unsupported_media_type": {http.StatusUnsupportedMediaType, "send application/json", nil},

	// Fields that break their format.
	"invalid_appointment":     {http.StatusBadRequest, "not an appointment id", nil},
	"invalid_batch":           {http.StatusBadRequest, "batch must be 1 to 40 letters, digits, / . _ -", nil},
	"invalid_capacity":        {http.StatusBadRequest, "capacity must be a whole number from 0 to 500", nil},
	"invalid_district":        {http.StatusBadRequest, "district must be 2 to 60 letters", nil},
	"invalid_pin":             {http.StatusBadRequest, "pin must be a 6-digit PIN code", nil},
	"bad_query":               {http.StatusBadRequest, "the query parameters do not go together", nil},
	"invalid_centre":          {http.StatusBadRequest, "centre must look like ctr_…", nil},
	"invalid_date":            {http.StatusBadRequest, "date must be YYYY-MM-DD", nil},
	"invalid_entity":          {http.StatusBadRequest, "entity must look like ent_…", nil},
	"invalid_idempotency_key": {http.StatusBadRequest, "Idempotency-Key must be 1 to 128 characters of A-Z a-z 0-9 . _ : -", nil},
	"invalid_lang":            {http.StatusBadRequest, "unknown language", nil},
	"invalid_mobile":          {http.StatusBadRequest, "mobile must be an Indian 10-digit mobile number", nil},
	"invalid_name":            {http.StatusBadRequest, "name must be 1 to 100 letters", nil},
	"invalid_nonce":           {http.StatusBadRequest, "nonce must be 8 to 128 characters of A-Z a-z 0-9 . _ ~ -", nil},
	"invalid_origin":          {http.StatusBadRequest, "origin is not a registered origin of the entity", nil},
	"invalid_otp":             {http.StatusBadRequest, "otp must be 6 digits", nil},
	"invalid_security_code":   {http.StatusBadRequest, "security_code must be 4 digits", nil},
	"invalid_status":          {http.StatusBadRequest, "status must be 0, 1 or 2", nil},
	"invalid_time":            {http.StatusBadRequest, "not a bookable time", nil},
	"invalid_travellers":      {http.StatusBadRequest, "travellers must list 1 to 6 {name, nonce}, instead of name and nonce", nil},
	"invalid_txn":             {http.StatusBadRequest, "txn is not a transaction id", nil},
	"invalid_vaccine":         {http.StatusBadRequest, "vaccine must be a vaccine id such as covishield", nil},
	"walk_in_otp_required":    {http.StatusBadRequest, "a walk-in is recorded with the OTP sent to the person's mobile", nil},
	"invalid_birth_year":      {http.StatusBadRequest, "birth_year must be a year that makes the person 12 to 120 years old", nil},

	// A family check's travellers (one code for up to six people on a number).
	"duplicate_name":      {http.StatusBadRequest, "two travellers have the same name", nil},
	"duplicate_nonce":     {http.StatusBadRequest, "two travellers have the same nonce", nil},
	"too_many_travellers": {http.StatusBadRequest, "a check is for at most 6 travellers", nil},
	"travellers_mismatch": {http.StatusConflict, "the travellers are not the ones the code was sent for; request a new code", nil},

	// Who is asking.
	"entity_auth":      {http.StatusUnauthorized, "send the entity secret as Authorization: Bearer", nil},
	"invalid_token":    {http.StatusUnauthorized, "not a valid token", []int{http.StatusBadRequest}},
	"mobile_mismatch":  {http.StatusForbidden, "mobile is not the one verified for this session", nil},
	"session_expired":  {http.StatusUnauthorized, "the booking session expired; verify the mobile again", nil},
	"token_expired":    {http.StatusUnauthorized, "the token expired; ask for a new one", nil},
	"unauthorized":     {http.StatusUnauthorized, "send Authorization: Bearer <token>", nil},
	"unknown_entity":   {http.StatusForbidden, "the entity is not registered", nil},
	"wrong_centre":     {http.StatusForbidden, "the appointment is at another centre", nil},
	"csrf_failed":      {http.StatusForbidden, "a signed-in request must come from the centre page (Origin and X-CSRF-Token)", nil},
	"not_a_vaccinator": {http.StatusForbidden, "this mobile number is not registered for a vaccination centre", nil},
	"supervisor_only":  {http.StatusForbidden, "only a supervisor of the centre may do this", nil},
	"gate_auth":        {http.StatusUnauthorized, "unknown or withdrawn gate token", nil},

	// One-time passwords.
	"name_mismatch":  {http.StatusUnprocessableEntity, "no one with this name is registered on this mobile number", nil},
	"otp_expired":    {http.StatusGone, "the code expired; request a new one", nil},
	"otp_incorrect":  {http.StatusUnauthorized, "the code is not correct", nil},
	"otp_locked":     {http.StatusGone, "too many wrong codes; request a new one", nil},
	"otp_superseded": {http.StatusGone, "a newer code was sent to this number; use that one", nil},
	"otp_used":       {http.StatusGone, "the code was already used; request a new one", nil},
	"txn_unknown":    {http.StatusGone, "no such transaction; request a new code", nil},

	// The registry: appointments and doses.
	"already_booked":          {http.StatusConflict, "there is already an open appointment; cancel it or reschedule", nil},
	"already_recorded":        {http.StatusConflict, "a dose was already recorded for this appointment", nil},
	"appointment_cancelled":   {http.StatusConflict, "the appointment was cancelled", nil},
	"appointment_done":        {http.StatusConflict, "the dose for this appointment was recorded", nil},
	"appointment_locked":      {http.StatusLocked, "the appointment is locked after wrong security codes; the centre's supervisor can unlock it", nil},
	"appointment_not_found":   {http.StatusNotFound, "no such appointment", nil},
	"capacity_below_booked":   {http.StatusConflict, "more places are already booked than this capacity", nil},
	"slot_full":               {http.StatusConflict, "no free place is left at this time; choose another", nil},
	"beneficiary_not_found":   {http.StatusNotFound, "no one with this name is registered on this mobile number", nil},
	"conflict":                {http.StatusConflict, "the appointment changed meanwhile; reload it", nil},
	"has_appointment":         {http.StatusConflict, "the person has an online appointment; record it with the security code", nil},
	"not_locked":              {http.StatusConflict, "the appointment is not locked", nil},
	"not_today":               {http.StatusConflict, "the appointment is not today", nil},
	"schedule_complete":       {http.StatusConflict, "the primary schedule is complete", nil},
	"security_code_incorrect": {http.StatusUnprocessableEntity, "the security code is not correct", nil},
	"too_early":               {http.StatusConflict, "the next dose is not due yet", nil},
	"unknown_centre":          {http.StatusNotFound, "no such centre", nil},
	"unknown_vaccine":         {http.StatusNotFound, "no such vaccine", nil},
	"vaccine_mismatch":        {http.StatusConflict, "the primary schedule continues with the same vaccine", nil},
	"already_registered":      {http.StatusConflict, "someone of this name is already registered on this mobile number", nil},
	"too_many_people":         {http.StatusConflict, "at most 6 people are registered on one mobile number", nil},

	// Limits and the service's own failures.
	"entity_misconfigured": {http.StatusInternalServerError, "the entity's registration is invalid; its operator must correct it", nil},
	"internal":             {http.StatusInternalServerError, "internal error", nil},
	"misconfigured":        {http.StatusServiceUnavailable, "the service is not configured", nil},
	"rate_limited":         {http.StatusTooManyRequests, "too many requests; try again later", nil},
	"sms_unavailable":      {http.StatusServiceUnavailable, "the SMS could not be sent; try again in a minute", nil},
	"unavailable":          {http.StatusServiceUnavailable, "the service is busy; try again in a few seconds", nil},
}

// VerifierCodes are the codes a verifier refuses a status token with: one
// per check of SPEC.md §5, in its order (a check named twice counts once),
// then the entity server's single use and its keyset. They are the reasons
// of POST /v1/tokens/verify (a 200 {valid: false, reason}), the codes of
// kycvs.ErrorCode, of the browser module and of the Node and Python
// verifiers, and the names testdata/vectors.json expects: one vocabulary,
// documented in docs/API.md ("Token verdicts") and checked against each of
// those by tests. token_expired is also a row of Codes (a bearer token past
// its time): the same words for the same fact.
var VerifierCodes = []Verdict{
	{"token_malformed", "1, 4, 8", "not a token: its text form, payload encoding, version, key id or lifetime"},
	{"token_unknown_key", "2, 5", "no published key has the token's key id, or the key was not valid when it was issued"},
	{"token_signature", "3", "the signature does not verify: the token was forged or altered"},
	{"token_audience", "6", "the token was issued for another entity"},
	{"token_nonce", "7", "the token carries another nonce: it was issued for another request"},
	{"token_not_yet_valid", "9", "the token was issued more than 60 s after the verifier's clock"},
	{"token_expired", "10", "the token expired; the person verifies again"},
	{"token_used", "after 10", "the token, or another token for its nonce, was accepted before"},
	{"keyset_unavailable", "before 2", "the verifier has no issuer keyset to check against; an outage, not a verdict on the token"},
}

// Verdict is a row of VerifierCodes: the code, the steps of SPEC.md §5 that
// answer it, and the message for developers.
type Verdict struct {
	Code, Steps, Message string
}

// BrowserCodes are the codes the browser side (embed.js, the widget, the
// browser module) produces itself; no endpoint answers them. Each is
// documented in docs/API.md ("The host page's error codes").
var BrowserCodes = map[string]string{
	"csp_blocked":        "the host page's Content-Security-Policy blocks the service's frame",
	"module_unavailable": "this browser could not load or start the verifier module",
	"network":            "the service could not be reached",
	"not_verified":       "the check ended without a status: nothing is known about the person",
	"widget_timeout":     "the widget did not show within the timeout, for no reason the embed could find",
}

// HostCodes are every code the embed's error callback (and the element's
// kycvs:error event) can deliver: site/src/embed.d.ts's KYCVSErrorCode,
// in this order. Each is a row of Codes, VerifierCodes or BrowserCodes,
// and the widget has words for each in every language (message key
// "err_" + code). Nothing in it tells the host a registry fact the person
// did not choose to share: a name that matched nobody on the number is
// not_verified, never name_mismatch.
var HostCodes = []string{
	// Setting up: the host's developers must act.
	"unknown_entity", "invalid_origin", "invalid_nonce", "csp_blocked", "widget_timeout",
	"module_unavailable", "misconfigured", "entity_misconfigured",
	// The service or the network.
	"network", "unavailable", "sms_unavailable", "rate_limited", "internal",
	// The person's steps, which the widget lets them correct.
	"invalid_mobile", "invalid_name", "invalid_otp",
	"otp_incorrect", "otp_expired", "otp_locked", "otp_superseded", "otp_used", "txn_unknown",
	"travellers_mismatch", "not_verified",
	// The module refused the service's answer: nothing reached the host.
	"token_malformed", "token_unknown_key", "token_signature", "token_audience", "token_nonce",
	"token_not_yet_valid", "token_expired",
}

// Code is a row of the error table.
type Code struct {
	Status  int
	Message string // the default message; endpoints may say more
	Also    []int  // other statuses the code is answered with, each documented
}

// SortedCodes returns the table's codes in order, for documentation.
func SortedCodes() []string {
	out := make([]string, 0, len(Codes))
	for c := range Codes {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// E returns the error response for code with its default message.
func E(code string) *Error { return Ef(code, "%s", lookup(code).Message) }

// Ef returns the error response for code with its own message.
func Ef(code, format string, args ...any) *Error {
	return &Error{Status: lookup(code).Status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func lookup(code string) Code {
	c, ok := Codes[code]
	if !ok {
		panic("api: error code " + code + " is not in the error table (worker/api/codes.go)")
	}
	return c
}

// WithStatus answers e with another status the table documents for its
// code (Code.Also).
func (e *Error) WithStatus(status int) *Error {
	for _, s := range lookup(e.Code).Also {
		if s == status {
			e.Status = status
			return e
		}
	}
	panic(fmt.Sprintf("api: status %d is not documented for %s", status, e.Code))
}

// With adds a field to the error body.
func (e *Error) With(key string, v any) *Error {
	if e.Extra == nil {
		e.Extra = map[string]any{}
	}
	e.Extra[key] = v
	return e
}

// Public maps an error from the domain, the OTP engine or the store to its
// response; an *Error is returned as it is, anything else is nil (the
// caller logs it and answers 500). This is the only place a typed error
// becomes a code.
func Public(err error) *Error {
	var ae *Error
	var ie *otp.IncorrectError
	var le *otp.LimitError
	var te *domain.TooEarlyError
	var vm *domain.VaccineMismatchError
	var sc *domain.ScheduleCompleteError
	var wc *domain.WrongCodeError
	var ns *store.StateError
	var dt *domain.DuplicateError
	var by *domain.BirthYearError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &ie):
		return E("otp_incorrect").With("attempts_left", ie.AttemptsLeft)
	case errors.As(err, &le):
		return RateLimited(le.RetryAfter)
	case errors.Is(err, otp.ErrSend):
		return Unavailable("sms_unavailable", "the code could not be sent; try again in a minute", 60)
	case errors.Is(err, otp.ErrSuperseded):
		return E("otp_superseded")
	case errors.Is(err, otp.ErrExpired):
		return E("otp_expired")
	case errors.Is(err, otp.ErrUsed):
		return E("otp_used")
	case errors.Is(err, otp.ErrLocked):
		return E("otp_locked")
	case errors.Is(err, otp.ErrUnknown), errors.Is(err, otp.ErrPurpose):
		return E("txn_unknown")
	case errors.As(err, &te):
		return Ef("too_early", "dose %d of %s is due %d days after the last one, from %s", te.Dose, te.Vaccine, te.IntervalDays,
			domain.Date(te.Earliest)).With("earliest", domain.Date(te.Earliest))
	case errors.As(err, &vm):
		return Ef("vaccine_mismatch", "earlier doses were %s; the primary schedule continues with the same vaccine", vm.Expected).
			With("expected_vaccine", vm.Expected)
	case errors.As(err, &sc):
		return Ef("schedule_complete", "the primary schedule of %s (%d doses) is complete", sc.Vaccine, sc.Doses)
	case errors.Is(err, domain.ErrScheduleComplete):
		return E("schedule_complete")
	case errors.As(err, &wc):
		return E("security_code_incorrect").With("attempts_left", wc.AttemptsLeft).With("locked", wc.Locked)
	case errors.As(err, &ns):
		switch ns.Status {
		case store.AppointmentCancelled:
			return E("appointment_cancelled")
		case store.AppointmentDone:
			return E("appointment_done")
		case store.AppointmentLocked:
			return E("appointment_locked")
		}
		return E("conflict")
	case errors.Is(err, store.ErrTxnUsed):
		return E("otp_used")
	case errors.Is(err, store.ErrTxnSuperseded):
		return E("otp_superseded")
	case errors.Is(err, store.ErrTxnExpired):
		return E("otp_expired")
	case errors.Is(err, store.ErrSlotFull):
		return E("slot_full")
	case errors.Is(err, store.ErrBelowBooked):
		return E("capacity_below_booked")
	case errors.Is(err, store.ErrHasAppointment):
		return E("has_appointment")
	case errors.Is(err, domain.ErrAlreadyRecorded):
		return E("already_recorded")
	case errors.Is(err, domain.ErrNameMismatch):
		return E("name_mismatch")
	case errors.Is(err, domain.ErrTooManyTravellers):
		return Ef("too_many_travellers", "%s", err)
	case errors.As(err, &dt):
		if dt.What == "nonce" {
			return Ef("duplicate_nonce", "%s", err)
		}
		return Ef("duplicate_name", "%s", err)
	case errors.Is(err, domain.ErrTravellersMismatch):
		return E("travellers_mismatch")
	case errors.Is(err, domain.ErrMobileFull), errors.Is(err, store.ErrMobileFull):
		return E("too_many_people")
	case errors.Is(err, domain.ErrAlreadyRegistered):
		return E("already_registered")
	case errors.As(err, &by):
		return Ef("invalid_birth_year", "%s", by)
	case errors.Is(err, store.ErrUnavailable):
		return Unavailable("unavailable", "the service is busy; try again in a few seconds", RetryAfterUnavailable)
	case errors.Is(err, store.ErrBadEntity):
		return E("entity_misconfigured")
	}
	return nil
}

// Ours reports whether err is a failure of the service's own (the
// database, a bug) rather than a refusal of the request: an endpoint gives
// back what the person spent (an OTP attempt) only for those.
func Ours(err error) bool {
	if err == nil {
		return false
	}
	ae := Public(err)
	return ae == nil || ae.Status >= 500
}

// Unavailable is a 503 that tells the client when to retry.
func Unavailable(code, message string, retryAfter int) *Error {
	e := Ef(code, "%s", message).With("retry_after", retryAfter)
	e.Header = http.Header{"Retry-After": {fmt.Sprint(retryAfter)}}
	return e
}

// RateLimited is the 429 of every limit. It says when to retry and not which
// limit refused: a stranger must not learn how a number is being used.
func RateLimited(retry time.Duration) *Error {
	secs := int((retry + time.Second - 1) / time.Second)
	e := E("rate_limited").With("retry_after", secs)
	e.Header = http.Header{"Retry-After": {fmt.Sprint(secs)}}
	return e
}
