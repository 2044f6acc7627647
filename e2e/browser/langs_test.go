package browser

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"

	"github.com/kycvs/kycvs/worker/otp"
	wpage "github.com/kycvs/kycvs/worker/page"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/sms"
)

// langsScript is the word in the family name of the font that must draw
// each language's script: a Latin fallback font drawing it instead means
// empty boxes ("tofu") on screen. Noto's Odia font is still named Oriya.
var langsScript = map[string][]string{
	"en": {"Sans", "Serif", "DejaVu", "Liberation", "Noto"},
	"hi": {"Devanagari"}, "mr": {"Devanagari"}, "bn": {"Bengali"}, "as": {"Bengali"},
	"pa": {"Gurmukhi"}, "gu": {"Gujarati"}, "or": {"Oriya", "Odia"}, "ta": {"Tamil"},
	"te": {"Telugu"}, "kn": {"Kannada"}, "ml": {"Malayalam"}, "ur": {"Arabic", "Urdu", "Nastaliq", "Naskh"},
}

// langsMarks are clusters whose last character is a combining mark (vowel
// sign or candrabindu above, anusvara, bindi, pulli, zer), each with the
// cluster without it. A font that shapes the script positions the mark on
// its letter, adding no width; one that cannot sets it beside the letter,
// which reads as a broken word. Debian 12's Noto Sans Oriya did that to
// ନାହିଁ and ପଠାନ୍ତୁ (scripts/setup installs Lohit Odia for it).
var langsMarks = map[string][][2]string{
	"hi": {{"हैं", "है"}}, "mr": {{"नाहीं", "नाही"}}, "bn": {{"হাঁ", "হা"}}, "as": {{"হাঁ", "হা"}},
	"pa": {{"ਹਾਂ", "ਹਾ"}}, "gu": {{"છું", "છુ"}}, "ta": {{"க்", "க"}},
	"or": {{"ନାହିଁ", "ନାହି"}, {"ନ୍ତୁ", "ନ୍ତ"}}, "ur": {{"کِ", "ک"}},
}

func langsJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestLangsWidgetAllLanguages runs the widget in each of the 13 languages
// at 360 px: the start form (with a field error), the code and consent
// screen, and the result, each screenshotted to artifacts/browser/langs/.
// On each screen it checks the language and direction, that nothing sticks
// out sideways or is cut off, that the frame is as tall as its content,
// and that the script's own font draws the text; and that the OTP SMS went
// out in the widget's language.
func TestLangsWidgetAllLanguages(t *testing.T) {
	// Seven people for thirteen languages: each number is used again
	// within the resend wait (how soon depends on the machine's speed), so
	// there is none, and within PerMobileHour.
	limits := otp.DefaultLimits
	limits.PerMobileHour = 100
	limits.ResendAfter = 0
	e := newEnv(t, envOpts{limits: limits})
	dir := filepath.Join(artifacts, "langs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	people := []seed.Person{
		person(t, "9876500001", "Ramesh Kumar"), person(t, "9876500002", "Priya Sharma"),
		person(t, "9876500003", "Arjun Singh"), person(t, "9876500005", "Imran Khan"),
		person(t, "9876500006", "अनीता गुप्ता"), person(t, "9876500007", "ফাতেমা বেগম"),
		person(t, "9876500008", "زینب فاطمہ"),
	}
	for i, l := range wpage.Languages {
		who := people[i%len(people)]
		t.Run(l.Tag, func(t *testing.T) {
			p := open(t, e.Demo+"/railway?lang="+l.Tag)
			p.waitIn(`document.body.dataset.state === "start"`)
			if got := evalIn[string](p, `document.documentElement.lang + " " + document.documentElement.dir`); got != l.Tag+" "+l.Dir {
				t.Fatalf("widget is %q, want %s %s", got, l.Tag, l.Dir)
			}
			var names []string
			for _, o := range wpage.Languages {
				names = append(names, o.Name)
			}
			if got := evalIn[[]string](p, `[...document.querySelectorAll("nav.langs a")].map(a => a.textContent)`); strings.Join(got, "|") != strings.Join(names, "|") {
				t.Errorf("switcher lists %v, want %v", got, names)
			}
			// An empty form: the mobile number's error, in the language.
			p.click("#send")
			p.waitIn(`document.getElementById("error").textContent !== ""`)
			langsCheck(t, p, l, "#asks", "label[for=mobile]", "#error", "#send")
			langsSwitcherFonts(t, p)
			langsShot(t, p, l.Tag+"-1-start")

			p.typeIn("#mobile", who.Mobile)
			p.typeIn("#name", who.Name)
			n := len(e.otps(who.Mobile))
			p.click("#send")
			code := e.waitOTP(who.Mobile, n)
			p.waitIn(`document.body.dataset.state === "otp"`)
			msgs := e.s.For(t).Outbox(who.Mobile)
			body := msgs[0].Body // newest first
			want, _, _ := strings.Cut(sms.OTPText("status", l.Tag, "Bharat Rail", code, "h", "", 3), "\n\n")
			if got, _, _ := strings.Cut(body, "\n\n"); got != want {
				t.Errorf("OTP SMS %q, want it in %s: %q", got, l.Tag, want)
			}
			p.typeIn("#code", code)
			p.click("#consent")
			langsCheck(t, p, l, "#otp-sent", "label[for=consent]", "#verify", "#change")
			langsShot(t, p, l.Tag+"-2-otp")

			p.click("#verify")
			p.waitIn(`document.body.dataset.state === "done"`)
			p.waitHost(`(window.demoEvents || []).some(e => e.type === "server")`)
			done := evalIn[string](p, `document.getElementById("done-text").textContent`)
			if !strings.Contains(done, "Bharat Rail") || strings.Contains(done, "{") {
				t.Errorf("done text %q", done)
			}
			langsCheck(t, p, l, "#done-heading", "#done-text")
			langsShot(t, p, l.Tag+"-3-done")
		})
	}
}

// TestLangsFamilyForm shows the family check's first screen (three
// travellers, each with a name and an "another number" box) in the
// languages whose words run longest and in Urdu, at 360 px.
func TestLangsFamilyForm(t *testing.T) {
	e := newEnv(t, envOpts{})
	for _, tag := range []string{"ta", "ml", "te", "kn", "ur"} {
		l, _ := wpage.LangOf(tag)
		t.Run(tag, func(t *testing.T) {
			p := open(t, e.Demo+"/family?lang="+tag)
			p.waitIn(`document.body.dataset.state === "travellers"`)
			p.click("#tother-2")
			p.waitIn(`!document.getElementById("tmobile-field-2").hidden`)
			langsCheck(t, p, l, "#asks", "fieldset.traveller legend", `label[for="tother-2"]`, `label[for="tmobile-2"]`, "#fsend")
			langsShot(t, p, tag+"-4-family")
		})
	}
}

// TestLangsNegotiation: a host that names no language the widget speaks
// (here ?lang=fr, so <html lang="fr"> and data-kycvs-lang="fr") gets the
// widget in the browser's language, from its Accept-Language header; a
// host that names one gets that one whatever the browser prefers.
func TestLangsNegotiation(t *testing.T) {
	e := newEnv(t, envOpts{})
	for _, c := range []struct{ hostLang, accept, want string }{
		{"fr", "ta-IN,ta,en", "ta"},
		{"fr", "as-IN,as,bn", "as"},
		{"kn", "ml-IN,ml", "kn"},
	} {
		t.Run(c.hostLang+"-"+c.accept, func(t *testing.T) {
			p := langsOpen(t, e.Demo+"/railway?lang="+c.hostLang, c.accept)
			p.waitIn(`document.body.dataset.state === "start"`)
			if got := evalIn[string](p, `document.documentElement.lang`); got != c.want {
				t.Errorf("host lang %s, Accept-Language %s: widget in %s, want %s", c.hostLang, c.accept, got, c.want)
			}
			title := evalHost[string](p, `document.querySelector("iframe[data-kycvs-widget]").title`)
			if wantTitle := evalIn[string](p, `document.title`); title != wantTitle {
				t.Errorf("frame title %q, widget title %q", title, wantTitle)
			}
		})
	}
}

