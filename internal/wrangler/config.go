package wrangler

import (
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Config is what a wrangler.toml says, section by section as written: the
// top level and each [env.NAME]. Inheritance is not applied, because what
// the checks need is what each section spells out (wrangler copies name,
// main and assets into an environment that lacks them, but never vars or
// D1 bindings).
//
// ReadConfig understands the TOML this repository writes: tables, arrays of
// tables and key = value with a string, boolean, integer or one-line array
// value. Anything else is an error rather than a guess, so a check built on
// it cannot pass by misreading the file.
type Config struct {
	Top  Section
	Envs map[string]*Section
}

// Section is the top level or one [env.NAME] of a wrangler.toml.
type Section struct {
	Fields map[string]string // name, main, compatibility_date, …: strings unquoted, other values as written
	Vars   map[string]string // [vars]
	D1     []map[string]string
	Assets map[string]string // [assets]; nil if absent
}

// Env returns the section of environment env; "" is the top level.
func (c *Config) Env(env string) (*Section, bool) {
	if env == "" {
		return &c.Top, true
	}
	s, ok := c.Envs[env]
	return s, ok
}

// ReadConfig reads and parses a wrangler.toml.
func ReadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := ParseConfig(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

var (
	tableLine    = regexp.MustCompile(`^\[([A-Za-z0-9_.-]+)\]$`)
	arrayLine    = regexp.MustCompile(`^\[\[([A-Za-z0-9_.-]+)\]\]$`)
	keyValueLine = regexp.MustCompile(`^([A-Za-z0-9_-]+)\s*=\s*(.*)$`)
	basicString  = regexp.MustCompile(`^"([^"\\\x00-\x1f]*)"$`)
	otherValue   = regexp.MustCompile(`^(true|false|[+-]?[0-9][0-9_]*|\[("[^"\\\x00-\x1f]*"(\s*,\s*"[^"\\\x00-\x1f]*")*\s*,?)?\s*\])$`)
)

// ParseConfig parses the text of a wrangler.toml (see Config for the subset).
func ParseConfig(text string) (*Config, error) {
	c := &Config{Top: newSection(), Envs: map[string]*Section{}}
	cur := c.Top.Fields
	seen := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		line = strings.TrimSpace(stripComment(line))
		if line == "" {
			continue
		}
		if m := arrayLine.FindStringSubmatch(line); m != nil {
			sec, what, err := c.locate(m[1])
			if err != nil || what != "d1_databases" {
				return nil, fmt.Errorf("line %d: unsupported array of tables [[%s]]", n, m[1])
			}
			sec.D1 = append(sec.D1, map[string]string{})
			cur = sec.D1[len(sec.D1)-1]
			continue
		}
		if m := tableLine.FindStringSubmatch(line); m != nil {
			if seen[m[1]] {
				return nil, fmt.Errorf("line %d: table [%s] defined twice", n, m[1])
			}
			seen[m[1]] = true
			sec, what, err := c.locate(m[1])
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			switch what {
			case "":
				cur = sec.Fields
			case "vars":
				cur = sec.Vars
			case "assets":
				sec.Assets = map[string]string{}
				cur = sec.Assets
			default:
				// A table this package does not model ([observability],
				// [env.x.limits], …): checked for syntax, then dropped.
				cur = map[string]string{}
			}
			continue
		}
		m := keyValueLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("line %d: unsupported syntax %q", n, line)
		}
		key, raw := m[1], strings.TrimSpace(m[2])
		var val string
		if s := basicString.FindStringSubmatch(raw); s != nil {
			val = s[1]
		} else if otherValue.MatchString(raw) {
			val = raw
		} else {
			return nil, fmt.Errorf("line %d: unsupported value for %s: %s", n, key, raw)
		}
		if _, dup := cur[key]; dup {
			return nil, fmt.Errorf("line %d: %s set twice in one table", n, key)
		}
		cur[key] = val
	}
	return c, nil
}

func newSection() Section {
	return Section{Fields: map[string]string{}, Vars: map[string]string{}}
}

// locate maps a table path to its section and the table's role in it:
// "vars" → (top, "vars"); "env.dev" → (dev, ""); "env.dev.assets" →
// (dev, "assets").
func (c *Config) locate(path string) (*Section, string, error) {
	parts := strings.Split(path, ".")
	for _, p := range parts {
		if p == "" {
			return nil, "", fmt.Errorf("bad table name %q", path)
		}
	}
	if parts[0] != "env" {
		return &c.Top, path, nil
	}
	if len(parts) < 2 {
		return nil, "", fmt.Errorf("table [env] without an environment name")
	}
	s, ok := c.Envs[parts[1]]
	if !ok {
		ns := newSection()
		s = &ns
		c.Envs[parts[1]] = s
	}
	return s, strings.Join(parts[2:], "."), nil
}

// stripComment removes a # comment that is not inside a string.
func stripComment(line string) string {
	in := false
	for i, r := range line {
		switch {
		case r == '"':
			in = !in
		case r == '#' && !in:
			return line[:i]
		}
	}
	return line
}
