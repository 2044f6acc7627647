// Package widget renders the KYC-VS widget page: the page inside the iframe
// that embed.js puts on a verifying entity's site.
//
// The page is rendered by the worker rather than served as a static asset
// because its Content-Security-Policy names the entity's registered origins
// in frame-ancestors (no other site can frame it, so no other site can
// dress it up for clickjacking) and because it shows the entity's
// registered display name and purpose, never text chosen by the host page.
// Everything else (script, style, the wasm module) is a content-hashed
// static file; the page finds their names in the manifest scripts/build-site
// writes.
//
// This package is not the flow itself: widget.js and the wasm module drive
// the OTP exchange from the browser against the worker's JSON API.
package widget

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/assets"
	"github.com/kycvs/kycvs/worker/chars"
	"github.com/kycvs/kycvs/worker/domain"
	"github.com/kycvs/kycvs/worker/store"
)

// Entity is what the widget needs to know about a registered verifying
// entity. The worker looks it up by the entity query parameter.
type Entity struct {
	ID          string
	DisplayName string
	Purpose     string
	Origins     []string // registered web origins, e.g. "https://www.irctc.example"
}

// Serve renders the widget page for e, reading entity (already resolved to e
// by the caller), nonce, lang, wid (the embedding widget's id) and origin
// (the host page's origin, which must be one of e.Origins and is where the
// result is posted) and theme from the query. A nil e renders a "not set
// up" page with status 404 that no site may frame.
//
// The statuses are how embed.js explains a widget that did not show (a
// frame the browser refused to render tells the host page nothing): it asks
// again with HEAD, which any origin may read (no body, so nothing of the
// page), and reports 404 as unknown_entity, 403 as invalid_origin (the host
// page's origin is not one of the entity's) and 400 as invalid_nonce.
func Serve(w http.ResponseWriter, r *http.Request, e *Entity) {
	q := r.URL.Query()
	l := pickLang(r)
	h := w.Header()
	if r.Method == http.MethodHead {
		h.Set("Access-Control-Allow-Origin", "*")
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		h.Set("Content-Security-Policy", csp(nil))
		renderMessage(w, r, http.StatusMethodNotAllowed, l, l.t("page_bad_request"))
		return
	}
	if e == nil {
		h.Set("Content-Security-Policy", csp(nil))
		renderMessage(w, r, http.StatusNotFound, l, l.t("page_unknown"))
		return
	}
	origins := validOrigins(e.Origins)
	h.Set("Content-Security-Policy", csp(origins))

	nonces, wid, origin := q["nonce"], q.Get("wid"), q.Get("origin")
	if origin == "" && len(origins) == 1 {
		origin = origins[0]
	}
	if !contains(origins, origin) {
		renderMessage(w, r, http.StatusForbidden, l, l.t("err_invalid_origin"))
		return
	}
	if !validNonces(nonces) || (wid != "" && !store.IsWidgetID(wid)) {
		renderMessage(w, r, http.StatusBadRequest, l, l.t("page_bad_request"))
		return
	}

	strs := make(map[string]string, len(scriptKeys)+len(api.HostCodes)+1)
	for _, k := range append(scriptKeys, "otp_sent") {
		strs[k] = l.t(k, "entity", e.DisplayName)
	}
	for _, c := range api.HostCodes {
		strs["err_"+c] = l.t("err_" + c)
	}
	asks, sharedOnly, doneNote, family := l.t("asks", "entity", e.DisplayName), l.t("shared_only"), l.t("done_note"), ""
	if len(nonces) > 1 {
		n := strconv.Itoa(len(nonces))
		asks, sharedOnly, doneNote = l.t("asks_family", "entity", e.DisplayName, "n", n), l.t("shared_only_family"), l.t("done_note_family")
		family = familyForms(l, len(nonces), e.DisplayName)
	}
	strJSON, _ := json.Marshal(strs) // json escapes <, > and &, so it is safe inside <script>

	var switcher []langLink
	for _, code := range langOrder {
		o := langs[code]
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("lang", code)
		switcher = append(switcher, langLink{Tag: o.Tag, Name: o.Name, Href: "?" + v.Encode(), Current: o == l})
	}

	page := widgetPage{
		L:          l,
		Asks:       asks,
		Purpose:    l.t("purpose", "purpose", e.Purpose),
		SharedOnly: sharedOnly,
		DoneNote:   doneNote,
		Consent:    l.t("consent", "entity", e.DisplayName),
		Family:     family,
		Entity:     e.ID,
		Nonce:      strings.Join(nonces, " "),
		Origin:     origin,
		WID:        wid,
		CSS:        assets.Path("widget.css"),
		JS:         assets.Path("widget.js"),
		Worker:     assets.Path("worker.js"),
		WasmExec:   assets.Path("wasm_exec.js"),
		Wasm:       assets.Path("kycvs.wasm"),
		Strings:    string(strJSON),
		Codes:      strings.Join(api.HostCodes, " "),
		Theme:      pickTheme(q.Get("theme")),
		Switcher:   switcher,
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write([]byte(page.render()))
}

type langLink struct {
	Tag, Name, Href string
	Current         bool
}

type widgetPage struct {
	L                               *lang
	Asks, Purpose, SharedOnly       string
	DoneNote                        string
	Consent                         string
	Family                          string // a family check's forms, HTML (familyForms); "" for one person
	Entity, Origin, WID             string
	Nonce                           string // the nonces, space-separated: one per traveller
	CSS, JS, Worker, WasmExec, Wasm string
	Strings                         string // JSON; json.Marshal escapes <, > and &
	Codes                           string // api.HostCodes, space-separated: what the host page may be told
	Theme                           string // "auto", "light" or "dark"
	Switcher                        []langLink
}

// pickTheme returns the theme the host asked for: "light", "dark", or
// "auto" (the default), which follows the person's prefers-color-scheme.
func pickTheme(t string) string {
	if t == "light" || t == "dark" {
		return t
	}
	return "auto"
}

// csp is the page's policy: only our own script (plus wasm compilation),
// styles and API; framed only by the given origins ('none' if there are
// none, e.g. the unknown-entity page).
func csp(frameAncestors []string) string {
	fa := "'none'"
	if len(frameAncestors) > 0 {
		fa = strings.Join(frameAncestors, " ")
	}
	return "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; " +
		"connect-src 'self'; worker-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors " + fa
}

// validOrigins keeps only well-formed http(s) origins in their serialized
// form, so a bad registry entry can never inject a CSP directive.
func validOrigins(in []string) []string {
	var out []string
	for _, o := range in {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
			u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" ||
			strings.ContainsAny(u.Host, " ;,'\"") {
			continue
		}
		out = append(out, u.Scheme+"://"+strings.ToLower(u.Host))
	}
	return out
}

// validNonces says whether the page's nonces are a check's: 1 to
// domain.MaxTravellers (one per traveller), each well-formed, none twice.
func validNonces(ns []string) bool {
	if len(ns) == 0 || len(ns) > domain.MaxTravellers {
		return false
	}
	for i, n := range ns {
		if !store.IsNonce(n) || slices.Contains(ns[:i], n) {
			return false
		}
	}
	return true
}

// familyForms is the markup of a family check for n travellers: the
// mobile number and one name per traveller (each may be on another
// number), the codes (one field per number, filled in by widget.js once
// it knows the numbers) and the consent screen that lists every traveller.
func familyForms(l *lang, n int, entity string) string {
	e := html.EscapeString
	var b strings.Builder
	b.WriteString(`<form id="travellers" novalidate>
<div class="field">
<label for="fmobile">` + e(l.t("mobile_label")) + `</label>
<input id="fmobile" name="mobile" type="tel" inputmode="numeric" autocomplete="tel-national" maxlength="16" required aria-describedby="fmobile-hint" dir="ltr">
<p id="fmobile-hint" class="hint">` + e(l.t("family_mobile_hint")) + `</p>
</div>
`)
	for i := 1; i <= n; i++ {
		k := strconv.Itoa(i)
		b.WriteString(`<fieldset class="traveller">
<legend>` + e(l.t("traveller_n", "n", k)) + `</legend>
<label for="tname-` + k + `">` + e(l.t("name_label")) + `</label>
<input id="tname-` + k + `" name="name-` + k + `" type="text" autocomplete="off" maxlength="100" required dir="auto">
<div class="other">
<input type="checkbox" id="tother-` + k + `" aria-controls="tmobile-field-` + k + `" aria-expanded="false">
<label for="tother-` + k + `">` + e(l.t("other_mobile")) + `</label>
</div>
<div class="field" id="tmobile-field-` + k + `" hidden>
<label for="tmobile-` + k + `">` + e(l.t("other_mobile_label", "n", k)) + `</label>
<input id="tmobile-` + k + `" name="mobile-` + k + `" type="tel" inputmode="numeric" autocomplete="off" maxlength="16" dir="ltr">
</div>
</fieldset>
`)
	}
	b.WriteString(`<button type="submit" id="fsend">` + e(l.t("send")) + `</button>
</form>
<form id="codes" hidden novalidate>
<p id="codes-intro">` + e(l.t("codes_intro")) + `</p>
<div id="code-fields"></div>
<button type="submit" id="fcontinue">` + e(l.t("continue")) + `</button>
<div class="row">
<button type="button" id="fresend" class="link" disabled aria-describedby="fresend-timer">` + e(l.t("resend")) + `</button>
<span id="fresend-timer" class="hint"></span>
</div>
<button type="button" id="fchange" class="link">` + e(l.t("change")) + `</button>
</form>
<form id="agree" hidden novalidate tabindex="-1" aria-labelledby="agree-heading">
<h2 id="agree-heading">` + e(l.t("consent_heading", "entity", entity)) + `</h2>
<p>` + e(l.t("consent_list_intro", "entity", entity)) + `</p>
<ul id="agree-list" class="travellers"></ul>
<div class="consent">
<input type="checkbox" id="fconsent" name="consent" required>
<label for="fconsent">` + e(l.t("consent_family", "entity", entity)) + `</label>
</div>
<button type="submit" id="fverify">` + e(l.t("verify")) + `</button>
<button type="button" id="fback" class="link">` + e(l.t("back")) + `</button>
</form>
`)
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func renderMessage(w http.ResponseWriter, r *http.Request, code int, l *lang, msg string) {
	w.WriteHeader(code)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write([]byte(fill(messagePage, l, map[string]string{
		"CSS":  html.EscapeString(assets.Path("widget.css")),
		"Msg":  html.EscapeString(msg),
		"Lang": html.EscapeString(l.Tag),
		"Dir":  html.EscapeString(l.Dir),
	})))
}

// The pages are filled by fill, not html/template: templates make the linker
// keep every exported method of every type (reflection), which cost the
// worker ~1 MiB gzip and pushed it over Cloudflare's 3 MiB limit. The pages
// have no logic beyond substitution, and every substituted value is
// HTML-escaped (attribute-safe: html.EscapeString escapes quotes) except the
// pre-escaped JSON of {{Strings}}.

// placeholder says whether inner is one of fill's placeholders: Name (a
// page field) or "t key" (a translation), names of A-Z a-z _ . (as the
// expression \{\{(t )?([A-Za-z_.]+)\}\} matched).
func placeholder(inner string) bool {
	name := strings.TrimPrefix(inner, "t ")
	return name != "" && nameCh.All(name)
}

var nameCh = chars.Of("A-Za-z_.")

// cutTranslation returns the key of a "t key" placeholder.
func cutTranslation(inner string) (string, bool) {
	key, ok := strings.CutPrefix(inner, "t ")
	return key, ok && key != "" && nameCh.All(key)
}

// fill replaces {{t key}} with the escaped translation of key in l and {{Name}}
// with vals[Name], which the caller has escaped. A name missing from vals
// panics: a page and its fields are written together, and the tests render
// every page.
func fill(page string, l *lang, vals map[string]string) string {
	return chars.Fill(page, placeholder, func(inner string) string {
		if key, ok := cutTranslation(inner); ok {
			return html.EscapeString(l.t(key))
		}
		v, ok := vals[inner]
		if !ok {
			panic("widget: page field " + inner + " not set")
		}
		return v
	})
}

func (p widgetPage) render() string {
	var sw strings.Builder
	for _, s := range p.Switcher {
		cur := ""
		if s.Current {
			cur = ` aria-current="true"`
		}
		sw.WriteString(`<a href="` + html.EscapeString(s.Href) + `" lang="` + html.EscapeString(s.Tag) +
			`" hreflang="` + html.EscapeString(s.Tag) + `"` + cur + `>` + html.EscapeString(s.Name) + `</a> `)
	}
	e := html.EscapeString
	startHidden := ""
	if p.Family != "" {
		startHidden = " hidden"
	}
	return fill(widgetPageHTML, p.L, map[string]string{
		"Asks": e(p.Asks), "Purpose": e(p.Purpose), "SharedOnly": e(p.SharedOnly), "DoneNote": e(p.DoneNote), "Consent": e(p.Consent),
		"Family": p.Family, "StartHidden": startHidden,
		"Entity": e(p.Entity), "Nonce": e(p.Nonce), "Origin": e(p.Origin), "WID": e(p.WID),
		"CSS": e(p.CSS), "JS": e(p.JS), "Worker": e(p.Worker), "WasmExec": e(p.WasmExec), "Wasm": e(p.Wasm),
		"Strings": p.Strings, "Switcher": sw.String(), "Lang": e(p.L.Tag), "Dir": e(p.L.Dir),
		"Codes": e(p.Codes), "Theme": e(p.Theme),
	})
}

// The page's script comes first in the head, async: it makes the module's
// worker at once, so the module is fetched, compiled and started while the
// rest of the page is parsed and styled (the preloads start the module's
// download before the script has arrived). scripts/bench.d/50-embed
// measures it against the script deferred after the stylesheet, as before.
const widgetPageHTML = `<!doctype html>
<html lang="{{Lang}}" dir="{{Dir}}" data-theme="{{Theme}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<script src="{{JS}}" async data-worker="{{Worker}}"></script>
<link rel="preload" href="{{Wasm}}" as="fetch" crossorigin>
<link rel="preload" href="{{WasmExec}}" as="script">
<title>{{t title}}</title>
<link rel="stylesheet" href="{{CSS}}">
</head>
<body data-entity="{{Entity}}" data-nonce="{{Nonce}}" data-origin="{{Origin}}" data-wid="{{WID}}" data-lang="{{Lang}}" data-codes="{{Codes}}" data-state="loading">
<main class="kycvs" aria-labelledby="asks">
<header>
<p id="asks" class="asks">{{Asks}}</p>
<p class="purpose">{{Purpose}}</p>
<p class="shared-only">{{SharedOnly}}</p>
</header>
<form id="start" novalidate{{StartHidden}}>
<div class="field">
<label for="mobile">{{t mobile_label}}</label>
<input id="mobile" name="mobile" type="tel" inputmode="numeric" autocomplete="tel-national" maxlength="16" required aria-describedby="mobile-hint" dir="ltr">
<p id="mobile-hint" class="hint">{{t mobile_hint}}</p>
</div>
<div class="field">
<label for="name">{{t name_label}}</label>
<input id="name" name="name" type="text" autocomplete="name" maxlength="100" required>
</div>
<button type="submit" id="send">{{t send}}</button>
</form>
<form id="otp" hidden novalidate>
<p id="otp-sent"></p>
<div class="field">
<label for="code">{{t otp_label}}</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required dir="ltr" aria-describedby="otp-timer">
<p id="otp-timer" class="hint"></p>
</div>
<div class="consent">
<input type="checkbox" id="consent" name="consent" required>
<label for="consent">{{Consent}}</label>
</div>
<button type="submit" id="verify">{{t verify}}</button>
<div class="row">
<button type="button" id="resend" class="link" disabled aria-describedby="resend-timer">{{t resend}}</button>
<span id="resend-timer" class="hint"></span>
</div>
<button type="button" id="change" class="link">{{t change}}</button>
</form>
{{Family}}<section id="done" hidden tabindex="-1" aria-labelledby="done-heading">
<h2 id="done-heading">{{t done_heading}}</h2>
<p id="done-text"></p>
<ul id="done-list" class="travellers"></ul>
<p class="hint">{{DoneNote}}</p>
</section>
<p id="live" class="live" role="status" aria-live="polite"></p>
<p id="error" class="error" role="alert" aria-live="assertive"></p>
<nav class="langs" aria-label="{{t language}}">
{{Switcher}}
</nav>
</main>
<script type="application/json" id="kycvs-strings">{{Strings}}</script>
</body>
</html>
`

const messagePage = `<!doctype html>
<html lang="{{Lang}}" dir="{{Dir}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{t title}}</title>
<link rel="stylesheet" href="{{CSS}}">
</head>
<body data-state="unavailable">
<main class="kycvs"><p class="error" role="alert">{{Msg}}</p></main>
</body>
</html>
`
