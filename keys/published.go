package keys

import _ "embed"

// publishedJSON is the production keyset: the public keys this project's
// issuer signs with. It is what Published returns, in every build.
//
//go:embed published.json
var publishedJSON []byte

// DevKeysEmbedded reports whether this build trusts the local development
// keyset keys/dev.json (build tag kycvs_dev). The private half of that key
// sits in a developer's .dev.vars, so a build for which it is true must
// never serve real users: the browser module refuses to verify off a
// loopback origin, and the build scripts say so when they make one.
func DevKeysEmbedded() bool { return devKeysEmbedded }

// TrustedJSON returns the keyset documents Trusted merges, in order: the
// embedded published.json and, in builds with the kycvs_dev tag, dev.json.
// It exists for the browser module, which parses them with the browser's
// JSON.parse rather than link encoding/json (see keyset_json.go). Callers
// must not modify the returned bytes.
func TrustedJSON() [][]byte {
	if !devKeysEmbedded {
		return [][]byte{publishedJSON}
	}
	return [][]byte{publishedJSON, devJSON}
}
