package browser

import (
	"strings"
	"testing"
	"time"
)

// TestHandlesAndExpiry covers the explicit API: a second widget on the same
// page, remove() and reset(), and onExpired firing when the token expires.
func TestHandlesAndExpiry(t *testing.T) {
	e := newEnv(t, envOpts{tokenLifetime: 4 * time.Second})
	who := person(t, "9876500008", "زینب فاطمہ")
	p := startFlow(t, e, "railway", "ur", who)
	code := sendCode(t, e, p, who.Mobile)
	p.typeIn("#code", code)
	p.click("#consent")
	p.click("#verify")
	p.waitHost(`(window.demoEvents || []).some(e => e.type === "server" && e.ok)`)
	p.waitHost(`window.demoEvents.some(e => e.type === "expired")`)
	if got := evalHost[string](p, `document.getElementById("outcome").textContent`); !strings.Contains(got, "expired") {
		t.Fatalf("host page after expiry: %q", got)
	}
	// The demo host then starts over with a fresh nonce from its server.
	p.waitHost(`window.demoEvents.some(e => e.type === "renewed")`)
	if src := evalHost[string](p, `document.querySelector("iframe[data-kycvs-widget]").src`); !strings.Contains(src, "nonce="+evalHost[string](p, `document.body.dataset.nonce`)) {
		t.Fatalf("widget not reset with the new nonce: %s", src)
	}

	// A second widget, then remove and reset through the handles.
	ids := evalHost[[]string](p, `(() => {
		const el = document.createElement("div"); document.querySelector("main").appendChild(el);
		window.second = KYCVS.render(el, {entity: document.body.dataset.entity, nonce: "second-nonce-1234", lang: "bn"});
		return [...document.querySelectorAll("iframe[data-kycvs-widget]")].map(f => f.dataset.kycvsWidget) })()`)
	if len(ids) != 2 || ids[0] == ids[1] {
		t.Fatalf("two widgets with distinct ids expected: %v", ids)
	}
	src := evalHost[string](p, `document.querySelectorAll("iframe[data-kycvs-widget]")[1].src`)
	if !strings.Contains(src, "lang=bn") || !strings.Contains(src, "nonce=second-nonce-1234") {
		t.Fatalf("second widget src %s", src)
	}
	evalHost[bool](p, `window.second.reset({nonce: "third-nonce-12345"}); true`)
	src = evalHost[string](p, `document.querySelectorAll("iframe[data-kycvs-widget]")[1].src`)
	if !strings.Contains(src, "nonce=third-nonce-12345") {
		t.Fatalf("reset did not take the new nonce: %s", src)
	}
	n := evalHost[int](p, `window.second.remove(); KYCVS.remove(document.getElementById("kycvs")); document.querySelectorAll("iframe").length`)
	if n != 0 {
		t.Fatalf("%d iframes left after remove", n)
	}
}
