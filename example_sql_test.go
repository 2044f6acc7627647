//go:build !kycvs_verifyonly && !js

package kycvs_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kycvs/kycvs"
	_ "modernc.org/sqlite"
)

// A server that runs several processes, or restarts, keeps single use in its
// database: every process opens the same table, and a token or nonce used
// through one is used for all.
func ExampleSQLReplayStore() {
	dir, _ := os.MkdirTemp("", "replay")
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "entity.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	ctx := context.Background()

	used, err := kycvs.NewSQLReplayStore(db, &kycvs.SQLReplayOptions{
		ReplayOptions: kycvs.ReplayOptions{Retention: time.Hour}, // our nonces live an hour
	})
	if err != nil {
		panic(err)
	}
	if err := used.CreateTable(ctx); err != nil { // or in your migrations
		panic(err)
	}

	// a would come from KeysetCache.Verify or Verify.
	a := &kycvs.Attestation{Audience: "ent_railways", Nonce: "booking-4711", TokenID: [16]byte{0xa2}, ExpiresAt: time.Now().Add(5 * time.Minute)}
	fmt.Println(kycvs.ErrorCode(used.Use(ctx, a)) == "")
	fmt.Println(kycvs.ErrorCode(used.Use(ctx, a)))
	b := *a
	b.TokenID[0] = 0xb3 // a second token for the same booking
	fmt.Println(kycvs.ErrorCode(used.Use(ctx, &b)))
	// Output:
	// true
	// token_used
	// token_used
}
