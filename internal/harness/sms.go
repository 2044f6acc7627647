package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kycvs/kycvs/worker/sms"
)

// SendFault is how an SMS gateway fails.
type SendFault int

const (
	SendOK       SendFault = iota
	SendFails              // refuses at once (a 5xx): nothing delivered
	SendTimesOut           // never answers: nothing delivered, the sender gives up
	SendLate               // delivers the message but answers after the sender gave up
)

func (f SendFault) String() string {
	return [...]string{"ok", "fails", "times_out", "accepts_late"}[f]
}

// SendFaults are the failing SendFaults, for tests that try each.
var SendFaults = []SendFault{SendFails, SendTimesOut, SendLate}

// Sender is an sms.Sender whose gateway the test makes fail. It keeps the
// messages delivered, which is where tests read codes from.
type Sender struct {
	// Timeout is how long SendTimesOut and SendLate wait for an answer
	// when the context has no deadline of its own; 0: 20 ms.
	Timeout time.Duration

	mu        sync.Mutex
	fault     SendFault
	delivered []sms.Message
}

// Fail makes every send from now on fail as f (SendOK: succeed).
func (s *Sender) Fail(f SendFault) { s.mu.Lock(); defer s.mu.Unlock(); s.fault = f }

// Send implements sms.Sender.
func (s *Sender) Send(ctx context.Context, m sms.Message) error {
	s.mu.Lock()
	f := s.fault
	if f == SendOK || f == SendLate {
		s.delivered = append(s.delivered, m)
	}
	s.mu.Unlock()
	switch f {
	case SendFails:
		return fmt.Errorf("SMS gateway: status 503")
	case SendTimesOut, SendLate:
		d := s.Timeout
		if d == 0 {
			d = 20 * time.Millisecond
		}
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		<-ctx.Done()
		return fmt.Errorf("SMS gateway: no answer: %w", ctx.Err())
	}
	return nil
}

// Delivered returns the messages delivered so far, oldest first.
func (s *Sender) Delivered() []sms.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sms.Message(nil), s.delivered...)
}

// Last returns the newest message of kind delivered to mobile (10 digits).
func (s *Sender) Last(t testing.TB, mobile, kind string) sms.Message {
	t.Helper()
	d := s.Delivered()
	for i := len(d) - 1; i >= 0; i-- {
		if d[i].To == mobile && d[i].Kind == kind {
			return d[i]
		}
	}
	t.Fatalf("no %s SMS delivered to %s", kind, mobile)
	return sms.Message{}
}

// Gateway is an SMS gateway for the real sms.Webhook: an HTTP server that
// the test makes fail, keeping what it accepted.
type Gateway struct {
	URL    string
	Secret []byte
	// Timeout is the webhook's per-attempt timeout; the gateway's slow
	// answers come after twice that.
	Timeout time.Duration

	mu       sync.Mutex
	fault    SendFault
	accepted []GatewayMessage
}

// GatewayMessage is a message the gateway accepted, with its idempotency key.
type GatewayMessage struct {
	To, Body, Kind string
	Key            string // X-KYCVS-Idempotency-Key
}

// NewGateway starts a gateway, stopped when t ends.
func NewGateway(t testing.TB) *Gateway {
	g := &Gateway{Secret: []byte("gateway-secret-0123456789"), Timeout: 50 * time.Millisecond}
	srv := httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(srv.Close)
	g.URL = srv.URL + "/send"
	return g
}

// Webhook returns the real sender, pointed at the gateway.
func (g *Gateway) Webhook() *sms.Webhook {
	return &sms.Webhook{URL: g.URL, Secret: g.Secret, Do: http.DefaultClient.Do, Timeout: g.Timeout}
}

// Fail makes every request from now on fail as f.
func (g *Gateway) Fail(f SendFault) { g.mu.Lock(); defer g.mu.Unlock(); g.fault = f }

// Accepted returns what the gateway accepted, oldest first (a message sent
// again appears again: de-duplicating on the key is the gateway's job).
func (g *Gateway) Accepted() []GatewayMessage {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]GatewayMessage(nil), g.accepted...)
}

// Last returns the newest message of kind accepted for mobile (10 digits).
func (g *Gateway) Last(t testing.TB, mobile, kind string) GatewayMessage {
	t.Helper()
	a := g.Accepted()
	for i := len(a) - 1; i >= 0; i-- {
		if a[i].To == "+91"+mobile && a[i].Kind == kind {
			return a[i]
		}
	}
	t.Fatalf("no %s SMS accepted for %s", kind, mobile)
	return GatewayMessage{}
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Header.Get("X-KYCVS-Signature") != sms.Sign(g.Secret, r.Header.Get("X-KYCVS-Timestamp"), body) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var m GatewayMessage
	if err := json.Unmarshal(body, &m); err != nil || !strings.HasPrefix(m.To, "+91") {
		http.Error(w, "bad message", http.StatusBadRequest)
		return
	}
	m.Key = r.Header.Get("X-KYCVS-Idempotency-Key")
	g.mu.Lock()
	f := g.fault
	if f == SendOK || f == SendLate {
		g.accepted = append(g.accepted, m)
	}
	g.mu.Unlock()
	switch f {
	case SendFails:
		http.Error(w, "gateway down", http.StatusInternalServerError)
		return
	case SendTimesOut, SendLate:
		select {
		case <-time.After(2 * g.Timeout):
		case <-r.Context().Done(): // the webhook gave up and closed the connection
		}
		if f == SendTimesOut {
			http.Error(w, "gateway overloaded", http.StatusServiceUnavailable)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}
