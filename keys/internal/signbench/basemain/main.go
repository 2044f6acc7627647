// Command basemain is the size baseline: crypto/sha512 + encoding/hex only.
package main

import (
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"os"
)

func main() {
	seed := sha512.Sum512([]byte("signbench-seed"))
	d := sha512.Sum512(append(seed[:32], os.Args[len(os.Args)-1]...))
	fmt.Println(hex.EncodeToString(d[:]))
}
