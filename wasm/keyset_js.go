//go:build js && wasm

package main

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"syscall/js"
	"time"

	"github.com/kycvs/kycvs/keys"
)

// pinnedKeyset is the keyset tokens are checked against: the documents
// embedded in package keys (keys.TrustedJSON: published.json, and dev.json
// under kycvs_dev), read once. A variable so the wasm tests can pin a key
// they generate.
//
// keys.Trusted would parse the same documents with encoding/json, which
// the module does not link (with fmt it is about a third of the budget, see
// SIZE.md): the browser's JSON.parse does the parsing, and keysetFromJSON
// the checks keys.ParseKeyset makes. An embedded keyset that fails them is a
// broken build; the panic surfaces as a rejected call (code "internal").
var pinnedKeyset = sync.OnceValue(func() *keys.Keyset {
	ks, err := keysetFromJSON(keys.TrustedJSON()...)
	if err != nil {
		panic("embedded keyset: " + err.Error())
	}
	return ks
})

// devKeysRefusal refuses every call of a module built with the development
// keyset (-tags kycvs_dev: scripts/build-site --dev) unless the page it
// runs for is on a loopback origin. The dev key's private half sits in a
// developer's .dev.vars, so such a build deployed by mistake would accept
// tokens anyone with that file can make; off loopback it does nothing.
// It is checked on every call, not once, because the location is the
// page's and tests change it.
func devKeysRefusal() error {
	if !keys.DevKeysEmbedded() {
		return nil
	}
	host := pageHostname()
	switch host {
	case "127.0.0.1", "localhost", "[::1]", "::1":
		return nil
	}
	where := "a page without a location"
	if host != "" {
		where = strconv.Quote(host)
	}
	return &moduleError{Code: "dev_keys_off_loopback", AttemptsLeft: -1,
		Message: "this build trusts the development key (keys/dev.json) and only works on a loopback origin " +
			"(127.0.0.1, localhost, [::1]), not on " + where + "; deploy a production build (scripts/build-site without --dev)"}
}

// pageHostname returns the hostname the module runs for: that of
// globalThis.location, or "" when there is none (node). In the host page's
// verifier (embed.js's KYCVS.verify) the worker runs from a blob: URL,
// whose hostname is empty; its origin is the page that created it.
func pageHostname() string {
	loc := js.Global().Get("location")
	if loc.Type() != js.TypeObject {
		return ""
	}
	if h := stringField(loc, "hostname"); h != "" {
		return h
	}
	// An origin is scheme://host[:port], or "null".
	_, host, ok := strings.Cut(stringField(loc, "origin"), "://")
	if !ok {
		return ""
	}
	if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i > 0 {
			return host[:i+1]
		}
		return ""
	}
	host, _, _ = strings.Cut(host, ":")
	return host
}

// keysetFromJSON merges keyset documents of the form
//
//	{"keys":[{"kid":"…","key":"kycvs+…","not_before":"RFC 3339","not_after":"RFC 3339"}]}
//
// in order, refusing what keys.ParseKeyset refuses: unknown fields, a kid
// that is not its key's id, an invalid key or window, a key listed twice.
func keysetFromJSON(docs ...[]byte) (*keys.Keyset, error) {
	ks := &keys.Keyset{}
	for _, doc := range docs {
		one, err := parseKeysetDoc(string(doc))
		if err != nil {
			return nil, errors.New("parsing keyset: " + err.Error())
		}
		ks.Merge(one)
	}
	return ks, nil
}

func parseKeysetDoc(doc string) (ks *keys.Keyset, err error) {
	defer func() {
		// JSON.parse throws on invalid JSON, and syscall/js turns the
		// exception into a Go panic carrying a js.Error.
		if r := recover(); r != nil {
			err = errors.New(panicText(r))
		}
	}()
	v := js.Global().Get("JSON").Call("parse", doc)
	if err := onlyFields(v, "keys"); err != nil {
		return nil, err
	}
	list := v.Get("keys")
	if !js.Global().Get("Array").Call("isArray", list).Bool() {
		return nil, errors.New(`"keys" is not an array`)
	}
	ks = &keys.Keyset{}
	for i := range list.Length() {
		e := list.Index(i)
		if err := onlyFields(e, "kid", "key", "not_before", "not_after"); err != nil {
			return nil, errors.New("entry " + strconv.Itoa(i) + ": " + err.Error())
		}
		kid, text := stringField(e, "kid"), stringField(e, "key")
		k, err := keys.ParsePublicKeyText(text)
		if err != nil {
			return nil, err
		}
		if kid != k.ID() {
			return nil, errors.New("kid " + strconv.Quote(kid) + " is not the id of key " + k.String())
		}
		notBefore, err := timeField(e, "not_before", true)
		if err != nil {
			return nil, err
		}
		notAfter, err := timeField(e, "not_after", false)
		if err != nil {
			return nil, err
		}
		if err := ks.Add(k, notBefore, notAfter); err != nil {
			return nil, err
		}
	}
	return ks, nil
}

// onlyFields refuses a value that is not a plain object or has a field
// outside names, as encoding/json's DisallowUnknownFields does.
func onlyFields(v js.Value, names ...string) error {
	if v.Type() != js.TypeObject || js.Global().Get("Array").Call("isArray", v).Bool() {
		return errors.New("not a JSON object")
	}
	fields := js.Global().Get("Object").Call("keys", v)
next:
	for i := range fields.Length() {
		f := fields.Index(i).String()
		for _, n := range names {
			if f == n {
				continue next
			}
		}
		return errors.New("unknown field " + strconv.Quote(f))
	}
	return nil
}

// timeField reads an RFC 3339 time; an optional field may be absent or null
// (zero time: open-ended).
func timeField(o js.Value, name string, required bool) (time.Time, error) {
	v := o.Get(name)
	if !required && (v.IsUndefined() || v.IsNull()) {
		return time.Time{}, nil
	}
	if v.Type() != js.TypeString {
		return time.Time{}, errors.New(name + " is not an RFC 3339 time")
	}
	t, err := parseRFC3339(v.String())
	if err != nil {
		return time.Time{}, errors.New(name + ": " + err.Error())
	}
	return t, nil
}
