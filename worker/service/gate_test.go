package service

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/assets"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/store"
)

const gateTestToken = "kgate_test-token-0123456789abcdefghijklmnopqrstuvwxyz"

func gateTestEnv(t *testing.T) *env {
	return startEnv(t, harness.Options{Entities: []seed.Entity{
		{ID: "ent_gate_mall", DisplayName: "Phoenix Mall — Gate 2", Purpose: "Entry", Kind: store.KindGate, GateTokenHash: secret.TokenHash(gateTestToken)},
	}}, nil)
}

// A gate venue's passes live at most 120 s, whatever the configured
// lifetime; a web entity's keep it.
func TestGatePassLifetime(t *testing.T) {
	e := gateTestEnv(t)
	for _, tc := range []struct {
		entity string
		life   int64
	}{{"ent_gate_mall", 120}, {"ent_railways", 300}} {
		r := e.start(tc.entity, "9876500001", "Ramesh Kumar", "K7QM4XPA")
		r = e.verify(r.Str("txn"), e.LastOTP("9876500001"))
		a, err := kycvs.Verify(r.Str("token"), e.Keyset, kycvs.Expect{Audience: tc.entity, Nonce: "K7QM4XPA", Now: e.Clock.Now()})
		if err != nil {
			t.Fatalf("%s: %v (%v)", tc.entity, err, r.Body)
		}
		if got := a.ExpiresAt.Unix() - a.IssuedAt.Unix(); got != tc.life {
			t.Errorf("%s: lifetime %d s, want %d", tc.entity, got, tc.life)
		}
		e.Clock.Add(time.Minute) // the next send to the number
	}
}

func TestGateSession(t *testing.T) {
	e := gateTestEnv(t)
	r := e.do("POST", "/v1/gate/session", map[string]string{"token": gateTestToken})
	if r.Status != 200 || r.Str("venue") != "ent_gate_mall" || r.Str("name") != "Phoenix Mall — Gate 2" {
		t.Fatalf("%d %v", r.Status, r.Body)
	}
	for _, tc := range []struct {
		body   any
		hdr    []string
		status int
		code   string
	}{
		{map[string]string{"token": gateTestToken + "x"}, nil, 401, "gate_auth"},
		{map[string]string{"token": strings.Repeat("k", 101)}, nil, 401, "gate_auth"},
		{map[string]string{}, nil, 400, "missing_field"},
		{map[string]string{"token": gateTestToken, "venue": "x"}, nil, 400, "unknown_field"},
		{map[string]string{"token": gateTestToken}, []string{"Origin", "https://evil.example"}, 403, "origin_not_allowed"},
	} {
		r := e.do("POST", "/v1/gate/session", tc.body, tc.hdr...)
		if r.Status != tc.status || r.Code() != tc.code {
			t.Errorf("%v: %d %v, want %d %s", tc.body, r.Status, r.Body, tc.status, tc.code)
		}
	}
	// A web entity has no gate token, whatever is sent.
	if r := e.do("POST", "/v1/gate/session", map[string]string{"token": e.Secrets["ent_railways"]}); r.Status != 401 {
		t.Errorf("an entity secret signs a gate in: %d", r.Status)
	}
}

func TestGatePages(t *testing.T) {
	e := gateTestEnv(t)
	r := e.Do("GET", "/gate?lang=ur", "", nil)
	if r.Status != 200 || !strings.Contains(r.Header.Get("Permissions-Policy"), "camera=(self)") ||
		!strings.Contains(r.Raw, `dir="rtl"`) || !strings.Contains(r.Raw, `rel="manifest"`) || strings.Contains(r.Raw, "<script>") {
		t.Errorf("/gate: %d %v", r.Status, r.Header)
	}
	r = e.Do("GET", "/gate/sw.js", "", nil)
	if r.Status != 200 || r.Header.Get("Service-Worker-Allowed") != "/gate" || !strings.Contains(r.Raw, assets.Path("kycvs.wasm")) ||
		!strings.Contains(r.Raw, "/.well-known/kycvs/keys.json") || !strings.Contains(r.Raw, "importScripts(") {
		t.Errorf("/gate/sw.js: %d %v\n%s", r.Status, r.Header, r.Raw)
	}
	for _, tc := range []struct {
		query  string
		status int
		want   string
	}{
		{"venue=ent_gate_mall&c=K7QM4XPA", 200, "Phoenix Mall — Gate 2 will see"},
		{"venue=ent_gate_mall", 200, `id="challenge"`}, // the code typed
		{"venue=ent_gate_mall&c=K7QM4XPI", 400, "This gate code is not valid"},
		{"venue=ent_gate_mall&c=K7QM4XP", 400, "This gate code is not valid"},
		{"venue=ent_nowhere&c=K7QM4XPA", 404, "This venue is not registered"},
		{"venue=ent_railways&c=K7QM4XPA", 404, "This venue is not registered"},
		{"venue=%3Cscript%3E&c=K7QM4XPA", 404, "This venue is not registered"},
	} {
		r := e.Do("GET", "/pass?lang=en&"+tc.query, "", nil)
		if r.Status != tc.status || !strings.Contains(r.Raw, tc.want) || r.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("/pass?%s: %d, want %d with %q", tc.query, r.Status, tc.status, tc.want)
		}
		if tc.status != 200 && strings.Contains(r.Raw, `id="mobile"`) {
			t.Errorf("/pass?%s: refused, yet a form", tc.query)
		}
	}
	if r := e.Do("POST", "/pass?venue=ent_gate_mall&c=K7QM4XPA", "", nil); r.Status != http.StatusMethodNotAllowed {
		t.Errorf("POST /pass: %d", r.Status)
	}
}