// langsOpen is open in a browser of its own whose languages are
// acceptLanguage, a list without weights (Chromium's --accept-lang: it
// sends them as Accept-Language with q-values and shows them as
// navigator.languages). A per-tab
// override (Emulation.setUserAgentOverride) reaches the host page but not
// the widget: the cross-site frame is another renderer, whose first
// request leaves before a session can attach to it.
func langsOpen(t *testing.T, url, acceptLanguage string) *page {
	t.Helper()
	udd := t.TempDir()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(udd),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("accept-lang", acceptLanguage),
		chromedp.WindowSize(360, 740))
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelT)
	p := &page{t: t, ctx: ctx}
	p.run(chromedp.EmulateViewport(360, 740), chromedp.Navigate(url))
	return p
}

// langsCheck checks the widget's screen as it is: the language's direction,
// nothing wider than the 360 px frame or cut off inside its box, the frame
// as tall as the widget (else the host clips it), and the script's font
// drawing the text of each of sels.
func langsCheck(t *testing.T, p *page, l wpage.Lang, sels ...string) {
	t.Helper()
	bad := evalIn[[]string](p, `(() => {
		const W = document.documentElement.clientWidth, bad = [];
		if (document.documentElement.scrollWidth > W) bad.push("the page scrolls sideways by " + (document.documentElement.scrollWidth - W) + " px");
		for (const el of document.querySelectorAll("main *")) {
			const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
			if (r.width <= 1 || cs.visibility === "hidden") continue;
			const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + el.className : "");
			if (r.left < -0.5 || r.right > W + 0.5) bad.push(name + " spans " + Math.round(r.left) + ".." + Math.round(r.right) + " of " + W + " px");
			if (el.clientWidth > 1 && el.scrollWidth > el.clientWidth + 1 && cs.overflowX !== "visible") bad.push(name + " cut off: " + el.scrollWidth + " > " + el.clientWidth + " px");
		}
		return bad })()`)
	for _, b := range bad {
		t.Errorf("%s: %s", l.Tag, b)
	}
	if d := evalIn[string](p, `getComputedStyle(document.querySelector("main")).direction`); d != l.Dir {
		t.Errorf("%s: main is %s", l.Tag, d)
	}
	// The frame follows the widget's height (embed.js, on widget.js's
	// resize message); wait for it, then compare.
	if err := poll(p.ctx, `(() => { const f = document.querySelector("iframe[data-kycvs-widget]"); return f && f.getBoundingClientRect().height >= 80 })()`, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond) // one resize round trip
	inner := evalIn[float64](p, `document.documentElement.scrollHeight`)
	outer := evalHost[float64](p, `document.querySelector("iframe[data-kycvs-widget]").getBoundingClientRect().height`)
	if inner > outer+1 {
		t.Errorf("%s: the widget is %.0f px tall in a %.0f px frame: the host cuts it off", l.Tag, inner, outer)
	}
	if m, ok := langsMarks[l.Tag]; ok {
		widths := evalIn[[]float64](p, `((pairs) => { const c = document.createElement("canvas").getContext("2d");
			c.font = "32px " + getComputedStyle(document.getElementById("asks")).fontFamily;
			return pairs.map(([a, b]) => c.measureText(a).width - c.measureText(b).width) })(`+langsJSON(m)+`)`)
		for i, w := range widths {
			if w > 1 {
				t.Errorf("%s: %q is %.1f px wider than %q at 32 px: the font sets the mark beside its letter, not over it", l.Tag, m[i][0], w, m[i][1])
			}
		}
	}
	for _, sel := range sels {
		fonts := langsFonts(t, p, sel)
		if !langsDrawnBy(fonts, langsScript[l.Tag]) {
			t.Errorf("%s %s: drawn with %v, want a font of %v", l.Tag, sel, fonts, langsScript[l.Tag])
		}
	}
}

