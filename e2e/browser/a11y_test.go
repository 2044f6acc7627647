package browser

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

func TestAccessibilitySmoke(t *testing.T) {
	e := newEnv(t, envOpts{})
	who := person(t, "9876500001", "Ramesh Kumar")
	for _, lang := range []string{"en", "ur"} {
		t.Run(lang, func(t *testing.T) {
			p := open(t, e.Demo+"/railway?lang="+lang)
			p.waitIn(`document.body.dataset.state === "start"`)
			if lang == "ur" {
				if dir := evalIn[string](p, `document.documentElement.dir`); dir != "rtl" {
					t.Fatalf("Urdu page dir=%q", dir)
				}
				return
			}
			// Every input, visible or not yet, has a label with text.
			unlabelled := evalIn[[]string](p, `[...document.querySelectorAll("input")].filter(i => !i.labels.length || !i.labels[0].textContent.trim()).map(i => i.id)`)
			if len(unlabelled) > 0 {
				t.Fatalf("inputs without a label: %v", unlabelled)
			}
			if !evalIn[bool](p, `document.getElementById("live").getAttribute("aria-live") === "polite" && document.getElementById("error").getAttribute("role") === "alert"`) {
				t.Fatal("no aria-live status region / alert region")
			}
			if !evalIn[bool](p, `document.getElementById("code").autocomplete === "one-time-code"`) {
				t.Fatal("OTP input lacks autocomplete=one-time-code")
			}
			// Focus order follows the form: Tab from the top of the page.
			evalIn[bool](p, `document.activeElement && document.activeElement.blur(); window.focus(); true`)
			var order []string
			for i := 0; i < 3; i++ {
				p.in(chromedp.KeyEvent(kb.Tab))
				order = append(order, evalIn[string](p, `document.activeElement ? document.activeElement.id : ""`))
			}
			if strings.Join(order, ",") != "mobile,name,send" {
				t.Fatalf("focus order %v, want mobile, name, send", order)
			}
			// A status change lands in the live regions: an invalid number is
			// announced and focused, then sending is announced.
			p.click("#send")
			p.waitIn(`document.getElementById("error").textContent.includes("10-digit")`)
			if id := evalIn[string](p, `document.activeElement.id + ":" + document.activeElement.getAttribute("aria-invalid")`); id != "mobile:true" {
				t.Fatalf("focus after the error: %s", id)
			}
			p.typeIn("#mobile", who.Mobile)
			p.typeIn("#name", who.Name)
			code := sendCode(t, e, p, who.Mobile)
			if live := evalIn[string](p, `document.getElementById("live").textContent`); live != "Code sent." {
				t.Fatalf("live region after sending: %q", live)
			}
			if id := evalIn[string](p, `document.activeElement.id`); id != "code" {
				t.Fatalf("focus after sending is on %q, want the code input", id)
			}
			p.typeIn("#code", code)
			// Without consent nothing is sent: the box is announced and focused.
			p.in(chromedp.KeyEvent(kb.Enter))
			p.waitIn(`document.getElementById("error").textContent === "Please tick the box to agree first." && document.activeElement.id === "consent"`)
			p.in(chromedp.Focus(chromedp.CSS("#code")))
			p.in(chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(" ")) // consent by keyboard
			if !evalIn[bool](p, `document.getElementById("consent").checked`) {
				t.Fatal("consent checkbox not reachable by Tab + Space after the code")
			}
			p.in(chromedp.KeyEvent(kb.Enter))
			p.waitIn(`document.body.dataset.state === "done"`)
			if live := evalIn[string](p, `document.getElementById("live").textContent`); !strings.Contains(live, "fully vaccinated") {
				t.Fatalf("result not announced: %q", live)
			}
			// Works at 320 px: nothing overflows horizontally.
			p.run(chromedp.EmulateViewport(320, 640))
			p.screenshot("en-11-done-320px")
			if w := evalIn[int](p, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); w > 0 {
				t.Fatalf("widget overflows by %d px at 320 px", w)
			}
		})
	}
}
