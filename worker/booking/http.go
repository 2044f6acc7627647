package booking

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxBody is the largest request body accepted (as in the service).
const maxBody = 4 << 10

// Error codes, stable for clients:
//
//	400 bad_json, unknown_field, missing_field, invalid_mobile, invalid_name, invalid_lang, invalid_txn, invalid_otp,
//	    invalid_centre, invalid_date, invalid_time, invalid_appointment, invalid_security_code, invalid_vaccine,
//	    invalid_batch, invalid_utf8, bad_body
//	401 unauthorized (no or malformed bearer), invalid_token, token_expired, session_expired, otp_incorrect
//	403 origin_not_allowed, mobile_mismatch, wrong_centre
//	404 not_found, appointment_not_found, beneficiary_not_found, unknown_centre, unknown_vaccine
//	405 method_not_allowed   413 body_too_large   415 unsupported_media_type
//	409 already_booked, appointment_cancelled, appointment_done, already_recorded, not_today, vaccine_mismatch,
//	    schedule_complete, too_early, has_appointment, conflict
//	410 otp_expired, otp_used, otp_locked, txn_unknown
//	422 security_code_incorrect (+ attempts_left, locked), name_mismatch
//	423 appointment_locked
//	429 rate_limited (+ Retry-After)
type apiError struct {
	status  int
	code    string
	message string
	extra   map[string]any
	header  http.Header
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func fail(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal","message":"encoding response"}`)
	}
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	hd.Set("Content-Type", "application/json; charset=utf-8")
	hd.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		log.Printf("%s %s: %v", r.Method, r.URL.Path, err)
		ae = fail(http.StatusInternalServerError, "internal", "internal error")
	}
	for k, vs := range ae.header {
		w.Header()[k] = vs
	}
	body := map[string]any{"error": ae.code, "message": ae.message}
	for k, x := range ae.extra {
		body[k] = x
	}
	writeJSON(w, ae.status, body)
}

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
		writeErr(w, r, err)
		return
	}
	writeJSON(w, status, v)
}

func (h *Handler) dispatch(r *http.Request, fns map[string]endpoint) (int, any, error) {
	if o := r.Header.Get("Origin"); o != "" && o != h.serviceOrigin(r) {
		return 0, nil, fail(http.StatusForbidden, "origin_not_allowed", "origin %q may not call this API", o)
	}
	fn, ok := fns[r.Method]
	if !ok {
		var allow []string
		for m := range fns {
			allow = append(allow, m)
		}
		sort.Strings(allow)
		return 0, nil, &apiError{status: http.StatusMethodNotAllowed, code: "method_not_allowed",
			message: "use " + strings.Join(allow, " or "), header: http.Header{"Allow": {strings.Join(allow, ", ")}}}
	}
	if r.Method != http.MethodPost && r.Method != http.MethodPatch {
		return fn(r, nil)
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return 0, nil, fail(http.StatusUnsupportedMediaType, "unsupported_media_type", "send application/json")
	}
	if r.ContentLength > maxBody {
		return 0, nil, fail(http.StatusRequestEntityTooLarge, "body_too_large", "body over %d bytes", maxBody)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return 0, nil, fail(http.StatusBadRequest, "bad_body", "reading body failed")
	}
	if len(body) > maxBody {
		return 0, nil, fail(http.StatusRequestEntityTooLarge, "body_too_large", "body over %d bytes", maxBody)
	}
	if !utf8.Valid(body) {
		return 0, nil, fail(http.StatusBadRequest, "invalid_utf8", "body is not valid UTF-8")
	}
	return fn(r, body)
}

func (h *Handler) serviceOrigin(r *http.Request) string {
	if h.cfg.ServiceOrigin != "" {
		return h.cfg.ServiceOrigin
	}
	scheme := "http"
	if r.TLS != nil || r.URL.Scheme == "https" || strings.HasPrefix(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// decode parses body strictly into v: one JSON object, no unknown fields, no
// trailing data.
func decode(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return fail(http.StatusBadRequest, "bad_json", "field %q has the wrong type", te.Field)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return fail(http.StatusBadRequest, "unknown_field", "%s", strings.TrimPrefix(err.Error(), "json: "))
		}
		return fail(http.StatusBadRequest, "bad_json", "body is not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return fail(http.StatusBadRequest, "bad_json", "trailing data after the JSON object")
	}
	return nil
}

func required(fields ...[2]string) error {
	for _, f := range fields {
		if f[1] == "" {
			return fail(http.StatusBadRequest, "missing_field", "%s is required", f[0])
		}
	}
	return nil
}

// bearer returns the Authorization bearer credential, or a 401.
func bearer(r *http.Request) (string, error) {
	a := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(a, "Bearer ")
	if !ok || tok == "" || len(tok) > 200 {
		return "", &apiError{status: http.StatusUnauthorized, code: "unauthorized",
			message: "send Authorization: Bearer <token>", header: http.Header{"WWW-Authenticate": {`Bearer realm="kycvs"`}}}
	}
	return strings.TrimSpace(tok), nil
}
