package devserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/kycvs/kycvs/internal/wrangler"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/store"
)

// TestConfigPointsAtTheBuild checks the test config made from the
// repository's wrangler.toml: the dev environment runs the test build and
// the repository's migrations, and no section keeps another database.
func TestConfigPointsAtTheBuild(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := testConfig(root, "/tmp/w", "/tmp/site")
	if err != nil {
		t.Fatal(err)
	}
	c, err := wrangler.ParseConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := wrangler.ReadConfig(filepath.Join(root, "wrangler.toml"))
	if err != nil {
		t.Fatal(err)
	}
	dev := c.Envs[env]
	if dev.Vars["ENVIRONMENT"] != "dev" || dev.Vars["SMS_MODE"] != "outbox" {
		t.Errorf("[env.%s] vars %v: not the dev configuration", env, dev.Vars)
	}
	if main := c.Top.Fields["main"]; main != "/tmp/w/worker.mjs" || (dev.Fields["main"] != "" && dev.Fields["main"] != main) {
		t.Errorf("main %q / %q", main, dev.Fields["main"])
	}
	if dev.Assets["directory"] != "/tmp/site" || c.Top.Assets["directory"] != "/tmp/site" {
		t.Errorf("assets %v / %v", dev.Assets, c.Top.Assets)
	}
	migrations := filepath.Join(root, "worker", "migrations")
	if dev.D1[0]["migrations_dir"] != migrations || c.Top.D1[0]["migrations_dir"] != migrations {
		t.Errorf("d1 %v / %v", dev.D1, c.Top.D1)
	}
	if id := orig.Envs[env].D1[0]["database_id"]; c.Top.D1[0]["database_id"] != id || c.Envs["production"].D1[0]["database_id"] != id {
		t.Errorf("database ids %v / %v, want the dev one %q everywhere", c.Top.D1, c.Envs["production"].D1, id)
	}
}

// TestStart checks the harness against the real Worker: it runs the dev
// environment (the outbox answers), the worker's SERVICE_ORIGIN is the
// server's own URL (the dev default, port 8787, is refused), and Exec
// reaches the server's database.
func TestStart(t *testing.T) {
	Skip(t)
	s := Start(t, Options{Synthetic: 10})
	post := func(origin, entity string) (int, string) {
		t.Helper()
		b, _ := json.Marshal(map[string]string{"entity": entity, "mobile": seed.DemoPeople[0].Mobile, "name": seed.DemoPeople[0].Name, "nonce": "devserver-test-nonce"})
		req, _ := http.NewRequest("POST", s.URL+"/v1/otp", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m struct{ Error string }
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m.Error
	}
	if st, code := post("http://127.0.0.1:8787", "ent_railways"); st != http.StatusForbidden || code != "origin_not_allowed" {
		t.Errorf("Origin of another port: %d %s, want 403 origin_not_allowed", st, code)
	}
	if st, code := post(s.URL, "ent_railways"); st != http.StatusAccepted {
		t.Fatalf("Origin %s: %d %s, want 202", s.URL, st, code)
	}
	if otp := s.LastOTP(t, seed.DemoPeople[0].Mobile); len(otp) != 6 {
		t.Errorf("OTP %q from the outbox", otp)
	}
	s.Exec(t, store.RemoveEntitySQL("ent_hotel"))
	if st, code := post(s.URL, "ent_hotel"); st != http.StatusForbidden || code != "unknown_entity" {
		t.Errorf("after Exec removed the entity: %d %s, want 403 unknown_entity", st, code)
	}
}
