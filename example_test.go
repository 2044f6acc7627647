//go:build !kycvs_verifyonly

package kycvs_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/keys"
)

// An entity's server verifies the token its booking page received from the
// widget: against the published keyset, for its own entity id and the nonce
// it issued for this booking, and then records the token id so the token
// cannot be used twice.
func Example_entityServer() {
	vf := loadVectors()
	ks, err := keys.ParseKeyset(vf.Keyset) // in production: keys.json from the service, or keys.Published()
	if err != nil {
		panic(err)
	}
	used := map[[16]byte]bool{} // in production: a table with a unique key
	check := func(token, nonce string) {
		a, err := kycvs.Verify(token, ks, kycvs.Expect{
			Audience: "ent_railways",
			Nonce:    nonce,
			Now:      time.Unix(1795608010, 0), // omit in production: time.Now()
		})
		switch {
		case errors.Is(err, kycvs.ErrExpired):
			fmt.Println("expired: ask the passenger to verify again")
		case err != nil:
			fmt.Println("refused:", err)
		case used[a.TokenID]:
			fmt.Println("refused: token already used")
		default:
			used[a.TokenID] = true
			fmt.Println("status:", a.Status)
		}
	}
	token := vf.Cases[2].Token // "valid status 2"
	check(token, "n-4f1c2e9a7b3d")
	check(token, "n-4f1c2e9a7b3d")
	check(token, "another-booking")
	// Output:
	// status: fully_vaccinated
	// refused: token already used
	// refused: token nonce does not match
}

type exampleVectors struct {
	Keyset json.RawMessage
	Cases  []struct{ Token string }
}

func loadVectors() exampleVectors {
	b, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		panic(err)
	}
	var vf exampleVectors
	if err := json.Unmarshal(b, &vf); err != nil {
		panic(err)
	}
	return vf
}
