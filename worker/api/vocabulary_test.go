package api

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The one error vocabulary: the tables of codes.go against every place that
// names the codes outside Go's type system — the documentation, SPEC.md, the
// vectors, the TypeScript declarations and the browser module.

func readRepo(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile("../../" + path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// section returns the text under the heading "## "+name up to the next.
func section(t *testing.T, doc, file, name string) string {
	t.Helper()
	_, s, ok := strings.Cut(doc, "\n## "+name+"\n")
	if !ok {
		t.Fatalf("%s has no %q section", file, name)
	}
	s, _, _ = strings.Cut(s, "\n## ")
	return s
}

var docRow = regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| ([^|]*) \\|")

func verifierCodes() []string {
	var out []string
	for _, v := range VerifierCodes {
		out = append(out, v.Code)
	}
	return out
}

func TestVocabularyDocumented(t *testing.T) {
	doc := readRepo(t, "docs/API.md")
	var codes []string
	for _, m := range docRow.FindAllStringSubmatch(section(t, doc, "docs/API.md", "Token verdicts"), -1) {
		codes = append(codes, m[1])
		i := slices.IndexFunc(VerifierCodes, func(v Verdict) bool { return v.Code == m[1] })
		if i < 0 {
			continue
		}
		if got := strings.NewReplacer("steps ", "", "step ", "").Replace(m[2]); got != VerifierCodes[i].Steps {
			t.Errorf("docs/API.md: %s is checked at %q, codes.go says %q", m[1], m[2], VerifierCodes[i].Steps)
		}
	}
	if !slices.Equal(codes, verifierCodes()) {
		t.Errorf("docs/API.md's token verdicts %v; codes.go's VerifierCodes %v", codes, verifierCodes())
	}
	codes = nil
	for _, m := range docRow.FindAllStringSubmatch(section(t, doc, "docs/API.md", "The host page's error codes"), -1) {
		codes = append(codes, m[1])
	}
	if !slices.Equal(codes, HostCodes) {
		t.Errorf("docs/API.md's host page codes %v; codes.go's HostCodes %v", codes, HostCodes)
	}
}

// Every host code is a code of one table, and the browser's own codes are
// codes no endpoint answers.
func TestVocabularyTables(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range HostCodes {
		_, api := Codes[c]
		_, browser := BrowserCodes[c]
		if !api && !browser && !slices.Contains(verifierCodes(), c) {
			t.Errorf("host code %s is in no table", c)
		}
		if seen[c] {
			t.Errorf("host code %s twice", c)
		}
		seen[c] = true
	}
	for c := range BrowserCodes {
		if _, ok := Codes[c]; ok {
			t.Errorf("browser code %s is also an endpoint's", c)
		}
		if !seen[c] {
			t.Errorf("browser code %s never reaches the host", c)
		}
	}
	for _, c := range []string{"name_mismatch", "beneficiary_not_found"} {
		if seen[c] {
			t.Errorf("%s tells the host a registry fact; it must be not_verified", c)
		}
	}
	// What the module can refuse a token with reaches the host as itself.
	for _, c := range verifierCodes() {
		if strings.HasPrefix(c, "token_") && c != "token_used" && !seen[c] {
			t.Errorf("verdict %s does not reach the host", c)
		}
	}
}

// unionOf returns the string literals of a TypeScript union type alias.
func unionOf(t *testing.T, src, file, name string) []string {
	t.Helper()
	m := regexp.MustCompile(`(?s)export type ` + name + ` =(.*?);`).FindStringSubmatch(src)
	if m == nil {
		t.Fatalf("%s declares no type %s", file, name)
	}
	var out []string
	for _, l := range regexp.MustCompile(`\|\s*["']([a-z_]+)["']`).FindAllStringSubmatch(m[1], -1) {
		out = append(out, l[1])
	}
	return out
}

func TestVocabularyTypeScript(t *testing.T) {
	if got := unionOf(t, readRepo(t, "site/src/embed.d.ts"), "site/src/embed.d.ts", "KYCVSErrorCode"); !slices.Equal(got, HostCodes) {
		t.Errorf("embed.d.ts KYCVSErrorCode %v; HostCodes %v", got, HostCodes)
	}
	if got := unionOf(t, readRepo(t, "packages/npm/index.d.ts"), "packages/npm/index.d.ts", "Code"); !slices.Equal(got, verifierCodes()) {
		t.Errorf("packages/npm/index.d.ts Code %v; VerifierCodes %v", got, verifierCodes())
	}
}

func TestVocabularySpecAndVectors(t *testing.T) {
	spec := section(t, readRepo(t, "SPEC.md"), "SPEC.md", "5. Verification")
	var named []string
	for _, m := range regexp.MustCompile("\\[`([a-z_]+)`\\]").FindAllStringSubmatch(spec, -1) {
		if !slices.Contains(named, m[1]) {
			named = append(named, m[1])
		}
	}
	var checks []string // the verdicts of SPEC.md's checks: all but the keyset's
	for _, c := range verifierCodes() {
		if c != "keyset_unavailable" {
			checks = append(checks, c)
		}
	}
	if !slices.Equal(named, checks) {
		t.Errorf("SPEC.md §5 names %v; VerifierCodes %v", named, checks)
	}
	var vf struct {
		Cases []struct{ Name, Error string } `json:"cases"`
	}
	if err := json.Unmarshal([]byte(readRepo(t, "testdata/vectors.json")), &vf); err != nil {
		t.Fatal(err)
	}
	expected := map[string]bool{}
	for _, c := range vf.Cases {
		if c.Error != "" && !slices.Contains(checks, c.Error) {
			t.Errorf("vector %q expects %q, not a verdict", c.Name, c.Error)
		}
		expected[c.Error] = true
	}
	for _, c := range checks {
		if !expected[c] && c != "token_used" {
			t.Errorf("no vector expects %s", c)
		}
	}
}

// The browser module names its refusals with the verdicts.
func TestVocabularyModule(t *testing.T) {
	src := readRepo(t, "wasm/result.go")
	found := 0
	for _, m := range regexp.MustCompile(`return "([a-z_]+)"`).FindAllStringSubmatch(src, -1) {
		found++
		if !slices.Contains(verifierCodes(), m[1]) {
			t.Errorf("wasm/result.go refuses with %q, not a verdict", m[1])
		}
	}
	if found < 7 {
		t.Errorf("wasm/result.go returns %d verdicts; want one per check", found)
	}
}
