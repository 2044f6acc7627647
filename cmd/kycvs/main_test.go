package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The tool runs on the shared vectors: a valid one prints claims, and the
// reason is given for the failing ones.
func TestVerify(t *testing.T) {
	b, err := os.ReadFile("../../testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vf struct {
		Keyset json.RawMessage
		Cases  []struct{ Name, Token, Error string }
	}
	if err := json.Unmarshal(b, &vf); err != nil {
		t.Fatal(err)
	}
	ksFile := filepath.Join(t.TempDir(), "keys.json")
	os.WriteFile(ksFile, vf.Keyset, 0o644)
	args := func(tok, nonce string) []string {
		return []string{"verify", "--keys", ksFile, "--audience", "ent_railways", "--nonce", nonce, "--now", "2026-11-25T12:00:10Z", tok}
	}
	valid := vf.Cases[2].Token
	var out bytes.Buffer
	if err := run(args(valid, "n-4f1c2e9a7b3d"), nil, &out); err != nil {
		t.Fatal(err)
	}
	var c claims
	if err := json.Unmarshal(out.Bytes(), &c); err != nil || !c.Valid || c.Status != 2 || c.Audience != "ent_railways" {
		t.Fatalf("output %s: %v", out.Bytes(), err)
	}
	out.Reset()
	if err := run(args("-", "n-4f1c2e9a7b3d"), strings.NewReader(valid+"\n"), &out); err != nil {
		t.Fatalf("token from stdin: %v", err)
	}
	err = run(args(valid, "other"), nil, &out)
	if err == nil || !strings.Contains(err.Error(), "nonce") {
		t.Fatalf("wrong nonce: %v", err)
	}
	for _, c := range vf.Cases {
		if c.Error != "" && c.Name == "bit flipped in signature" {
			if err := run(args(c.Token, "n-4f1c2e9a7b3d"), nil, &out); err == nil || !strings.Contains(err.Error(), "signature") {
				t.Fatalf("%s: %v", c.Name, err)
			}
		}
	}
}
