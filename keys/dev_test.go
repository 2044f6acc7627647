//go:build kycvs_dev && !kycvs_verifyonly

package keys

import "testing"

// Run by scripts/test after `kycvs-admin devkeys` has written keys/dev.json:
// `go test -tags kycvs_dev ./keys`.

func TestDevBuild(t *testing.T) {
	if !DevKeysEmbedded() {
		t.Fatal("built with kycvs_dev, but DevKeysEmbedded is false")
	}
	dev, err := ParseKeyset(devJSON)
	if err != nil {
		t.Fatal(err)
	}
	if len(dev.Entries()) == 0 {
		t.Fatal("keys/dev.json holds no key")
	}
	for _, e := range dev.Entries() {
		kid := e.Key.ID()
		if _, ok := Published().Has(kid); ok {
			t.Errorf("Published holds dev key %s", kid)
		}
		if _, ok := Trusted().Has(kid); !ok {
			t.Errorf("Trusted lacks dev key %s", kid)
		}
	}
}
