package sms

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestWebhookTimeoutIgnoredByDo(t *testing.T) {
	var calls atomic.Int32
	w := &Webhook{URL: "https://gw.example/send", Secret: []byte("s"), Timeout: 20 * time.Millisecond,
		Do: func(*http.Request) (*http.Response, error) { calls.Add(1); time.Sleep(time.Second); return nil, nil }}
	t0 := time.Now()
	err := w.Send(context.Background(), Message{To: "9876543210", Body: "x"})
	if err == nil || time.Since(t0) > 500*time.Millisecond || calls.Load() != 2 {
		t.Fatalf("err %v after %s, %d calls", err, time.Since(t0), calls.Load())
	}
}

func TestOTPText(t *testing.T) {
	for _, lang := range append(Languages, "xx") {
		s := OTPText("status", lang, "Indian Railways", "123456", "kycvs.example", "", 3)
		lines := strings.Split(s, "\n")
		if last := lines[len(lines)-1]; last != "@kycvs.example #123456" {
			t.Errorf("%s: last line %q", lang, last)
		}
		if !strings.Contains(s, "Indian Railways") || !strings.HasPrefix(s, "123456") {
			t.Errorf("%s: %q", lang, s)
		}
	}
}

func TestOTPTextFramed(t *testing.T) {
	s := OTPText("status", "en", "Indian Railways", "123456", "kycvs.example", "www.irctc.example", 3)
	if !strings.HasSuffix(s, "\n@www.irctc.example #123456 @kycvs.example") {
		t.Fatalf("%q", s)
	}
}

func TestWebhook(t *testing.T) {
	var calls atomic.Int32
	secret := []byte("gateway-secret")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		if got, want := r.Header.Get("X-KYCVS-Signature"), Sign(secret, r.Header.Get("X-KYCVS-Timestamp"), body); got != want {
			t.Errorf("signature %q, want %q", got, want)
		}
		var m map[string]string
		if err := json.Unmarshal(body, &m); err != nil || m["to"] != "+919876543210" || m["body"] != "hi" {
			t.Errorf("body %s (%v)", body, err)
		}
		switch r.URL.Path {
		case "/flaky":
			if n == 1 {
				w.WriteHeader(http.StatusBadGateway)
			}
		case "/slow":
			time.Sleep(200 * time.Millisecond)
		case "/bad":
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	msg := Message{To: "9876543210", Body: "hi", Kind: "otp"}
	for _, c := range []struct {
		path  string
		ok    bool
		calls int32
	}{{"/ok", true, 1}, {"/flaky", true, 2}, {"/slow", false, 2}, {"/bad", false, 1}} {
		calls.Store(0)
		w := &Webhook{URL: srv.URL + c.path, Secret: secret, Timeout: 50 * time.Millisecond, Do: http.DefaultClient.Do}
		err := w.Send(context.Background(), msg)
		if (err == nil) != c.ok || calls.Load() != c.calls {
			t.Errorf("%s: err %v, %d calls; want ok=%v, %d calls", c.path, err, calls.Load(), c.ok, c.calls)
		}
	}
}
