package browser

// The vaccination centre console, /centre (issue 11), in headless Chromium
// against the real handler: a vaccinator signs in with the OTP sent to
// their mobile, records a dose with the person's security code, and the
// confirmation SMS is in the outbox; three wrong codes lock, a supervisor
// unlocks, the new code works and the old does not; a walk-in with the
// person's OTP and on-site registration; a forged cross-site POST changes
// nothing; every screen at 360×740 in English, Hindi, Urdu and Bengali
// (artifacts/browser/centre/); the accessibility checks of a11y_test.go.
// Appointments are booked through the API (the /book page is another
// page's).

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/booking"
	"github.com/kycvs/kycvs/worker/domain"
	"github.com/kycvs/kycvs/worker/mobile"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/pages/centre"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/store"
)

const centreID = "ctr_delhi_aiims"

// centreWorld is the service with a vaccinator and a supervisor of the
// Delhi centre, and people enough to book for every language's screens.
type centreWorld struct {
	*env
	vaccinator, supervisor string // their mobiles
}

// centrePeople are bookable people besides the demo ones (none has a dose).
var centrePeople = func() []seed.Person {
	var out []seed.Person
	for i, n := range []string{"Kiran Rao", "Meena Iyer", "Sanjay Gupta", "Farah Naaz", "Tapas Roy", "Lakshmi Menon", "Vikram Joshi", "Noor Jahan"} {
		out = append(out, seed.Person{ID: fmt.Sprintf("ben_centre_%02d", i), Mobile: fmt.Sprintf("98765300%02d", i), Name: n})
	}
	return out
}()

func centreNewWorld(t *testing.T) *centreWorld {
	t.Helper()
	limits := otp.DefaultLimits
	limits.ResendAfter = 0
	limits.PerMobileHour = 1000
	e := newEnv(t, envOpts{limits: limits})
	w := &centreWorld{env: e, vaccinator: "9876511111", supervisor: "9876511112"}
	now := time.Now()
	e.s.Exec(seed.PeopleSQL(e.s.HashKey, centrePeople) +
		store.VaccinatorSQL("vcr_AAAAAAAAAAAAAAAA", centreID, "Asha Verma", store.RoleVaccinator, mobile.Hash(e.s.HashKey, w.vaccinator), now) +
		store.VaccinatorSQL("vcr_BBBBBBBBBBBBBBBB", centreID, "Dr. Meera Rao", store.RoleSupervisor, mobile.Hash(e.s.HashKey, w.supervisor), now))
	return w
}

// centreSlot is a bookable time later today (India time), so the
// appointment is today's.
func centreSlot(t *testing.T) string {
	now := time.Now().In(domain.India).Format("15:04")
	for _, s := range booking.Slots {
		if s > now {
			return s
		}
	}
	t.Skip("no bookable time left today in India; the console shows today's appointments")
	return ""
}

// book books p at the centre today through the API and returns the
// appointment and its security code (from the SMS).
func (w *centreWorld) book(t *testing.T, p seed.Person) (string, string) {
	t.Helper()
	s := w.s.For(t)
	r := s.Do("POST", "/v1/booking/otp", "", map[string]string{"mobile": p.Mobile})
	if r.Status != http.StatusAccepted {
		t.Fatalf("booking otp: %s", r.Raw)
	}
	r = s.Do("POST", "/v1/booking/session", "", map[string]string{"txn": r.Str("txn"), "otp": s.LastOTP(p.Mobile)})
	if r.Status != http.StatusOK {
		t.Fatalf("booking session: %s", r.Raw)
	}
	sess := r.Str("session")
	r = s.Do("POST", "/v1/appointments", sess, map[string]string{"mobile": p.Mobile, "name": p.Name, "centre": centreID,
		"date": booking.Today(time.Now()), "time": centreSlot(t)})
	if r.Status != http.StatusCreated {
		t.Fatalf("booking: %s", r.Raw)
	}
	return r.Str("appointment", "id"), s.LastCode(p.Mobile)
}

func centreQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// centreType types text into the page's input sel as a person does.
func (p *page) centreType(sel, text string) {
	p.t.Helper()
	evalHost[bool](p, `(e => { e.value = ""; return true })(document.querySelector(`+centreQuote(sel)+`))`)
	p.run(chromedp.SendKeys(chromedp.CSS(sel), text))
	if got := evalHost[string](p, `document.querySelector(`+centreQuote(sel)+`).value`); got != text {
		p.t.Fatalf("typed %q into %s, it holds %q", text, sel, got)
	}
}

