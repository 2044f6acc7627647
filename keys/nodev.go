//go:build !kycvs_dev

package keys

// Without the kycvs_dev tag the build trusts published.json only (dev.go).
var devJSON []byte

const devKeysEmbedded = false
