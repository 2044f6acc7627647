// Command circlmain signs os.Args[1] with circl ed25519 (binary-size probe).
package main

import (
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"github.com/cloudflare/circl/sign/ed25519"
	"os"
)

func main() {
	seed := sha512.Sum512([]byte("signbench-seed"))
	k := ed25519.NewKeyFromSeed(seed[:32])
	fmt.Println(hex.EncodeToString(ed25519.Sign(k, []byte(os.Args[len(os.Args)-1]))))
}
