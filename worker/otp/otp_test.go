package otp

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/sms"
	"github.com/kycvs/kycvs/worker/store"
)

type capture struct{ last sms.Message }

func (c *capture) Send(_ context.Context, m sms.Message) error { c.last = m; return nil }

func newEngine(t *testing.T) (*Engine, *capture) {
	db, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "otp.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &capture{}
	now := time.Unix(1_800_000_000, 0)
	return &Engine{Store: &store.SQL{DB: db}, Sender: c, HashKey: []byte("otp-test-key-0123456789"), Limits: DefaultLimits,
		Now: func() time.Time { return now }}, c
}

// TestPurposeIsolation: a booking transaction cannot finish a status check
// and vice versa, and the booking SMS is the booking text.
func TestPurposeIsolation(t *testing.T) {
	e, c := newEngine(t)
	ctx := context.Background()
	txn, err := e.Start(ctx, Start{Purpose: PurposeBooking, Lang: "en", Mobile: "9876500001", Name: "Ramesh Kumar", ClientIP: "10.0.0.1", Host: "kycvs.example"})
	if err != nil {
		t.Fatal(err)
	}
	otp := harness.OTPOf(c.last.Body)
	if otp == "" || !regexp.MustCompile(`book`).MatchString(c.last.Body) {
		t.Fatalf("booking SMS %q", c.last.Body)
	}
	if _, err := e.Verify(ctx, txn.ID, PurposeStatus, otp); !errors.Is(err, ErrPurpose) {
		t.Fatalf("status verify of a booking transaction: %v", err)
	}
	got, err := e.Verify(ctx, txn.ID, PurposeBooking, otp)
	if err != nil || got.MobileHash != txn.MobileHash || got.NameHash != e.NameHash("ramesh kumar") {
		t.Fatalf("booking verify: %+v, %v", got, err)
	}
	if _, err := e.Verify(ctx, txn.ID, PurposeBooking, otp); !errors.Is(err, ErrUsed) {
		t.Fatalf("second verify: %v", err)
	}
}

func TestStoredHashOnly(t *testing.T) {
	e, c := newEngine(t)
	txn, err := e.Start(context.Background(), Start{Purpose: PurposeStatus, EntityID: "ent_x", Mobile: "9876500001", Name: "A", ClientIP: "1", Host: "h"})
	if err != nil {
		t.Fatal(err)
	}
	otp := harness.OTPOf(c.last.Body)
	stored, _ := e.Store.OTP(context.Background(), txn.ID)
	if len(stored.OTPHash) != 64 || stored.OTPHash == otp || regexp.MustCompile(otp).MatchString(stored.OTPHash) {
		t.Fatalf("stored %q for code %s", stored.OTPHash, otp)
	}
}
