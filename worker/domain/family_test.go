package domain

import (
	"errors"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/worker/store"
)

func TestCheckTravellers(t *testing.T) {
	tr := func(names ...string) []Traveller {
		var out []Traveller
		for i, n := range names {
			out = append(out, Traveller{NameHash: "h:" + n, Nonce: "nonce-" + string(rune('a'+i))})
		}
		return out
	}
	if err := CheckTravellers(tr("a", "b", "c", "d", "e", "f")); err != nil {
		t.Errorf("six: %v", err)
	}
	if err := CheckTravellers(tr("a", "b", "c", "d", "e", "f", "g")); !errors.Is(err, ErrTooManyTravellers) {
		t.Errorf("seven: %v", err)
	}
	var de *DuplicateError
	if err := CheckTravellers(tr("a", "b", "a")); !errors.As(err, &de) || de.What != "name" || de.First != 0 || de.Second != 2 {
		t.Errorf("same name: %v", err)
	}
	ts := tr("a", "b", "c")
	ts[2].Nonce = ts[1].Nonce
	if err := CheckTravellers(ts); !errors.As(err, &de) || de.What != "nonce" || de.Error() != "travellers 2 and 3 have the same nonce" {
		t.Errorf("same nonce: %v", err)
	}
}

// Every traveller gets a token of their own (nonce, subject), in order; a
// name nobody on the number has is that traveller's ErrNameMismatch alone.
func TestIssueFamily(t *testing.T) {
	bens := []store.Beneficiary{
		{ID: "ben_a", NameNorm: "sunita devi", Doses: 2, DosesRequired: 2},
		{ID: "ben_b", NameNorm: "मोहन लाल", Doses: 1, DosesRequired: 2},
		{ID: "ben_c", NameNorm: "محمد عارف"},
	}
	hash := func(s string) string { return "h:" + s }
	txn := &store.OTPTransaction{EntityID: "ent_rail", NameHash: "binding"}
	ts := []Traveller{{"h:محمد عارف", "nonce-1"}, {"h:nobody", "nonce-2"}, {"h:sunita devi", "nonce-3"}, {"h:मोहन लाल", "nonce-4"}}
	now := time.Date(2026, 5, 1, 10, 0, 0, 500, time.UTC)
	key := []byte("subject key")
	out, err := IssueFamily("kycvs-test", txn, ts, bens, hash, key, now, 5*time.Minute)
	if err != nil || len(out) != len(ts) {
		t.Fatalf("%v, %d results", err, len(out))
	}
	want := []struct {
		ben    string
		status kycvs.Status
	}{{"ben_c", kycvs.NotVaccinated}, {"", 0}, {"ben_a", kycvs.FullyVaccinated}, {"ben_b", kycvs.PartiallyVaccinated}}
	ids := map[[16]byte]bool{}
	for i, w := range want {
		o := out[i]
		if w.ben == "" {
			if !errors.Is(o.Err, ErrNameMismatch) || o.Attestation != nil {
				t.Errorf("traveller %d: %+v, want ErrNameMismatch", i, o)
			}
			continue
		}
		a := o.Attestation
		if o.Err != nil || a == nil {
			t.Fatalf("traveller %d: %v", i, o.Err)
		}
		if a.Audience != "ent_rail" || a.Nonce != ts[i].Nonce || a.Status != w.status || a.Issuer != "kycvs-test" ||
			a.Subject != kycvs.PairwiseSubject(key, "ent_rail", w.ben) || !a.IssuedAt.Equal(now.Truncate(time.Second)) ||
			a.ExpiresAt.Sub(a.IssuedAt) != 5*time.Minute {
			t.Errorf("traveller %d: %+v", i, a)
		}
		ids[a.TokenID] = true
	}
	if len(ids) != 3 {
		t.Errorf("token ids not distinct: %d", len(ids))
	}

	// A single check's transaction has a nonce of its own: it is no
	// family's, and a family's is no single check's.
	single := &store.OTPTransaction{EntityID: "ent_rail", NameHash: "h:sunita devi", Nonce: "nonce-0"}
	if _, err := IssueFamily("x", single, ts, bens, hash, key, now, time.Minute); !errors.Is(err, ErrTravellersMismatch) {
		t.Errorf("single transaction: %v", err)
	}
	if _, err := Issue("x", txn, &bens[0], key, now, time.Minute); !errors.Is(err, ErrTravellersMismatch) {
		t.Errorf("Issue on a family transaction: %v", err)
	}
	if err := CheckBinding(txn, "binding"); err != nil {
		t.Errorf("binding: %v", err)
	}
	for _, c := range []struct {
		t       *store.OTPTransaction
		binding string
	}{{txn, "bindinG"}, {txn, ""}, {single, "h:sunita devi"}} {
		if err := CheckBinding(c.t, c.binding); !errors.Is(err, ErrTravellersMismatch) {
			t.Errorf("CheckBinding(%+v, %q): %v", c.t, c.binding, err)
		}
	}
}
