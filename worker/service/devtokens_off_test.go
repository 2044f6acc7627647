//go:build !kycvs_dev

package service

import "testing"

// A production build has no sandbox, whatever ENVIRONMENT says.
func TestNoDevTokensInProductionBuild(t *testing.T) {
	e := newEnv(t, nil) // ENVIRONMENT=dev
	r := e.do("POST", "http://127.0.0.1:8787/dev/tokens", map[string]any{"entity": "ent_railways", "nonce": nonce, "status": 2}, "Origin", "")
	if r.Status != 404 || r.Code() != "not_found" || r.Str("token") != "" {
		t.Fatalf("POST /dev/tokens in a production build: %d %s", r.Status, r.Raw)
	}
}
