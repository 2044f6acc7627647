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
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"net/netip"
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

// RetryAfterUnavailable is how long a client should wait after a 503 from
// the database: D1's "overloaded" passes in seconds.
const RetryAfterUnavailable = 5

// WriteError writes err as the JSON error response, by the error table
// (Public): a database failure (store.ErrUnavailable) is a 503 with
// Retry-After, the request changed nothing and may be retried. Any other
// error the table does not know is logged and answered with a 500 that
// tells the client nothing.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	ae := Public(err)
	if ae == nil || ae.Status >= 500 {
		log.Printf("%s %s: %v", r.Method, r.URL.Path, err)
	}
	if ae == nil {
		ae = E("internal")
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

// CheckOrigin refuses a request from a browser page of another origin than
// the service's own (SERVICE_ORIGIN, from configuration: never the request's
// Host, which a client chooses). Browsers send Origin on every cross-origin
// request and on same-origin POSTs; only the service's own pages may call
// the API. Servers send none.
func CheckOrigin(r *http.Request, serviceOrigin string) error {
	if o := r.Header.Get("Origin"); o != "" && o != serviceOrigin {
		return Ef("origin_not_allowed", "origin %q may not call this API", o)
	}
	return nil
}

// ReadBody reads a JSON request body: application/json, at most MaxBody
// bytes, valid UTF-8.
func ReadBody(r *http.Request) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, Ef("unsupported_media_type", "send application/json")
	}
	if r.ContentLength > MaxBody {
		return nil, Ef("body_too_large", "body over %d bytes", MaxBody)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return nil, Ef("bad_body", "reading body failed")
	}
	if len(body) > MaxBody {
		return nil, Ef("body_too_large", "body over %d bytes", MaxBody)
	}
	if !utf8.Valid(body) {
		return nil, Ef("invalid_utf8", "body is not valid UTF-8")
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
			return Ef("bad_json", "field %q has the wrong type", te.Field)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return Ef("unknown_field", "%s", strings.TrimPrefix(err.Error(), "json: "))
		}
		return Ef("bad_json", "body is not a JSON object")
	}
	// Token returns io.EOF only when nothing but whitespace follows.
	if _, err := dec.Token(); err != io.EOF {
		return Ef("bad_json", "trailing data after the JSON object")
	}
	return nil
}

// Required refuses the first of fields ({name, value}) whose value is empty.
func Required(fields ...[2]string) error {
	for _, f := range fields {
		if f[1] == "" {
			return Ef("missing_field", "%s is required", f[0])
		}
	}
	return nil
}

// OTPRequest is the body that proves a code: {"txn", "otp"}. The status
// token and the booking session both begin with it (WithOTP); an endpoint
// whose body says more embeds it and checks it with its own fields.
type OTPRequest struct {
	Txn string `json:"txn"`
	OTP string `json:"otp"`
}

// Check implements Request: both fields, in their formats.
func (r *OTPRequest) Check() error {
	if err := Required([2]string{"txn", r.Txn}, [2]string{"otp", r.OTP}); err != nil {
		return err
	}
	return checkCodeFormat(r.Txn, r.OTP)
}

func checkCodeFormat(txn, code string) error {
	if !store.IsTxnID(txn) {
		return Ef("invalid_txn", "txn is not a transaction id")
	}
	if !store.IsOTP(code) {
		return Ef("invalid_otp", "otp must be 6 digits")
	}
	return nil
}

// CheckCode checks the format of a transaction id and code, then the code.
// The transaction comes back unused: the endpoint does its reads, then
// completes it (FinishOTP), so a failure of ours in between costs the
// person nothing.
func CheckCode(ctx context.Context, e *otp.Engine, purpose, txn, code string) (*store.OTPTransaction, error) {
	if err := checkCodeFormat(txn, code); err != nil {
		return nil, err
	}
	t, err := e.Check(ctx, txn, purpose, code)
	if err != nil {
		return nil, OTPError(err)
	}
	return t, nil
}

// ClaimCode is CheckCode finishing the transaction in the same statement
// when the code is right (otp.Engine.Claim): one round trip where Check and
// Complete are two.
func ClaimCode(ctx context.Context, e *otp.Engine, purpose, txn, code string) (*store.OTPTransaction, error) {
	if err := checkCodeFormat(txn, code); err != nil {
		return nil, err
	}
	t, err := e.Claim(ctx, txn, purpose, code)
	if err != nil {
		return nil, OTPError(err)
	}
	return t, nil
}

// FinishOTP completes a checked transaction after the endpoint's work
// succeeded; if completing fails for a reason of ours, the attempt is
// given back.
func FinishOTP(ctx context.Context, e *otp.Engine, t *store.OTPTransaction) error {
	err := e.Complete(ctx, t)
	if err != nil && !errors.Is(err, otp.ErrUsed) {
		e.Refund(ctx, t)
	}
	return OTPError(err)
}

// OTPError maps an error of the otp.Engine to its response; other errors
// (and nil) are returned as they are.
func OTPError(err error) error {
	if err == nil {
		return nil
	}
	if ae := Public(err); ae != nil {
		return ae
	}
	return err
}

// ClientIP returns the function that finds a request's client address, for
// the per-IP limits. Inside workerd (trustCF), Cloudflare's edge sets
// CF-Connecting-IP and a client cannot forge it. Natively the address is
// the connection's, unless the connection comes from a trusted proxy
// (TRUSTED_PROXIES): then it is the last X-Forwarded-For entry that proxy
// appended. Anything a client could choose is never believed.
func ClientIP(trustCF bool, proxies []netip.Prefix) func(*http.Request) string {
	return func(r *http.Request) string {
		if trustCF {
			if ip := r.Header.Get("CF-Connecting-IP"); ip != "" {
				return ip
			}
		}
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		peer, err := netip.ParseAddr(host)
		if err != nil {
			return host
		}
		for _, p := range proxies {
			if p.Contains(peer.Unmap()) {
				xff := r.Header.Values("X-Forwarded-For")
				if len(xff) == 0 {
					break
				}
				parts := strings.Split(xff[len(xff)-1], ",")
				if a, err := netip.ParseAddr(strings.TrimSpace(parts[len(parts)-1])); err == nil {
					return a.String()
				}
				break
			}
		}
		return peer.String()
	}
}
