package widget

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// A page for several nonces is a family check: one block per traveller,
// the code and consent screens, every string translated in every language.
func TestServeFamily(t *testing.T) {
	q := "nonce=abcdefgh00000001&nonce=abcdefgh00000002&nonce=abcdefgh00000003&origin=https://rail.example&wid=w1&lang="
	for _, code := range langOrder {
		w := get(t, rail, q+code)
		if w.Code != 200 {
			t.Fatalf("%s: status %d", code, w.Code)
		}
		body := w.Body.String()
		if !strings.Contains(body, `data-nonce="abcdefgh00000001 abcdefgh00000002 abcdefgh00000003"`) {
			t.Errorf("%s: the nonces are not given to the script", code)
		}
		if !strings.Contains(body, `<form id="start" novalidate hidden>`) || !strings.Contains(body, `<form id="travellers" novalidate>`) {
			t.Errorf("%s: the family form is not the one shown", code)
		}
		for i, want := range []string{"1", "2", "3"} {
			for _, id := range []string{"tname-", "tother-", "tmobile-"} {
				if !strings.Contains(body, `id="`+id+want+`"`) {
					t.Errorf("%s: traveller %d has no #%s%s", code, i+1, id, want)
				}
			}
		}
		if strings.Contains(body, `id="tname-4"`) {
			t.Errorf("%s: a fourth traveller", code)
		}
		l := langs[code]
		for _, k := range []string{"asks_family", "shared_only_family", "family_mobile_hint", "other_mobile", "codes_intro",
			"continue", "consent_heading", "consent_list_intro", "consent_family", "back"} {
			s := l.t(k, "entity", rail.DisplayName, "n", "3")
			if s == langs["en"].Strings[k] && code != "en" {
				t.Errorf("%s: %s is not translated", code, k)
			}
		}
		if !strings.Contains(body, htmlText(l.t("traveller_n", "n", "3"))) || !strings.Contains(body, htmlText(l.t("asks_family", "entity", rail.DisplayName, "n", "3"))) {
			t.Errorf("%s: traveller legend or question missing", code)
		}
		if regexp.MustCompile(`\{[a-z_]+\}`).MatchString(stripStrings(body)) {
			t.Errorf("%s: a placeholder was left unfilled", code)
		}
	}
	// One nonce is today's page: no family forms.
	w := get(t, rail, "nonce=abcdefgh00000001&origin=https://rail.example")
	if body := w.Body.String(); strings.Contains(body, `id="travellers"`) || strings.Contains(body, `<form id="start" novalidate hidden>`) {
		t.Error("a single check's page has the family forms")
	}
}

func TestServeFamilyRefuses(t *testing.T) {
	n := func(i int) string { return "nonce=abcdefgh0000000" + string(rune('0'+i)) }
	seven := []string{}
	for i := range 7 {
		seven = append(seven, n(i))
	}
	for name, q := range map[string]string{
		"seven nonces":     strings.Join(seven, "&"),
		"a nonce twice":    n(1) + "&" + n(2) + "&" + n(1),
		"a bad nonce":      n(1) + "&nonce=abc",
		"an empty nonce":   n(1) + "&nonce=",
		"a nonce with <":   n(1) + "&nonce=abcdefgh%3Cscript",
		"a space in nonce": "nonce=abcdefgh00000001%20abcdefgh00000002",
	} {
		if w := get(t, rail, q+"&origin=https://rail.example"); w.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d", name, w.Code)
		}
	}
	six := strings.Join(seven[:6], "&")
	if w := get(t, rail, six+"&origin=https://rail.example"); w.Code != 200 || !strings.Contains(w.Body.String(), `id="tname-6"`) {
		t.Errorf("six nonces: %d", w.Code)
	}
}

// The strings widget.js uses for a family check are given to it, filled
// with the entity's name where they say it.
func TestFamilyScriptStrings(t *testing.T) {
	for _, k := range []string{"code_for", "code_checked", "list_sep", "shared_item", "sent_many", "done_family",
		"result_item", "result_mismatch", "err_tname", "err_tmobile", "err_same_name"} {
		found := false
		for _, s := range scriptKeys {
			found = found || s == k
		}
		if !found {
			t.Errorf("%s is not a script key", k)
		}
	}
	if langs["ur"].Strings["list_sep"] != "، " {
		t.Errorf("Urdu lists are separated by the Arabic comma")
	}
}

func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// stripStrings removes the JSON strings block, whose {placeholders} are
// widget.js's to fill.
func stripStrings(body string) string {
	i := strings.Index(body, `<script type="application/json"`)
	if i < 0 {
		return body
	}
	return body[:i]
}
