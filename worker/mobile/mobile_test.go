package mobile

import "testing"

func TestParse(t *testing.T) {
	good := map[string]string{
		"9876543210":      "9876543210",
		"+919876543210":   "9876543210",
		"+91 98765 43210": "9876543210",
		"6000000000":      "6000000000",
		"98765-43210":     "9876543210",
	}
	for in, want := range good {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "98765432101", "987654321", "5876543210", "0112345678", "+1 9876543210",
		"919876543210", "98765 4321O", " 9876543210", "9876543210 ", "+91+9876543210", "९८७६५४३२१०", "9876543210;--"} {
		if got, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %q, want error", in, got)
		}
	}
}

func TestHash(t *testing.T) {
	a, b := Hash([]byte("k1"), "9876543210"), Hash([]byte("k2"), "9876543210")
	if a == b || len(a) != 64 || a != Hash([]byte("k1"), "9876543210") {
		t.Fatalf("Hash not keyed/deterministic: %s %s", a, b)
	}
}
