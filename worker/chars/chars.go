// Package chars checks the shapes of the worker's input formats (ids,
// codes, nonces, dates) and fills {{placeholders}} in its pages, without
// package regexp: regexp and the Unicode tables it keeps alive cost the
// Worker about 120 KB gzip and compiling its patterns ran at every Go
// instance's start. Every format here is a prefix and runs of ASCII
// character classes, so a byte table says it as plainly as a pattern;
// chars_test.go holds each format to the regular expression it replaces.
package chars

// Set is a set of ASCII bytes.
type Set [256]bool

// Of returns the set of the bytes in spec, where "a-z" is a range:
// Of("a-z0-9_") is what [a-z0-9_] matches.
func Of(spec string) *Set {
	var s Set
	for i := 0; i < len(spec); i++ {
		if i+2 < len(spec) && spec[i+1] == '-' {
			for c := int(spec[i]); c <= int(spec[i+2]); c++ {
				s[c] = true
			}
			i += 2
			continue
		}
		s[spec[i]] = true
	}
	return &s
}

// All reports whether every byte of str is in s.
func (s *Set) All(str string) bool {
	for i := 0; i < len(str); i++ {
		if !s[str[i]] {
			return false
		}
	}
	return true
}

// Run reports whether str is prefix followed by min to max bytes of s.
func Run(str, prefix string, s *Set, min, max int) bool {
	if len(str) < len(prefix) || str[:len(prefix)] != prefix {
		return false
	}
	rest := str[len(prefix):]
	return len(rest) >= min && len(rest) <= max && s.All(rest)
}

// Common classes.
var (
	Digits    = Of("0-9")
	LowerHex  = Of("0-9a-f")
	Base64URL = Of("A-Za-z0-9_-")
)

// Fill replaces each {{inner}} in text for which valid(inner) holds with
// fn(inner), scanning left to right as a regular expression's
// ReplaceAllStringFunc would: "{{" not followed by a valid inner and "}}"
// stays as it is.
func Fill(text string, valid func(inner string) bool, fn func(inner string) string) string {
	var b []byte
	last := 0
	for i := 0; i+1 < len(text); {
		if text[i] != '{' || text[i+1] != '{' {
			i++
			continue
		}
		end := -1
		for j := i + 2; j+1 < len(text); j++ {
			if text[j] == '}' && text[j+1] == '}' {
				end = j
				break
			}
			if text[j] == '{' || text[j] == '}' {
				break // no valid inner holds a brace
			}
		}
		if end < 0 || !valid(text[i+2:end]) {
			i++
			continue
		}
		b = append(b, text[last:i]...)
		b = append(b, fn(text[i+2:end])...)
		i = end + 2
		last = i
	}
	if b == nil {
		return text
	}
	return string(append(b, text[last:]...))
}
