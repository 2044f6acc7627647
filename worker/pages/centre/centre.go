// Package centre is the vaccination centre console, /centre: the page a
// vaccinator or supervisor signs in to with an OTP to their own mobile,
// sees the day's appointments, records a dose with the person's 4-digit
// security code (or a walk-in's OTP), registers a walk-in on site, and, as a
// supervisor, unlocks a locked appointment and reads the day's audit trail.
//
// The page is plain HTML with every screen in it (sections shown one at a
// time by site/src/pages/centre/centre.js on top of common/page.js): no
// framework and no wasm, because the console must start fast on a cheap
// phone and needs nothing the module does (it verifies no tokens). Its
// strings are in strings.go, in English, Hindi, Urdu and Bengali; the shell
// (headers, CSP, languages) is worker/page.
//
// It is not the API: everything it does goes through /v1/centre/… and
// /v1/vaccinations… (package booking), with the session cookie.
package centre

import (
	"html"
	"net/http"
	"strings"

	"github.com/kycvs/kycvs/worker/booking"
	"github.com/kycvs/kycvs/worker/page"
)

// Vaccines are the recording form's choices (the registry's vaccines; the
// API checks the id). Brand names are the same in every language.
var Vaccines = [][2]string{
	{"covishield", "Covishield"}, {"covaxin", "Covaxin"}, {"sputnik_v", "Sputnik V"},
	{"sputnik_light", "Sputnik Light"}, {"zycov_d", "ZyCoV-D"}, {"corbevax", "Corbevax"},
}

// Serve renders /centre (GET and HEAD).
func Serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		page.Headers(w, false)
		w.Header().Set("Allow", "GET, HEAD")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	lang := Strings.Pick(r)
	page.Write(w, r, http.StatusOK, page.Doc{
		Lang:     lang,
		Title:    Strings.T(lang.Tag, "title"),
		Styles:   []string{"common/page.css", "centre/centre.css"},
		Scripts:  []string{"common/page.js", "centre/centre.js"},
		Body:     body(lang.Tag),
		Strings:  scriptStrings(lang.Tag),
		Data:     map[string]string{"lang": lang.Tag},
		Switcher: Strings.Langs(),
	})
}

// scriptKeys are the strings centre.js writes itself (the rest are in the
// HTML already); keys with these prefixes are chosen by the script from an
// API value. TestScriptStrings holds the list to the script.
var (
	scriptKeys = []string{"by_person", "by_system", "capacity_saved", "closed_cancelled", "closed_done", "closed_other_day",
		"code_sent", "done_queued", "done_sent", "done_title", "dose_n", "otp_expired_note", "otp_expires", "registered_note",
		"session_ended_note", "signed_out_note", "signin_hint", "unlock_button", "unlocked_note", "vaccine_prefilled",
		"walkin_sent", "wrong_code", "wrong_code_locked"}
	scriptPrefixes = []string{"err_", "ev_", "role_", "status_"}
)

// scriptStrings are the strings handed to the script in lang: only those it
// uses, so the HTML does not carry every text twice.
func scriptStrings(lang string) map[string]string {
	out := map[string]string{}
	for k, v := range Strings[lang] {
		for _, p := range scriptPrefixes {
			if strings.HasPrefix(k, p) {
				out[k] = v
			}
		}
	}
	for _, k := range scriptKeys {
		out[k] = Strings[lang][k]
	}
	return out
}

