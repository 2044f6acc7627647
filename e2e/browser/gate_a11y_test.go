package browser

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestGateKeyboard: the pass page by keyboard alone (labels, focus order,
// errors announced and focused, Enter and Space), then the gate judging it:
// the verdict announced and focused; both pages fit 320 px.
func TestGateKeyboard(t *testing.T) {
	g := gateNewEnv(t)
	d := g.gateOpen(t, "en")
	who := person(t, "9876500002", "Priya Sharma")
	p := open(t, g.Service+"/pass?lang=en&venue="+g.VenueA+"&c="+d.challenge())
	p.run(chromedp.WaitVisible(chromedp.CSS("#mobile")))
	if un := evalHost[[]string](p, `[...document.querySelectorAll("input")].filter(i => !i.labels.length || !i.labels[0].textContent.trim()).map(i => i.id)`); len(un) > 0 {
		t.Fatalf("inputs without a label: %v", un)
	}
	if !evalHost[bool](p, `document.getElementById("error").getAttribute("role") === "alert" && document.getElementById("live").getAttribute("role") === "status" && document.getElementById("otp-input").autocomplete === "one-time-code"`) {
		t.Fatal("no alert / status region, or no one-time-code input")
	}
	evalHost[bool](p, `document.activeElement && document.activeElement.blur(); true`)
	var order []string
	for range 4 {
		p.run(chromedp.KeyEvent(kb.Tab))
		order = append(order, evalHost[string](p, `document.activeElement.id`))
	}
	if strings.Join(order, ",") != "mobile,name,add-person,send" {
		t.Fatalf("focus order %v", order)
	}
	// A family's second name, added and removed by keyboard: focus goes to
	// the new field, then its remove button, then back to the add button.
	p.run(chromedp.Focus(chromedp.CSS("#add-person")), chromedp.KeyEvent(kb.Enter))
	p.waitHost(`document.activeElement.id === "name-2" && document.activeElement.labels[0].textContent === "Name of person 2 as registered"`)
	p.run(chromedp.KeyEvent(kb.Tab))
	if got := evalHost[string](p, `document.activeElement.getAttribute("aria-label") || ""`); got != "Remove person 2" {
		t.Fatalf("after the added name, focus on %q", got)
	}
	p.run(chromedp.KeyEvent(kb.Enter))
	p.waitHost(`document.activeElement.id === "add-person" && !document.getElementById("name-2")`)
	p.run(chromedp.Focus(chromedp.CSS("#send")), chromedp.KeyEvent(kb.Enter)) // nothing typed: the number is asked for
	p.waitHost(`document.getElementById("error").textContent.includes("10-digit") && document.activeElement.id === "mobile"`)
	p.run(chromedp.SendKeys(chromedp.CSS("#mobile"), who.Mobile), chromedp.SendKeys(chromedp.CSS("#name"), who.Name+kb.Enter))
	code := g.waitOTP(who.Mobile, 0)
	p.waitHost(`document.activeElement.id === "otp-input"`)
	p.run(chromedp.SendKeys(chromedp.CSS("#otp-input"), code+kb.Enter)) // without consent
	p.waitHost(`document.getElementById("error").textContent.includes("tick the box") && document.activeElement.id === "consent"`)
	p.run(chromedp.KeyEvent(" "), chromedp.Focus(chromedp.CSS("#otp-input")), chromedp.KeyEvent(kb.Enter))
	p.waitHost(`document.body.dataset.screen === "shown" && document.activeElement.tagName === "H2"`)
	if l := evalHost[string](p, `document.getElementById("pass-qr").getAttribute("role") + "|" + document.getElementById("pass-qr").getAttribute("aria-label")`); !strings.Contains(l, "img|Your pass") {
		t.Fatalf("the QR has no accessible name: %q", l)
	}
	p.run(chromedp.EmulateViewport(320, 640))
	gateShot(t, p.ctx, "pass-shown-320px-en")
	if w := evalHost[int](p, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); w > 0 {
		t.Fatalf("the pass page overflows by %d px at 320 px", w)
	}
	qr := gateDataURL(t, evalHost[string](p, `document.getElementById("pass-qr").toDataURL("image/png")`))

	// The gate: started by keyboard, the verdict announced and focused.
	d.run(chromedp.Focus(chromedp.CSS("#start")))
	if err := gateY4M(d.cam, qr, 30, 15); err != nil {
		t.Fatal(err)
	}
	d.run(chromedp.KeyEvent(kb.Enter))
	kind, _, _ := d.verdict()
	if kind != "partial" {
		t.Fatalf("verdict %s", kind)
	}
	if a := d.eval(`document.activeElement.id + "|" + document.getElementById("announce").textContent`); a != "verdict-title|Partially vaccinated" {
		t.Fatalf("focus and announcement: %q", a)
	}
	d.next()
	d.run(chromedp.EmulateViewport(320, 640))
	gateShot(t, d.ctx, "gate-ready-320px-en")
	if w := d.eval(`String(document.documentElement.scrollWidth - document.documentElement.clientWidth)`); w != "0" {
		t.Fatalf("the gate page overflows by %s px at 320 px", w)
	}
}
