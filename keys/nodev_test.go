//go:build !kycvs_dev

package keys

import "testing"

func TestProductionBuild(t *testing.T) {
	if DevKeysEmbedded() || devJSON != nil || len(TrustedJSON()) != 1 {
		t.Fatal("a build without kycvs_dev trusts a dev keyset")
	}
}
