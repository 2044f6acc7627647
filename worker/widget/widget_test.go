package widget

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

var rail = &Entity{
	ID:          "ent_rail",
	DisplayName: `Indian <b>Railways</b> & "Co"`,
	Purpose:     "Boarding <script>alert(1)</script>",
	Origins:     []string{"https://rail.example", "http://localhost:8788", "https://evil.example; script-src *"},
}

func get(t *testing.T, e *Entity, query string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", "/widget?"+query, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	Serve(w, r, e)
	return w
}

func TestServePage(t *testing.T) {
	w := get(t, rail, "entity=ent_rail&nonce=abcdefgh12345678&lang=en&wid=w1&origin=http://localhost:8788")
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	csp := w.Header().Get("Content-Security-Policy")
	for _, want := range []string{"frame-ancestors https://rail.example http://localhost:8788", "script-src 'self' 'wasm-unsafe-eval'", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "evil") {
		t.Errorf("malformed origin reached the CSP: %q", csp)
	}
	body := w.Body.String()
	if strings.Contains(body, "<b>Railways</b>") || strings.Contains(body, "<script>alert") {
		t.Error("entity text not escaped")
	}
	if !strings.Contains(body, "Indian &lt;b&gt;Railways&lt;/b&gt; &amp; &#34;Co&#34; asks whether you are vaccinated.") {
		t.Error("registered name missing")
	}
	if strings.Count(body, "<script") != 2 || !strings.Contains(body, `<script src="/a/widget`) || !strings.Contains(body, `type="application/json"`) {
		t.Error("want exactly the external script and the JSON strings block")
	}
	if strings.Contains(body, `\u003cb\u003e`) == false {
		t.Error("strings JSON should carry the escaped entity name")
	}
	if !strings.Contains(body, `autocomplete="one-time-code"`) || !strings.Contains(body, `aria-live="polite"`) {
		t.Error("one-time-code input or live region missing")
	}
	if !strings.Contains(body, `data-origin="http://localhost:8788"`) {
		t.Error("origin not passed to the script")
	}
}

func TestServeLanguages(t *testing.T) {
	for code, dir := range map[string]string{"en": "ltr", "hi": "ltr", "ur": "rtl", "bn": "ltr"} {
		w := get(t, rail, "nonce=abcdefgh12345678&origin=https://rail.example&lang="+code)
		if w.Code != 200 || !strings.Contains(w.Body.String(), `<html lang="`+code+`" dir="`+dir+`" data-theme="auto">`) {
			t.Errorf("lang %s: status %d, want dir %s", code, w.Code, dir)
		}
	}
	w := get(t, rail, "nonce=abcdefgh12345678&origin=https://rail.example", "Accept-Language", "ur-PK,ur;q=0.9")
	if !strings.Contains(w.Body.String(), `dir="rtl"`) {
		t.Error("Accept-Language ur not honoured")
	}
}

func TestServeRefuses(t *testing.T) {
	w := get(t, nil, "entity=ent_nope&nonce=abcdefgh12345678")
	if w.Code != http.StatusNotFound || !strings.Contains(w.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("unknown entity: %d %q", w.Code, w.Header().Get("Content-Security-Policy"))
	}
	for name, q := range map[string]string{
		"no nonce":      "origin=https://rail.example",
		"short nonce":   "nonce=abc&origin=https://rail.example",
		"odd nonce":     "nonce=abcdefgh%3Cscript&origin=https://rail.example",
		"bad widget id": "nonce=abcdefgh12345678&origin=https://rail.example&wid=%22x",
	} {
		if w := get(t, rail, q); w.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d", name, w.Code)
		}
	}
	// An origin that is not the entity's is 403, before the nonces are
	// looked at: embed.js reports it to the host as invalid_origin.
	for name, q := range map[string]string{
		"foreign origin":    "nonce=abcdefgh12345678&origin=https://other.example",
		"ambiguous origin":  "nonce=abcdefgh12345678",
		"foreign, no nonce": "origin=https://other.example",
	} {
		if w := get(t, rail, q); w.Code != http.StatusForbidden {
			t.Errorf("%s: status %d", name, w.Code)
		}
	}
	r := httptest.NewRequest("POST", "/widget", nil)
	rw := httptest.NewRecorder()
	Serve(rw, r, rail)
	if rw.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rw.Code)
	}
}

func TestTranslationsComplete(t *testing.T) {
	en := langs["en"].Strings
	for code, l := range langs {
		for k := range en {
			if l.Strings[k] == "" {
				t.Errorf("%s lacks %q", code, k)
			}
		}
		for k := range l.Strings {
			if _, ok := en[k]; !ok {
				t.Errorf("%s has unknown key %q", code, k)
			}
		}
	}
	for _, k := range scriptKeys {
		if en[k] == "" {
			t.Errorf("script key %q has no English string", k)
		}
	}
}
