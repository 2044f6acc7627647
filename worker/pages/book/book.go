// Package book is the person's booking page, /book: prove the mobile with
// a one-time code, see the people registered on it (status, doses,
// vaccine, when the next dose is due), pick one, find a centre by PIN code
// or district, choose a date and a time with free places, confirm, and get
// the appointment slip with the 4-digit security code (printable, and
// saveable on the phone as a link whose fragment holds the booking's access
// token); then reschedule or cancel it.
//
// The page is server-rendered by worker/page (headers, CSP without inline
// script, never framed, languages) with every screen in the HTML and every
// string from Strings; site/src/pages/book/book.js moves between the
// screens and calls the booking API (worker/booking) on the same origin.
//
// # Why plain JS and not the wasm module
//
// The page only sends forms and shows JSON: nothing in it needs Go (no
// signature is verified here; the slip is the server's answer to the holder
// of a session or access token). Measured by scripts/bench.d/70-book on the
// site build: the page is usable after 11.7 KB brotli (the HTML in Hindi
// 3.3 KB, common/page.css 0.8, book/book.css 1.2, common/page.js 1.1,
// book/book.js 5.3), and navigation → interactive (DOMContentLoaded end,
// localhost, headless Chromium) had a median of 340 ms over 15 cold loads
// (94 ms to 1.9 s) on a 2-core machine shared by six sessions. The Go module alone is 586 KB
// brotli (the widget's verify-only build), more than 50 times the whole
// page, plus wasm_exec.js and a compile before the first tap: on a cheap
// phone on a slow network that is seconds for nothing the page needs.
package book

import (
	"html"
	"net/http"

	"github.com/kycvs/kycvs/worker/chars"
	"github.com/kycvs/kycvs/worker/page"
)

// Serve renders /book (GET and HEAD).
func Serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		page.Headers(w, false)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	page.Write(w, r, http.StatusOK, Doc(r))
}

// Doc is the page for r's language.
func Doc(r *http.Request) page.Doc {
	lang := Strings.Pick(r)
	return page.Doc{
		Lang:     lang,
		Title:    Strings.T(lang.Tag, "title"),
		Styles:   []string{"common/page.css", "book/book.css"},
		Scripts:  []string{"common/page.js", "book/book.js"},
		Body:     Body(lang.Tag),
		Strings:  Strings[lang.Tag],
		Data:     map[string]string{"lang": lang.Tag},
		Switcher: Strings.Langs(),
	}
}

// keyCh is what a {{key}} of body is made of.
var keyCh = chars.Of("a-z_0-9")

// Body is the page's HTML in lang: the screens' markup with {{key}}
// replaced by the escaped string.
func Body(lang string) string {
	return chars.Fill(body, func(k string) bool { return k != "" && keyCh.All(k) }, func(k string) string {
		return html.EscapeString(Strings.T(lang, k))
	})
}

