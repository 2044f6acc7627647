package widget

import (
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/kycvs/kycvs/worker/chars"
)

// fill's placeholders are what \{\{(t )?([A-Za-z_.]+)\}\} matched, with
// the same parts: on random text, the regular expression and chars.Fill
// with placeholder replace the same places the same way.
func TestPlaceholderAsRegexp(t *testing.T) {
	re := regexp.MustCompile(`\{\{(t )?([A-Za-z_.]+)\}\}`)
	rng := rand.New(rand.NewPCG(3, 4))
	const alphabet = "{{}}t .aZ_1"
	for i := range 20000 {
		b := make([]byte, rng.IntN(24))
		for j := range b {
			b[j] = alphabet[rng.IntN(len(alphabet))]
		}
		text := string(b)
		want := re.ReplaceAllStringFunc(text, func(m string) string {
			sub := re.FindStringSubmatch(m)
			return "<" + sub[1] + "|" + sub[2] + ">"
		})
		got := chars.Fill(text, placeholder, func(in string) string {
			if key, ok := cutTranslation(in); ok {
				return "<t |" + key + ">"
			}
			return "<|" + in + ">"
		})
		if got != want {
			t.Fatalf("text %d %q: Fill %q, regexp %q", i, text, got, want)
		}
	}
}
