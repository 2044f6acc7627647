package book

import (
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestStringsComplete(t *testing.T) {
	for _, p := range Strings.Problems() {
		t.Error(p)
	}
	// Every {{key}} of the HTML and every KP.t("key") of the script is in the
	// table (a typo would show the key to the person).
	for _, m := range regexp.MustCompile(`\{\{([a-z_0-9]+)\}\}`).FindAllStringSubmatch(body, -1) {
		if _, ok := Strings["en"][m[1]]; !ok {
			t.Errorf("body uses %q, not in the table", m[1])
		}
	}
}

func TestPageHeadersAndLanguages(t *testing.T) {
	for lang, want := range map[string]string{"en": "Book a vaccination", "hi": "टीकाकरण बुक करें", "ur": "ٹیکہ کاری بک کریں", "bn": "টিকা বুক করুন"} {
		w := httptest.NewRecorder()
		Serve(w, httptest.NewRequest("GET", "/book?lang="+lang, nil))
		h := w.Header()
		csp := h.Get("Content-Security-Policy")
		if w.Code != 200 || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") ||
			!strings.Contains(csp, "script-src 'self'") || h.Get("X-Frame-Options") != "DENY" {
			t.Fatalf("%s: %d %v", lang, w.Code, h)
		}
		out := w.Body.String()
		if !strings.Contains(out, "<h1>"+want+"</h1>") || strings.Contains(out, "{{") {
			t.Errorf("%s: page lacks its heading or has a placeholder left", lang)
		}
		// No inline script: every <script> is either src= or JSON data.
		for _, s := range regexp.MustCompile(`<script[^>]*>`).FindAllString(out, -1) {
			if !strings.Contains(s, ` src="`) && !strings.Contains(s, `type="application/json"`) {
				t.Errorf("%s: inline script %s", lang, s)
			}
		}
		if regexp.MustCompile(`\son[a-z]+=`).MatchString(out) || strings.Contains(out, " style=") {
			t.Errorf("%s: inline handler or style attribute", lang)
		}
		if lang == "ur" && !strings.Contains(out, `dir="rtl"`) {
			t.Errorf("Urdu page is not rtl")
		}
	}
	w := httptest.NewRecorder()
	Serve(w, httptest.NewRequest("POST", "/book", nil))
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Content-Security-Policy") == "" {
		t.Fatalf("POST /book: %d", w.Code)
	}
}

// Every t('key') of book.js is in the table; err_<code> keys are checked by
// the API's table (any code without one shows err_generic).
func TestScriptKeysInTable(t *testing.T) {
	js, err := os.ReadFile("../../../site/src/pages/book/book.js")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range regexp.MustCompile(`\bt\('([a-z_0-9]+)'`).FindAllStringSubmatch(string(js), -1) {
		n++
		if _, ok := Strings["en"][m[1]]; !ok {
			t.Errorf("book.js uses %q, not in the table", m[1])
		}
	}
	for _, k := range []string{"status_0", "status_1", "status_2", "st_live", "st_cancelled", "st_done", "st_locked"} {
		if _, ok := Strings["en"][k]; !ok {
			t.Errorf("book.js builds %q, not in the table", k)
		}
	}
	if n < 20 {
		t.Fatalf("only %d keys found in book.js: the pattern is stale", n)
	}
}
