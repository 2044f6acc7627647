package browser

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kycvs/kycvs/worker/seed"
)

func person(t *testing.T, mobile, name string) seed.Person {
	for _, p := range seed.DemoPeople {
		if p.Mobile == mobile && p.Name == name {
			return p
		}
	}
	t.Fatalf("no demo person %s %s", mobile, name)
	return seed.Person{}
}

// startFlow opens the site page in lang and submits mobile and name.
func startFlow(t *testing.T, e *env, site, lang string, who seed.Person) *page {
	t.Helper()
	p := open(t, fmt.Sprintf("%s/%s?lang=%s", e.Demo, site, lang))
	p.waitIn(`document.body.dataset.state === "start"`)
	p.typeIn("#mobile", who.Mobile)
	p.typeIn("#name", who.Name)
	return p
}

func TestFullFlowLanguages(t *testing.T) {
	e := newEnv(t, envOpts{})
	cases := []struct {
		lang, site string
		who        seed.Person
	}{
		{"en", "railway", person(t, "9876500001", "Ramesh Kumar")}, // fully
		{"hi", "hotel", person(t, "9876500002", "Priya Sharma")},   // partially
		{"ur", "railway", person(t, "9876500003", "Arjun Singh")},  // not
		{"bn", "hotel", person(t, "9876500004", "সুমন দাস")},       // fully, shared mobile, Bengali name
	}
	seen := map[int]bool{}
	for _, c := range cases {
		t.Run(c.lang, func(t *testing.T) {
			p := startFlow(t, e, c.site, c.lang, c.who)
			p.screenshot(c.lang + "-1-start")
			n := len(e.otps(c.who.Mobile))
			p.click("#send")
			code := e.waitOTP(c.who.Mobile, n)
			p.waitIn(`document.body.dataset.state === "otp"`)
			p.typeIn("#code", code)
			p.click("#consent")
			p.screenshot(c.lang + "-2-otp")
			p.click("#verify")
			p.waitIn(`document.body.dataset.state === "done"`)
			p.waitHost(`(window.demoEvents || []).some(e => e.type === "server")`)
			p.screenshot(c.lang + "-3-done")

			server := evalHost[struct {
				OK     bool   `json:"ok"`
				Status int    `json:"status"`
				Error  string `json:"error"`
			}](p, `window.demoEvents.find(e => e.type === "server")`)
			if !server.OK {
				t.Fatalf("demo backend refused the token: %s", server.Error)
			}
			if server.Status != int(c.who.Status) {
				t.Fatalf("status %d, want %d", server.Status, c.who.Status)
			}
			seen[server.Status] = true
			dir := evalIn[string](p, `document.documentElement.dir`)
			lang := evalIn[string](p, `document.documentElement.lang`)
			done := evalIn[string](p, `document.getElementById("done-text").textContent`)
			if lang != c.lang || (dir == "rtl") != (c.lang == "ur") {
				t.Errorf("widget lang=%s dir=%s", lang, dir)
			}
			if done == "" || strings.Contains(done, "{") {
				t.Errorf("done text %q", done)
			}
			if c.lang == "en" {
				// The host can check the token in its own page too, with the
				// same module (KYCVS.verify loads it in a worker on demand).
				got := evalHost[int](p, `(async () => { const r = window.demoEvents.find(e => e.type === "result");
					const v = await KYCVS.verify(r.token, {entity: document.body.dataset.entity, nonce: document.body.dataset.nonce}); return v.status })()`)
				if got != int(c.who.Status) {
					t.Errorf("KYCVS.verify status %d", got)
				}
				code := evalHost[string](p, `(async () => { const r = window.demoEvents.find(e => e.type === "result");
					try { await KYCVS.verify(r.token, {entity: document.body.dataset.entity, nonce: "another-nonce"}); return "accepted" } catch (e) { return e.code } })()`)
				if code != "token_nonce" {
					t.Errorf("KYCVS.verify with another nonce: %q", code)
				}
			}
		})
	}
	for s := 0; s <= 2; s++ {
		if !seen[s] {
			t.Errorf("status %d never appeared", s)
		}
	}
	if got := len(e.demo.Checks()); got != len(cases) {
		t.Errorf("%d server checks, want %d", got, len(cases))
	}
}
