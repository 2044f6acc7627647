package browser

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// installSpy records, in the host page, every message event that claims to
// come from the service.
const installSpy = `window.spy = []; window.addEventListener("message", ev => window.spy.push({origin: ev.origin, data: ev.data})); true`

func TestUnregisteredOriginCannotFrame(t *testing.T) {
	e := newEnv(t, envOpts{})
	// The same demo server under 127.0.0.1 is another origin, not
	// registered for the entity.
	other := strings.Replace(e.Demo, "localhost", "127.0.0.1", 1)
	p := open(t, other+"/railway")
	evalHost[bool](p, installSpy)
	// Also try to pass as the registered origin in the query: the page is
	// then rendered, but its CSP frame-ancestors still refuses this parent.
	forged := fmt.Sprintf(`(() => { const f = document.createElement("iframe");
		f.src = %q + "/widget?entity=ent_e2e_rail&nonce=abcdefgh12345678&lang=en&wid=forged&origin=" + encodeURIComponent(%q);
		document.body.appendChild(f); return true })()`, e.Service, e.Demo)
	evalHost[bool](p, forged)
	// The only callback: the embed's own report of why its widget did not
	// show (embed_test.go checks it in detail).
	p.waitHost(`(window.demoEvents || []).some(e => e.type === "error" && e.code === "invalid_origin")`)
	time.Sleep(time.Second)
	p.screenshot("en-8-unregistered-origin")

	if got := evalHost[int](p, `window.spy.length`); got != 0 {
		t.Fatalf("host on an unregistered origin received %d messages", got)
	}
	if ev := p.events(); len(ev) != 1 || ev[0]["fatal"] != true {
		t.Fatalf("host callbacks ran: %v", ev)
	}
	e.mu.Lock()
	reqs := strings.Join(e.requests, " ")
	e.mu.Unlock()
	if !strings.Contains(reqs, "/widget") {
		t.Fatalf("the widget was never requested: %s", reqs)
	}
	if strings.Contains(reqs, "/a/widget.") || strings.Contains(reqs, "/v1/") {
		t.Fatalf("a framed widget loaded its script on an unregistered origin: %s", reqs)
	}
	// Every widget frame on the page shows Chromium's blocked page.
	for _, ti := range targets(t, p) {
		if ti.Type == "iframe" && strings.Contains(ti.URL, "/widget") {
			t.Fatalf("widget frame rendered on an unregistered origin: %s", ti.URL)
		}
	}
}

func TestForgedMessagesIgnored(t *testing.T) {
	e := newEnv(t, envOpts{})
	// A third origin whose page posts a fake result into its parent.
	third := listen(t, "127.0.0.1:0")
	serve(t, third, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><script>parent.postMessage({kycvs: 1, wid: %q, type: "result", status: 2, token: "kycvs1.forged", exp: 9999999999}, "*")</script>`,
			r.URL.Query().Get("wid"))
	}))
	who := person(t, "9876500006", "अनीता गुप्ता")
	p := startFlow(t, e, "hotel", "en", who)
	p.waitHost(`(window.demoEvents || []).some(e => e.type === "ready")`)
	wid := p.wid
	// From the host page itself, with the right widget id...
	evalHost[bool](p, fmt.Sprintf(`window.postMessage({kycvs: 1, wid: %q, type: "result", status: 2, token: "kycvs1.forged", exp: 9999999999}, "*"); true`, wid))
	// ...and from a frame on another origin.
	evalHost[bool](p, fmt.Sprintf(`(() => { const f = document.createElement("iframe"); f.src = "http://%s/?wid=%s"; document.body.appendChild(f); return true })()`, third.Addr(), wid))
	time.Sleep(time.Second)
	if n := hostResults(p); n != 0 {
		t.Fatalf("embed.js passed a forged message to the host callback")
	}
	// The real widget still works afterwards.
	code := sendCode(t, e, p, who.Mobile)
	p.typeIn("#code", code)
	p.click("#consent")
	p.click("#verify")
	p.waitHost(`(window.demoEvents || []).some(e => e.type === "server" && e.ok)`)
	if n := hostResults(p); n != 1 {
		t.Fatalf("%d results, want exactly the real one", n)
	}
}
