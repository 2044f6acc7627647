//go:build kycvs_dev

package service

import (
	"testing"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/worker/seed"
)

// The sandbox of a development build: a real token, verified as any other
// (by a verifier with the keyset, and once by POST /v1/tokens/verify),
// for exactly the entity, nonce and status asked; every bad input a 4xx
// that signs nothing. Run with -tags kycvs_dev (scripts/test).
func TestDevTokens(t *testing.T) {
	e := newEnv(t, nil)
	mint := func(body any, hdr ...string) *response {
		return e.do("POST", "http://127.0.0.1:8787/dev/tokens", body, append([]string{"Origin", ""}, hdr...)...)
	}
	for _, st := range []int{0, 1, 2} {
		r := mint(map[string]any{"entity": "ent_railways", "nonce": nonce, "status": st})
		a := e.checkToken(r, "ent_railways", nonce)
		if int(a.Status) != st || a.Issuer != "kycvs-test" || a.ExpiresAt.Sub(a.IssuedAt) != kycvs.MaxLifetime {
			t.Errorf("status %d: %+v", st, a)
		}
		if r.Str("expires_at") == "" {
			t.Errorf("no expires_at: %s", r.Raw)
		}
	}
	tok := mint(map[string]any{"entity": "ent_railways", "nonce": "sandbox-nonce-1", "status": 2}).Str("token")
	verify := func() *response {
		return e.do("POST", "/v1/tokens/verify", map[string]string{"token": tok, "nonce": "sandbox-nonce-1"},
			"Authorization", "Bearer "+seed.DemoSecret(e.HashKey, "ent_railways"), "Origin", "")
	}
	if r := verify(); r.Body["valid"] != true || r.Str("status") != "2" {
		t.Fatalf("/v1/tokens/verify of a dev token: %s", r.Raw)
	}
	if r := verify(); r.Body["valid"] != false || r.Str("reason") != "token_used" {
		t.Fatalf("the same dev token twice: %s", r.Raw)
	}

	const state = `SELECT (SELECT COUNT(*) FROM used_tokens) + (SELECT COUNT(*) FROM otp_transactions) +
		(SELECT COUNT(*) FROM rate_counters) + (SELECT COUNT(*) FROM sms_outbox) AS n`
	before := e.Query(state)[0]["n"]
	for _, c := range []struct {
		what   string
		body   any
		status int
		code   string
	}{
		{"status 3", map[string]any{"entity": "ent_railways", "nonce": nonce, "status": 3}, 400, "invalid_status"},
		{"status -1", map[string]any{"entity": "ent_railways", "nonce": nonce, "status": -1}, 400, "invalid_status"},
		{"no status", map[string]any{"entity": "ent_railways", "nonce": nonce}, 400, "missing_field"},
		{"status as text", map[string]any{"entity": "ent_railways", "nonce": nonce, "status": "2"}, 400, ""},
		{"no nonce", map[string]any{"entity": "ent_railways", "status": 2}, 400, "missing_field"},
		{"short nonce", map[string]any{"entity": "ent_railways", "nonce": "abc", "status": 2}, 400, "invalid_nonce"},
		{"bad entity", map[string]any{"entity": "railways", "nonce": nonce, "status": 2}, 400, "invalid_entity"},
		{"unknown entity", map[string]any{"entity": "ent_nobody", "nonce": nonce, "status": 2}, 403, "unknown_entity"},
		{"unknown field", map[string]any{"entity": "ent_railways", "nonce": nonce, "status": 2, "sub": "x"}, 400, "unknown_field"},
	} {
		r := mint(c.body)
		if r.Status != c.status || (c.code != "" && r.Code() != c.code) || r.Str("token") != "" {
			t.Errorf("%s: %d %s, want %d %s", c.what, r.Status, r.Raw, c.status, c.code)
		}
	}
	if after := e.Query(state)[0]["n"]; after != before {
		t.Errorf("refused requests changed the database: %v → %v", before, after)
	}
	// A host that is not loopback (a dev deployment reachable from elsewhere).
	if r := e.do("POST", "https://dev.kycvs.example/dev/tokens", map[string]any{"entity": "ent_railways", "nonce": nonce, "status": 2}, "Origin", ""); r.Status != 404 {
		t.Errorf("non-loopback host: %d %s", r.Status, r.Raw)
	}
	if r := e.do("GET", "http://127.0.0.1:8787/dev/tokens", nil, "Origin", ""); r.Status != 405 {
		t.Errorf("GET: %d %s", r.Status, r.Raw)
	}
}

// Only under ENVIRONMENT=dev, even in a development build.
func TestDevTokensOnlyInDev(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Environment = "staging" })
	if r := e.do("POST", "http://127.0.0.1:8787/dev/tokens", map[string]any{"entity": "ent_railways", "nonce": nonce, "status": 2}, "Origin", ""); r.Status != 404 || r.Str("token") != "" {
		t.Fatalf("ENVIRONMENT=staging: %d %s", r.Status, r.Raw)
	}
}
