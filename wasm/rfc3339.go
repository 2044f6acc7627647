package main

import (
	"errors"
	"time"
)

// parseRFC3339 parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)", the
// timestamps of a keyset document. It accepts a subset of what
// time.Parse(time.RFC3339, s) accepts and returns the same instant (held to
// that by rfc3339_test.go), in UTC.
//
// It exists because time.Parse adds about 14 KB brotli to the module
// (SIZE.md), for the one or two timestamps it reads at start.
func parseRFC3339(s string) (time.Time, error) {
	bad := errors.New("not an RFC 3339 time: " + s)
	num := func(i, n int) int { // n decimal digits at s[i:], or -1
		v := 0
		for j := i; j < i+n; j++ {
			if j >= len(s) || s[j] < '0' || s[j] > '9' {
				return -1
			}
			v = v*10 + int(s[j]-'0')
		}
		return v
	}
	if len(s) < len("2006-01-02T15:04:05Z") || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, bad
	}
	year, month, day := num(0, 4), num(5, 2), num(8, 2)
	hour, minute, sec := num(11, 2), num(14, 2), num(17, 2)
	if year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return time.Time{}, bad
	}
	i, nsec := 19, 0
	if s[i] == '.' {
		i++
		digits := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if digits < 9 {
				nsec = nsec*10 + int(s[i]-'0')
				digits++
			} else {
				return time.Time{}, bad // more precision than a time.Time holds
			}
			i++
		}
		if digits == 0 {
			return time.Time{}, bad
		}
		for ; digits < 9; digits++ {
			nsec *= 10
		}
	}
	offset := 0
	switch rest := s[i:]; {
	case rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, om := num(i+1, 2), num(i+4, 2)
		if oh < 0 || oh > 23 || om < 0 || om > 59 {
			return time.Time{}, bad
		}
		offset = (oh*60 + om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, bad
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), nil
}

// daysIn returns the number of days of month in year (proleptic Gregorian).
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
