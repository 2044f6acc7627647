// Package origin is the one rule for the web origins an entity registers
// (the pages allowed to frame its widget, and named in the WebOTP line of its
// SMS): https://host[:port] with an exact host, nothing else. Plain http is
// allowed only for loopback hosts, where the demo and tests run.
//
// The rule is strict because an origin ends up in a Content-Security-Policy
// frame-ancestors list: a wildcard or an http origin there would let pages
// the entity does not control (or a network attacker) frame the widget.
package origin

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Parse checks one origin and returns it in canonical form (lowercase host,
// no default port). The error says what is wrong, for the admin tool.
func Parse(s string) (string, error) {
	if s == "" || len(s) > 200 {
		return "", errors.New("an origin is 1 to 200 characters")
	}
	if strings.ContainsAny(s, "*?#@ \t\r\n\\") {
		return "", fmt.Errorf("origin %q: no wildcards, user info, queries, fragments or spaces", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("origin %q: %v", s, err)
	}
	if u.Path != "" || u.RawQuery != "" || u.Opaque != "" {
		return "", fmt.Errorf("origin %q: scheme://host[:port] only, no path", s)
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", fmt.Errorf("origin %q: no host", s)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopback(host) {
			return "", fmt.Errorf("origin %q: https only (plain http is for loopback hosts)", s)
		}
	default:
		return "", fmt.Errorf("origin %q: scheme must be https", s)
	}
	if ip := net.ParseIP(host); ip == nil && !validHostname(host) {
		return "", fmt.Errorf("origin %q: %q is not a host name", s, host)
	}
	out := u.Scheme + "://" + host
	if strings.Contains(host, ":") {
		out = u.Scheme + "://[" + host + "]"
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("origin %q: bad port", s)
		}
		if !(u.Scheme == "https" && n == 443) && !(u.Scheme == "http" && n == 80) {
			out += ":" + strconv.Itoa(n)
		}
	}
	return out, nil
}

// ParseList checks a space-separated list (as stored) and returns the
// canonical origins; an empty list is an error.
func ParseList(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Fields(s) {
		o, err := Parse(f)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		return nil, errors.New("no origins")
	}
	return out, nil
}

// IsLoopback reports whether host (a name or an address, brackets allowed)
// is this machine: localhost, 127.0.0.0/8 or ::1.
func IsLoopback(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validHostname: dot-separated labels of letters, digits and hyphens, not
// starting or ending with a hyphen.
func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, l := range strings.Split(h, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
