package widget

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kycvs/kycvs/worker/api"
)

// embedHead asks as embed.js does when a widget did not show: HEAD, which
// any origin may read.
func embedHead(e *Entity, query string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodHead, "/widget?"+query, nil)
	r.Header.Set("Origin", "https://other.example")
	w := httptest.NewRecorder()
	Serve(w, r, e)
	return w
}

// The statuses embed.js explains a blank frame with: each readable from any
// origin with HEAD, none with a body; GET is never readable cross-origin.
func TestEmbedHeadExplainsRefusals(t *testing.T) {
	for _, c := range []struct {
		what   string
		e      *Entity
		query  string
		status int
	}{
		{"shows", rail, "nonce=abcdefgh12345678&origin=https://rail.example", http.StatusOK},
		{"unknown entity", nil, "entity=ent_nope&nonce=abcdefgh12345678&origin=https://rail.example", http.StatusNotFound},
		{"unregistered origin", rail, "nonce=abcdefgh12345678&origin=https://other.example", http.StatusForbidden},
		{"bad nonce", rail, "nonce=abc&origin=https://rail.example", http.StatusBadRequest},
	} {
		w := embedHead(c.e, c.query)
		if w.Code != c.status || w.Header().Get("Access-Control-Allow-Origin") != "*" || w.Body.Len() != 0 {
			t.Errorf("%s: %d ACAO %q body %d bytes, want %d readable and empty", c.what, w.Code,
				w.Header().Get("Access-Control-Allow-Origin"), w.Body.Len(), c.status)
		}
	}
	if w := get(t, rail, "nonce=abcdefgh12345678&origin=https://rail.example"); w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Error("GET /widget is readable cross-origin")
	}
}

func TestEmbedTheme(t *testing.T) {
	for param, want := range map[string]string{"": "auto", "auto": "auto", "light": "light", "dark": "dark", "DARK": "auto", `"x`: "auto"} {
		w := get(t, rail, "nonce=abcdefgh12345678&origin=https://rail.example&theme="+param)
		if !strings.Contains(w.Body.String(), `<html lang="en" dir="ltr" data-theme="`+want+`">`) {
			t.Errorf("theme %q: want data-theme %q", param, want)
		}
	}
}

// Every code the host page can be told has the widget's words in every
// language, and the page hands them and the list to widget.js.
func TestEmbedHostCodesHaveWords(t *testing.T) {
	for code, l := range langs {
		for _, c := range api.HostCodes {
			if l.Strings["err_"+c] == "" {
				t.Errorf("%s has no words for host code %s (err_%s)", code, c, c)
			}
		}
	}
	body := get(t, rail, "nonce=abcdefgh12345678&origin=https://rail.example&lang=ur").Body.String()
	if !strings.Contains(body, `data-codes="`+strings.Join(api.HostCodes, " ")+`"`) {
		t.Error("the page does not list the host codes for widget.js")
	}
	for _, c := range api.HostCodes {
		if !strings.Contains(body, `"err_`+c+`":`) {
			t.Errorf("the page's strings lack err_%s", c)
		}
	}
}
