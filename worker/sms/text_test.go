package sms

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kycvs/kycvs/worker/page"
)

// placeholders returns the {name} placeholders of s, sorted, once each.
func placeholders(s string) []string {
	ps := regexp.MustCompile(`\{[a-z_]+\}`).FindAllString(s, -1)
	slices.Sort(ps)
	return slices.Compact(ps)
}

func TestLanguagesArePageLanguages(t *testing.T) {
	var tags []string
	for _, l := range page.Languages {
		tags = append(tags, l.Tag)
	}
	if !slices.Equal(tags, Languages) {
		t.Fatalf("sms.Languages %v, page.Languages %v: the widget's language must be one its SMS is written in", Languages, tags)
	}
}

// TestTextsComplete fails on a language without a text and on a
// placeholder English has and a translation lacks (or invents).
func TestTextsComplete(t *testing.T) {
	for name, texts := range map[string]map[string]string{"status": otpTexts, "booking": bookingTexts, "walk_in": walkInTexts} {
		if len(texts) != len(Languages) {
			t.Errorf("%s: %d texts for %d languages", name, len(texts), len(Languages))
		}
		for _, l := range Languages {
			s := texts[l]
			if strings.TrimSpace(s) == "" {
				t.Errorf("%s: no text in %s", name, l)
				continue
			}
			if want, got := placeholders(texts["en"]), placeholders(s); !slices.Equal(want, got) {
				t.Errorf("%s %s: placeholders %v, English has %v", name, l, got, want)
			}
			if !strings.HasPrefix(s, "{otp}") {
				t.Errorf("%s %s: the code should come first (it is what a notification shows): %q", name, l, s)
			}
		}
	}
}

// otpSample is an OTP message as the service sends it: for the status
// check framed by www.irctc.co.in, for a 15-character entity name; for a
// walk-in at a 19-character centre; booking names neither.
func otpSample(purpose, lang string) string {
	switch purpose {
	case "status":
		return OTPText(purpose, lang, "Indian Railways", "123456", "kycvs.example", "www.irctc.co.in", 3)
	case "walk_in":
		return OTPText(purpose, lang, "PHC Sector 12 Noida", "123456", "kycvs.example", "", 3)
	}
	return OTPText(purpose, lang, "", "123456", "kycvs.example", "", 3)
}

// TestOTPSegments keeps every OTP message within two SMS: a third part
// costs a third charge and can arrive after the first two (the code is
// useless until the last part, which carries the WebOTP line, is in).
// Run with -v for the table.
func TestOTPSegments(t *testing.T) {
	t.Logf("%-8s %-4s %-6s %5s %5s", "purpose", "lang", "enc", "units", "parts")
	for _, p := range []string{"status", "booking", "walk_in"} {
		for _, l := range Languages {
			s := otpSample(p, l)
			enc, units, parts := Segments(s)
			t.Logf("%-8s %-4s %-6s %5d %5d", p, l, enc, units, parts)
			if parts > 2 {
				t.Errorf("%s %s: %d %s units, %d SMS: %q", p, l, units, enc, parts, s)
			}
			if (l == "en") != (enc == GSM7) {
				t.Errorf("%s %s: sent as %s", p, l, enc)
			}
		}
	}
}

func TestSegments(t *testing.T) {
	for _, c := range []struct {
		body  string
		enc   Encoding
		units int
		parts int
	}{
		{"", GSM7, 0, 0},
		{strings.Repeat("a", 160), GSM7, 160, 1},
		{strings.Repeat("a", 161), GSM7, 161, 2},
		{strings.Repeat("a", 306), GSM7, 306, 2},
		{strings.Repeat("a", 307), GSM7, 307, 3},
		{"€[]", GSM7, 6, 1}, // extension characters cost two septets
		{"@£¥èÄ\n", GSM7, 6, 1},
		{strings.Repeat("a", 69) + "…", UCS2, 70, 1}, // one non-GSM character makes all UCS-2
		{strings.Repeat("क", 71), UCS2, 71, 2},
		{strings.Repeat("क", 134), UCS2, 134, 2},
		{strings.Repeat("क", 135), UCS2, 135, 3},
		{"😀", UCS2, 2, 1}, // a surrogate pair is two units
	} {
		enc, units, parts := Segments(c.body)
		if enc != c.enc || units != c.units || parts != c.parts {
			t.Errorf("Segments(%.20q…) = %s %d %d, want %s %d %d", c.body, enc, units, parts, c.enc, c.units, c.parts)
		}
	}
}

// TestOTPWebOTPLineEveryLanguage: whatever the language, the message ends
// in WebOTP's line, framed form included, so Android Chrome can fill the
// code in the widget.
func TestOTPWebOTPLineEveryLanguage(t *testing.T) {
	for _, p := range []string{"status", "booking", "walk_in"} {
		for _, l := range Languages {
			s := OTPText(p, l, "Indian Railways", "123456", "kycvs.example", "www.irctc.co.in", 3)
			if !strings.HasSuffix(s, "\n\n@www.irctc.co.in #123456 @kycvs.example") || strings.Count(s, "123456") != 2 {
				t.Errorf("%s %s: %q", p, l, s)
			}
		}
	}
}
