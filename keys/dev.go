//go:build kycvs_dev

package keys

import _ "embed"

// dev.json is written by scripts/dev (and the test harness) from the key in
// .dev.vars and is git-ignored: it exists only on a developer's machine.
//
//go:embed dev.json
var devKeysetJSON []byte

func init() { devJSON = devKeysetJSON }
