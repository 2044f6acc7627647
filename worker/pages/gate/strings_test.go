package gate

import "testing"

// Every language has every key, with English's placeholders, and every
// key the script asks for exists.
func TestStrings(t *testing.T) {
	for _, p := range Strings.Problems() {
		t.Error(p)
	}
	for _, k := range scriptKeys {
		if _, ok := Strings["en"][k]; !ok {
			t.Errorf("script key %q has no string", k)
		}
	}
}
