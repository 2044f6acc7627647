package browser

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/domain"
	"github.com/kycvs/kycvs/worker/store"
)

// bookCase is one language's walk through /book.
type bookCase struct {
	lang, mobile, name string
	search             string // "pin" or "district"
	query              string
	heading            string // the mobile screen's h1 in the language
	script             *regexp.Regexp
}

var bookCases = []bookCase{
	{"en", "9876500003", "Arjun Singh", "pin", "110029", "Book a vaccination", regexp.MustCompile(`[A-Za-z]`)},
	{"hi", "9876500004", "मोहन लाल", "district", "new delhi", "टीकाकरण बुक करें", regexp.MustCompile(`\p{Devanagari}`)},
	{"ur", "9876500004", "محمد عارف", "pin", "700020", "ٹیکہ کاری بک کریں", regexp.MustCompile(`\p{Arabic}`)},
	{"bn", "9876500007", "ফাতেমা বেগম", "district", "Kolkata", "টিকা বুক করুন", regexp.MustCompile(`\p{Bengali}`)},
}

// bookPage is a tab on /book.
type bookPage struct {
	*page
	lang string
	n    int // screenshots taken
}

func bookOpen(t *testing.T, url, lang string) *bookPage {
	p := &bookPage{page: open(t, url), lang: lang}
	p.waitHost(`document.body.dataset.ready === "1"`)
	return p
}

// bookWait waits for screen to be shown, with its heading focused (the
// page moves focus to each screen's heading, so a screen reader reads it).
func (p *bookPage) bookWait(screen string) {
	p.t.Helper()
	cond := fmt.Sprintf(`document.body.dataset.screen === %q && !document.getElementById(%q).hidden &&
		document.activeElement === document.querySelector("#%s h1") && !document.querySelector("main button:disabled[data-was-disabled]")`,
		screen, screen, screen)
	if err := poll(p.ctx, cond, 20*time.Second); err != nil {
		p.t.Fatalf("waiting for %s: %v (screen %q, error %q, focus %q)", screen, err,
			evalHost[string](p.page, `document.body.dataset.screen`), evalHost[string](p.page, `document.getElementById("error").textContent`),
			evalHost[string](p.page, `document.activeElement ? document.activeElement.outerHTML.slice(0, 80) : ""`))
	}
}

// bookShot saves a 360×740 screenshot to artifacts/browser/book and checks
// the screen: nothing wider than the viewport, and its visible text in the
// language's script (untranslated English would not be).
func (p *bookPage) bookShot(name string) {
	p.t.Helper()
	p.n++
	dir := filepath.Join(artifacts, "book")
	os.MkdirAll(dir, 0o755)
	buf, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%02d-%s.png", p.lang, p.n, name)), buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
	if w := evalHost[int](p.page, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); w > 0 {
		p.t.Errorf("%s %s: the page overflows by %d px", p.lang, name, w)
	}
}

func (p *bookPage) bookType(sel, text string) {
	p.t.Helper()
	evalHost[bool](p.page, fmt.Sprintf(`(document.querySelector(%q).value = "") === ""`, sel))
	p.run(chromedp.SendKeys(chromedp.CSS(sel), text))
}

func (p *bookPage) bookClick(sel string) {
	p.t.Helper()
	p.run(chromedp.Click(chromedp.CSS(sel)))
}

// bookError waits for the alert region to say something and returns it.
func (p *bookPage) bookError() string {
	p.t.Helper()
	if err := poll(p.ctx, `document.getElementById("error").textContent.trim() !== ""`, 15*time.Second); err != nil {
		p.t.Fatalf("no error shown: %v", err)
	}
	return evalHost[string](p.page, `document.getElementById("error").textContent`)
}

