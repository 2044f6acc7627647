package names

import "testing"

func TestNormalize(t *testing.T) {
	same := [][2]string{
		{"Ramesh Kumar", "  ramesh   KUMAR "},
		{"Ramesh Kumar", "Ｒａｍｅｓｈ　Ｋｕｍａｒ"}, // full-width letters and ideographic space
		{"José", "Jose\u0301"},           // composed vs decomposed
		{"रमेश कुमार", "रमेश\t कुमार"},
		{"محمد علی", "محمد   علی "},
		{"সুমন দাস", " সুমন দাস"},
		{"STRASSE", "straße"},
		{"KELVIN", "\u212aelvin"}, // Kelvin sign folds to k
		{"ΣΊΣΥΦΟΣ", "σίσυφος"},
		{"ǅemal", "ǆemal"},
	}
	for _, c := range same {
		if a, b := Normalize(c[0]), Normalize(c[1]); a != b {
			t.Errorf("Normalize(%q) = %q, Normalize(%q) = %q; want equal", c[0], a, c[1], b)
		}
	}
	differ := [][2]string{
		{"Ramesh", "रमेश"},
		{"Ramesh Kumar", "RameshKumar"},
		{"Anita", "Anitha"},
	}
	for _, c := range differ {
		if Normalize(c[0]) == Normalize(c[1]) {
			t.Errorf("Normalize(%q) == Normalize(%q); want different", c[0], c[1])
		}
	}
}

func TestNormalizeIdempotent(t *testing.T) {
	for _, s := range []string{"Ramesh  KUMAR", "Ｒａｍｅｓｈ", "ǅemal", "ΣΊΣΥΦΟΣ", "मोहन लाल", "محمد عارف", "সুমন দাস", "ﬁnn", "İstanbul"} {
		n := Normalize(s)
		if Normalize(n) != n {
			t.Errorf("Normalize(Normalize(%q)) = %q, want %q", s, Normalize(n), n)
		}
	}
}

func TestValid(t *testing.T) {
	for _, s := range []string{"A", "Ramesh Kumar", "रमेश", "محمد", "সুমন", "Anne-Marie O'Neil"} {
		if !Valid(s) {
			t.Errorf("Valid(%q) = false", s)
		}
	}
	long := ""
	for range 101 {
		long += "a"
	}
	for _, s := range []string{"", "   ", "a\x00b", "a\nb", "\xff", "a\u202eb", long} {
		if Valid(s) {
			t.Errorf("Valid(%q) = true", s)
		}
	}
}
