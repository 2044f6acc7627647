//go:build !kycvs_verifyonly

package kycvs

import (
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestErrorCodeVectors: ErrorCode names the check each vector fails with the
// vector's own name, and "" for the valid ones.
func TestErrorCodeVectors(t *testing.T) {
	ks, cases := readVectors(t)
	for _, c := range cases {
		_, err := Verify(c.Token, ks, c.expect())
		if got := ErrorCode(err); got != c.Error {
			t.Errorf("%s: ErrorCode(%v) = %q, want %q", c.Name, err, got, c.Error)
		}
	}
	if got := ErrorCode(errors.New("database is locked")); got != "" {
		t.Errorf("ErrorCode of an unrelated error: %q", got)
	}
	if got := ErrorCode(wrap("checking: ", ErrAlreadyUsed, "")); got != "token_used" {
		t.Errorf("ErrorCode of a wrapped ErrAlreadyUsed: %q", got)
	}
}

// TestErrorCodesDocumented: the codes are the service's one vocabulary,
// listed once, in docs/API.md's "Token verdicts" (worker/api's tests hold
// that table to worker/api/codes.go; the Node and Python tests read it too).
func TestErrorCodesDocumented(t *testing.T) {
	doc, err := os.ReadFile("docs/API.md")
	must(t, err)
	documented := documentedCodes(t, string(doc))
	var ours []string
	for _, c := range errorCodes() {
		ours = append(ours, c.code)
	}
	if !slices.Equal(ours, documented) {
		t.Fatalf("ErrorCode's codes %v; docs/API.md lists %v", ours, documented)
	}
}

// documentedCodes returns the first column of the table under the heading
// "## Token verdicts".
func documentedCodes(t *testing.T, doc string) []string {
	_, section, ok := strings.Cut(doc, "\n## Token verdicts\n")
	if !ok {
		t.Fatal(`docs/API.md has no "## Token verdicts" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var codes []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\|").FindAllStringSubmatch(section, -1) {
		codes = append(codes, m[1])
	}
	return codes
}
