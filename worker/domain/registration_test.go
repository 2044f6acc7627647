package domain

import (
	"errors"
	"testing"
	"time"

	"github.com/kycvs/kycvs/worker/store"
)

func TestCheckRegistration(t *testing.T) {
	hash := func(norm string) string { return "h:" + norm }
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // 2026 in India too (05:30)
	people := func(n int) []store.Beneficiary {
		var out []store.Beneficiary
		for i := range n {
			out = append(out, store.Beneficiary{NameNorm: string(rune('a' + i))})
		}
		return out
	}
	var by *BirthYearError
	for _, c := range []struct {
		name     string
		people   []store.Beneficiary
		nameHash string
		year     int
		ok       func(error) bool
	}{
		{"first on a number", nil, "h:x", 1990, func(err error) bool { return err == nil }},
		{"the sixth", people(5), "h:x", 1990, func(err error) bool { return err == nil }},
		{"a seventh", people(6), "h:x", 1990, func(err error) bool { return errors.Is(err, ErrMobileFull) }},
		{"a name twice", people(3), "h:b", 1990, func(err error) bool { return errors.Is(err, ErrAlreadyRegistered) }},
		{"12 this year", nil, "h:x", 2014, func(err error) bool { return err == nil }},
		{"11 this year", nil, "h:x", 2015, func(err error) bool { return errors.As(err, &by) && by.From == 1906 && by.To == 2014 }},
		{"120", nil, "h:x", 1906, func(err error) bool { return err == nil }},
		{"121", nil, "h:x", 1905, func(err error) bool { return errors.As(err, &by) }},
		{"no year", nil, "h:x", 0, func(err error) bool { return errors.As(err, &by) }},
	} {
		if err := CheckRegistration(c.people, c.nameHash, hash, c.year, now); !c.ok(err) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
