// Package assets maps the logical names of the site's static files
// ("widget.js", "book/book.js", "kycvs.wasm") to the content-hashed paths
// scripts/build-site gave them under site/dist, which Workers Static Assets
// serves with a one-year immutable cache. Pages rendered by the worker (the
// widget, /book, /centre, /gate, /pass) name their scripts and styles only
// through Path, so a deploy can never pair a new page with an old script.
package assets

import (
	"embed"
	"encoding/json"
	"sync"
)

//go:embed manifest
var manifestFS embed.FS

// table is the build's map, read once. A source checkout that was never
// built has no assets.json: it compiles, and Path falls back to the plain
// name (the page then cannot load its script, which the tests notice).
var table = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	if b, err := manifestFS.ReadFile("manifest/assets.json"); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	return m
})

// Path returns the served path of the logical asset name.
func Path(logical string) string {
	if p, ok := table()[logical]; ok {
		return p
	}
	return "/a/" + logical
}
