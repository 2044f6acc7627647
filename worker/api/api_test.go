package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kycvs/kycvs/worker/otp"
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
	} {
		var ae *Error
		if !errors.As(otpError(err), &ae) || ae.Code != code {
			t.Errorf("%v: got %v, want %s", err, otpError(err), code)
		}
	}
	other := errors.New("other")
	if otpError(other) != other || otpError(nil) != nil {
		t.Error("other errors must pass through")
	}
}

func TestCheckOrigin(t *testing.T) {
	r := httptest.NewRequest("POST", "http://kycvs.test/v1/otp", nil)
	if CheckOrigin(r, "") != nil {
		t.Error("no Origin: refused")
	}
	r.Header.Set("Origin", "http://kycvs.test")
	if CheckOrigin(r, "") != nil {
		t.Error("own origin: refused")
	}
	if CheckOrigin(r, "https://kycvs.example") == nil {
		t.Error("configured origin ignored")
	}
	r.Header.Set("Origin", "https://evil.example")
	if CheckOrigin(r, "") == nil {
		t.Error("other origin: allowed")
	}
}
