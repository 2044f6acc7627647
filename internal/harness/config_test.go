package harness

import (
	"path/filepath"
	"testing"

	"github.com/kycvs/kycvs/internal/wrangler"
)

// TestDevConfig checks the test config Workerd writes from the repository's
// wrangler.toml: the dev environment, running the test build, the
// repository's migrations and site, and no other section or database.
func TestDevConfig(t *testing.T) {
	root, err := wrangler.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	tc, err := devConfig(root, "/tmp/w", 1)
	if err != nil {
		t.Fatal(err)
	}
	text, err := tc.Format()
	if err != nil {
		t.Fatal(err)
	}
	c, err := wrangler.ParseConfig(text)
	if err != nil {
		t.Fatalf("%v:\n%s", err, text)
	}
	orig, err := wrangler.ReadConfig(filepath.Join(root, "wrangler.toml"))
	if err != nil {
		t.Fatal(err)
	}
	dev := orig.Envs[devEnv]
	if len(c.Envs) != 0 {
		t.Errorf("environments %v in the test config", c.Envs)
	}
	top := c.Top
	if top.Vars["ENVIRONMENT"] != "dev" || top.Vars["SMS_MODE"] != "outbox" || len(top.Vars) != len(dev.Vars) {
		t.Errorf("vars %v: not [env.%s]'s %v", top.Vars, devEnv, dev.Vars)
	}
	if top.Fields["name"] != dev.Fields["name"] || top.Fields["main"] != "/tmp/w/worker.mjs" ||
		top.Fields["compatibility_date"] != orig.Top.Fields["compatibility_date"] {
		t.Errorf("fields %v", top.Fields)
	}
	if top.Assets["directory"] != filepath.Join(root, "site", "dist") || top.Assets["binding"] != "ASSETS" {
		t.Errorf("assets %v", top.Assets)
	}
	if len(top.D1) != 1 || top.D1[0]["migrations_dir"] != filepath.Join(root, "worker", "migrations") ||
		top.D1[0]["database_id"] != dev.D1[0]["database_id"] || top.D1[0]["binding"] != "DB" {
		t.Errorf("d1 %v, want [env.%s]'s database with the repository's migrations", top.D1, devEnv)
	}
}