// body is every screen of the console in lang, escaped.
func body(lang string) string {
	t := func(key string) string { return html.EscapeString(Strings.T(lang, key)) }
	var vaccines strings.Builder
	for _, v := range Vaccines {
		vaccines.WriteString(`<option value="` + v[0] + `">` + html.EscapeString(v[1]) + `</option>`)
	}
	var slots strings.Builder
	for _, s := range booking.Slots {
		slots.WriteString(`<option value="` + s + `">` + s + `</option>`)
	}
	r := strings.NewReplacer("{vaccines}", vaccines.String(), "{slots}", slots.String())
	s := `<header class="bar" id="bar" hidden>
<p><span id="who"></span><br><span id="where" class="hint"></span></p>
<button type="button" class="secondary" id="signout">` + t("sign_out") + `</button>
</header>
<main>
<p id="live" class="live visually-hidden" aria-live="polite" role="status"></p>

<section data-screen id="s-loading"><h1>` + t("title") + `</h1><p>` + t("loading") + `</p></section>

<section data-screen id="s-signin" hidden>
<h1>` + t("signin_title") + `</h1>
<p class="hint" id="signin-note">` + t("signin_hint") + `</p>
<form id="f-signin" novalidate>
<label for="mobile">` + t("mobile_label") + `</label>
<input id="mobile" name="mobile" type="tel" inputmode="numeric" autocomplete="tel-national" maxlength="16" required aria-describedby="mobile-hint">
<p class="hint" id="mobile-hint">` + t("mobile_hint") + `</p>
<p class="error" role="alert" data-error></p>
<button type="submit" id="send">` + t("send_code") + `</button>
</form>
</section>

<section data-screen id="s-otp" hidden>
<h1>` + t("otp_title") + `</h1>
<p class="hint">` + t("otp_hint") + `</p>
<form id="f-otp" novalidate>
<label for="otp">` + t("otp_label") + `</label>
<input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
<p class="hint" id="otp-timer"></p>
<p class="error" role="alert" data-error></p>
<button type="submit" id="verify">` + t("sign_in") + `</button>
<button type="button" class="link" id="otp-back">` + t("change_number") + `</button>
</form>
</section>

<section data-screen id="s-today" hidden>
<h1>` + t("today_title") + `</h1>
<p class="hint"><span id="today-date" dir="ltr"></span></p>
<div class="actions">
<button type="button" id="go-walkin">` + t("walkin_button") + `</button>
<button type="button" class="secondary" id="go-supervisor" hidden>` + t("supervisor_button") + `</button>
</div>
<label for="search">` + t("search_label") + `</label>
<input id="search" type="search" autocomplete="off" spellcheck="false" placeholder="apt_…" aria-describedby="search-hint">
<p class="hint" id="search-hint">` + t("search_hint") + `</p>
<p class="error" role="alert" data-error></p>
<p id="list-empty" class="hint" hidden>` + t("list_empty") + `</p>
<ul id="list" class="list" aria-label="` + t("today_title") + `"></ul>
<button type="button" class="secondary" id="refresh">` + t("refresh") + `</button>
</section>

<section data-screen id="s-appointment" hidden>
<h1>` + t("appointment_title") + `</h1>
<dl class="facts">
<dt>` + t("name_as_registered") + `</dt><dd><bdi id="a-name"></bdi></dd>
<dt>` + t("reference") + `</dt><dd><span id="a-ref" class="ref"></span></dd>
<dt>` + t("slot") + `</dt><dd id="a-time"></dd>
<dt>` + t("dose_due") + `</dt><dd id="a-dose"></dd>
</dl>
<p class="hint">` + t("check_id") + `</p>
<div id="a-locked" class="card warn" hidden>
<p><strong>` + t("locked_title") + `</strong></p>
<p id="a-locked-text">` + t("locked_text") + `</p>
<button type="button" id="a-unlock" hidden>` + t("unlock_button") + `</button>
</div>
<p id="a-closed" class="card" hidden></p>
<p class="error" role="alert" data-error></p>
<form id="f-record" novalidate>
<label for="code">` + t("code_label") + `</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="off" pattern="[0-9]{4}" maxlength="4" required aria-describedby="code-hint">
<p class="hint" id="code-hint">` + t("code_hint") + `</p>
<label for="vaccine">` + t("vaccine_label") + `</label>
<select id="vaccine" name="vaccine" aria-describedby="vaccine-hint">{vaccines}</select>
<p class="hint" id="vaccine-hint"></p>
<label for="batch">` + t("batch_label") + `</label>
<input id="batch" name="batch" type="text" autocomplete="off" autocapitalize="characters" maxlength="40" required>
<button type="submit" id="record">` + t("record_button") + `</button>
</form>
<button type="button" class="link" data-back>` + t("back_to_list") + `</button>
</section>

<section data-screen id="s-done" hidden>
<h1 id="done-title"></h1>
<p id="done-text" class="card ok"></p>
<button type="button" id="done-next">` + t("back_to_list") + `</button>
</section>

<section data-screen id="s-walkin" hidden>
<h1>` + t("walkin_title") + `</h1>
<p class="hint">` + t("walkin_hint") + `</p>
<form id="f-walkin" novalidate>
<label for="w-mobile">` + t("person_mobile_label") + `</label>
<input id="w-mobile" type="tel" inputmode="numeric" autocomplete="off" maxlength="16" required>
<label for="w-name">` + t("person_name_label") + `</label>
<input id="w-name" type="text" autocomplete="off" maxlength="100" dir="auto" required aria-describedby="w-name-hint">
<p class="hint" id="w-name-hint">` + t("person_name_hint") + `</p>
<p class="error" role="alert" data-error></p>
<button type="submit" id="w-send">` + t("walkin_send") + `</button>
</form>
<button type="button" class="link" data-back>` + t("back_to_list") + `</button>
</section>

<section data-screen id="s-walkin-code" hidden>
<h1>` + t("walkin_code_title") + `</h1>
<p class="hint" id="w-sent"></p>
<p id="w-registered" class="card ok" hidden>` + t("registered_note") + `</p>
<form id="f-walkin-record" novalidate>
<label for="w-otp">` + t("person_otp_label") + `</label>
<input id="w-otp" type="text" inputmode="numeric" autocomplete="off" pattern="[0-9]{6}" maxlength="6" required>
<p class="hint" id="w-timer"></p>
<label for="w-vaccine">` + t("vaccine_label") + `</label>
<select id="w-vaccine">{vaccines}</select>
<label for="w-batch">` + t("batch_label") + `</label>
<input id="w-batch" type="text" autocomplete="off" autocapitalize="characters" maxlength="40" required>
<p class="error" role="alert" data-error></p>
<button type="submit" id="w-record">` + t("record_button") + `</button>
<button type="button" class="secondary" id="go-register">` + t("register_button") + `</button>
</form>
<button type="button" class="link" data-back>` + t("back_to_list") + `</button>
</section>

<section data-screen id="s-register" hidden>
<h1>` + t("register_title") + `</h1>
<p class="hint">` + t("register_hint") + `</p>
<form id="f-register" novalidate>
<p><strong>` + t("person_name_label") + `:</strong> <bdi id="r-name"></bdi></p>
<label for="r-year">` + t("birth_year_label") + `</label>
<input id="r-year" type="text" inputmode="numeric" autocomplete="off" pattern="[0-9]{4}" maxlength="4" required aria-describedby="r-year-hint">
<p class="hint" id="r-year-hint">` + t("birth_year_hint") + `</p>
<p class="error" role="alert" data-error></p>
<button type="submit" id="r-submit">` + t("register_submit") + `</button>
<button type="button" class="link" id="r-cancel">` + t("register_cancel") + `</button>
</form>
</section>

<section data-screen id="s-supervisor" hidden>
<h1>` + t("supervisor_title") + `</h1>
<h2>` + t("locked_list_title") + `</h2>
<p class="error" role="alert" data-error></p>
<p id="locked-empty" class="hint" hidden>` + t("locked_empty") + `</p>
<ul id="locked-list" class="list"></ul>
<h2>` + t("capacity_title") + `</h2>
<form id="f-capacity" novalidate>
<label for="c-date">` + t("capacity_date") + `</label>
<input id="c-date" type="date" required>
<label for="c-time">` + t("capacity_time") + `</label>
<select id="c-time"><option value="">` + t("capacity_all_day") + `</option>{slots}</select>
<label for="c-capacity">` + t("capacity_label") + `</label>
<input id="c-capacity" type="text" inputmode="numeric" maxlength="3" required>
<p class="error" role="alert" id="c-error"></p>
<p class="live" id="c-done" role="status"></p>
<button type="submit" id="c-save">` + t("capacity_save") + `</button>
</form>
<h2>` + t("audit_title") + `</h2>
<p class="hint" id="audit-empty" hidden>` + t("audit_empty") + `</p>
<ol id="audit" class="audit"></ol>
<button type="button" class="link" data-back>` + t("back_to_list") + `</button>
</section>
</main>`
	return r.Replace(s)
}
