package service

import (
	"net/http"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/otp"
)

// env is the handler on a fresh SQLite database with the real migrations
// and the demo seed (harness.Native), its requests sent from the service's
// own origin.
type env struct {
	*harness.Server
	t testing.TB
	h *Handler
}

type response = harness.Response

const testOrigin = harness.TestOrigin

func newEnv(t testing.TB, tweak func(*Config)) *env {
	t.Helper()
	return startEnv(t, harness.Options{}, tweak)
}

// startEnv is newEnv on a server with opts (Faults, Sender).
func startEnv(t testing.TB, opts harness.Options, tweak func(*Config)) *env {
	t.Helper()
	e := &env{t: t}
	opts.Synthetic = 50
	opts.Start = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	opts.Handler = func(d harness.Deps) (http.Handler, error) {
		cfg := Config{
			Environment: "dev", Issuer: "kycvs-test", SigningKey: d.Key, HashKey: d.HashKey, Keyset: d.Keyset, ServiceOrigin: d.Origin,
			Limits: otp.DefaultLimits, TokenLifetime: 5 * time.Minute, Now: d.Now,
		}
		if tweak != nil {
			tweak(&cfg)
		}
		var err error
		e.h, err = New(cfg, d.Store, d.Sender)
		return e.h, err
	}
	e.Server = harness.Native(t, opts)
	e.Header.Set("Origin", e.Origin)
	e.Header.Set("Content-Type", "application/json")
	return e
}

// do sends a request from the service's origin; hdr are name, value pairs
// ("" removes one, e.g. the Origin).
func (e *env) do(method, path string, body any, hdr ...string) *response {
	e.t.Helper()
	return e.Do(method, path, "", body, hdr...)
}

func (e *env) start(entity, mobile, name, nonce string) *response {
	e.t.Helper()
	return e.do("POST", "/v1/otp", map[string]string{"entity": entity, "mobile": mobile, "name": name, "nonce": nonce})
}

func (e *env) verify(txn, code string) *response {
	e.t.Helper()
	return e.do("POST", "/v1/otp/verify", map[string]string{"txn": txn, "otp": code})
}

// flow runs start → OTP from the outbox → verify and returns the verify response.
func (e *env) flow(entity, mobile, name, nonce string) *response {
	e.t.Helper()
	r := e.start(entity, mobile, name, nonce)
	if r.Status != http.StatusAccepted {
		e.t.Fatalf("start %s %q: %d %s", mobile, name, r.Status, r.Raw)
	}
	return e.verify(r.Body["txn"].(string), e.LastOTP(mobile))
}

// checkToken verifies a token from a 200 verify response with the package a
// real entity server uses.
func (e *env) checkToken(r *response, entity, nonce string) *kycvs.Attestation {
	e.t.Helper()
	if r.Status != 200 {
		e.t.Fatalf("verify: %d %s", r.Status, r.Raw)
	}
	tok, _ := r.Body["token"].(string)
	a, err := kycvs.Verify(tok, e.h.keyset, kycvs.Expect{Audience: entity, Nonce: nonce, Now: e.Clock.Now()})
	if err != nil {
		e.t.Fatalf("token %q: %v", tok, err)
	}
	return a
}
