package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestEmitRefusesPlaceholders(t *testing.T) {
	m := manifest{Files: map[string]fileEntry{}}
	out := t.TempDir()
	if err := emit(out, "worker.js", "/worker.js", []byte("importScripts('__WASM_EXEC__')"), &m); err == nil {
		t.Fatal("emitted a file with an unreplaced placeholder")
	}
	if _, err := exec.LookPath("brotli"); err != nil {
		t.Skip("brotli not installed")
	}
	data := subst([]byte("fetch('__WASM__')"), "__WASM__", "/a/kycvs.0123456789.wasm")
	if err := emit(out, "worker.js", "/worker.js", data, &m); err != nil {
		t.Fatal(err)
	}
	f := m.Files["worker.js"]
	if f.Size != len(data) || f.Gzip == 0 || f.Brotli == 0 || len(f.SHA256) != 64 {
		t.Fatalf("manifest entry %+v", f)
	}
	for _, name := range []string{"worker.js", "worker.js.gz", "worker.js.br"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}
}

func TestWriteAtomic(t *testing.T) {
	p := filepath.Join(t.TempDir(), "assets.json")
	for _, s := range []string{"one", "two"} {
		if err := writeAtomic(p, []byte(s)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != s {
			t.Fatalf("got %q", b)
		}
	}
	if ents, _ := os.ReadDir(filepath.Dir(p)); len(ents) != 1 {
		t.Fatalf("temporary files left: %v", ents)
	}
}

// TestProductionUnlessDev: the module embeds the dev keyset only when
// --dev is given, never because keys/dev.json happens to exist (which it
// does on every developer's machine).
func TestProductionUnlessDev(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "keys", "dev.json"), []byte(`{"keys":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		dev  bool
	}{
		{nil, false},
		{[]string{"-root", root}, false},
		{[]string{"-root", root, "-dev=false"}, false},
		{[]string{"-root", root, "--dev"}, true},
		{[]string{"-dev=true", "-root", root}, true},
	} {
		o, err := parseFlags(tc.args, io.Discard)
		if err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		tags := strings.Join(wasmTags(o), ",")
		if o.dev != tc.dev || strings.Contains(tags, "kycvs_dev") != tc.dev || !strings.Contains(tags, "kycvs_verifyonly") {
			t.Errorf("%q: dev %v, wasm tags %q; want dev %v", tc.args, o.dev, tags, tc.dev)
		}
	}
	// The old values are errors, not silently production or dev.
	for _, args := range [][]string{{"--dev=auto"}, {"--dev=yes"}, {"--dev=no"}, {"extra"}} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

func TestDevNeedsDevKeyset(t *testing.T) {
	t.Chdir(t.TempDir()) // run changes directory to -root
	err := run(options{root: ".", out: "dist", assets: "assets.json", dev: true})
	if err == nil || !strings.Contains(err.Error(), "keys/dev.json") {
		t.Fatalf("--dev without keys/dev.json: %v", err)
	}
}
