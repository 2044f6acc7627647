package origin

import "testing"

func TestParse(t *testing.T) {
	good := map[string]string{
		"https://irctc.example":          "https://irctc.example",
		"https://IRCTC.Example:8443":     "https://irctc.example:8443",
		"https://a.example:443":          "https://a.example",
		"http://localhost:8788":          "http://localhost:8788",
		"http://127.0.0.1:8788":          "http://127.0.0.1:8788",
		"http://[::1]:9000":              "http://[::1]:9000",
		"https://xn--11b5bs3a9aj6g.test": "https://xn--11b5bs3a9aj6g.test",
	}
	for in, want := range good {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "http://irctc.example", "https://*.c.example", "https://*", "*", "https://a.example/",
		"https://a.example/path", "https://a.example?x", "https://a.example#f", "https://u@a.example",
		"ftp://a.example", "a.example", "https://", "https://a..example", "https://-a.example",
		"https://a.example:0", "https://a.example:99999", "javascript:alert(1)", "https://a b.example",
		"http://10.0.0.1", "http://localhost.evil.example", "https://a_b.example",
	} {
		if got, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %q, want an error", in, got)
		}
	}
	if _, err := ParseList("https://a.example http://evil.example"); err == nil {
		t.Error("ParseList accepted a list with a plain-http origin")
	}
	if _, err := ParseList("  "); err == nil {
		t.Error("ParseList accepted an empty list")
	}
}
