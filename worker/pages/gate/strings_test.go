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
	if u := Strings.Unspoken(); len(u) > 0 {
		t.Errorf("not in %v", u)
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
