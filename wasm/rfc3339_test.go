package main

import (
	"testing"
	"time"
)

// parseRFC3339 must never accept what time.Parse(time.RFC3339, s) refuses,
// and must agree with it on the instant. These run natively too.

func checkAgainstStdlib(t *testing.T, s string) (accepted bool) {
	t.Helper()
	got, err := parseRFC3339(s)
	if err != nil {
		return false
	}
	want, werr := time.Parse(time.RFC3339, s)
	if werr != nil {
		t.Fatalf("parseRFC3339(%q) accepted what time.Parse refuses: %v", s, werr)
	}
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("parseRFC3339(%q) = %v, time.Parse = %v", s, got, want)
	}
	return true
}

func TestParseRFC3339(t *testing.T) {
	for _, s := range []string{
		"2026-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
		"2024-02-29T12:00:00Z", "2000-02-29T00:00:00Z", "2026-11-25T12:00:00.5Z", "2026-11-25T12:00:00.123456789Z",
		"2026-11-25T12:00:00+05:30", "2026-11-25T00:00:00-23:59", "2026-06-01T00:00:00+00:00", "2026-03-31T23:59:59.000Z",
	} {
		if !checkAgainstStdlib(t, s) {
			t.Errorf("refused %q", s)
		}
	}
	for _, s := range []string{
		"", "2026-01-01", "2026-01-01T00:00:00", "2026-01-01 00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
		"2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z",
		"2026-01-01T00:00:60Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00.1234567890Z", "2026-01-01T00:00:00+24:00",
		"2026-01-01T00:00:00+05:60", "2026-01-01T00:00:00+0530", "2026-01-01T00:00:00ZZ", "2026-1-01T00:00:00Z",
		"+026-01-01T00:00:00Z", "2026-01-01T00:00:00z", "2026-01-01t00:00:00Z", "-2026-01-01T00:00:00Z",
	} {
		if checkAgainstStdlib(t, s) {
			t.Errorf("accepted %q", s)
		}
	}
}

func FuzzParseRFC3339(f *testing.F) {
	f.Add("2026-11-25T12:00:00.5+05:30")
	f.Add("2024-02-29T23:59:59Z")
	f.Fuzz(func(t *testing.T, s string) {
		checkAgainstStdlib(t, s)
		// Every instant time.Format writes in this form parses back.
		if u, err := time.Parse(time.RFC3339, s); err == nil && u.UTC().Year() >= 0 && u.UTC().Year() <= 9999 {
			text := u.UTC().Format(time.RFC3339Nano)
			if !checkAgainstStdlib(t, text) {
				t.Fatalf("refused %q (from %q)", text, s)
			}
		}
	})
}
