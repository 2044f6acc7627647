// Package page is the shell every page the worker renders for people
// shares: /book, /centre, /gate and /pass (the widget predates it and keeps
// its own). It owns what must be the same on each of them and is easy to
// get wrong once: the security headers (a Content-Security-Policy without
// inline script, never framed), the language (negotiated, right to left
// where the script is), the strings handed to the page's script, and the
// hashed asset paths.
//
// A page package (worker/pages/…) writes its body HTML and its string
// table; page.Write does the rest. Page scripts and styles live in
// site/src/pages/<page>/ and are named here by their logical names
// ("book/book.js"), which package assets maps to the hashed files.
package page

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kycvs/kycvs/worker/assets"
)

// Lang is one language a page may speak.
type Lang struct {
	Tag  string // BCP 47, for <html lang> and ?lang=
	Dir  string // "ltr" or "rtl"
	Name string // the language's own name, for the switcher
}

// Languages are CoWIN's twelve and Urdu, in the switcher's order. A page
// speaks those of them its Table has every key for.
var Languages = []Lang{
	{"en", "ltr", "English"}, {"hi", "ltr", "हिन्दी"}, {"ur", "rtl", "اردو"}, {"bn", "ltr", "বাংলা"},
	{"mr", "ltr", "मराठी"}, {"gu", "ltr", "ગુજરાતી"}, {"pa", "ltr", "ਪੰਜਾਬੀ"}, {"ta", "ltr", "தமிழ்"},
	{"te", "ltr", "తెలుగు"}, {"kn", "ltr", "ಕನ್ನಡ"}, {"ml", "ltr", "മലയാളം"}, {"or", "ltr", "ଓଡ଼ିଆ"},
	{"as", "ltr", "অসমীয়া"},
}

// LangOf returns the language with the tag, and whether there is one.
func LangOf(tag string) (Lang, bool) {
	for _, l := range Languages {
		if l.Tag == tag {
			return l, true
		}
	}
	return Lang{}, false
}

// Table is a page's strings: language tag → key → text. English is the
// reference: every other language must have exactly its keys (Missing).
type Table map[string]map[string]string

// Langs returns the languages t speaks, in the switcher's order.
func (t Table) Langs() []Lang {
	var out []Lang
	for _, l := range Languages {
		if _, ok := t[l.Tag]; ok {
			out = append(out, l)
		}
	}
	return out
}

// Unspoken lists the tags of Languages the table has no strings for: every
// page speaks all of them (issue 15), and each page's tests say so.
func (t Table) Unspoken() []string {
	var out []string
	for _, l := range Languages {
		if _, ok := t[l.Tag]; !ok {
			out = append(out, l.Tag)
		}
	}
	return out
}

