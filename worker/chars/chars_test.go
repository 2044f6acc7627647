package chars

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

func TestOfRun(t *testing.T) {
	s := Of("a-c_9")
	for _, c := range []struct {
		str  string
		want bool
	}{{"abc_9", true}, {"abd", false}, {"", true}, {"A", false}} {
		if got := s.All(c.str); got != c.want {
			t.Errorf("All(%q) = %v", c.str, got)
		}
	}
	if !Run("x_ab", "x_", s, 1, 2) || Run("x_", "x_", s, 1, 2) || Run("x_abc", "x_", s, 1, 2) || Run("y_ab", "x_", s, 1, 2) {
		t.Error("Run")
	}
}

// Fill does what ReplaceAllStringFunc of the expressions it replaced did,
// on random text made of braces, names and spaces.
func TestFillAsRegexp(t *testing.T) {
	names := Of("A-Za-z_.")
	keys := Of("a-z_0-9")
	cases := []struct {
		re    *regexp.Regexp
		valid func(string) bool
	}{
		{regexp.MustCompile(`\{\{(t )?([A-Za-z_.]+)\}\}`), func(in string) bool {
			if len(in) > 2 && in[:2] == "t " && names.All(in[2:]) {
				return true
			}
			return in != "" && names.All(in)
		}},
		{regexp.MustCompile(`\{\{([a-z_0-9]+)\}\}`), func(in string) bool { return in != "" && keys.All(in) }},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "{{}}t .aZ_1-"
	for i := range 20000 {
		b := make([]byte, rng.IntN(24))
		for j := range b {
			b[j] = alphabet[rng.IntN(len(alphabet))]
		}
		text := string(b)
		for k, c := range cases {
			want := c.re.ReplaceAllStringFunc(text, func(m string) string { return "<" + m[2:len(m)-2] + ">" })
			got := Fill(text, c.valid, func(in string) string { return "<" + in + ">" })
			if got != want {
				t.Fatalf("case %d, text %d %q: Fill %q, regexp %q", k, i, text, got, want)
			}
		}
	}
}
