package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/sms"
)

// TestWebhookSenderInWorkerd sends the OTP through the webhook sender from
// inside workerd (fetch) to a local gateway that fails the first attempt,
// and checks the retry, the HMAC signature and the message.
func TestWebhookSenderInWorkerd(t *testing.T) {
	harness.Skip(t)
	const secret = "gateway-secret-0123456789"
	got := make(chan map[string]string, 4)
	calls := 0
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-KYCVS-Signature") != sms.Sign([]byte(secret), r.Header.Get("X-KYCVS-Timestamp"), body) {
			t.Errorf("bad signature on %s", body)
		}
		if calls == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var m map[string]string
		json.Unmarshal(body, &m)
		m["idem"] = r.Header.Get("X-KYCVS-Idempotency-Key")
		got <- m
	}))
	defer gw.Close()
	s := harness.Workerd(t, harness.Options{Vars: map[string]string{
		"SMS_MODE": "webhook", "SMS_WEBHOOK_URL": gw.URL + "/send", "SMS_WEBHOOK_SECRET": secret,
	}})
	s.Header.Set("Origin", s.Origin)
	c := newClient(t, s)
	p := seed.DemoPeople[0]
	st, m, _ := c.post("/v1/otp", map[string]string{"entity": "ent_airline", "mobile": p.Mobile, "name": p.Name, "nonce": nonce})
	if st != 202 {
		t.Fatalf("%d %v", st, m)
	}
	select {
	case msg := <-got:
		if msg["to"] != "+91"+p.Mobile || msg["kind"] != "otp" || !strings.Contains(msg["body"], "IndiSky Airlines") || msg["idem"] == "" {
			t.Fatalf("gateway got %v", msg)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("gateway got nothing after %d calls", calls)
	}
	if calls != 2 {
		t.Errorf("%d gateway calls, want 2 (one retry)", calls)
	}
}
