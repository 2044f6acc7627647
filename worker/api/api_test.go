package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/store"
)

func TestDecode(t *testing.T) {
	for _, c := range []struct{ body, code string }{
		{`{"a":"x"}`, ""},
		{"{\"a\":\"x\"} \n", ""},
		{`{"a":"x"}}`, "bad_json"},
		{`{"a":"x"} ]`, "bad_json"},
		{`{"a":"x"}{}`, "bad_json"},
		{`{"a":"x"} x`, "bad_json"},
		{`{"a":1}`, "bad_json"},
		{`{"b":"x"}`, "unknown_field"},
		{`[]`, "bad_json"},
		{``, "bad_json"},
	} {
		var v struct {
			A string `json:"a"`
		}
		err := Decode([]byte(c.body), &v)
		var ae *Error
		switch {
		case c.code == "" && err != nil:
			t.Errorf("%q: %v", c.body, err)
		case c.code != "" && (!errors.As(err, &ae) || ae.Code != c.code || ae.Status != http.StatusBadRequest):
			t.Errorf("%q: got %v, want %s", c.body, err, c.code)
		}
	}
}

func TestWriteError(t *testing.T) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/v1/x", nil)
	WriteError(w, r, &Error{Status: 429, Code: "rate_limited", Message: "later",
		Extra: map[string]any{"retry_after": 3}, Header: http.Header{"Retry-After": {"3"}}})
	if w.Code != 429 || w.Body.String() != `{"error":"rate_limited","message":"later","retry_after":3}`+"\n" {
		t.Fatalf("got %d %q", w.Code, w.Body.String())
	}
	for k, v := range map[string]string{"Retry-After": "3", "Cache-Control": "no-store", "Content-Length": "59",
		"Content-Type": "application/json; charset=utf-8", "Cross-Origin-Resource-Policy": "same-origin",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}

	// Anything else is a 500 that says nothing of the cause.
	w = httptest.NewRecorder()
	WriteError(w, r, errors.New("database on fire"))
	if w.Code != 500 || strings.Contains(w.Body.String(), "fire") {
		t.Fatalf("got %d %q", w.Code, w.Body.String())
	}
}

func TestReadBody(t *testing.T) {
	for _, c := range []struct {
		ctype, body, code string
	}{
		{"application/json", `{}`, ""},
		{"application/json; charset=utf-8", `{}`, ""},
		{"text/plain", `{}`, "unsupported_media_type"},
		{"application/json", strings.Repeat(" ", MaxBody+1), "body_too_large"},
		{"application/json", "{\"a\":\"\xff\"}", "invalid_utf8"},
	} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		r.Header.Set("Content-Type", c.ctype)
		_, err := ReadBody(r)
		var ae *Error
		if (c.code == "") != (err == nil) || (err != nil && (!errors.As(err, &ae) || ae.Code != c.code)) {
			t.Errorf("%s %.20q: got %v, want %q", c.ctype, c.body, err, c.code)
		}
	}
}

func TestOTPErrorMapping(t *testing.T) {
	for err, code := range map[error]string{
		&otp.IncorrectError{AttemptsLeft: 1}: "otp_incorrect",
		fmt.Errorf("x: %w", otp.ErrExpired):  "otp_expired",
		otp.ErrUsed:                          "otp_used",
		otp.ErrLocked:                        "otp_locked",
		otp.ErrUnknown:                       "txn_unknown",
		otp.ErrPurpose:                       "txn_unknown",
		otp.ErrSuperseded:                    "otp_superseded",
		&otp.LimitError{Limit: "mobile", RetryAfter: time.Minute}: "rate_limited",
		fmt.Errorf("%w: gateway down", otp.ErrSend):               "sms_unavailable",
	} {
		var ae *Error
		if !errors.As(OTPError(err), &ae) || ae.Code != code {
			t.Errorf("%v: got %v, want %s", err, OTPError(err), code)
		}
	}
	other := errors.New("other")
	if OTPError(other) != other || OTPError(nil) != nil {
		t.Error("other errors must pass through")
	}
}

func TestCheckOrigin(t *testing.T) {
	const own = "https://kycvs.example"
	r := httptest.NewRequest("POST", own+"/v1/otp", nil)
	if CheckOrigin(r, own) != nil {
		t.Error("no Origin: refused")
	}
	r.Header.Set("Origin", own)
	if CheckOrigin(r, own) != nil {
		t.Error("own origin: refused")
	}
	// The request's Host is the client's choice: an origin matching it is
	// not the service's.
	r = httptest.NewRequest("POST", "http://evil.example/v1/otp", nil)
	r.Header.Set("Origin", "http://evil.example")
	if CheckOrigin(r, own) == nil {
		t.Error("an origin matching the request's own Host was allowed")
	}
}

func TestRateLimitedSaysNotWhich(t *testing.T) {
	w := httptest.NewRecorder()
	WriteError(w, httptest.NewRequest("POST", "/v1/otp", nil), OTPError(&otp.LimitError{Limit: "mobile", RetryAfter: 1500 * time.Millisecond}))
	if w.Code != 429 || w.Header().Get("Retry-After") != "2" || strings.Contains(w.Body.String(), "mobile") ||
		!strings.Contains(w.Body.String(), `"retry_after":2`) {
		t.Fatalf("%d %v %s", w.Code, w.Header(), w.Body)
	}
}

func TestUnavailableIs503(t *testing.T) {
	w := httptest.NewRecorder()
	WriteError(w, httptest.NewRequest("POST", "/v1/otp", nil), fmt.Errorf("reading: %w: %w", store.ErrUnavailable, errors.New("D1_ERROR: overloaded")))
	if w.Code != 503 || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), `"error":"unavailable"`) ||
		strings.Contains(w.Body.String(), "D1_ERROR") {
		t.Fatalf("%d %v %s", w.Code, w.Header(), w.Body)
	}
	w = httptest.NewRecorder()
	WriteError(w, httptest.NewRequest("POST", "/v1/otp", nil), errors.New("a bug"))
	if w.Code != 500 || strings.Contains(w.Body.String(), "bug") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestClientIP(t *testing.T) {
	req := func(remote string, hdr ...string) *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Add(hdr[i], hdr[i+1])
		}
		return r
	}
	native := ClientIP(false, nil)
	if got := native(req("203.0.113.7:5000", "CF-Connecting-IP", "198.51.100.1", "X-Forwarded-For", "198.51.100.2")); got != "203.0.113.7" {
		t.Errorf("native: %s (believed a client header)", got)
	}
	workerd := ClientIP(true, nil)
	if got := workerd(req("127.0.0.1:1", "CF-Connecting-IP", "198.51.100.1")); got != "198.51.100.1" {
		t.Errorf("workerd: %s", got)
	}
	proxied := ClientIP(false, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})
	if got := proxied(req("10.1.2.3:80", "X-Forwarded-For", "1.1.1.1, 198.51.100.9")); got != "198.51.100.9" {
		t.Errorf("trusted proxy: %s", got)
	}
	if got := proxied(req("203.0.113.7:80", "X-Forwarded-For", "198.51.100.9")); got != "203.0.113.7" {
		t.Errorf("untrusted peer's X-Forwarded-For believed: %s", got)
	}
}
