// Package pass is /pass?venue=…&c=…: the page a person's phone opens from a
// gate's challenge QR. It names the venue as registered and what the venue
// will learn, runs the OTP flow through the browser module (which checks
// the token it gets back), and shows the token as a QR code with a
// countdown for the gate's camera (SPEC.md, gate profile); for a family on
// one number, one code makes a pass for each person, shown one after the
// other (the gate profile's family passes). A venue that is
// not a registered gate, or a challenge that is not one, is refused here,
// before any SMS could be asked for.
package pass

import (
	"errors"
	"html"
	"net/http"

	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/assets"
	"github.com/kycvs/kycvs/worker/domain"
	"github.com/kycvs/kycvs/worker/page"
	"github.com/kycvs/kycvs/worker/store"
)

// Routes are the pass page's routes, for service.New.
func Routes() []api.Route { return []api.Route{{Pattern: "/pass", Raw: serve}} }

// scriptKeys are the strings pass.js uses.
var scriptKeys = []string{
	"otp_sent", "resend_in", "resend_in_min", "sending", "sent", "checking", "loading", "pass_valid", "pass_qr_alt",
	"err_otp_incorrect", "err_otp_locked", "err_otp_expired", "err_otp_superseded", "err_name_mismatch", "err_rate",
	"err_rate_min", "err_input", "err_network", "err_generic", "err_consent", "err_mobile", "err_name",
	"err_otp_format", "err_module", "err_token", "err_code_format", "err_unknown_entity", "bad_code",
	// A family's passes: one code for up to six people on the number.
	"person_label", "remove_person", "err_person_name", "err_same_name", "err_travellers_mismatch", "consent",
	"consent_family", "pass_of",
}

func serve(d *api.Deps, w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		api.WriteError(w, r, api.Ef("method_not_allowed", "use GET"))
		return
	}
	l := Strings.Pick(r)
	t := func(k string, kv ...string) string { return html.EscapeString(Strings.T(l.Tag, k, kv...)) }
	q := r.URL.Query()
	venue, challenge := q.Get("venue"), q.Get("c")
	doc := page.Doc{
		Lang:     l,
		Title:    Strings.T(l.Tag, "title"),
		Styles:   []string{"common/page.css", "pass/pass.css"},
		Switcher: Strings.Langs(),
	}
	refuse := func(status int, key string) {
		doc.Body = `<main id="pass"><section data-screen id="refused"><h1>` + t("title") + `</h1>` +
			`<p class="error" role="alert" id="refusal">` + t(key) + `</p></section></main>`
		page.Write(w, r, status, doc)
	}
	if !store.IsEntityID(venue) {
		refuse(http.StatusNotFound, "bad_venue")
		return
	}
	// A typed code may come without c (the person types it here); one that
	// is there must be a challenge.
	if challenge != "" && !domain.IsChallenge(challenge) {
		refuse(http.StatusBadRequest, "bad_code")
		return
	}
	ent, err := d.Store.Entity(r.Context(), venue)
	if errors.Is(err, store.ErrNotFound) || (err == nil && ent.Kind != store.KindGate) {
		// A web entity is not a venue: its tokens are for its own server.
		refuse(http.StatusNotFound, "bad_venue")
		return
	}
	if err != nil {
		api.WriteError(w, r, err)
		return
	}
	name := html.EscapeString(ent.DisplayName)
	js := map[string]string{}
	for _, k := range scriptKeys {
		js[k] = Strings.T(l.Tag, k)
	}
	doc.Scripts = []string{"common/page.js", "pass/qrcode.js", "pass/module.js", "pass/pass.js"}
	doc.Strings = js
	doc.Data = map[string]string{"worker": assets.Path("worker.js"), "venue": ent.ID, "challenge": challenge, "lang": l.Tag}
	codeHidden := " hidden"
	formHidden := ""
	if challenge == "" {
		codeHidden, formHidden = "", " hidden"
	}
	doc.Body = `<main id="pass">
<header><h1 id="venue-name">` + name + `</h1>
<p class="will-see">` + t("will_see", "venue", ent.DisplayName) + `</p></header>
<section data-screen id="code"` + codeHidden + `>
<h2>` + t("code_heading") + `</h2>
<form id="code-form" novalidate>
<label for="challenge">` + t("code_label") + `</label>
<input id="challenge" name="challenge" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="12" dir="ltr" required>
<button type="submit">` + t("code_continue") + `</button>
</form>
</section>
<section data-screen id="start"` + formHidden + `>
<form id="start-form" novalidate>
<label for="mobile">` + t("mobile_label") + `</label>
<input id="mobile" name="mobile" type="tel" inputmode="numeric" autocomplete="tel-national" maxlength="14" dir="ltr" aria-describedby="mobile-hint" required>
<p id="mobile-hint" class="hint">` + t("mobile_hint") + `</p>
<label for="name">` + t("name_label") + `</label>
<input id="name" name="name" autocomplete="name" maxlength="100" required>
<div id="more"></div>
<button id="add-person" type="button" class="link">` + t("add_person") + `</button>
<button id="send" type="submit">` + t("send") + `</button>
</form>
</section>
<section data-screen id="otp" hidden>
<form id="otp-form" novalidate>
<p id="otp-sent"></p>
<label for="otp-input">` + t("otp_label") + `</label>
<input id="otp-input" name="otp" inputmode="numeric" autocomplete="one-time-code" maxlength="6" dir="ltr" required>
<p id="resend-timer" class="hint"></p>
<div class="consent"><input id="consent" type="checkbox"><label for="consent">` + t("consent", "venue", ent.DisplayName) + `</label></div>
<button id="verify" type="submit">` + t("verify") + `</button>
<button id="resend" type="button" class="link" disabled>` + t("resend") + `</button>
<button id="change" type="button" class="link">` + t("change") + `</button>
</form>
</section>
<section data-screen id="shown" hidden>
<h2 tabindex="-1">` + t("pass_heading") + `</h2>
<p id="pass-of" class="pass-of" hidden></p>
<canvas id="pass-qr" role="img" width="300" height="300"></canvas>
<p id="pass-timer" class="timer" aria-live="polite"></p>
<button id="next-pass" type="button" hidden>` + t("next_pass") + `</button>
<div id="no-pass" hidden><p>` + t("no_pass") + `</p><ul></ul></div>
<p class="hint">` + t("pass_note") + `</p>
</section>
<section data-screen id="expired" hidden>
<h2 tabindex="-1">` + t("expired_heading") + `</h2>
<p>` + t("expired_text") + `</p>
</section>
<p id="live" class="visually-hidden" role="status"></p>
<p id="error" class="error" role="alert"></p>
</main>`
	page.Write(w, r, http.StatusOK, doc)
}