// centreClick clicks sel once it is on the page and shown (failing in
// 20 s, not at the tab's deadline).
func (p *page) centreClick(sel string) {
	p.t.Helper()
	p.centreWait(`(e => e && e.offsetParent !== null && !e.disabled)(document.querySelector(` + centreQuote(sel) + `))`)
	p.run(chromedp.Click(chromedp.CSS(sel)))
}

// centreScreen waits until screen id is the one shown.
func (p *page) centreScreen(id string) {
	p.t.Helper()
	if err := poll(p.ctx, `document.body.dataset.screen === `+centreQuote(id), 20*time.Second); err != nil {
		p.t.Fatalf("waiting for screen %s: %v (on %q, alert %q)", id, err, evalHost[string](p, `document.body.dataset.screen || ""`),
			evalHost[string](p, `(document.querySelector("section[data-screen]:not([hidden]) [data-error]") || {}).textContent || ""`))
	}
}

// centreWait polls cond (a JS expression) in the page.
func (p *page) centreWait(cond string) {
	p.t.Helper()
	if err := poll(p.ctx, cond, 20*time.Second); err != nil {
		p.t.Fatalf("waiting for %s: %v", cond, err)
	}
}

// centreError waits for the shown screen's alert to say want (a prefix).
func (p *page) centreError(want string) {
	p.t.Helper()
	js := `((document.querySelector("section[data-screen]:not([hidden]) [data-error]") || {}).textContent || "")`
	if err := poll(p.ctx, js+`.startsWith(`+centreQuote(want)+`)`, 20*time.Second); err != nil {
		p.t.Fatalf("waiting for the error %q: %v (it says %q)", want, err, evalHost[string](p, js))
	}
}

// centreShot screenshots the page to artifacts/browser/centre/name.png.
func (p *page) centreShot(name string) {
	p.t.Helper()
	dir := filepath.Join(artifacts, "centre")
	os.MkdirAll(dir, 0o755)
	buf, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
	// Nothing overflows sideways at this width.
	if over := evalHost[int](p, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); over > 0 {
		p.t.Errorf("%s: the page overflows by %d px", name, over)
	}
	// No string key or placeholder shows.
	txt := evalHost[string](p, `document.body.innerText`)
	if strings.Contains(txt, "{") || strings.Contains(txt, "err_") {
		p.t.Errorf("%s: unfilled text on the page: %q", name, txt)
	}
	for k := range centre.Strings["en"] {
		if strings.Contains(k, "_") && strings.Contains(txt, k) {
			p.t.Errorf("%s: the string key %q shows instead of its text", name, k)
		}
	}
}

// signIn signs in with the OTP sent to digits.
func (w *centreWorld) signIn(t *testing.T, p *page, digits string, shot string) {
	t.Helper()
	p.centreScreen("s-signin")
	if shot != "" {
		p.centreShot(shot + "-01-signin")
	}
	p.centreType("#mobile", digits)
	n := len(w.otps(digits))
	p.centreClick("#send")
	p.centreScreen("s-otp")
	code := w.waitOTP(digits, n)
	if id := evalHost[string](p, `document.activeElement.id`); id != "otp" {
		t.Errorf("focus after sending is on %q, want the code input", id)
	}
	p.centreType("#otp", code)
	if shot != "" {
		p.centreShot(shot + "-02-otp")
	}
	p.run(chromedp.KeyEvent(kb.Enter))
	p.centreScreen("s-today")
}

func (w *centreWorld) signOut(t *testing.T, p *page) {
	t.Helper()
	p.centreClick("#signout")
	p.centreScreen("s-signin")
}

