package seed

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"unicode"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/worker/domain"
	"github.com/kycvs/kycvs/worker/mobile"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/store"
)

// TestSeed loads the full demo seed into SQLite twice and checks what the
// issue asks of it: at least 10,000 beneficiaries, every status, shared
// mobiles of up to 6 people, names in four scripts, idempotence, and the
// status rule computed by the store agreeing with DemoPeople.
func TestSeed(t *testing.T) {
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "seed.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key := []byte("seed-test-hash-key-0123456789abcdef")
	var sql bytes.Buffer
	if err := WriteSQL(&sql, key, 10000); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := db.ExecContext(ctx, sql.String()); err != nil {
			t.Fatal(err)
		}
	}
	var n, maxShared, shared int
	db.QueryRow(`SELECT count(*) FROM beneficiaries`).Scan(&n)
	db.QueryRow(`SELECT max(c), sum(c > 1) FROM (SELECT count(*) c FROM beneficiaries GROUP BY mobile_hash)`).Scan(&maxShared, &shared)
	if n != 10000+len(DemoPeople) || maxShared != 6 || shared < 500 {
		t.Fatalf("%d beneficiaries, %d shared mobiles, max %d per mobile", n, shared, maxShared)
	}
	st := &store.SQL{DB: db}
	statuses := map[kycvs.Status]int{}
	scripts := map[string]int{}
	for _, p := range Synthetic(10000)[:2000] {
		bs, err := st.Beneficiaries(ctx, mobile.Hash(key, p.Mobile))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, b := range bs {
			if b.ID == p.ID {
				found = true
				if st := domain.StatusOf(&b); st != p.Status {
					t.Errorf("%s: status %v, want %v", p.ID, st, p.Status)
				}
			}
		}
		if !found {
			t.Fatalf("%s not on its mobile", p.ID)
		}
		statuses[p.Status]++
		for _, r := range p.Name {
			for name, tab := range map[string]*unicode.RangeTable{"Latin": unicode.Latin, "Devanagari": unicode.Devanagari, "Arabic": unicode.Arabic, "Bengali": unicode.Bengali} {
				if unicode.Is(tab, r) {
					scripts[name]++
				}
			}
			break
		}
	}
	if len(statuses) != 3 || len(scripts) != 4 {
		t.Errorf("statuses %v, scripts %v", statuses, scripts)
	}
	for _, p := range DemoPeople {
		bs, _ := st.Beneficiaries(ctx, mobile.Hash(key, p.Mobile))
		ok := false
		for _, b := range bs {
			ok = ok || (b.ID == p.ID && domain.StatusOf(&b) == p.Status && b.Name == p.Name)
		}
		if !ok {
			t.Errorf("demo person %s (%q) missing or wrong status", p.ID, p.Name)
		}
	}
	if bs, _ := st.Beneficiaries(ctx, mobile.Hash(key, UnregisteredMobile)); len(bs) != 0 {
		t.Errorf("UnregisteredMobile has beneficiaries")
	}

	// Re-seeding with a new HASH_KEY re-keys the mobiles and demo secrets.
	key2 := []byte("another-hash-key-after-deleting-dev-vars")
	sql.Reset()
	if err := WriteSQL(&sql, key2, 100); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, sql.String()); err != nil {
		t.Fatal(err)
	}
	p := DemoPeople[3]
	bs, _ := st.Beneficiaries(ctx, mobile.Hash(key2, p.Mobile))
	if len(bs) != 4 {
		t.Errorf("after re-keying, %d people on the shared mobile", len(bs))
	}
	if _, err := st.EntityBySecretHash(ctx, secret.TokenHash(DemoSecret(key2, "ent_hotel"))); err != nil {
		t.Errorf("demo secret after re-keying: %v", err)
	}
}
