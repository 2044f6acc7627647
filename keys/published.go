package keys

import _ "embed"

// publishedJSON is the production keyset: the public keys this project's
// issuer signs with. It is what the browser module and the entity tools pin.
//
//go:embed published.json
var publishedJSON []byte

// devJSON is set by dev.go (build tag kycvs_dev) to the locally generated dev
// keyset, so development builds accept tokens from the dev key in .dev.vars
// and production builds never do.
var devJSON []byte

// PublishedJSON returns the keyset documents Published merges, in order: the
// embedded published.json and, in builds with the kycvs_dev tag, dev.json.
// It exists for the browser module, which parses them with the browser's
// JSON.parse rather than link encoding/json (see keyset_json.go). Callers
// must not modify the returned bytes.
func PublishedJSON() [][]byte {
	if devJSON == nil {
		return [][]byte{publishedJSON}
	}
	return [][]byte{publishedJSON, devJSON}
}
