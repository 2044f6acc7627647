//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "pooltest runs only as a Worker (GOOS=js GOARCH=wasm, see pool_e2e_test.go)")
	os.Exit(2)
}
