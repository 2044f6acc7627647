//go:build js && wasm

package main

import (
	"strings"
	"syscall/js"
	"testing"

	"github.com/kycvs/kycvs/keys"
)

// A module built with the dev keyset (-tags kycvs_dev) must refuse to
// verify anything unless its page is on a loopback origin. These run in
// every build: scripts/test runs them with -tags kycvs_dev (where they
// check the refusal) and without (where nothing is refused).

func TestPageHostname(t *testing.T) {
	for url, want := range map[string]string{
		"http://127.0.0.1:8787/widget":   "127.0.0.1",
		"http://localhost/":              "localhost",
		"http://[::1]:8788/x":            "[::1]",
		"https://kycvs.example/":         "kycvs.example",
		"https://localhost.example/":     "localhost.example",
		"http://127.0.0.1.nip.io/":       "127.0.0.1.nip.io",
		"blob:http://localhost:8788/0f6": "localhost", // embed.js's verifier worker on a host page
		"blob:http://[::1]:8788/0f6":     "[::1]",
		"blob:https://kycvs.example/0f6": "kycvs.example",
		"blob:null/0f6":                  "",
		"":                               "", // no location (node)
	} {
		restore := setLocation(url)
		got := pageHostname()
		restore()
		if got != want {
			t.Errorf("location %q: hostname %q, want %q", url, got, want)
		}
	}
}

func TestDevKeysOffLoopback(t *testing.T) {
	for url, loopback := range map[string]bool{
		"http://127.0.0.1:8787/":         true,
		"http://localhost:8788/railway":  true,
		"http://[::1]:8787/":             true,
		"blob:http://localhost:8788/0f6": true,
		"https://kycvs.example/":         false,
		"http://localhost.example/":      false,
		"http://127.0.0.2/":              false,
		"http://192.168.1.20:8787/":      false,
		"blob:https://shop.example/0f6":  false,
		"":                               false,
	} {
		name := url
		if name == "" {
			name = "no location"
		}
		t.Run(name, func(t *testing.T) {
			defer setLocation(url)()
			obj := js.Global().Get("newKYCVS").Invoke(map[string]any{"base": "https://svc.test", "entity": "ent_rail", "nonce": "n-123"})
			defer obj.Call("release")
			_, e := settle(t, obj.Call("verify", "kycvs1.nope"))
			want := "token_malformed"
			if keys.DevKeysEmbedded() && !loopback {
				want = "dev_keys_off_loopback"
			}
			if e.IsUndefined() || e.Get("code").String() != want {
				t.Fatalf("verify: %s, want code %q", rejection(e), want)
			}
			if want != "dev_keys_off_loopback" {
				return
			}
			if msg := e.Get("message").String(); !strings.Contains(msg, "development key") || !strings.Contains(msg, "loopback") {
				t.Errorf("message %q does not say why", msg)
			}
			// Before any configuration check: a family method on a one-person
			// instance is refused for the build too.
			for _, method := range []string{"start", "finish", "startFamily", "finishFamily"} {
				if _, e := settle(t, obj.Call(method, map[string]any{})); e.IsUndefined() || e.Get("code").String() != want {
					t.Errorf("%s: %s, want code %q", method, rejection(e), want)
				}
			}
		})
	}
}
