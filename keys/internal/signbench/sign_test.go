// Package signbench compares Ed25519 signing cost of crypto/ed25519 and
// github.com/cloudflare/circl/sign/ed25519 (native and GOOS=js GOARCH=wasm).
package signbench

import (
	"bytes"
	stded "crypto/ed25519"
	"testing"

	circled "github.com/cloudflare/circl/sign/ed25519"
)

var (
	seed = bytes.Repeat([]byte{0x42}, 32)
	msg  = bytes.Repeat([]byte{0xa5}, 150)
	sink []byte
	ok   bool
)

func TestSameSignature(t *testing.T) {
	a := stded.Sign(stded.NewKeyFromSeed(seed), msg)
	b := circled.Sign(circled.NewKeyFromSeed(seed), msg)
	if !bytes.Equal(a, b) {
		t.Fatal("signatures differ")
	}
}

func BenchmarkKeyFromSeedStdlib(b *testing.B) {
	for b.Loop() {
		sink = stded.NewKeyFromSeed(seed)
	}
}

func BenchmarkKeyFromSeedCircl(b *testing.B) {
	for b.Loop() {
		sink = circled.NewKeyFromSeed(seed)
	}
}

func BenchmarkSignStdlib(b *testing.B) {
	k := stded.NewKeyFromSeed(seed)
	for b.Loop() {
		sink = stded.Sign(k, msg)
	}
}

func BenchmarkSignCircl(b *testing.B) {
	k := circled.NewKeyFromSeed(seed)
	for b.Loop() {
		sink = circled.Sign(k, msg)
	}
}

func BenchmarkVerifyStdlib(b *testing.B) {
	k := stded.NewKeyFromSeed(seed)
	sig := stded.Sign(k, msg)
	pub := k.Public().(stded.PublicKey)
	for b.Loop() {
		ok = stded.Verify(pub, msg, sig)
	}
}

func BenchmarkVerifyCircl(b *testing.B) {
	k := circled.NewKeyFromSeed(seed)
	sig := circled.Sign(k, msg)
	pub := k.Public().(circled.PublicKey)
	for b.Loop() {
		ok = circled.Verify(pub, msg, sig)
	}
}
