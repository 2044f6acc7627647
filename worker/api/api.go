// Package api is the JSON plumbing shared by the worker's HTTP endpoints: the
// service's OTP and token API (worker/service) and booking (worker/booking).
// Both must answer alike, byte for byte: the same error body and codes, the
// same security headers, the same strict request bodies and the same checks of
// an OTP. Keeping that in one place means a fix to one cannot
// miss the other.
//
// It is not a framework: routing, which methods an endpoint takes, the origin
// a deployment allows and the endpoints themselves stay with their packages.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/store"
)

// MaxBody is the largest request body accepted.
const MaxBody = 4 << 10

// Error is an error response with a stable code: the body is
// {"error": Code, "message": Message} plus Extra, sent with Header.
type Error struct {
	Status  int
	Code    string
	Message string
	Extra   map[string]any
	Header  http.Header
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Fail returns an error response with a formatted message.
func Fail(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// SecurityHeaders sets the headers every API response carries: never cached,
// never rendered or framed, never read cross-origin.
func SecurityHeaders(hd http.Header) {
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
}

// WriteJSON writes v as the JSON response, with the security headers.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal","message":"encoding response"}`)
	}
	hd := w.Header()
	SecurityHeaders(hd)
	hd.Set("Content-Type", "application/json; charset=utf-8")
	hd.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// WriteError writes err as the JSON error response. An error that is not an
// *Error is logged and answered with a 500 that tells the client nothing.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *Error
	if !errors.As(err, &ae) {
		log.Printf("%s %s: %v", r.Method, r.URL.Path, err)
		ae = Fail(http.StatusInternalServerError, "internal", "internal error")
	}
	for k, vs := range ae.Header {
		w.Header()[k] = vs
	}
	body := map[string]any{"error": ae.Code, "message": ae.Message}
	for k, x := range ae.Extra {
		body[k] = x
	}
	WriteJSON(w, ae.Status, body)
}

// Origin is the origin browsers may call the API from: configured (the
// deployment's service origin) or, if empty, the request's own.
func Origin(r *http.Request, configured string) string {
	if configured != "" {
		return configured
	}
	scheme := "http"
	if r.TLS != nil || r.URL.Scheme == "https" || strings.HasPrefix(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// CheckOrigin refuses a request from a browser page of another origin.
// Browsers send Origin on every cross-origin request and on same-origin
// POSTs; only the service's own pages may call the API. Servers send none.
func CheckOrigin(r *http.Request, configured string) error {
	if o := r.Header.Get("Origin"); o != "" && o != Origin(r, configured) {
		return Fail(http.StatusForbidden, "origin_not_allowed", "origin %q may not call this API", o)
	}
	return nil
}

// ReadBody reads a JSON request body: application/json, at most MaxBody
// bytes, valid UTF-8.
func ReadBody(r *http.Request) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, Fail(http.StatusUnsupportedMediaType, "unsupported_media_type", "send application/json")
	}
	if r.ContentLength > MaxBody {
		return nil, Fail(http.StatusRequestEntityTooLarge, "body_too_large", "body over %d bytes", MaxBody)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return nil, Fail(http.StatusBadRequest, "bad_body", "reading body failed")
	}
	if len(body) > MaxBody {
		return nil, Fail(http.StatusRequestEntityTooLarge, "body_too_large", "body over %d bytes", MaxBody)
	}
	if !utf8.Valid(body) {
		return nil, Fail(http.StatusBadRequest, "invalid_utf8", "body is not valid UTF-8")
	}
	return body, nil
}

// Decode parses body strictly into v: one JSON object, no unknown fields, no
// trailing data.
func Decode(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return Fail(http.StatusBadRequest, "bad_json", "field %q has the wrong type", te.Field)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return Fail(http.StatusBadRequest, "unknown_field", "%s", strings.TrimPrefix(err.Error(), "json: "))
		}
		return Fail(http.StatusBadRequest, "bad_json", "body is not a JSON object")
	}
	// Token returns io.EOF only when nothing but whitespace follows.
	if _, err := dec.Token(); err != io.EOF {
		return Fail(http.StatusBadRequest, "bad_json", "trailing data after the JSON object")
	}
	return nil
}

// Required refuses the first of fields ({name, value}) whose value is empty.
func Required(fields ...[2]string) error {
	for _, f := range fields {
		if f[1] == "" {
			return Fail(http.StatusBadRequest, "missing_field", "%s is required", f[0])
		}
	}
	return nil
}

var (
	txnPattern = regexp.MustCompile(`^txn_[A-Za-z0-9_-]{22}$`)
	otpPattern = regexp.MustCompile(`^[0-9]{6}$`)
)

// VerifyOTP is the OTP step of an endpoint: body {"txn", "otp"}, checked
// strictly, then the code verified for purpose, a refusal mapped to its
// response. The status token and the booking session both begin with it.
func VerifyOTP(ctx context.Context, e *otp.Engine, purpose string, body []byte) (*store.OTPTransaction, error) {
	var req struct {
		Txn string `json:"txn"`
		OTP string `json:"otp"`
	}
	if err := Decode(body, &req); err != nil {
		return nil, err
	}
	if err := Required([2]string{"txn", req.Txn}, [2]string{"otp", req.OTP}); err != nil {
		return nil, err
	}
	if !txnPattern.MatchString(req.Txn) {
		return nil, Fail(http.StatusBadRequest, "invalid_txn", "txn is not a transaction id")
	}
	if !otpPattern.MatchString(req.OTP) {
		return nil, Fail(http.StatusBadRequest, "invalid_otp", "otp must be 6 digits")
	}
	t, err := e.Verify(ctx, req.Txn, purpose, req.OTP)
	if err != nil {
		return nil, otpError(err)
	}
	return t, nil
}

// otpError maps an error of otp.Engine.Verify to its response; other errors
// are returned as they are.
func otpError(err error) error {
	var ie *otp.IncorrectError
	switch {
	case errors.As(err, &ie):
		return &Error{Status: http.StatusUnauthorized, Code: "otp_incorrect", Message: "the code is not correct",
			Extra: map[string]any{"attempts_left": ie.AttemptsLeft}}
	case errors.Is(err, otp.ErrExpired):
		return Fail(http.StatusGone, "otp_expired", "the code expired; request a new one")
	case errors.Is(err, otp.ErrUsed):
		return Fail(http.StatusGone, "otp_used", "the code was already used; request a new one")
	case errors.Is(err, otp.ErrLocked):
		return Fail(http.StatusGone, "otp_locked", "too many wrong codes; request a new one")
	case errors.Is(err, otp.ErrUnknown), errors.Is(err, otp.ErrPurpose):
		return Fail(http.StatusGone, "txn_unknown", "no such transaction; request a new code")
	}
	return err
}

// ClientIP is the caller's IP: Cloudflare's CF-Connecting-IP inside workerd,
// the connection's address natively.
func ClientIP(r *http.Request) string {
	if ip := r.Header.Get("CF-Connecting-IP"); ip != "" {
		return ip
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// Hostname is the request's host without the port.
func Hostname(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		return h
	}
	return r.Host
}