// bookA11y is the widget's accessibility checks (a11y_test.go) applied to
// the page: every input labelled, the alert and live regions, the OTP
// input's autocomplete, the document's language and direction.
func bookA11y(t *testing.T, p *bookPage) {
	t.Helper()
	if un := evalHost[[]string](p.page, `[...document.querySelectorAll("input:not([type=radio])")].filter(i => !i.labels.length || !i.labels[0].textContent.trim()).map(i => i.id)`); len(un) > 0 {
		t.Fatalf("inputs without a label: %v", un)
	}
	if !evalHost[bool](p.page, `document.getElementById("live").getAttribute("aria-live") === "polite" && document.getElementById("error").getAttribute("role") === "alert"`) {
		t.Fatal("no aria-live status region / alert region")
	}
	if !evalHost[bool](p.page, `document.getElementById("otp").autocomplete === "one-time-code"`) {
		t.Fatal("OTP input lacks autocomplete=one-time-code")
	}
	wantDir := map[bool]string{true: "rtl", false: "ltr"}[p.lang == "ur"]
	if got := evalHost[string](p.page, `document.documentElement.lang + " " + document.documentElement.dir`); got != p.lang+" "+wantDir {
		t.Fatalf("html lang/dir %q", got)
	}
	// The stylesheet applied (the CSP allows our own files) and the
	// script ran (no inline script needed).
	if bg := evalHost[string](p.page, `getComputedStyle(document.querySelector(".bar")).backgroundColor`); bg != "rgb(11, 79, 156)" {
		t.Fatalf("book.css not applied: header background %q", bg)
	}
}

