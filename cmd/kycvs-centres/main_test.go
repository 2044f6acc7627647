package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs/worker/mobile"
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

func TestVaccinator(t *testing.T) {
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "c.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := &store.SQL{DB: db}
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	const key = "00112233445566778899aabbccddeeff"
	exec := func(args ...string) (string, error) {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := run(args, &out, &errOut, now); err != nil {
			return "", err
		}
		if strings.Contains(out.String(), "9876512345") {
			t.Fatalf("the SQL contains the mobile: %s", out.String())
		}
		_, err := db.Exec(out.String())
		return errOut.String(), err
	}
	if _, err := exec("add", "--id", "ctr_test", "--name", "Test Centre"); err != nil {
		t.Fatal(err)
	}
	msg, err := exec("vaccinator", "--id", "ctr_test", "--name", "Asha Verma", "--mobile", "+91 98765 12345", "--hash-key", key, "--role", "supervisor")
	if err != nil || !strings.Contains(msg, "vcr_") || strings.Contains(msg, "9876512345") {
		t.Fatalf("%q, %v", msg, err)
	}
	k, _ := hex.DecodeString(key)
	v, err := st.VaccinatorByMobileHash(ctx, mobile.Hash(k, "9876512345"))
	if err != nil || v.Name != "Asha Verma" || v.Role != store.RoleSupervisor || v.CentreID != "ctr_test" || v.CentreName != "Test Centre" {
		t.Fatalf("%+v, %v", v, err)
	}
	// One person per number.
	if _, err := exec("vaccinator", "--id", "ctr_test", "--name", "Someone Else", "--mobile", "9876512345", "--hash-key", key); err == nil {
		t.Fatal("a second vaccinator on the same mobile")
	}
	if err := st.CreateVaccinatorSession(ctx, "h1", v.ID, now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := exec("revoke-vaccinator", "--vaccinator", v.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.VaccinatorSession(ctx, "h1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session after revocation: %v", err)
	}
	if _, err := st.VaccinatorByMobileHash(ctx, mobile.Hash(k, "9876512345")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoked vaccinator still found: %v", err)
	}
	for _, args := range [][]string{
		{"vaccinator", "--id", "ctr_test", "--name", "A", "--mobile", "12345", "--hash-key", key},
		{"vaccinator", "--id", "ctr_test", "--name", "A", "--mobile", "9876512346", "--hash-key", key, "--role", "admin"},
		{"vaccinator", "--id", "ctr_test", "--mobile", "9876512346", "--hash-key", key},
		{"vaccinator", "--id", "ctr_test", "--name", "A", "--mobile", "9876512346", "--hash-key", "00"},
		{"revoke-vaccinator", "--vaccinator", "vcr_x"},
	} {
		var out, errOut bytes.Buffer
		if err := run(args, &out, &errOut, now); err == nil || out.Len() != 0 {
			t.Errorf("%v: err %v, SQL %q", args, err, out.String())
		}
	}
}
