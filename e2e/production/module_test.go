package production

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// moduleCheck is one token for the browser module to verify, for entity.
type moduleCheck struct {
	Token  string `json:"token"`
	Entity string `json:"entity"`
}

// moduleResult is what the module's verify did: resolved (OK, with the
// status and key id) or rejected (Code, the KYCVSError code).
type moduleResult struct {
	OK     bool   `json:"ok"`
	Status int    `json:"status"`
	Kid    string `json:"kid"`
	Code   string `json:"code"`
}

// moduleScript loads the built module as the widget does (wasm_exec.js
// from the same build, then the module) and calls verify for each check.
// The page's location is the service origin, a loopback one: a module with
// the dev keyset works there, so a dev key it trusted would be accepted.
const moduleScript = `"use strict";
const fs = require("fs");
const [wasmExec, wasmPath, base, nonce, checksJSON] = process.argv.slice(2);
globalThis.location = new URL(base + "/widget");
require(wasmExec);
(async () => {
  const go = new Go();
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasmPath), go.importObject);
  go.run(instance);
  const out = {};
  for (const [name, c] of Object.entries(JSON.parse(checksJSON))) {
    const m = newKYCVS({ base, entity: c.entity, nonce });
    try {
      const r = await m.verify(c.token);
      out[name] = { ok: true, status: r.status, kid: r.kid };
    } catch (e) {
      out[name] = { ok: false, code: String(e && e.code || e) };
    }
    m.release();
  }
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
`

// verifyInModule runs the copy's built browser module (site/dist, as
// scripts/build-site made it) under node and returns its verdicts.
func verifyInModule(t *testing.T, d *deployment, base string, checks map[string]moduleCheck) map[string]moduleResult {
	t.Helper()
	dist := filepath.Join(d.root, "site", "dist")
	mb, err := os.ReadFile(filepath.Join(dist, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		WasmTags []string                         `json:"wasm_tags"`
		Files    map[string]struct{ Path string } `json:"files"`
	}
	if err := json.Unmarshal(mb, &manifest); err != nil {
		t.Fatalf("site/dist/manifest.json: %v", err)
	}
	t.Logf("browser module built with tags %v", manifest.WasmTags)
	file := func(logical string) string {
		f, ok := manifest.Files[logical]
		if !ok || f.Path == "" {
			t.Fatalf("site/dist/manifest.json has no %s", logical)
		}
		return filepath.Join(dist, filepath.FromSlash(strings.TrimPrefix(f.Path, "/")))
	}
	script := filepath.Join(t.TempDir(), "verify.cjs")
	if err := os.WriteFile(script, []byte(moduleScript), 0o644); err != nil {
		t.Fatal(err)
	}
	cj, err := json.Marshal(checks)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script, file("wasm_exec.js"), file("kycvs.wasm"), base, nonce, string(cj))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	res := map[string]moduleResult{}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node printed %q: %v\n%s", out, err, stderr.String())
	}
	for name := range checks {
		if _, ok := res[name]; !ok {
			t.Fatalf("no verdict for %s: %s", name, out)
		}
	}
	return res
}