// Missing lists "lang: key" for every key English has and another language
// lacks, and every key a language has that English does not. Each page's
// tests call it: a missing translation fails the build, it never falls back.
func (t Table) Missing() []string {
	var out []string
	en := t["en"]
	for tag, m := range t {
		for k := range en {
			if strings.TrimSpace(m[k]) == "" {
				out = append(out, tag+": "+k)
			}
		}
		for k := range m {
			if _, ok := en[k]; !ok {
				out = append(out, tag+": extra "+k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Problems lists everything wrong with the table, for its page's test:
// the languages it does not speak (Unspoken), keys missing or extra
// (Missing), and texts whose {placeholders} are not English's: a
// translation that drops {n} shows no number, and one with a name English
// lacks shows the braces to the person.
func (t Table) Problems() []string {
	var out []string
	for _, tag := range t.Unspoken() {
		out = append(out, tag+": not spoken")
	}
	en := t["en"]
	for tag, m := range t {
		for k, v := range m {
			if e, ok := en[k]; ok && placeholders(v) != placeholders(e) {
				out = append(out, tag+": "+k+" has placeholders ["+placeholders(v)+"], English ["+placeholders(e)+"]")
			}
		}
	}
	sort.Strings(out)
	return append(out, t.Missing()...)
}

// placeholders returns the {name}s in s, sorted, each once.
func placeholders(s string) string {
	var names []string
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		names = append(names, s[i+1:i+j])
		s = s[i+j+1:]
	}
	sort.Strings(names)
	return strings.Join(slices.Compact(names), " ")
}

// T returns the text of key in lang with {name} placeholders replaced from
// kv (name, value, name, value …). A key missing in lang is English's.
func (t Table) T(lang, key string, kv ...string) string {
	s, ok := t[lang][key]
	if !ok {
		s = t["en"][key]
	}
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{"+kv[i]+"}", kv[i+1])
	}
	return s
}

// Pick chooses the page's language: ?lang= if the table speaks it, else the
// most preferred language of Accept-Language that the table speaks, else
// English.
func (t Table) Pick(r *http.Request) Lang {
	if l, ok := LangOf(strings.ToLower(r.URL.Query().Get("lang"))); ok {
		if _, spoken := t[l.Tag]; spoken {
			return l
		}
	}
	for _, tag := range Preferred(r.Header.Get("Accept-Language")) {
		if l, ok := LangOf(tag); ok {
			if _, spoken := t[l.Tag]; spoken {
				return l
			}
		}
	}
	en, _ := LangOf("en")
	return en
}

// maxPreferred bounds the languages read from one Accept-Language header
// (browsers send a handful; the header is the client's to make long).
const maxPreferred = 16

// Preferred returns the primary language subtags of an Accept-Language
// header (RFC 9110 §12.5.4), lower case, most wanted first: by q, then in
// the order given; q=0 ("not this one"), "*" and malformed entries are
// left out. Every language the pages speak is named by its primary subtag
// alone (Languages), so "bn-BD" and "pa-Guru-IN" match bn and pa; a
// general matcher (golang.org/x/text/language, 420 KB of the Worker's
// wasm) would choose the same among them.
func Preferred(header string) []string {
	type pref struct {
		tag string
		q   float64
	}
	var prefs []pref
	for i, part := range strings.Split(header, ",") {
		if i == maxPreferred {
			break
		}
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		tag, _, _ = strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
		if len(tag) < 2 || len(tag) > 8 || strings.Trim(tag, "abcdefghijklmnopqrstuvwxyz") != "" {
			continue
		}
		q := 1.0
		if p := strings.TrimSpace(params); p != "" {
			name, v, ok := strings.Cut(p, "=")
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if !ok || strings.TrimSpace(name) != "q" || err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		if q > 0 {
			prefs = append(prefs, pref{tag, q})
		}
	}
	sort.SliceStable(prefs, func(i, j int) bool { return prefs[i].q > prefs[j].q })
	out := make([]string, len(prefs))
	for i, p := range prefs {
		out[i] = p.tag
	}
	return out
}

// Doc is one rendered page.
type Doc struct {
	Lang    Lang
	Title   string   // plain text
	Styles  []string // logical asset names, e.g. "common/page.css"
	Scripts []string // logical asset names, loaded with defer
	Body    string   // HTML; the page package escapes what it puts in
	// Strings go to the page's script as JSON in
	// <script type="application/json" id="page-strings"> (data, not code:
	// the CSP allows no inline script).
	Strings map[string]string
	// Data are data-* attributes on <body> (names without "data-"): ids
	// and settings the script needs. Escaped here.
	Data map[string]string
	// Camera allows getUserMedia (the gate's scanner): Permissions-Policy
	// camera=(self). Every other page denies it.
	Camera bool
	// Manifest is the logical name of a web app manifest ("" for none).
	Manifest string
	// Switcher links the page in each of these languages (nil: none).
	Switcher []Lang
}

// CSP is the policy of every page: our own scripts, styles and API only, the
// wasm module may compile, images also from data:/blob: (QR codes), and no
// one may frame the page (clickjacking: these pages record doses and show
// codes).
const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self' data: blob:; media-src 'self' blob: data:; connect-src 'self'; worker-src 'self'; " +
	"manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Headers sets the security headers every page response carries, whatever
// its status.
func Headers(w http.ResponseWriter, camera bool) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	cam := "()"
	if camera {
		cam = "(self)"
	}
	h.Set("Permissions-Policy", "camera="+cam+", microphone=(), geolocation=(), payment=()")
}

// Write renders d with status.
func Write(w http.ResponseWriter, r *http.Request, status int, d Doc) {
	Headers(w, d.Camera)
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write([]byte(Render(r, d)))
}

// Render returns d's HTML (Write without the headers; for tests).
func Render(r *http.Request, d Doc) string {
	e := html.EscapeString
	var b strings.Builder
	b.WriteString("<!doctype html>\n<html lang=\"" + e(d.Lang.Tag) + "\" dir=\"" + e(d.Lang.Dir) + "\">\n<head>\n<meta charset=\"utf-8\">\n" +
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" + e(d.Title) + "</title>\n")
	if d.Manifest != "" {
		b.WriteString("<link rel=\"manifest\" href=\"" + e(assets.Path(d.Manifest)) + "\">\n")
	}
	for _, s := range d.Styles {
		b.WriteString("<link rel=\"stylesheet\" href=\"" + e(assets.Path(s)) + "\">\n")
	}
	for _, s := range d.Scripts {
		b.WriteString("<script src=\"" + e(assets.Path(s)) + "\" defer></script>\n")
	}
	b.WriteString("</head>\n<body")
	keys := make([]string, 0, len(d.Data))
	for k := range d.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(" data-" + e(k) + "=\"" + e(d.Data[k]) + "\"")
	}
	b.WriteString(">\n")
	b.WriteString(d.Body)
	if len(d.Switcher) > 0 {
		b.WriteString("\n<nav class=\"langs\" aria-label=\"Language / भाषा\">\n")
		for _, l := range d.Switcher {
			q := url.Values{}
			for k, vs := range r.URL.Query() {
				q[k] = vs
			}
			q.Set("lang", l.Tag)
			cur := ""
			if l.Tag == d.Lang.Tag {
				cur = " aria-current=\"true\""
			}
			b.WriteString("<a href=\"?" + e(q.Encode()) + "\" lang=\"" + e(l.Tag) + "\" hreflang=\"" + e(l.Tag) + "\"" + cur + ">" + e(l.Name) + "</a>\n")
		}
		b.WriteString("</nav>")
	}
	if d.Strings != nil {
		js, _ := json.Marshal(d.Strings) // escapes <, > and &: safe inside <script>
		b.WriteString("\n<script type=\"application/json\" id=\"page-strings\">" + string(js) + "</script>")
	}
	b.WriteString("\n</body>\n</html>\n")
	return b.String()
}
