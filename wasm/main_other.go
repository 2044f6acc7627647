//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// main exists so that `go build ./...` and `go vet ./...` work natively; the
// module only makes sense in a JS host.
func main() {
	fmt.Fprintln(os.Stderr, "kycvs wasm module: build with GOOS=js GOARCH=wasm (see scripts/build-site)")
	os.Exit(2)
}
