// Package names normalises personal names for matching. A person types their
// name into the widget, possibly in another script form, case or spacing than
// the registry holds; matching compares the normalised forms. It is not
// transliteration: "Ramesh" and "रमेश" are different names here, and the
// registry stores a beneficiary's name in the script it was registered in.
package names

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxLen bounds a name in runes, before and after normalisation.
const MaxLen = 100

// Normalize returns the matching form of name: Unicode NFKC (so full-width
// letters, ligatures and composed/decomposed accents compare equal), case
// folded, with runs of white space collapsed to one ASCII space and trimmed.
// Zero-width joiners are kept: in Indic scripts they change the letter shown.
//
// Case folding is Unicode simple folding (the unicode package's tables, as
// strings.EqualFold) plus ß → ss, rather than golang.org/x/text/cases: the
// scripts of Indian names other than Latin have no case, and x/text/cases
// would add ~100 KB (gzip) to the worker's wasm.
func Normalize(name string) string {
	s := norm.NFKC.String(name)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		if r == 'ß' || r == 'ẞ' {
			b.WriteString("ss")
			continue
		}
		b.WriteRune(unicode.ToLower(unicode.ToUpper(r)))
	}
	// Lower-casing can produce sequences NFKC composes differently (rare
	// outside Latin/Greek); re-normalise so the form is stable.
	return norm.NFKC.String(b.String())
}

// Valid reports whether name is acceptable input: valid UTF-8, 1..MaxLen runes
// once normalised, and no control or format characters other than the
// zero-width (non-)joiners that Indic and Arabic scripts use.
func Valid(name string) bool {
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxLen {
		return false
	}
	for _, r := range name {
		switch {
		case r == '\u200c' || r == '\u200d':
		case r == '\t' || r == ' ':
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == utf8.RuneError:
			return false
		}
	}
	n := Normalize(name)
	return n != "" && utf8.RuneCountInString(n) <= MaxLen
}
