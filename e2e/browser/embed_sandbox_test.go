package browser

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/seed"
)

// TestEmbedSandbox is what an entity's server tests do against a
// development worker (wrangler dev, workerd, local D1): mint tokens with
// POST /dev/tokens, no browser, and verify them with the Node and Python
// verifiers, which fetch the dev server's keys.json, and once with
// POST /v1/tokens/verify.
func TestEmbedSandbox(t *testing.T) {
	needE2E(t)
	if os.Getenv("KYCVS_E2E_WRANGLER") == "0" {
		t.Skip("KYCVS_E2E_WRANGLER=0")
	}
	s := harness.Workerd(t, harness.Options{Entities: []seed.Entity{
		{ID: "ent_e2e_sandbox", DisplayName: "Sandbox Rail", Purpose: "Tests", Origins: []string{"http://localhost:9"}},
	}})
	mint := func(status int, nonce string) string {
		t.Helper()
		r := s.Do("POST", s.URL+"/dev/tokens", "", map[string]any{"entity": "ent_e2e_sandbox", "nonce": nonce, "status": status}, "Origin", "")
		if r.Status != 200 || !strings.HasPrefix(r.Str("token"), "kycvs1.") || r.Str("expires_at") == "" {
			t.Fatalf("POST /dev/tokens: %d %s", r.Status, r.Raw)
		}
		return r.Str("token")
	}
	if r := s.Do("POST", s.URL+"/dev/tokens", "", map[string]any{"entity": "ent_e2e_sandbox", "nonce": "sandbox-nonce-0", "status": 7}, "Origin", ""); r.Status != 400 || r.Code() != "invalid_status" {
		t.Fatalf("status 7: %d %s", r.Status, r.Raw)
	}
	keysURL := s.URL + "/.well-known/kycvs/keys.json"

	// Node: @kycvs/verify with keysetURL.
	tok := mint(2, "sandbox-nonce-node")
	node := exec.Command("node", "--input-type=module", "-e", fmt.Sprintf(`
import { verify, VerifyError } from %q;
const opts = { keysetURL: %q, audience: "ent_e2e_sandbox" };
const c = await verify(%q, { ...opts, nonce: "sandbox-nonce-node" });
let other = "";
try { await verify(%q, { ...opts, nonce: "sandbox-nonce-other" }); } catch (e) { other = e instanceof VerifyError ? e.code : String(e); }
console.log(c.st + " " + other);`, filepath.Join(root, "packages/npm/index.js"), keysURL, tok, tok))
	if out, err := node.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "2 token_nonce" {
		t.Fatalf("node verifier: %v %s", err, out)
	}

	// Python: kycvs.verify with keyset_url.
	tok = mint(1, "sandbox-nonce-python")
	py := exec.Command("python3", "-c", fmt.Sprintf(`
import kycvs
c = kycvs.verify(%q, keyset_url=%q, audience="ent_e2e_sandbox", nonce="sandbox-nonce-python")
print(c.st)`, tok, keysURL))
	py.Env = append(os.Environ(), "PYTHONPATH="+filepath.Join(root, "packages/python/src"))
	if out, err := py.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "1" {
		t.Fatalf("python verifier: %v %s", err, out)
	}

	// The service itself, once.
	tok = mint(0, "sandbox-nonce-service")
	for i, want := range []string{"true", "token_used"} {
		r := s.Do("POST", s.URL+"/v1/tokens/verify", s.Secrets["ent_e2e_sandbox"], map[string]string{"token": tok, "nonce": "sandbox-nonce-service"}, "Origin", "")
		if got := r.Str("valid"); (i == 0 && (got != "true" || r.Str("status") != "0")) || (i == 1 && r.Str("reason") != want) {
			t.Fatalf("POST /v1/tokens/verify #%d: %s", i+1, r.Raw)
		}
	}
}
