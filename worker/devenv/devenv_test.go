package devenv

import (
	"os"
	"path/filepath"
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
