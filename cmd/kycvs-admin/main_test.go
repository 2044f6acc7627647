package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/store"
)

func TestEntityAddRemove(t *testing.T) {
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "a.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out, errOut bytes.Buffer
	err = run([]string{"entity", "add", "--hash-key", "00112233445566778899aabbccddeeff", "--id", "ent_test_shop",
		"--name", "Test's Shop", "--purpose", "Entry", "--origin", "https://shop.example", "--origin", "http://localhost:9999"}, &out, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	sk := strings.TrimSpace(errOut.String()[strings.LastIndex(errOut.String(), "\n"+seed.SecretPrefix)+1:])
	if !strings.HasPrefix(sk, seed.SecretPrefix) || strings.Contains(out.String(), sk) {
		t.Fatalf("sk %q; SQL must hold only its hash: %s", sk, out.String())
	}
	if _, err := db.Exec(out.String()); err != nil {
		t.Fatal(err)
	}
	st := &store.SQL{DB: db}
	e, err := st.EntityBySecretHash(ctx, secret.TokenHash(sk))
	if err != nil || e.ID != "ent_test_shop" || e.DisplayName != "Test's Shop" || len(e.Origins) != 2 {
		t.Fatalf("%+v, %v", e, err)
	}
	out.Reset()
	if err := run([]string{"entity", "remove", "--id", "ent_test_shop"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	db.Exec(out.String())
	if _, err := st.Entity(ctx, "ent_test_shop"); err != store.ErrNotFound {
		t.Fatalf("after remove: %v", err)
	}
	for _, bad := range [][]string{
		{"entity", "add", "--id", "shop", "--name", "x", "--purpose", "y", "--origin", "https://a.example"},
		{"entity", "add", "--id", "ent_x", "--name", "x", "--purpose", "y", "--origin", "https://a.example/path"},
		{"entity", "add", "--id", "ent_x", "--name", "x", "--purpose", "y", "--origin", "http://a.example"},
		{"entity", "add", "--id", "ent_x", "--name", "x", "--purpose", "y", "--origin", "https://*.a.example"},
		{"entity", "add", "--id", "ent_x", "--name", "x", "--purpose", "y"},
		{"nope"},
	} {
		if err := run(bad, &out, &errOut); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
