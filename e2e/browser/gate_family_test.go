package browser

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kycvs/kycvs/worker/seed"
)

// TestGateFamilyPasses: a family on one number makes its passes with one
// code on /pass (Bengali), and a gate (Hindi) lets each in by their own
// pass, shown one after the other: Sunita Devi fully, मोहन लाल partially
// vaccinated; a name nobody on the number is registered under gets no pass
// and is named as such. The page refuses an empty added name and the same
// name twice before anything is sent.
func TestGateFamilyPasses(t *testing.T) {
	g := gateNewEnv(t)
	d := g.gateOpen(t, "hi")
	sunita, mohan := person(t, seed.SharedMobile, "Sunita Devi"), person(t, seed.SharedMobile, "मोहन लाल")
	sent := len(g.otps(seed.SharedMobile))

	p := open(t, g.Service+"/pass?venue="+g.VenueA+"&c="+d.challenge()+"&lang=bn")
	p.run(chromedp.WaitVisible(chromedp.CSS("#mobile")))
	consent := func() string { return evalHost[string](p, `document.querySelector("label[for=consent]").textContent`) }
	single := consent()
	p.run(chromedp.SendKeys(chromedp.CSS("#mobile"), seed.SharedMobile), chromedp.SendKeys(chromedp.CSS("#name"), sunita.Name))
	for _, name := range []string{mohan.Name, "Nobody Here", ""} {
		p.run(chromedp.Click(chromedp.CSS("#add-person")))
		if got, want := evalHost[string](p, `document.activeElement.id`), evalHost[string](p, `"name-" + (document.querySelectorAll("#more input").length + 1)`); got != want {
			t.Errorf("focus after adding a person: %q, want %q", got, want)
		}
		if name != "" {
			p.run(chromedp.SendKeys(chromedp.CSS("#more .person:last-child input"), name))
		}
	}
	if c := consent(); c == single || !strings.Contains(c, "Phoenix Mall") {
		t.Errorf("consent for a family %q, for one %q", c, single)
	}
	refused := func(field, want string) {
		t.Helper()
		p.run(chromedp.Click(chromedp.CSS("#send")))
		got := evalHost[string](p, `document.getElementById("error").textContent`)
		if got != want || evalHost[string](p, `document.activeElement.id`) != field ||
			evalHost[string](p, `document.getElementById(`+jsString(field)+`).getAttribute("aria-invalid") || ""`) != "true" {
			t.Errorf("error %q focus %q, want %q on %s", got, evalHost[string](p, `document.activeElement.id`), want, field)
		}
	}
	refused("name-4", "ব্যক্তি 4-এর নথিভুক্ত নাম লিখুন।") // the empty fourth
	p.run(chromedp.SendKeys(chromedp.CSS("#name-4"), "  sunita   DEVI "))
	refused("name-4", "একটি নম্বরে দুজনের একই নাম থাকতে পারে না।") // the same name, other case and spacing
	gateShot(t, p.ctx, "pass-family-form-bn")
	p.run(chromedp.Click(chromedp.CSS("#more .person:last-child button")))
	if n := evalHost[float64](p, `document.querySelectorAll("#more input").length`); n != 2 {
		t.Fatalf("%v added names after removing one, want 2", n)
	}
	if got := evalHost[string](p, `document.activeElement.id + " " + document.querySelector("#more .person:last-child button").getAttribute("aria-label")`); got != "add-person ব্যক্তি 3-কে সরান" {
		t.Errorf("after removing: focus and the last remove button's name %q", got)
	}
	if got := len(g.otps(seed.SharedMobile)); got != sent {
		t.Fatalf("refused forms sent %d codes", got-sent)
	}

	g.gatePassSend(t, p, seed.SharedMobile, sent)
	if got := len(g.otps(seed.SharedMobile)); got != sent+1 {
		t.Errorf("%d codes sent for the family, want 1", got-sent)
	}
	if got := evalHost[string](p, `[...document.querySelectorAll("#no-pass:not([hidden]) li")].map(li => li.textContent).join("|")`); got != "Nobody Here" {
		t.Errorf("named as getting no pass: %q, want Nobody Here", got)
	}
	var tokens []string
	for i, want := range []string{"full", "partial"} {
		if got, wantOf := evalHost[string](p, `document.getElementById("pass-of").textContent`), []string{"2টির মধ্যে পাস 1", "2টির মধ্যে পাস 2"}[i]; got != wantOf {
			t.Errorf("pass %d is headed %q, want %q", i+1, got, wantOf)
		}
		if next := evalHost[bool](p, `!document.getElementById("next-pass").hidden`); next != (i == 0) {
			t.Errorf("pass %d: next button shown %v", i+1, next)
		}
		gateShot(t, p.ctx, "pass-family-shown-"+want+"-bn")
		tokens = append(tokens, evalHost[string](p, `document.getElementById("pass-qr").dataset.token`))
		qr := gateDataURL(t, evalHost[string](p, `document.getElementById("pass-qr").toDataURL("image/png")`))
		if i > 0 {
			// The fake camera reads its file from when the stream started:
			// the gate is reloaded (its challenges and the passes it let in
			// are kept) to see the next pass.
			d.run(chromedp.Navigate(g.Service + "/gate?lang=hi"))
			d.wait(`document.body.dataset.screen === "ready" && !!document.getElementById("challenge-code").dataset.code`)
		}
		kind, reason, words := d.scan(qr)
		if kind != want || reason != "" {
			t.Fatalf("pass %d: verdict %s %s (%s), want %s", i+1, kind, reason, words, want)
		}
		gateShot(t, d.ctx, "gate-verdict-family-"+want+"-hi")
		if i == 0 {
			p.run(chromedp.Click(chromedp.CSS("#next-pass")))
		}
	}
	if tokens[0] == tokens[1] {
		t.Error("both passes are one token")
	}
}
