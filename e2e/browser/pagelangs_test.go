package browser

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	wpage "github.com/kycvs/kycvs/worker/page"
	"github.com/kycvs/kycvs/worker/pages/book"
	"github.com/kycvs/kycvs/worker/pages/centre"
	"github.com/kycvs/kycvs/worker/pages/gate"
	"github.com/kycvs/kycvs/worker/pages/pass"
)

// pageLangsPages are the pages the worker renders for people, with their
// string tables: every language a table speaks is checked here, so a
// language added to a table is screenshotted and checked without editing
// this file. The flows themselves (book_test.go, centre_test.go,
// gate_test.go) run in the four first languages; this test shows every
// screen of every page in every language.
var pageLangsPages = []struct {
	path, query string // query: what the page needs besides lang
	tables      wpage.Table
	// fill is script run before a screen is checked, for screens whose
	// texts appear only with data (keyed by screen id).
	fill map[string]string
}{
	{"/book", "", book.Strings, nil},
	{"/centre", "", centre.Strings, nil},
	{"/gate", "", gate.Strings, nil},
	{"/pass", "venue=ent_gate_phoenix_g2&c=7K3M9QXA&", pass.Strings, map[string]string{
		// A family: two names added through the page's own button (which
		// also words the consent on the next screen for a family); the
		// pass screen as the first of two, with a name that got none.
		"start": `[1, 2].forEach(() => document.getElementById("add-person").click())`,
		"shown": `(() => { const $ = (id) => document.getElementById(id);
		  $("pass-of").hidden = false; $("pass-of").textContent = KP.t("pass_of", {i: 1, n: 2}); $("next-pass").hidden = false;
		  $("no-pass").hidden = false; $("no-pass").querySelector("ul").innerHTML = "<li><bdi>Nobody Here</bdi></li>" })()`,
	}},
}

// TestPageLangsEveryScreen opens each page in each of its languages, shows
// each of its screens in turn (data-screen sections, through the page's
// own KP.show) and checks: <html lang dir>, nothing wider than 360 px or
// cut off, the headings and labels drawn by the script's own font (no
// tofu), and no string key left untranslated on screen. Screenshots go to
// artifacts/browser/pagelangs/<page>-<lang>-<screen>.png.
func TestPageLangsEveryScreen(t *testing.T) {
	e := gateNewEnv(t) // a gate venue for /pass
	if err := os.MkdirAll(filepath.Join(artifacts, "pagelangs"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, pg := range pageLangsPages {
		for _, l := range pg.tables.Langs() {
			t.Run(pg.path[1:]+"/"+l.Tag, func(t *testing.T) {
				p := open(t, e.Service+pg.path+"?"+pg.query+"lang="+l.Tag)
				p.waitHost(`window.KP && document.querySelectorAll("[data-screen]").length > 0`)
				if got := evalHost[string](p, `document.documentElement.lang + " " + document.documentElement.dir`); got != l.Tag+" "+l.Dir {
					t.Fatalf("html lang/dir %q, want %s %s", got, l.Tag, l.Dir)
				}
				screens := evalHost[[]string](p, `[...document.querySelectorAll("section[data-screen]")].map(s => s.id)`)
				if len(screens) == 0 {
					t.Fatal("no screens")
				}
				keys := make([]string, 0, len(pg.tables["en"]))
				for k := range pg.tables["en"] {
					keys = append(keys, k)
				}
				for _, s := range screens {
					evalHost[bool](p, `(KP.show(`+langsJSON(s)+`), true)`)
					if js := pg.fill[s]; js != "" {
						evalHost[bool](p, `(`+js+`, true)`)
					}
					time.Sleep(50 * time.Millisecond)
					bad := evalHost[[]string](p, `((keys) => {
						const W = document.documentElement.clientWidth, bad = [];
						if (document.documentElement.scrollWidth > W) bad.push("the page scrolls sideways by " + (document.documentElement.scrollWidth - W) + " px");
						for (const el of document.querySelectorAll("main *")) {
							const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
							if (r.width <= 1 || cs.visibility === "hidden") continue;
							const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "");
							if (r.left < -0.5 || r.right > W + 0.5) bad.push(name + " spans " + Math.round(r.left) + ".." + Math.round(r.right) + " of " + W + " px");
							if (el.clientWidth > 1 && el.scrollWidth > el.clientWidth + 1 && cs.overflowX !== "visible") bad.push(name + " cut off: " + el.scrollWidth + " > " + el.clientWidth + " px");
						}
						const text = document.body.innerText;
						for (const k of keys) if (k.length > 3 && k.includes("_") && new RegExp("(^|\\s)" + k + "(\\s|$)").test(text)) bad.push("key " + k + " shown untranslated");
						return bad })(`+langsJSON(keys)+`)`)
					for _, b := range bad {
						t.Errorf("%s %s: %s", l.Tag, s, b)
					}
					for _, sel := range evalHost[[]string](p, `[...document.querySelectorAll("#`+s+` h1, #`+s+` h2, #`+s+` label")].filter(e => e.offsetWidth > 0 && e.innerText.trim()).slice(0, 2).map((e, i) => { e.setAttribute("data-fontcheck", "`+s+`-" + i); return "[data-fontcheck='`+s+`-" + i + "']" })`) {
						if fonts := fontsOf(p.ctx, t, sel); !langsDrawnBy(fonts, langsScript[l.Tag]) {
							t.Errorf("%s %s %s: drawn with %v, want a font of %v", l.Tag, s, sel, fonts, langsScript[l.Tag])
						}
					}
					pageLangsShot(t, p, pg.path[1:]+"-"+l.Tag+"-"+s)
				}
			})
		}
	}
}

// pageLangsShot saves the whole page (the viewport made as tall as it).
func pageLangsShot(t *testing.T, p *page, name string) {
	t.Helper()
	h := evalHost[int64](p, `Math.ceil(document.documentElement.scrollHeight)`)
	p.run(chromedp.EmulateViewport(360, max(h, 740)))
	defer p.run(chromedp.EmulateViewport(360, 740))
	buf, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(artifacts, "pagelangs", name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}
