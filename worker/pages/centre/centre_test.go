package centre

import (
	"html"
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
}

// Every key the page's script and HTML use exists (a typo would show the
// key itself to the vaccinator), and every key exists for a reason.
func TestStringsUsed(t *testing.T) {
	page := body("en")
	for k := range Strings["en"] {
		if strings.HasPrefix(k, "err_") || strings.HasPrefix(k, "ev_") || strings.HasPrefix(k, "status_") || strings.HasPrefix(k, "role_") {
			continue // chosen by the script from an API value
		}
		if !strings.Contains(page, html.EscapeString(Strings["en"][k])) && !scriptUses(t, k) {
			t.Errorf("string %q is used nowhere", k)
		}
	}
	for _, k := range scriptLiteralKeys(t) {
		if _, ok := Strings["en"][k]; !ok {
			t.Errorf("centre.js uses %q, which the table lacks", k)
		}
	}
}

func TestRender(t *testing.T) {
	for _, lang := range []string{"en", "hi", "ur", "bn"} {
		w := httptest.NewRecorder()
		Serve(w, httptest.NewRequest("GET", "/centre?lang="+lang, nil))
		out := w.Body.String()
		if w.Code != 200 || !strings.Contains(out, `lang="`+lang+`"`) || !strings.Contains(out, `autocomplete="one-time-code"`) {
			t.Fatalf("%s: %d\n%s", lang, w.Code, out)
		}
		if lang == "ur" && !strings.Contains(out, `dir="rtl"`) {
			t.Fatal("Urdu is not right to left")
		}
		if !strings.Contains(w.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Fatalf("headers %v", w.Header())
		}
		// Every input and select has a label.
		for _, id := range regexp.MustCompile(`<(?:input|select) id="([^"]+)"`).FindAllStringSubmatch(out, -1) {
			if !strings.Contains(out, `<label for="`+id[1]+`">`) {
				t.Errorf("%s: #%s has no label", lang, id[1])
			}
		}
	}
	w := httptest.NewRecorder()
	Serve(w, httptest.NewRequest("POST", "/centre", nil))
	if w.Code != 405 {
		t.Fatalf("POST /centre: %d", w.Code)
	}
}

func readScript(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../../site/src/pages/centre/centre.js")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// scriptLiteralKeys are the literal keys centre.js passes to t().
func scriptLiteralKeys(t *testing.T) []string {
	var out []string
	for _, m := range regexp.MustCompile(`\bt\('([a-z0-9_]+)'\s*[,)]`).FindAllStringSubmatch(readScript(t), -1) {
		out = append(out, m[1])
	}
	return out
}

// scriptUses reports whether centre.js names key as a string (not only
// as an element id, $('key')).
func scriptUses(t *testing.T, key string) bool {
	js := readScript(t)
	return strings.Count(js, "'"+key+"'") > strings.Count(js, "$('"+key+"'")
}

// The script is handed every string it uses.
func TestScriptStrings(t *testing.T) {
	handed := scriptStrings("en")
	for k := range Strings["en"] {
		if _, ok := handed[k]; !ok && scriptUses(t, k) {
			t.Errorf("centre.js uses %q, which the page does not hand it (scriptKeys)", k)
		}
	}
	for _, k := range scriptKeys {
		if _, ok := Strings["en"][k]; !ok || !scriptUses(t, k) {
			t.Errorf("scriptKeys lists %q, which the table lacks or the script does not use", k)
		}
	}
}
