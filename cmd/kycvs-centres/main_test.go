package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/store"
)

func TestAddTokenRevoke(t *testing.T) {
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "c.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := &store.SQL{DB: db}
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	exec := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := run(args, &out, &errOut, now); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if _, err := db.Exec(out.String()); err != nil {
			t.Fatalf("%v: SQL %q: %v", args, out.String(), err)
		}
		if strings.Contains(out.String(), secret.CentreTokenPrefix) {
			t.Fatalf("the SQL contains the token: %s", out.String())
		}
		lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
		return lines[len(lines)-1]
	}
	tok := exec("add", "--id", "ctr_test", "--name", "Test's Centre", "--district", "Pune", "--days", "30")
	if !strings.HasPrefix(tok, secret.CentreTokenPrefix) {
		t.Fatalf("token %q", tok)
	}
	c, err := st.CentreByTokenHash(ctx, secret.TokenHash(tok))
	if err != nil || c.ID != "ctr_test" || c.Name != "Test's Centre" || !c.TokenExpiresAt.Equal(now.Add(30*24*time.Hour)) {
		t.Fatalf("centre %+v, %v", c, err)
	}
	tok2 := exec("token", "--id", "ctr_test")
	if _, err := st.CentreByTokenHash(ctx, secret.TokenHash(tok)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("old token still works: %v", err)
	}
	if _, err := st.CentreByTokenHash(ctx, secret.TokenHash(tok2)); err != nil {
		t.Fatal(err)
	}
	exec("revoke", "--id", "ctr_test")
	if _, err := st.CentreByTokenHash(ctx, secret.TokenHash(tok2)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoked token still works: %v", err)
	}
	sup := exec("supervisor", "--id", "ctr_test", "--name", "Dr. O'Brien", "--days", "7")
	sv, err := st.SupervisorByTokenHash(ctx, secret.TokenHash(sup))
	if err != nil || sv.CentreID != "ctr_test" || sv.Name != "Dr. O'Brien" || !sv.ExpiresAt.Equal(now.Add(7*24*time.Hour)) {
		t.Fatalf("supervisor %+v, %v", sv, err)
	}
	exec("cancel", "--appointment", "apt_AAAAAAAAAAAAAAAA", "--by", "O'Brien")
	exec("audit", "--appointment", "apt_AAAAAAAAAAAAAAAA")
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{}, {"frobnicate"}, {"add", "--id", "centre1", "--name", "x"}, {"add", "--id", "ctr_x"},
		{"token", "--id", "ctr_x", "--days", "0"}, {"unlock", "--appointment", "apt_AAAAAAAAAAAAAAAA", "--by", "a"},
		{"cancel", "--appointment", "apt_x", "--by", "a"}, {"cancel", "--appointment", "apt_AAAAAAAAAAAAAAAA"}, {"revoke"},
		{"supervisor", "--id", "ctr_x"}, {"supervisor", "--id", "x", "--name", "a"},
	} {
		var out, errOut bytes.Buffer
		if err := run(args, &out, &errOut, time.Now()); err == nil {
			t.Errorf("%v: no error", args)
		}
		if out.Len() != 0 {
			t.Errorf("%v: wrote SQL %q", args, out.String())
		}
	}
}
