package page

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHeadersNeverFramedNoInlineScript(t *testing.T) {
	w := httptest.NewRecorder()
	Write(w, httptest.NewRequest("GET", "/x", nil), 200, Doc{Lang: Languages[0], Title: "t", Body: "<main></main>"})
	csp := w.Header().Get("Content-Security-Policy")
	for _, want := range []string{"frame-ancestors 'none'", "script-src 'self' 'wasm-unsafe-eval';", "default-src 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || w.Header().Get("X-Frame-Options") != "DENY" {
		t.Errorf("headers %v", w.Header())
	}
	if !strings.Contains(w.Header().Get("Permissions-Policy"), "camera=()") {
		t.Errorf("camera allowed without Camera: %v", w.Header())
	}
}

func TestRenderEscapes(t *testing.T) {
	ur, _ := LangOf("ur")
	r := httptest.NewRequest("GET", "/book?x=%22%3E", nil)
	out := Render(r, Doc{Lang: ur, Title: `<b>"`, Data: map[string]string{"a": `"><script>`},
		Strings: map[string]string{"k": "</script><script>alert(1)</script>"}, Switcher: Languages[:2]})
	if strings.Contains(out, "<script>") || strings.Contains(out, `"><`) || !strings.Contains(out, `dir="rtl"`) {
		t.Fatalf("not escaped or not rtl:\n%s", out)
	}
}

func TestPickAndMissing(t *testing.T) {
	tab := Table{"en": {"a": "A", "b": "B {n}"}, "hi": {"a": "अ", "b": "ब {n}"}, "ur": {"a": "ا"}}
	if m := tab.Missing(); len(m) != 1 || m[0] != "ur: b" {
		t.Errorf("Missing = %v", m)
	}
	r := httptest.NewRequest("GET", "/?lang=hi", nil)
	if l := tab.Pick(r); l.Tag != "hi" {
		t.Errorf("?lang=hi picked %v", l)
	}
	r = httptest.NewRequest("GET", "/?lang=ta", nil) // not spoken by this table
	r.Header.Set("Accept-Language", "ur-PK, en;q=0.5")
	if l := tab.Pick(r); l.Tag != "ur" || l.Dir != "rtl" {
		t.Errorf("Accept-Language ur picked %v", l)
	}
	if s := tab.T("hi", "b", "n", "2"); s != "ब 2" {
		t.Errorf("T = %q", s)
	}
}

// Accept-Language is read by q, then order; q=0, "*" and malformed entries
// are left out; regions and scripts match their language.
func TestPreferred(t *testing.T) {
	for _, c := range []struct{ header, want string }{
		{"", ""},
		{"hi-IN,hi;q=0.9,en-US;q=0.8,en;q=0.7", "hi hi en en"},
		{"en;q=0.5, bn-BD", "bn en"},
		{"ta;q=0, te", "te"},
		{"*, pa-Guru-IN;q=0.3", "pa"},
		{"ml_IN;q=0.4, kn;q=0.8, x;q=1, mr;q=abc, or;level=1, gu;q=2", "kn ml"},
		{strings.Repeat("as;q=0.1,", 20) + "ur", "as as as as as as as as as as as as as as as as"},
	} {
		if got := strings.Join(Preferred(c.header), " "); got != c.want {
			t.Errorf("Preferred(%q) = %q, want %q", c.header, got, c.want)
		}
	}
	tab := Table{"en": {}, "hi": {}, "bn": {}}
	for header, want := range map[string]string{"ta, bn-IN;q=0.9, hi;q=0.8": "bn", "fr, de": "en", "": "en", "HI": "hi"} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Language", header)
		if l := tab.Pick(r); l.Tag != want {
			t.Errorf("Pick with %q = %s, want %s", header, l.Tag, want)
		}
	}
}

// TestProblems: a table's test fails on a language it does not speak, a
// key missing or extra, and a placeholder dropped, invented or misspelt.
func TestProblems(t *testing.T) {
	tab := Table{}
	for _, l := range Languages {
		tab[l.Tag] = map[string]string{"a": "x {n} of {m}", "b": "y"}
	}
	if p := tab.Problems(); len(p) != 0 {
		t.Fatalf("a complete table: %v", p)
	}
	tab["hi"] = map[string]string{"a": "{m} में से {n} {n}", "b": "य"} // the same names, in another order, one twice
	delete(tab, "as")
	tab["ur"] = map[string]string{"a": "x {m}"}
	tab["ta"] = map[string]string{"a": "x {n} {m} {k}", "b": "y", "c": "z"}
	tab["bn"] = map[string]string{"a": "x {nn} of {m}", "b": "y"}
	want := []string{
		"as: not spoken",
		"bn: a has placeholders [m nn], English [m n]",
		"ta: a has placeholders [k m n], English [m n]",
		"ur: a has placeholders [m], English [m n]",
		"ta: extra c",
		"ur: b",
	}
	if got := tab.Problems(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
