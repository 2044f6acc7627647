//go:build kycvs_dev

package keys

import _ "embed"

// dev.json is written by `kycvs-admin devkeys` (scripts/dev, the test
// harness) from the key in .dev.vars and is git-ignored: it exists only on a
// developer's machine, and only builds that ask for the kycvs_dev tag by
// name (scripts/build-worker --dev, scripts/build-site --dev) embed it.
//
//go:embed dev.json
var devJSON []byte

const devKeysEmbedded = true
