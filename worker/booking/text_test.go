package booking

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kycvs/kycvs/worker/sms"
)

func textPlaceholders(s string) []string {
	ps := regexp.MustCompile(`\{[a-z_]+\}`).FindAllString(s, -1)
	slices.Sort(ps)
	return slices.Compact(ps)
}

// TestTextsEveryLanguage fails on an SMS language without a slip or dose
// text and on a placeholder English has and a translation lacks (a slip
// without {code} would send no security code at all). With -v it logs each
// message's size for sample values.
func TestTextsEveryLanguage(t *testing.T) {
	sample := []string{"{id}", "APT-7K2Q9X", "{name}", "Ramesh Kumar", "{centre}", "PHC Sector 12 Noida",
		"{date}", "2026-12-01", "{time}", "10:30", "{code}", "4821", "{n}", "2", "{vaccine}", "Covishield"}
	for name, texts := range map[string]map[string]string{"slip": slipTexts, "dose": doseTexts} {
		if len(texts) != len(sms.Languages) {
			t.Errorf("%s: %d texts for %d languages", name, len(texts), len(sms.Languages))
		}
		for _, l := range sms.Languages {
			s, ok := texts[l]
			if !ok || strings.TrimSpace(s) == "" {
				t.Errorf("%s: no text in %s", name, l)
				continue
			}
			if want, got := textPlaceholders(texts["en"]), textPlaceholders(s); !slices.Equal(want, got) {
				t.Errorf("%s %s: placeholders %v, English has %v", name, l, got, want)
			}
			body := text(texts, l, sample...)
			enc, units, parts := sms.Segments(body)
			t.Logf("%-5s %-3s %s %4d units, %d SMS", name, l, enc, units, parts)
		}
	}
}
