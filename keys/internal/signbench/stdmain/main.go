// Command stdmain signs os.Args[1] with crypto/ed25519 (binary-size probe).
package main

import (
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"os"
)

func main() {
	seed := sha512.Sum512([]byte("signbench-seed"))
	k := ed25519.NewKeyFromSeed(seed[:32])
	fmt.Println(hex.EncodeToString(ed25519.Sign(k, []byte(os.Args[len(os.Args)-1]))))
}
