package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs/keys"
)

func TestGenerateAddRetire(t *testing.T) {
	dir := t.TempDir()
	keyFile, ksFile := filepath.Join(dir, "issuer.key"), filepath.Join(dir, "keys.json")
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	if err := run([]string{"generate", "-o", keyFile}, &out, now); err != nil {
		t.Fatal(err)
	}
	pubLine := strings.TrimSpace(out.String())
	if _, err := keys.ParsePublicKeyText(pubLine); err != nil {
		t.Fatalf("printed %q: %v", pubLine, err)
	}
	secret, _ := os.ReadFile(keyFile)
	if strings.Contains(out.String(), "PRIVATE") || !strings.HasPrefix(string(secret), "PRIVATE+KEY+kycvs+") {
		t.Fatalf("stdout %q, file %q", out.String(), secret)
	}
	if fi, _ := os.Stat(keyFile); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", fi.Mode())
	}
	if err := run([]string{"generate", "-o", keyFile}, &out, now); err == nil {
		t.Fatal("generate overwrote an existing key file")
	}
	out.Reset()
	if err := run([]string{"public", "-key", keyFile}, &out, now); err != nil || strings.TrimSpace(out.String()) != pubLine {
		t.Fatalf("public: %q, %v", out.String(), err)
	}
	if err := run([]string{"add", "-keyset", ksFile, pubLine}, &out, now); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"add", "-keyset", ksFile, pubLine}, &out, now); err == nil {
		t.Fatal("added the same key twice")
	}
	pub, _ := keys.ParsePublicKeyText(pubLine)
	if err := run([]string{"retire", "-keyset", ksFile, "-kid", pub.ID(), "-at", "2026-12-01T00:00:00Z"}, &out, now); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(ksFile)
	ks, err := keys.ParseKeyset(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Lookup(pub.ID(), now); err != nil {
		t.Errorf("key not valid now: %v", err)
	}
	if _, err := ks.Lookup(pub.ID(), time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("key valid after retirement")
	}
	if err := run([]string{"retire", "-keyset", ksFile, "-kid", "00000000"}, &out, now); err == nil {
		t.Error("retired an unknown kid")
	}
}
