package store

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// Every format check of ids.go says what the regular expression in its
// comment says, on strings built around the format's edges: each part's
// length from one under its range to one over, its bytes mostly from its
// class and now and then from anywhere.
func TestIDFormatsAsRegexps(t *testing.T) {
	type part struct {
		class    string // the bytes the part is made of
		min, max int
	}
	cases := []struct {
		name  string
		fn    func(string) bool
		re    string
		parts []part
	}{
		{"IsIdempotencyKey", IsIdempotencyKey, `^[A-Za-z0-9._:-]{1,128}$`, []part{{"Az9._:-", 1, 128}}},
		{"IsEntityID", IsEntityID, `^ent_[a-z0-9_]{1,60}$`, []part{{"ent_", 4, 4}, {"az09_", 1, 60}}},
		{"IsCentreID", IsCentreID, `^ctr_[a-z0-9_]{1,60}$`, []part{{"ctr_", 4, 4}, {"az09_", 1, 60}}},
		{"IsAppointmentID", IsAppointmentID, `^apt_(?:[0-9a-f]{3})?[A-Za-z0-9_-]{16}$`, []part{{"apt_", 4, 4}, {"09af", 0, 3}, {"AZaz09_-", 16, 16}}},
		{"IsTxnID", IsTxnID, `^txn_(?:[0-9a-f]{3})?[A-Za-z0-9_-]{22}$`, []part{{"txn_", 4, 4}, {"09af", 0, 3}, {"AZaz09_-", 22, 22}}},
		{"IsVaccineID", IsVaccineID, `^[a-z0-9_]{1,40}$`, []part{{"az09_", 1, 40}}},
		{"IsNonce", IsNonce, `^[A-Za-z0-9._~-]{8,128}$`, []part{{"Az9._~-", 8, 128}}},
		{"IsDate", IsDate, `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`, []part{{"09", 4, 4}, {"-", 1, 1}, {"09", 2, 2}, {"-", 1, 1}, {"09", 2, 2}}},
		{"IsVaccinatorID", IsVaccinatorID, `^vcr_[A-Za-z0-9_-]{16}$`, []part{{"vcr_", 4, 4}, {"AZaz09_-", 16, 16}}},
		{"IsPIN", IsPIN, `^[1-9][0-9]{5}$`, []part{{"0189", 1, 1}, {"09", 5, 5}}},
		{"IsSecurityCode", IsSecurityCode, `^[0-9]{4}$`, []part{{"0189", 4, 4}}},
		{"IsOTP", IsOTP, `^[0-9]{6}$`, []part{{"0189", 6, 6}}},
		{"IsBatch", IsBatch, `^[A-Za-z0-9][A-Za-z0-9/._-]{0,39}$`, []part{{"Az9/._-", 1, 1}, {"Az9/._-", 0, 39}}},
		{"IsWidgetID", IsWidgetID, `^[A-Za-z0-9_-]{1,40}$`, []part{{"AZaz09_-", 1, 40}}},
		{"isBindingName", isBindingName, `^[A-Z][A-Z0-9_]{0,62}$`, []part{{"AZ_9", 1, 1}, {"AZ09_", 0, 62}}},
	}
	const anywhere = "aAzZ09_-.~:/ \n{é"
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range cases {
		re := regexp.MustCompile(c.re)
		matched := 0
		for range 20000 {
			var b strings.Builder
			for _, p := range c.parts {
				n := p.min - 1 + rng.IntN(p.max-p.min+3)
				if p.max-p.min > 8 && rng.IntN(2) == 0 { // near the edges
					n = []int{p.min - 1, p.min, p.max, p.max + 1}[rng.IntN(4)]
				}
				for i := 0; i < n; i++ {
					if p.min == p.max && len(p.class) == p.max && rng.IntN(8) != 0 {
						b.WriteByte(p.class[i%len(p.class)]) // a literal prefix, mostly kept
					} else if rng.IntN(40) == 0 {
						b.WriteByte(anywhere[rng.IntN(len(anywhere))])
					} else {
						b.WriteByte(p.class[rng.IntN(len(p.class))])
					}
				}
			}
			s := b.String()
			want := re.MatchString(s)
			if got := c.fn(s); got != want {
				t.Fatalf("%s(%q) = %v, the expression %s says %v", c.name, s, got, c.re, want)
			}
			if want {
				matched++
			}
		}
		if matched < 50 {
			t.Errorf("%s: only %d of the strings tried matched: the test says little", c.name, matched)
		}
	}
}
