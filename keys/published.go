package keys

import (
	_ "embed"
	"sync"
)

// publishedJSON is the production keyset: the public keys this project's
// issuer signs with. It is what the browser module and the entity tools pin.
//
//go:embed published.json
var publishedJSON []byte

// devJSON is set by dev.go (build tag kycvs_dev) to the locally generated dev
// keyset, so development builds accept tokens from the dev key in .dev.vars
// and production builds never do.
var devJSON []byte

var published = sync.OnceValue(func() *Keyset {
	ks, err := ParseKeyset(publishedJSON)
	if err != nil {
		panic("keys: embedded published.json: " + err.Error()) // a broken build, caught by TestPublished
	}
	if devJSON != nil {
		dev, err := ParseKeyset(devJSON)
		if err != nil {
			panic("keys: embedded dev.json: " + err.Error())
		}
		ks.Merge(dev)
	}
	return ks
})

// Published returns the keyset embedded at build time. Callers must not
// modify it.
func Published() *Keyset { return published() }
