//go:build !kycvs_verifyonly

package kycvs_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/kycvs/kycvs"
)

// An entity's server keeps the service's keyset in a KeysetCache and what it
// accepted in a ReplayStore (an SQLReplayStore if it runs more than one
// process, or must remember across restarts). A refusal has a stable code; a
// failure without one is the server's own outage, not the person's.
func ExampleKeysetCache_Verify() {
	vf := loadVectors()
	service := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Write(vf.Keyset)
	}))
	defer service.Close()

	// Once per process; service.URL stands for https://kycvs.example.
	keysets := kycvs.NewKeysetCache(service.URL+kycvs.KeysetPath, nil)
	used := kycvs.NewMemoryReplayStore(&kycvs.ReplayOptions{Retention: time.Hour}) // our nonces live an hour

	check := func(token, nonce string) {
		ctx := context.Background()
		a, err := keysets.Verify(ctx, token, kycvs.Expect{
			Audience: "ent_railways",
			Nonce:    nonce,                    // the one this booking was given
			Now:      time.Unix(1795608010, 0), // omit in production: time.Now()
		})
		if err == nil {
			err = used.Use(ctx, a)
		}
		switch code := kycvs.ErrorCode(err); code {
		case "":
			if err != nil {
				fmt.Println("503, try again:", err)
				return
			}
			fmt.Println("status:", a.Status)
		case "keyset_unavailable":
			fmt.Println("503, try again:", err)
		default:
			fmt.Println("refused:", code)
		}
	}
	token := vf.Cases[2].Token // "valid status 2"
	check(token, "n-4f1c2e9a7b3d")
	check(token, "n-4f1c2e9a7b3d")
	check(token, "another-booking")
	check(strings.Replace(token, ".iqF2", ".iqF3", 1), "n-4f1c2e9a7b3d")
	// Output:
	// status: fully_vaccinated
	// refused: token_used
	// refused: token_nonce
	// refused: token_signature
}
