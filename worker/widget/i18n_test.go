package widget

import (
	"html"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kycvs/kycvs/worker/page"
)

// placeholders returns the {name} placeholders of s, sorted, once each.
func placeholders(s string) []string {
	ps := regexp.MustCompile(`\{[a-z_]+\}`).FindAllString(s, -1)
	slices.Sort(ps)
	return slices.Compact(ps)
}

// TestI18nEveryLanguageComplete fails on a language of page.Languages the
// widget does not speak, on a key a language lacks or English does not
// have, and on a placeholder English has and a translation drops (or one
// it invents: a typo such as {entiy} would be shown to people verbatim).
func TestI18nEveryLanguageComplete(t *testing.T) {
	for _, p := range table.Problems() {
		t.Error(p)
	}
	en := langs["en"].Strings
	for tag, l := range langs {
		for k, s := range l.Strings {
			if tag != "en" && k != "list_sep" && k != "result_item" && s == en[k] {
				t.Errorf("%s %s is the English text", tag, k)
			}
		}
	}
}

// TestI18nNegotiation: the host's lang wins when the widget speaks it, then
// the browser's Accept-Language, then English; each language renders with
// its direction and the switcher lists all thirteen in their own names.
func TestI18nNegotiation(t *testing.T) {
	for _, l := range page.Languages {
		w := get(t, rail, "nonce=abcdefgh12345678&origin=https://rail.example&lang="+l.Tag, "Accept-Language", "en")
		body := w.Body.String()
		if w.Code != 200 || !strings.Contains(body, `<html lang="`+l.Tag+`" dir="`+l.Dir+`" data-theme="auto">`) {
			t.Errorf("lang=%s: status %d, want <html lang=%s dir=%s>", l.Tag, w.Code, l.Tag, l.Dir)
			continue
		}
		if !strings.Contains(body, "<title>"+langs[l.Tag].Strings["title"]+"</title>") {
			t.Errorf("lang=%s: title not in %s", l.Tag, l.Name)
		}
		for _, o := range page.Languages {
			if !strings.Contains(body, `hreflang="`+o.Tag+`"`) || !strings.Contains(body, ">"+o.Name+"</a>") {
				t.Errorf("lang=%s: switcher lacks %s (%s)", l.Tag, o.Tag, o.Name)
			}
		}
		if !strings.Contains(body, `hreflang="`+l.Tag+`" aria-current="true"`) {
			t.Errorf("lang=%s: switcher does not mark it current", l.Tag)
		}
	}
	for al, want := range map[string]string{
		"ta-IN,ta;q=0.9,en;q=0.5": "ta",
		"mr-IN,mr;q=0.9,hi;q=0.8": "mr",
		"as-IN,as;q=0.9,bn;q=0.7": "as",
		"or":                      "or",
		"pa-Guru-IN,en;q=0.5":     "pa",
		"ml-IN":                   "ml",
		"kn,en-IN;q=0.8":          "kn",
		"te-IN":                   "te",
		"gu-IN,hi;q=0.5":          "gu",
		"ur-IN,en;q=0.5":          "ur",
		"bn-BD":                   "bn",
		"fr-FR,de;q=0.8":          "en",
		"":                        "en",
	} {
		w := get(t, rail, "nonce=abcdefgh12345678&origin=https://rail.example", "Accept-Language", al)
		if !strings.Contains(w.Body.String(), `<html lang="`+want+`"`) {
			t.Errorf("Accept-Language %q: want %s, got %s", al, want, htmlLang(w.Body.String()))
		}
	}
	// A language the widget does not speak, from the host, falls to the browser's.
	w := get(t, rail, "nonce=abcdefgh12345678&origin=https://rail.example&lang=fr", "Accept-Language", "te")
	if got := htmlLang(w.Body.String()); got != "te" {
		t.Errorf("lang=fr with Accept-Language te: got %s", got)
	}
	// The unavailable pages speak the negotiated language too.
	r := httptest.NewRequest("GET", "/widget?lang=or&nonce=abcdefgh12345678", nil)
	rw := httptest.NewRecorder()
	Serve(rw, r, nil)
	if !strings.Contains(rw.Body.String(), langs["or"].Strings["page_unknown"]) {
		t.Errorf("unknown entity page not in Odia: %s", rw.Body)
	}
}

func htmlLang(body string) string {
	_, after, _ := strings.Cut(body, `<html lang="`)
	tag, _, _ := strings.Cut(after, `"`)
	return tag
}

// TestI18nEmbedTitles: embed.js names the frame in the widget's language
// before the widget has loaded, so it carries each language's title; they
// must be the widget's, for every language the widget speaks.
func TestI18nEmbedTitles(t *testing.T) {
	js, err := os.ReadFile("../../site/src/embed.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range page.Languages {
		if want := l.Tag + ": '" + langs[l.Tag].Strings["title"] + "'"; !strings.Contains(string(js), want) {
			t.Errorf("embed.js lacks %s", want)
		}
	}
}

// TestI18nFamilyPage renders a three-traveller check in every language:
// the server-rendered markup has every placeholder filled (the page
// script's strings keep theirs, in the JSON block, for widget.js).
func TestI18nFamilyPage(t *testing.T) {
	for _, l := range page.Languages {
		w := get(t, rail, "nonce=abcdefgh12345678&nonce=bcdefgh123456789&nonce=cdefgh1234567890&origin=https://rail.example&lang="+l.Tag)
		body := w.Body.String()
		markup, _, _ := strings.Cut(body, `<script type="application/json"`)
		if w.Code != 200 || !strings.Contains(markup, langs[l.Tag].t("traveller_n", "n", "3")) ||
			!strings.Contains(markup, html.EscapeString(langs[l.Tag].t("asks_family", "entity", rail.DisplayName, "n", "3"))) {
			t.Errorf("%s: family page %d without its travellers or question", l.Tag, w.Code)
		}
		if ps := placeholders(markup); len(ps) > 0 {
			t.Errorf("%s: unfilled %v in the family page", l.Tag, ps)
		}
	}
}
