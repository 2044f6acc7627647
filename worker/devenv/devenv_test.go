package devenv

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kycvs/kycvs/keys"
)

func TestEnsure(t *testing.T) {
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, "keys"), 0o755)
	v1, changed, err := Ensure(root)
	if err != nil || !changed {
		t.Fatalf("first Ensure: %v, changed %v", err, changed)
	}
	st, _ := os.Stat(filepath.Join(root, ".dev.vars"))
	if st.Mode().Perm() != 0o600 {
		t.Errorf(".dev.vars mode %v", st.Mode())
	}
	v2, changed, err := Ensure(root)
	if err != nil || changed || v1["SIGNING_KEY"] != v2["SIGNING_KEY"] || v1["HASH_KEY"] != v2["HASH_KEY"] {
		t.Fatalf("second Ensure changed things: %v %v", err, changed)
	}
	b, _ := os.ReadFile(filepath.Join(root, "keys", "dev.json"))
	ks, err := keys.ParseKeyset(b)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := keys.ParsePrivateKey(v1["SIGNING_KEY"])
	if _, ok := ks.Has(k.KeyID()); !ok {
		t.Fatal("dev.json lacks the signing key")
	}
}

func TestParseVars(t *testing.T) {
	v := ParseVars([]byte("# c\nA=1\nB = \"two words\"\nC='x=y'\n\nbad line\n"))
	if v["A"] != "1" || v["B"] != "two words" || v["C"] != "x=y" || len(v) != 3 {
		t.Fatalf("%v", v)
	}
}

// TestHashKey: --hash-key wins over the vars file; a short or non-hex key
// and a missing file are refused, saying what to do.
func TestHashKey(t *testing.T) {
	dir := t.TempDir()
	vars := filepath.Join(dir, ".dev.vars")
	if err := os.WriteFile(vars, []byte("HASH_KEY=\"00112233445566778899aabbccddeeff\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		hex, path, want, err string
	}{
		{"", vars, "00112233445566778899aabbccddeeff", ""},
		{"ffeeddccbbaa99887766554433221100", vars, "ffeeddccbbaa99887766554433221100", ""},
		{"0011", vars, "", "at least 16 bytes"},
		{"not hex at all, not hex at all!!", vars, "", "at least 16 bytes"},
		{"", filepath.Join(dir, "missing"), "", "pass --hash-key"},
	} {
		k, err := HashKey(c.hex, c.path)
		if got := hex.EncodeToString(k); got != c.want || (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("HashKey(%q, %q) = %s, %v; want %s, %q", c.hex, c.path, got, err, c.want, c.err)
		}
	}
}