// TestBookFlow walks /book on the real Worker in wrangler dev (workerd,
// local D1, Workers Static Assets) in the four languages: a wrong OTP, the
// right one, the people on the number, a centre by PIN code or district, a
// full slot shown as full, a booking, the slip with the code the SMS
// carried, a reschedule (new code; the slip follows), a cancel; and in
// English the saved link on a fresh tab, keyboard use and 320 px.
func TestBookFlow(t *testing.T) {
	needE2E(t)
	if os.Getenv("KYCVS_E2E_WRANGLER") == "0" {
		t.Skip("KYCVS_E2E_WRANGLER=0")
	}
	tomorrow := domain.Date(time.Now().AddDate(0, 0, 1))
	s := harness.Workerd(t, harness.Options{
		Vars: map[string]string{"OTP_RESEND_SECONDS": "0", "OTP_PER_MOBILE_HOUR": "1000", "OTP_PER_IP_MINUTE": "1000"},
		// 09:00 tomorrow is full at both centres: the page must show it so.
		SQL: store.SlotCapacitySQL("ctr_delhi_aiims", tomorrow, "09:00", 0, time.Now()) +
			store.SlotCapacitySQL("ctr_kolkata_sskm", tomorrow, "09:00", 0, time.Now()),
	})
	srv := s.For(t)

	// The page's own headers, as Workers serves them.
	resp, err := http.Get(s.URL + "/book")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") ||
		!strings.Contains(csp, "script-src 'self'") || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("/book headers: %v", resp.Header)
	}

	for _, c := range bookCases {
		t.Run(c.lang, func(t *testing.T) {
			p := bookOpen(t, s.URL+"/book?lang="+c.lang, c.lang)
			bookA11y(t, p)
			if h := evalHost[string](p.page, `document.querySelector("#s-mobile h1").textContent`); h != c.heading {
				t.Fatalf("heading %q", h)
			}
			// Untranslated text would be Latin on a page in another script.
			if c.lang != "en" {
				text := evalHost[string](p.page, `document.querySelector("main").innerText`)
				if !c.script.MatchString(text) {
					t.Fatalf("%s page without its script: %q", c.lang, text)
				}
			}

			if c.lang == "en" {
				// Focus order follows the form: Tab from the top of the page.
				evalHost[bool](p.page, `document.activeElement && document.activeElement.blur(); window.focus(); true`)
				var order []string
				for range 2 {
					p.run(chromedp.KeyEvent(kb.Tab))
					order = append(order, evalHost[string](p.page, `document.activeElement ? document.activeElement.id : ""`))
				}
				if strings.Join(order, ",") != "mobile,send" {
					t.Fatalf("focus order %v, want mobile, send", order)
				}
			}
			// A wrong number, then the right one by keyboard (Enter submits).
			p.bookType("#mobile", "12345")
			p.bookClick("#send")
			if msg := p.bookError(); msg == "" || evalHost[string](p.page, `document.activeElement.id`) != "mobile" {
				t.Fatalf("bad mobile: %q", msg)
			}
			p.bookShot("mobile-error")
			p.bookType("#mobile", c.mobile)
			n := len(srv.Outbox(c.mobile))
			p.run(chromedp.KeyEvent(kb.Enter))
			p.bookWait("s-otp")
			deadline := time.Now().Add(15 * time.Second)
			for len(srv.Outbox(c.mobile)) == n && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			otp := srv.LastOTP(c.mobile)
			p.bookShot("otp")
			wrong := "000000"
			if otp == wrong {
				wrong = "111111"
			}
			p.bookType("#otp", wrong)
			p.bookClick("#verify")
			p.bookError()
			p.bookShot("otp-wrong")
			p.bookType("#otp", otp)
			p.bookClick("#verify")
			p.bookWait("s-people")
			if !strings.Contains(evalHost[string](p.page, `document.getElementById("people").innerText`), c.name) {
				t.Fatal("the person is not listed")
			}
			p.bookShot("people")

			// Book for the person.
			p.bookPick("#people li", "h2", c.name, "button")
			p.bookWait("s-centre")
			p.bookClick("#search") // nothing typed: an error in the page
			p.bookError()
			p.bookType("#"+c.search, c.query)
			p.bookClick("#search")
			if err := poll(p.ctx, `document.querySelectorAll("#centres button").length > 0`, 15*time.Second); err != nil {
				t.Fatalf("no centres for %s=%s: %v (%q)", c.search, c.query, err, evalHost[string](p.page, `document.getElementById("error").textContent`))
			}
			p.bookShot("centres")
			p.bookClick("#centres button")
			p.bookWait("s-slot")
			evalHost[bool](p.page, fmt.Sprintf(`(() => { const d = document.getElementById("date"); d.value = %q;
				d.dispatchEvent(new Event("change")); return true })()`, tomorrow))
			if err := poll(p.ctx, `document.querySelectorAll("#time-list input").length === 7 && !document.querySelector("main button:disabled[data-was-disabled]")`, 15*time.Second); err != nil {
				t.Fatal(err)
			}
			if !evalHost[bool](p.page, `document.getElementById("time-0").disabled && !document.getElementById("time-1").disabled`) {
				t.Fatal("the full 09:00 is offered, or 10:00 is not")
			}
			p.bookClick("#slot-next") // no time chosen
			p.bookError()
			p.bookClick(`label[for="time-1"]`)
			p.bookShot("slot")
			p.bookClick("#slot-next")
			p.bookWait("s-confirm")
			p.bookShot("confirm")
			booked := "10:00"
			if c.lang == "en" {
				// The last place goes meanwhile: 409 slot_full, said in the
				// page, back to the times, which now show 10:00 full.
				srv.Exec(store.SlotCapacitySQL("ctr_delhi_aiims", tomorrow, "10:00", 0, time.Now()))
				p.bookClick("#confirm")
				p.bookWait("s-slot")
				if msg := p.bookError(); msg != "That time has just filled up. Choose another." {
					t.Fatalf("slot_full shown as %q", msg)
				}
				if err := poll(p.ctx, `document.getElementById("time-1") && document.getElementById("time-1").disabled`, 15*time.Second); err != nil {
					t.Fatal("the full 10:00 is still offered")
				}
				p.bookShot("slot-full")
				// Open again for the next languages' walks.
				srv.Exec(store.SlotCapacitySQL("ctr_delhi_aiims", tomorrow, "10:00", 30, time.Now()))
				p.bookClick(`label[for="time-3"]`)
				p.bookClick("#slot-next")
				p.bookWait("s-confirm")
				booked = "12:00"
			}
			p.bookClick("#confirm")
			p.bookWait("s-slip")
			code := srv.LastCode(c.mobile)
			if got := evalHost[string](p.page, `document.getElementById("slip-code").textContent`); got != code || code == "" {
				t.Fatalf("slip shows code %q, the SMS %q", got, code)
			}
			slip := evalHost[string](p.page, `document.getElementById("slip-list").innerText`)
			if !strings.Contains(slip, c.name) || !strings.Contains(slip, "apt_") || !strings.Contains(slip, booked) {
				t.Fatalf("slip: %q", slip)
			}
			link := evalHost[string](p.page, `document.getElementById("save").href`)
			if !strings.Contains(link, "#apt=apt_") || !strings.Contains(link, "&t=kycvs_bat_") {
				t.Fatalf("save link %q", link)
			}
			p.bookShot("slip")

			// Reschedule: a new code by SMS, on the slip too.
			p.bookClick("#reschedule")
			p.bookWait("s-slot")
			if err := poll(p.ctx, `document.querySelectorAll("#time-list input").length === 7 && !document.querySelector("main button:disabled[data-was-disabled]")`, 15*time.Second); err != nil {
				t.Fatal(err)
			}
			p.bookClick(`label[for="time-2"]`)
			p.bookClick("#slot-next")
			p.bookWait("s-confirm")
			if evalHost[bool](p.page, `document.getElementById("move-note").hidden`) {
				t.Fatal("the reschedule confirmation does not say a new code comes")
			}
			p.bookShot("reschedule-confirm")
			p.bookClick("#confirm")
			p.bookWait("s-slip")
			if err := poll(p.ctx, `document.getElementById("slip-list").innerText.includes("11:00")`, 10*time.Second); err != nil {
				t.Fatal("the slip does not show the new time")
			}
			newCode := srv.LastCode(c.mobile)
			if got := evalHost[string](p.page, `document.getElementById("slip-code").textContent`); got != newCode {
				t.Fatalf("slip after the reschedule shows %q, the SMS %q", got, newCode)
			}
			p.bookShot("slip-rescheduled")

			if c.lang == "en" {
				// The saved link on a fresh tab: the slip and its code, no OTP.
				q := bookOpen(t, link, c.lang)
				q.n = p.n
				q.bookWait("s-slip")
				if got := evalHost[string](q.page, `document.getElementById("slip-code").textContent`); got != newCode {
					t.Fatalf("saved link shows %q", got)
				}
				q.run(chromedp.EmulateViewport(320, 640))
				q.bookShot("slip-320px")
				// The print stylesheet prints the slip alone.
				bookMedia(t, q, "print")
				if hidden := evalHost[bool](q.page, `getComputedStyle(document.querySelector(".actions")).display === "none" &&
					getComputedStyle(document.querySelector(".slip")).display !== "none"`); !hidden {
					t.Fatal("print: the buttons print, or the slip does not")
				}
				bookMedia(t, q, "")
				p.n = q.n
			}

			// Cancel, with a confirmation.
			p.bookClick("#cancel")
			p.bookWait("s-cancel")
			p.bookShot("cancel")
			p.bookClick("#cancel-no")
			p.bookWait("s-slip")
			p.bookClick("#cancel")
			p.bookWait("s-cancel")
			p.bookClick("#cancel-yes")
			p.bookWait("s-cancelled")
			p.bookShot("cancelled")
			rows := srv.Query(`SELECT status FROM appointments a JOIN beneficiaries b ON b.id = a.beneficiary_id WHERE b.name = '` +
				strings.ReplaceAll(c.name, "'", "''") + `' ORDER BY a.created_at DESC LIMIT 1`)
			if len(rows) != 1 || rows[0]["status"] != "cancelled" {
				t.Fatalf("appointment after cancelling: %v", rows)
			}
			p.bookClick("#cancelled-people")
			p.bookWait("s-people")
		})
	}
}

func bookMedia(t *testing.T, p *bookPage, media string) {
	t.Helper()
	if _, err := chromedp.Call(p.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media}); err != nil {
		t.Fatal(err)
	}
}

// bookPick clicks the target inside the item (items) whose part's text is
// text.
func (p *bookPage) bookPick(items, part, text, target string) {
	p.t.Helper()
	ok := evalHost[bool](p.page, fmt.Sprintf(`(() => { for (const li of document.querySelectorAll(%q)) {
		if (li.querySelector(%q).textContent === %q) { li.querySelector(%q).setAttribute("data-test", "pick"); return true } }
		return false })()`, items, part, text, target))
	if !ok {
		p.t.Fatalf("no %s with %s %q", items, part, text)
	}
	p.bookClick(`[data-test="pick"]`)
	evalHost[bool](p.page, `(document.querySelector('[data-test="pick"]') || document.body).removeAttribute("data-test") || true`)
}
