package gate

import (
	"strings"
	"testing"
)

// Every language has every key, and every key the script asks for exists.
func TestStrings(t *testing.T) {
	if m := Strings.Missing(); len(m) > 0 {
		t.Fatalf("missing strings: %v", m)
	}
	if got := len(Strings.Langs()); got != 4 {
		t.Errorf("%d languages, want en, hi, ur, bn", got)
	}
	for _, k := range scriptKeys {
		if _, ok := Strings["en"][k]; !ok {
			t.Errorf("script key %q has no string", k)
		}
	}
	for tag, m := range Strings {
		for k, v := range m {
			if strings.Count(v, "{") != strings.Count(Strings["en"][k], "{") {
				t.Errorf("%s %s: placeholders differ from English: %q", tag, k, v)
			}
		}
	}
}
