package sha2

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"math/rand/v2"
	"strings"
	"testing"
)

// Interface checks: package keys uses the digests as hash.Hash.
var (
	_ hash.Hash = (*Digest256)(nil)
	_ hash.Hash = (*Digest512)(nil)
)

// The FIPS 180-4 example messages (NIST CSRC "Examples with intermediate
// values") and their digests.
var vectors = []struct {
	in             string
	sha256, sha512 string
}{
	{"",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
	{"abc",
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
	{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
		"204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445"},
	{"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		"cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
		"8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"},
	{strings.Repeat("a", 1000000),
		"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
		"e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"},
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		name := v.in
		if len(name) > 20 {
			name = name[:20] + "…"
		}
		if got := Sum256([]byte(v.in)); hex.EncodeToString(got[:]) != v.sha256 {
			t.Errorf("Sum256(%q) = %x", name, got)
		}
		if got := Sum512([]byte(v.in)); hex.EncodeToString(got[:]) != v.sha512 {
			t.Errorf("Sum512(%q) = %x", name, got)
		}
		if got := New256(); hex.EncodeToString(write(got, []byte(v.in), 1).Sum(nil)) != v.sha256 {
			t.Errorf("New256 byte by byte, %q: wrong", name)
		}
		if got := New512(); hex.EncodeToString(write(got, []byte(v.in), 1).Sum(nil)) != v.sha512 {
			t.Errorf("New512 byte by byte, %q: wrong", name)
		}
	}
}

// write feeds data to h in pieces of at most step bytes.
func write(h hash.Hash, data []byte, step int) hash.Hash {
	for len(data) > 0 {
		n := min(step, len(data))
		h.Write(data[:n])
		data = data[n:]
	}
	return h
}

// TestDifferential holds this copy to crypto/sha256 and crypto/sha512 on
// random inputs of every length up to 1000 bytes, written in random pieces,
// with Sum called mid-stream (it must not disturb the state) and after Reset.
func TestDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 2))
	for n := range 1001 {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		step := 1 + r.IntN(200)
		for _, tc := range []struct {
			name      string
			ours, std hash.Hash
		}{
			{"sha256", New256(), sha256.New()},
			{"sha512", New512(), sha512.New()},
		} {
			tc.ours.Write([]byte("discarded by Reset"))
			tc.ours.Reset()
			cut := r.IntN(n + 1)
			write(tc.ours, data[:cut], step)
			tc.std.Write(data[:cut])
			if mid, want := tc.ours.Sum([]byte{7}), tc.std.Sum([]byte{7}); !bytes.Equal(mid, want) {
				t.Fatalf("%s: %d bytes (of %d): %x, want %x", tc.name, cut, n, mid, want)
			}
			write(tc.ours, data[cut:], step)
			tc.std.Write(data[cut:])
			if got, want := tc.ours.Sum(nil), tc.std.Sum(nil); !bytes.Equal(got, want) {
				t.Fatalf("%s: %d bytes in pieces of %d: %x, want %x", tc.name, n, step, got, want)
			}
			if tc.ours.Size() != tc.std.Size() || tc.ours.BlockSize() != tc.std.BlockSize() {
				t.Fatalf("%s: Size/BlockSize differ", tc.name)
			}
		}
		if got, want := Sum256(data), sha256.Sum256(data); got != want {
			t.Fatalf("Sum256 of %d bytes: %x, want %x", n, got, want)
		}
		if got, want := Sum512(data), sha512.Sum512(data); got != want {
			t.Fatalf("Sum512 of %d bytes: %x, want %x", n, got, want)
		}
	}
}

func BenchmarkSum512(b *testing.B) {
	data := make([]byte, 200)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		Sum512(data)
	}
}
