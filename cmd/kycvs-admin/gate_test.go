package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/store"
)

// A gate venue: kind gate, no origins, its token printed once and stored
// only as a hash; adding it again rotates the token.
func TestGateAdd(t *testing.T) {
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "a.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := &store.SQL{DB: db}
	add := func() string {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := run([]string{"gate", "add", "--id", "ent_phoenix_g2", "--name", "Phoenix Mall — Gate 2",
			"--service", "https://kycvs.example"}, &out, &errOut); err != nil {
			t.Fatal(err)
		}
		i := strings.Index(errOut.String(), "\n"+GatePrefix)
		if i < 0 {
			t.Fatalf("no token in %q", errOut.String())
		}
		tok, _, _ := strings.Cut(errOut.String()[i+1:], "\n")
		if strings.Contains(out.String(), tok) || !strings.Contains(errOut.String(), "https://kycvs.example/gate#token="+tok) {
			t.Fatalf("SQL must hold only the token's hash, and the link is printed: %s / %s", out.String(), errOut.String())
		}
		if _, err := db.Exec(out.String()); err != nil {
			t.Fatal(err)
		}
		return tok
	}
	tok := add()
	e, err := st.GateByTokenHash(ctx, secret.TokenHash(tok))
	if err != nil || e.ID != "ent_phoenix_g2" || e.Kind != store.KindGate || len(e.Origins) != 0 || e.Purpose != "Entry" {
		t.Fatalf("%+v, %v", e, err)
	}
	tok2 := add()
	if _, err := st.GateByTokenHash(ctx, secret.TokenHash(tok)); err != store.ErrNotFound {
		t.Fatalf("the old token still signs in: %v", err)
	}
	if _, err := st.GateByTokenHash(ctx, secret.TokenHash(tok2)); err != nil {
		t.Fatal(err)
	}
	// A web entity is no gate, whatever hash is asked for.
	var out, errOut bytes.Buffer
	if err := run([]string{"entity", "add", "--id", "ent_shop", "--name", "S", "--purpose", "P", "--origin", "https://s.example"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	db.Exec(out.String())
	if e, err := st.Entity(ctx, "ent_shop"); err != nil || e.Kind != store.KindWeb || e.GateTokenHash != "" {
		t.Fatalf("web entity: %+v %v", e, err)
	}
	for _, bad := range [][]string{
		{"gate", "add", "--id", "ent_g", "--name", "G", "--origin", "https://a.example"},
		{"gate", "add", "--id", "g", "--name", "G"},
		{"gate", "add", "--id", "ent_g"},
		{"gate", "remove", "--id", "ent_g"},
	} {
		if err := run(bad, &out, &errOut); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
