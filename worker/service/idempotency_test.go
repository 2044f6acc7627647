package service

import (
	"testing"

	"github.com/kycvs/kycvs/worker/seed"
)

// POST /v1/tokens/verify with an Idempotency-Key: a retry after a lost
// answer gets the same answer; another key, or none, gets token_used; a
// malformed key is refused before anything is used.
func TestTokenVerifyIdempotencyKey(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Limits.ResendAfter = 0 })
	p := seed.DemoPeople[1]
	tok := e.flow("ent_railways", p.Mobile, p.Name, nonce).Body["token"].(string)
	secret := seed.DemoSecret(e.HashKey, "ent_railways")
	call := func(key string) *response {
		return e.do("POST", "/v1/tokens/verify", map[string]string{"token": tok, "nonce": nonce},
			"Authorization", "Bearer "+secret, "Origin", "", "Idempotency-Key", key)
	}
	before := e.Dump()
	if r := call("not a key!"); r.Status != 400 || r.Code() != "invalid_idempotency_key" {
		t.Fatalf("malformed key: %d %s", r.Status, r.Raw)
	}
	if e.Dump() != before {
		t.Fatal("a refused key changed the database")
	}
	first := call("req-7f3a")
	if first.Body["valid"] != true {
		t.Fatalf("first: %s", first.Raw)
	}
	if again := call("req-7f3a"); again.Raw != first.Raw {
		t.Fatalf("retry with the same key: %s, want %s", again.Raw, first.Raw)
	}
	for _, key := range []string{"req-other", ""} {
		if r := call(key); r.Body["valid"] != false || r.Body["reason"] != "token_used" {
			t.Fatalf("key %q: %s", key, r.Raw)
		}
	}
}
