package secret

import "testing"

// The slip's sealed code opens only for its appointment and only while its
// hash is the current one.
func TestSealCode(t *testing.T) {
	k := Derive([]byte("0123456789abcdef0123456789abcdef"))
	h := k.CodeHash("apt_AAAAAAAAAAAAAAAA", "1234")
	sealed, err := k.SealCode(nil, "apt_AAAAAAAAAAAAAAAA", h, "1234")
	if err != nil {
		t.Fatal(err)
	}
	if code, err := k.OpenCode("apt_AAAAAAAAAAAAAAAA", h, sealed); err != nil || code != "1234" {
		t.Fatalf("open: %q %v", code, err)
	}
	for _, c := range [][2]string{{"apt_BBBBBBBBBBBBBBBB", h}, {"apt_AAAAAAAAAAAAAAAA", k.CodeHash("apt_AAAAAAAAAAAAAAAA", "9999")}} {
		if _, err := k.OpenCode(c[0], c[1], sealed); err == nil {
			t.Errorf("opened for %v", c)
		}
	}
	// Not the mobiles' key: a sealed mobile does not open as a code.
	m, _ := k.SealMobile(nil, "apt_AAAAAAAAAAAAAAAA", "9876500001")
	if _, err := k.OpenCode("apt_AAAAAAAAAAAAAAAA", h, m); err == nil {
		t.Error("a sealed mobile opened as a code")
	}
	if _, err := k.OpenCode("apt_AAAAAAAAAAAAAAAA", h, "!!"); err == nil {
		t.Error("garbage opened")
	}
}