// body: one <section data-screen> per screen; KP.show makes one visible
// and focuses its heading. Inputs have labels, errors go to #error
// (role=alert) and progress to #live (aria-live=polite).
const body = `<header class="bar"><p class="brand">KYC-VS</p></header>
<main id="main">
<p id="error" class="error" role="alert" aria-live="assertive"></p>
<p id="live" class="live" aria-live="polite"></p>

<section id="s-mobile" data-screen>
<h1>{{h_mobile}}</h1>
<p class="hint">{{intro}}</p>
<form id="f-mobile" novalidate>
<label for="mobile">{{mobile_label}}</label>
<p class="hint" id="mobile-hint">{{mobile_hint}}</p>
<input id="mobile" name="mobile" dir="ltr" type="tel" inputmode="numeric" autocomplete="tel-national" maxlength="10" aria-describedby="mobile-hint" required>
<button id="send" type="submit">{{send}}</button>
</form>
</section>

<section id="s-otp" data-screen hidden>
<h1>{{h_otp}}</h1>
<p id="otp-sent" class="hint"></p>
<form id="f-otp" novalidate>
<label for="otp">{{otp_label}}</label>
<input id="otp" name="otp" dir="ltr" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="6" pattern="[0-9]{6}" required>
<button id="verify" type="submit">{{verify}}</button>
</form>
<p id="timer" class="hint" aria-hidden="true"></p>
<div class="row">
<button id="resend" type="button" class="secondary" disabled>{{resend}}</button>
<button id="change-mobile" type="button" class="link">{{change_mobile}}</button>
</div>
</section>

<section id="s-people" data-screen hidden>
<h1>{{h_people}}</h1>
<p id="people-none" class="hint" hidden>{{people_none}}</p>
<ul id="people" class="cards"></ul>
<button id="people-other" type="button" class="link">{{change_mobile}}</button>
</section>

<section id="s-centre" data-screen hidden>
<h1>{{h_centre}}</h1>
<p id="centre-for" class="hint"></p>
<form id="f-centre" novalidate>
<label for="pin">{{pin_label}}</label>
<input id="pin" name="pin" dir="ltr" type="text" inputmode="numeric" autocomplete="postal-code" maxlength="6">
<p class="or">{{or}}</p>
<label for="district">{{district_label}}</label>
<input id="district" name="district" type="text" autocomplete="address-level2" maxlength="60">
<button id="search" type="submit">{{search}}</button>
</form>
<p id="centres-count" class="hint" aria-live="polite"></p>
<ul id="centres" class="cards"></ul>
<button id="centre-back" type="button" class="link">{{back}}</button>
</section>

<section id="s-slot" data-screen hidden>
<h1>{{h_slot}}</h1>
<p id="slot-centre" class="hint"></p>
<form id="f-slot" novalidate>
<label for="date">{{date_label}}</label>
<input id="date" name="date" type="date" required>
<fieldset id="times">
<legend>{{times_legend}}</legend>
<div id="time-list" class="times"></div>
</fieldset>
<button id="slot-next" type="submit">{{continue}}</button>
</form>
<button id="change-centre" type="button" class="link">{{change_centre}}</button>
</section>

<section id="s-confirm" data-screen hidden>
<h1 id="confirm-title">{{h_confirm}}</h1>
<dl id="confirm-list" class="facts"></dl>
<p id="move-note" class="note" hidden>{{move_note}}</p>
<div class="row">
<button id="confirm" type="button">{{confirm}}</button>
<button id="confirm-back" type="button" class="secondary">{{back}}</button>
</div>
</section>

<section id="s-slip" data-screen hidden>
<h1>{{h_slip}}</h1>
<article class="slip" aria-labelledby="slip-code-label">
<dl id="slip-list" class="facts"></dl>
<div id="slip-code-box" class="code-box">
<p id="slip-code-label" class="code-label">{{l_code}}</p>
<p id="slip-code" class="code" dir="ltr"></p>
<p id="slip-code-note" class="note">{{code_note}}</p>
</div>
</article>
<div class="actions">
<button id="print" type="button" class="secondary">{{print}}</button>
<a id="save" class="button secondary" href="#" hidden>{{save_link}}</a>
<p id="save-hint" class="hint" hidden>{{save_hint}}</p>
<button id="reschedule" type="button">{{reschedule}}</button>
<button id="cancel" type="button" class="danger">{{cancel}}</button>
<button id="slip-people" type="button" class="link">{{people_back}}</button>
<button id="slip-start" type="button" class="link">{{start_over}}</button>
</div>
</section>

<section id="s-cancel" data-screen hidden>
<h1>{{h_cancel}}</h1>
<dl id="cancel-list" class="facts"></dl>
<p class="note">{{cancel_note}}</p>
<div class="row">
<button id="cancel-yes" type="button" class="danger">{{cancel_yes}}</button>
<button id="cancel-no" type="button" class="secondary">{{cancel_no}}</button>
</div>
</section>

<section id="s-cancelled" data-screen hidden>
<h1>{{h_cancelled}}</h1>
<p id="cancelled-note"></p>
<button id="cancelled-people" type="button">{{people_back}}</button>
<button id="cancelled-start" type="button" class="link">{{start_over}}</button>
</section>
</main>`