// dose returns how many doses were recorded for the appointment.
func (w *centreWorld) doses(t *testing.T, apt string) int {
	t.Helper()
	var n int
	if err := w.s.DB.QueryRow(`SELECT count(*) FROM doses WHERE appointment_id = ?`, apt).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (w *centreWorld) wrongCode(code string) string {
	if code == "0000" {
		return "1111"
	}
	return "0000"
}

// The main story in English: sign in → enter code → confirmation SMS;
// three wrong codes → locked → supervisor unlock → the new code works and
// the old does not; a signed-out and an expired session land on sign-in.
func TestCentreRecordLockUnlock(t *testing.T) {
	w := centreNewWorld(t)
	arjun := person(t, "9876500003", "Arjun Singh")
	priya := person(t, "9876500002", "Priya Sharma")
	a1, code1 := w.book(t, arjun)
	a2, code2 := w.book(t, priya)

	p := open(t, w.Service+"/centre?lang=en")
	w.signIn(t, p, w.vaccinator, "")
	if who := evalHost[string](p, `document.getElementById("who").textContent`); who != "Asha Verma · Vaccinator" {
		t.Fatalf("signed in as %q", who)
	}
	// The list: the two appointments, nothing about the people but the name.
	p.centreWait(`document.querySelectorAll("#list .apt").length === 2`)
	list := evalHost[string](p, `document.getElementById("list").innerText`)
	if !strings.Contains(list, "Arjun Singh") || !strings.Contains(list, a1) || !strings.Contains(list, "Dose 2") ||
		strings.Contains(list, arjun.Mobile) {
		t.Fatalf("list: %q", list)
	}
	// Search by reference: the last characters find one.
	p.centreType("#search", a2[len(a2)-5:])
	if n := evalHost[int](p, `document.querySelectorAll("#list .apt").length`); n != 1 {
		t.Fatalf("search shows %d", n)
	}
	p.run(chromedp.KeyEvent(kb.Enter))
	p.centreScreen("s-appointment")
	// Priya's second dose: Covaxin, pre-filled from her first.
	if v := evalHost[string](p, `document.getElementById("vaccine").value`); v != "covaxin" {
		t.Fatalf("vaccine pre-filled %q", v)
	}
	p.centreType("#code", code2)
	p.centreType("#batch", "CVX-2026-11")
	p.run(chromedp.KeyEvent(kb.Enter)) // by keyboard
	p.centreScreen("s-done")
	done := evalHost[string](p, `document.getElementById("done-title").textContent + " / " + document.getElementById("done-text").textContent`)
	if done != "Dose 2 recorded / Dose 2 of Covaxin recorded for Priya Sharma; confirmation SMS sent." {
		t.Fatalf("done: %q", done)
	}
	if s := w.s.For(t).LastSMS(priya.Mobile, "dose"); !strings.Contains(s, "dose 2 of Covaxin recorded") {
		t.Fatalf("confirmation SMS: %q", s)
	}

	// Three wrong codes: attempts left, then the lock.
	p.centreClick("#done-next")
	p.centreScreen("s-today")
	p.centreClick(`[data-id="` + a1 + `"]`)
	p.centreScreen("s-appointment")
	wrong := w.wrongCode(code1)
	for _, want := range []string{"Wrong code. Attempts left: 2.", "Wrong code. Attempts left: 1."} {
		p.centreType("#code", wrong)
		p.centreClick("#record")
		p.centreError(want)
		if inv := evalHost[string](p, `document.activeElement.id + ":" + document.activeElement.getAttribute("aria-invalid")`); inv != "code:true" {
			t.Errorf("after a wrong code the focus is %q", inv)
		}
	}
	p.centreType("#code", wrong)
	p.centreClick("#record")
	p.centreError("Wrong code. The appointment is now locked: a supervisor must unlock it.")
	if !evalHost[bool](p, `!document.getElementById("a-locked").hidden && document.getElementById("f-record").hidden && document.getElementById("a-unlock").hidden`) {
		t.Fatal("locked state not shown, or a vaccinator is offered the unlock")
	}
	if w.doses(t, a1) != 0 {
		t.Fatal("a dose after wrong codes")
	}

	// A supervisor unlocks it: a new code by SMS.
	w.signOut(t, p)
	if note := evalHost[string](p, `document.getElementById("signin-note").textContent`); note != "You are signed out." {
		t.Fatalf("sign-out note %q", note)
	}
	w.signIn(t, p, w.supervisor, "")
	p.centreClick("#go-supervisor")
	p.centreScreen("s-supervisor")
	p.centreWait(`document.querySelectorAll("#locked-list button").length === 1 && document.querySelectorAll("#audit li").length > 5`)
	audit := evalHost[string](p, `document.getElementById("audit").innerText`)
	if !strings.Contains(audit, "wrong security code · Asha Verma") || !strings.Contains(audit, "locked · Asha Verma") {
		t.Fatalf("audit trail: %q", audit)
	}
	before := len(w.s.For(t).Outbox(arjun.Mobile))
	p.centreClick("#locked-list button")
	p.centreWait(`document.getElementById("locked-list").innerText.includes("A new code was sent")`)
	if len(w.s.For(t).Outbox(arjun.Mobile)) != before+1 {
		t.Fatal("no new code SMS after the unlock")
	}
	newCode := w.s.For(t).LastCode(arjun.Mobile)
	p.centreClick("#s-supervisor [data-back]")
	p.centreScreen("s-today")
	p.centreClick(`[data-id="` + a1 + `"]`)
	p.centreScreen("s-appointment")
	if newCode != code1 {
		p.centreType("#code", code1)
		p.centreType("#batch", "CVS-1")
		p.centreClick("#record")
		p.centreError("Wrong code. Attempts left: 2.")
	}
	p.centreType("#code", newCode)
	p.centreType("#batch", "CVS-1")
	p.centreClick("#record")
	p.centreScreen("s-done")
	if w.doses(t, a1) != 1 || !strings.Contains(w.s.For(t).LastSMS(arjun.Mobile, "dose"), "dose 1 of Covishield") {
		t.Fatal("the new code did not record the dose")
	}
	var actor string
	w.s.DB.QueryRow(`SELECT actor FROM audit_log WHERE appointment_id = ? AND event = 'recorded'`, a1).Scan(&actor)
	if actor != "supervisor:vcr_BBBBBBBBBBBBBBBB" {
		t.Fatalf("recorded by %q", actor)
	}

	// The shift's session ends: the next request lands on sign-in.
	w.s.Exec(`UPDATE vaccinator_sessions SET expires_at = 1`)
	p.centreClick("#done-next")
	p.centreScreen("s-signin")
	if note := evalHost[string](p, `document.getElementById("signin-note").textContent`); note != "Your session ended. Please sign in again." {
		t.Fatalf("expired note %q", note)
	}
	// A reload without a session starts at sign-in too.
	p.run(chromedp.Navigate(w.Service + "/centre"))
	p.centreScreen("s-signin")
}

// A walk-in with the person's OTP, registered on site first.
func TestCentreWalkInRegistration(t *testing.T) {
	w := centreNewWorld(t)
	p := open(t, w.Service+"/centre?lang=en")
	w.signIn(t, p, w.vaccinator, "")
	p.centreClick("#go-walkin")
	p.centreScreen("s-walkin")
	const m = "9876544444"
	p.centreType("#w-mobile", "+91 98765 44444")
	p.centreType("#w-name", "Gita Pillai")
	n := len(w.otps(m))
	p.centreClick("#w-send")
	code := w.waitOTP(m, n)
	p.centreScreen("s-walkin-code")
	// Without the person's code nothing can be recorded or registered.
	p.centreType("#w-batch", "CVS-9")
	p.centreClick("#w-record")
	p.centreError("Enter the 6-digit code.")
	p.centreClick("#go-register")
	p.centreError("Enter the 6-digit code.")
	p.centreType("#w-otp", code)
	p.centreClick("#go-register")
	p.centreScreen("s-register")
	p.centreType("#r-year", "2030")
	p.centreClick("#r-submit")
	p.centreError("Enter a year of birth for an age from 12 to 120.")
	p.centreType("#r-year", "1988")
	p.centreClick("#r-submit")
	p.centreScreen("s-walkin-code")
	if !evalHost[bool](p, `!document.getElementById("w-registered").hidden && document.getElementById("go-register").hidden`) {
		t.Fatal("registration not confirmed")
	}
	p.centreClick("#w-record")
	p.centreScreen("s-done")
	if txt := evalHost[string](p, `document.getElementById("done-text").textContent`); txt != "Dose 1 of Covishield recorded for Gita Pillai; confirmation SMS sent." {
		t.Fatalf("done: %q", txt)
	}
	var walkIn int
	w.s.DB.QueryRow(`SELECT count(*) FROM doses d JOIN beneficiaries b ON b.id = d.beneficiary_id
		WHERE b.mobile_hash = ? AND d.walk_in = 1 AND d.recorded_by = 'vaccinator:vcr_AAAAAAAAAAAAAAAA'`, mobile.Hash(w.s.HashKey, m)).Scan(&walkIn)
	if walkIn != 1 {
		t.Fatal("the walk-in dose is not recorded, marked and named")
	}
}

// A page of another site posts to the service with the vaccinator's
// cookie in the browser: nothing changes.
func TestCentreForgedCrossSitePost(t *testing.T) {
	w := centreNewWorld(t)
	apt, code := w.book(t, person(t, "9876500003", "Arjun Singh"))
	p := open(t, w.Service+"/centre?lang=en")
	w.signIn(t, p, w.vaccinator, "")
	before := harness.Dump(t, w.s.DB)
	// The attacker's page is on the demo host (another site: localhost, not
	// 127.0.0.1). It knows the appointment and even the code.
	evil := open(t, w.Demo+"/")
	body := fmt.Sprintf(`{"appointment":%q,"security_code":%q,"vaccine":"covishield","batch":"EVIL-1"}`, apt, code)
	js := fmt.Sprintf(`Promise.all([
		fetch(%[1]q + "/v1/vaccinations", {method: "POST", mode: "no-cors", credentials: "include", headers: {"Content-Type": "text/plain"}, body: %[2]q}).then(() => "sent", e => "blocked: " + e),
		fetch(%[1]q + "/v1/vaccinations", {method: "POST", credentials: "include", headers: {"Content-Type": "application/json", "X-CSRF-Token": "guess"}, body: %[2]q}).then(r => "read " + r.status, e => "blocked: " + e),
		new Promise(r => { const f = document.createElement("form"); f.method = "POST"; f.action = %[1]q + "/v1/vaccinations"; f.enctype = "text/plain";
			const i = document.createElement("input"); i.name = %[2]q; i.value = ""; f.appendChild(i);
			const fr = document.createElement("iframe"); fr.name = "x"; document.body.appendChild(fr); f.target = "x"; document.body.appendChild(f);
			fr.onload = () => r("posted"); f.submit(); setTimeout(() => r("timeout"), 3000); })
	]).then(a => a.join(", "))`, w.Service, body)
	res := evalHost[string](evil, js)
	t.Logf("cross-site attempts: %s", res)
	if strings.Contains(res, "read 2") {
		t.Fatalf("the attacker read an answer: %s", res)
	}
	if after := harness.Dump(t, w.s.DB); after != before || w.doses(t, apt) != 0 {
		t.Fatalf("a cross-site POST changed the database")
	}
	// The page itself still records it.
	p.centreClick(`[data-id="` + apt + `"]`)
	p.centreScreen("s-appointment")
	p.centreType("#code", code)
	p.centreType("#batch", "CVS-1")
	p.centreClick("#record")
	p.centreScreen("s-done")
}

// Every screen in the four languages at 360×740, with the accessibility
// checks of a11y_test.go: labels, live and alert regions, the OTP input's
// autocomplete, focus order, focus on the invalid input, no overflow at
// 320 px.
func TestCentreScreensLanguages(t *testing.T) {
	w := centreNewWorld(t)
	for i, lang := range []string{"en", "hi", "ur", "bn"} {
		t.Run(lang, func(t *testing.T) {
			lockMe, lockCode := w.book(t, centrePeople[2*i])
			recordMe, recordCode := w.book(t, centrePeople[2*i+1])
			p := open(t, w.Service+"/centre?lang="+lang)
			p.centreScreen("s-signin")
			if got := evalHost[string](p, `document.documentElement.lang + " " + document.documentElement.dir`); got != lang+" "+map[bool]string{true: "rtl", false: "ltr"}[lang == "ur"] {
				t.Fatalf("html lang/dir %q", got)
			}
			if lang == "en" {
				centreA11y(t, p)
			}
			w.signIn(t, p, w.supervisor, lang)
			p.centreShot(lang + "-03-today")

			p.centreClick(`[data-id="` + lockMe + `"]`)
			p.centreScreen("s-appointment")
			p.centreShot(lang + "-04-appointment")
			p.centreType("#batch", "B-"+lang)
			for k := 0; k < 3; k++ {
				p.centreType("#code", w.wrongCode(lockCode))
				p.centreClick("#record")
				p.centreWait(`document.querySelector("#s-appointment [data-error]").textContent !== "" && !document.querySelector("#f-record").getAttribute("aria-busy").includes("true")`)
				if k == 0 {
					p.centreShot(lang + "-05-wrong-code")
				}
			}
			p.centreWait(`!document.getElementById("a-locked").hidden`)
			p.centreShot(lang + "-06-locked")

			p.centreClick("#s-appointment [data-back]")
			p.centreScreen("s-today")
			p.centreClick(`[data-id="` + recordMe + `"]`)
			p.centreScreen("s-appointment")
			p.centreType("#code", recordCode)
			p.centreClick("#record")
			p.centreScreen("s-done")
			p.centreShot(lang + "-07-done")

			p.centreClick("#done-next")
			p.centreScreen("s-today")
			p.centreClick("#go-walkin")
			p.centreScreen("s-walkin")
			m := fmt.Sprintf("98765450%02d", i)
			p.centreType("#w-mobile", m)
			p.centreType("#w-name", map[string]string{"en": "Gita Pillai", "hi": "सीमा यादव", "ur": "عائشہ خان", "bn": "রুমা সেন"}[lang])
			p.centreShot(lang + "-08-walkin")
			n := len(w.otps(m))
			p.centreClick("#w-send")
			code := w.waitOTP(m, n)
			p.centreScreen("s-walkin-code")
			p.centreType("#w-otp", code)
			p.centreShot(lang + "-09-walkin-code")
			p.centreClick("#go-register")
			p.centreScreen("s-register")
			p.centreType("#r-year", "1990")
			p.centreShot(lang + "-10-register")
			p.centreClick("#r-submit")
			p.centreScreen("s-walkin-code")
			p.centreShot(lang + "-11-registered")
			p.centreClick("#w-record")
			p.centreScreen("s-done")

			p.centreClick("#done-next")
			p.centreScreen("s-today")
			p.centreClick("#go-supervisor")
			p.centreScreen("s-supervisor")
			p.centreWait(`document.querySelectorAll("#audit li").length > 3`)
			p.centreShot(lang + "-12-supervisor")
			evalHost[bool](p, `document.getElementById("audit").scrollIntoView(); true`)
			p.centreShot(lang + "-12b-audit")
			w.signOut(t, p)
			p.centreShot(lang + "-13-signed-out")
		})
	}
}

// centreA11y: the checks of a11y_test.go on the sign-in screen.
func centreA11y(t *testing.T, p *page) {
	t.Helper()
	unlabelled := evalHost[[]string](p, `[...document.querySelectorAll("input, select")].filter(i => !i.labels.length || !i.labels[0].textContent.trim()).map(i => i.id)`)
	if len(unlabelled) > 0 {
		t.Fatalf("inputs without a label: %v", unlabelled)
	}
	if !evalHost[bool](p, `document.getElementById("live").getAttribute("aria-live") === "polite" && [...document.querySelectorAll("[data-error]")].every(e => e.getAttribute("role") === "alert")`) {
		t.Fatal("no aria-live status region, or an error region that is not an alert")
	}
	if !evalHost[bool](p, `document.getElementById("otp").autocomplete === "one-time-code"`) {
		t.Fatal("the OTP input lacks autocomplete=one-time-code")
	}
	evalHost[bool](p, `document.activeElement && document.activeElement.blur(); window.focus(); true`)
	var order []string
	for i := 0; i < 2; i++ {
		p.run(chromedp.KeyEvent(kb.Tab))
		order = append(order, evalHost[string](p, `document.activeElement ? document.activeElement.id : ""`))
	}
	if strings.Join(order, ",") != "mobile,send" {
		t.Fatalf("focus order %v, want mobile, send", order)
	}
	p.run(chromedp.KeyEvent(kb.Enter)) // send with no number
	p.centreError("Enter a 10-digit Indian mobile number.")
	if id := evalHost[string](p, `document.activeElement.id + ":" + document.activeElement.getAttribute("aria-invalid")`); id != "mobile:true" {
		t.Fatalf("focus after the error: %s", id)
	}
	p.run(chromedp.EmulateViewport(320, 640))
	if over := evalHost[int](p, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); over > 0 {
		t.Fatalf("overflows by %d px at 320 px", over)
	}
	p.run(chromedp.EmulateViewport(360, 740))
	evalHost[bool](p, `document.querySelector("[data-error]").textContent = ""; document.getElementById("mobile").removeAttribute("aria-invalid"); true`)
}