// langsSwitcherFonts checks each entry of the language switcher, the one
// place every page shows all 13 scripts at once, is drawn by its script's
// font.
func langsSwitcherFonts(t *testing.T, p *page) {
	t.Helper()
	for _, o := range wpage.Languages {
		fonts := langsFonts(t, p, `nav.langs a[hreflang="`+o.Tag+`"]`)
		if !langsDrawnBy(fonts, langsScript[o.Tag]) {
			t.Errorf("switcher %s (%s): drawn with %v, want a font of %v", o.Tag, o.Name, fonts, langsScript[o.Tag])
		}
	}
}

func langsDrawnBy(fonts map[string]float64, words []string) bool {
	for f, n := range fonts {
		for _, w := range words {
			if n > 0 && strings.Contains(f, w) {
				return true
			}
		}
	}
	return false
}

// langsFontSession is each page's second session on its widget (langsFonts).
var langsFontSession = map[*page]context.Context{}

// langsFonts returns the fonts Chromium drew the text of the widget's
// element sel with, and how many glyphs each drew. It asks through a
// session of its own on the widget's target: DOM.getDocument renumbers the
// nodes, which would strand the node ids the test's own session (clicks,
// typing) keeps.
func langsFonts(t *testing.T, p *page, sel string) map[string]float64 {
	t.Helper()
	fctx := langsFontSession[p]
	if fctx == nil {
		var cancel context.CancelFunc
		fctx, cancel = chromedp.NewContext(p.ctx, chromedp.WithTargetID(chromedp.FromContext(p.widget()).Target.TargetID))
		t.Cleanup(cancel) // cancelling it closes the frame's target: only at the end
		langsFontSession[p] = fctx
	}
	return fontsOf(fctx, t, sel)
}

// fontsOf returns the fonts Chromium drew the text of element sel with, in
// the target ctx drives, and how many glyphs each drew.
func fontsOf(fctx context.Context, t *testing.T, sel string) map[string]float64 {
	t.Helper()
	fonts, err := chromedp.Run(fctx, func(ctx context.Context, tg *chromedp.Target) (map[string]float64, error) {
		if _, err := cdp.Call(ctx, tg, dom.Enable, dom.EnableParams{}); err != nil {
			return nil, err
		}
		if _, err := cdp.Call(ctx, tg, css.Enable, cdp.Empty{}); err != nil {
			return nil, err
		}
		doc, err := cdp.Call(ctx, tg, dom.GetDocument, dom.GetDocumentParams{})
		if err != nil {
			return nil, err
		}
		q, err := cdp.Call(ctx, tg, dom.QuerySelector, dom.QuerySelectorParams{NodeID: doc.Root.NodeID, Selector: sel})
		if err != nil {
			return nil, err
		}
		r, err := cdp.Call(ctx, tg, css.GetPlatformFontsForNode, css.GetPlatformFontsForNodeParams{NodeID: q.NodeID})
		if err != nil {
			return nil, err
		}
		out := map[string]float64{}
		for _, f := range r.Fonts {
			out[f.FamilyName] += f.GlyphCount
		}
		return out, nil
	})
	if err != nil {
		t.Fatalf("fonts of %s: %v", sel, err)
	}
	return fonts
}

// langsShot saves the host page, the whole of it (the widget frame grows
// past 740 px on long screens), to artifacts/browser/langs/: the viewport
// is made as tall as the page for the capture. (CaptureBeyondViewport
// sometimes leaves the cross-site frame unpainted.)
func langsShot(t *testing.T, p *page, name string) {
	t.Helper()
	h := evalHost[int64](p, `Math.ceil(document.documentElement.scrollHeight)`)
	p.run(chromedp.EmulateViewport(360, h))
	defer p.run(chromedp.EmulateViewport(360, 740))
	time.Sleep(300 * time.Millisecond) // the frame repaints at the new size
	buf, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(artifacts, "langs", name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}
