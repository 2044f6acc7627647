package main

import (
	"os"
	"os/exec"
	"path/filepath"
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
