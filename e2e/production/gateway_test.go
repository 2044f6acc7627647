package production

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kycvs/kycvs/internal/harness"
)

// gateway is the SMS gateway a deployment posts to (SMS_WEBHOOK_URL). It
// accepts a message only with the signature worker/sms's Webhook documents,
// computed here from that description rather than with the worker's code:
//
//	X-KYCVS-Timestamp: <unix seconds>
//	X-KYCVS-Signature: v1=<hex HMAC-SHA256(secret, timestamp || "." || body)>
//
// and answers 401 otherwise, as a real gateway should.
type gateway struct {
	URL    string // the webhook URL, …/sms
	secret []byte

	mu       sync.Mutex
	messages []smsMessage
	refused  []string // why each refused post was refused
}

type smsMessage struct {
	To   string // 10 digits, as the worker's mobiles
	Body string
	Kind string
	Idem string // X-KYCVS-Idempotency-Key
}

// maxSkew is how old (or new) a timestamp the gateway accepts.
const maxSkew = 5 * time.Minute

func startGateway(t *testing.T, secret string) *gateway {
	g := &gateway{secret: []byte(secret)}
	srv := httptest.NewServer(g) // 127.0.0.1: plain http is allowed for loopback webhooks only
	t.Cleanup(srv.Close)
	g.URL = srv.URL + "/sms"
	return g
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/sms" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	if why := g.check(r.Header, body); why != "" {
		g.mu.Lock()
		g.refused = append(g.refused, why)
		g.mu.Unlock()
		http.Error(w, why, http.StatusUnauthorized)
		return
	}
	var m struct{ To, Body, Kind string }
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil || !indianMobile.MatchString(m.To) || m.Body == "" || m.Kind == "" {
		http.Error(w, "bad message", http.StatusBadRequest)
		return
	}
	g.mu.Lock()
	g.messages = append(g.messages, smsMessage{To: strings.TrimPrefix(m.To, "+91"), Body: m.Body, Kind: m.Kind,
		Idem: r.Header.Get("X-KYCVS-Idempotency-Key")})
	g.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

var indianMobile = regexp.MustCompile(`^\+91[6-9][0-9]{9}$`)

// check returns why a post is refused, or "".
func (g *gateway) check(h http.Header, body []byte) string {
	ts, sig := h.Get("X-KYCVS-Timestamp"), h.Get("X-KYCVS-Signature")
	if ts == "" || sig == "" {
		return "unsigned"
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "bad timestamp"
	}
	if d := time.Since(time.Unix(n, 0)); d > maxSkew || d < -maxSkew {
		return "stale timestamp"
	}
	mac := hmac.New(sha256.New, g.secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	want := "v1=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return "bad signature"
	}
	if h.Get("X-KYCVS-Idempotency-Key") == "" {
		return "no idempotency key"
	}
	return ""
}

// count returns how many messages the gateway accepted so far.
func (g *gateway) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.messages)
}

// refusals returns why posts were refused so far.
func (g *gateway) refusals() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.refused...)
}

// next waits for the first message of kind to mobile accepted after the
// first `after` messages.
func (g *gateway) next(t *testing.T, after int, mobile, kind string) smsMessage {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		g.mu.Lock()
		for _, m := range g.messages[min(after, len(g.messages)):] {
			if m.To == mobile && m.Kind == kind {
				g.mu.Unlock()
				return m
			}
		}
		g.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("gateway: no %s SMS to %s (refused posts: %q)", kind, mobile, g.refusals())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func otpOf(t *testing.T, m smsMessage) string {
	t.Helper()
	otp := harness.OTPOf(m.Body)
	if otp == "" {
		t.Fatalf("no OTP in %q", m.Body)
	}
	return otp
}

// TestGatewayRefusesUnsigned checks the test's own gateway: without this,
// a gateway that accepted everything would make the signature checks of the
// other tests worthless.
func TestGatewayRefusesUnsigned(t *testing.T) {
	g := startGateway(t, "gateway-test-secret-0123456789")
	body := []byte(`{"to":"+919876500001","body":"hello","kind":"otp"}`)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sign := func(secret, ts string, body []byte) string {
		mac := hmac.New(sha256.New, []byte(secret))
		fmt.Fprintf(mac, "%s.%s", ts, body)
		return "v1=" + hex.EncodeToString(mac.Sum(nil))
	}
	old := strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
	for _, c := range []struct {
		name string
		hdr  map[string]string
		body []byte
		want int
	}{
		{"unsigned", nil, body, 401},
		{"wrong secret", map[string]string{"X-KYCVS-Timestamp": ts, "X-KYCVS-Signature": sign("another-secret-0123456789", ts, body)}, body, 401},
		{"signature of another body", map[string]string{"X-KYCVS-Timestamp": ts, "X-KYCVS-Signature": sign("gateway-test-secret-0123456789", ts, body)},
			[]byte(`{"to":"+919876500002","body":"hello","kind":"otp"}`), 401},
		{"other timestamp", map[string]string{"X-KYCVS-Timestamp": ts + "0", "X-KYCVS-Signature": sign("gateway-test-secret-0123456789", ts, body)}, body, 401},
		{"replayed an hour later", map[string]string{"X-KYCVS-Timestamp": old, "X-KYCVS-Signature": sign("gateway-test-secret-0123456789", old, body)}, body, 401},
		{"signed", map[string]string{"X-KYCVS-Timestamp": ts, "X-KYCVS-Signature": sign("gateway-test-secret-0123456789", ts, body), "X-KYCVS-Idempotency-Key": "k1"}, body, 202},
	} {
		req, _ := http.NewRequest("POST", g.URL, bytes.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range c.hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", c.name, resp.StatusCode, c.want)
		}
	}
	if g.count() != 1 || len(g.refusals()) != 5 {
		t.Errorf("accepted %d, refused %q; want 1 and 5", g.count(), g.refusals())
	}
}
