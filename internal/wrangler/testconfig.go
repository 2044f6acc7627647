package wrangler

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// TestConfig is the wrangler.toml of a test server: one worker, at the top
// level, with no environments, so that `wrangler dev` and `wrangler d1`
// need no --env and cannot pick another section's database. Its paths are
// absolute, so that it can live in a temporary directory beside the
// server's own .dev.vars. Write renders it; nothing else writes a test
// config.
type TestConfig struct {
	Name, Main, CompatibilityDate string
	Vars                          map[string]string
	D1                            []map[string]string // binding, database_name, database_id, migrations_dir
	Assets                        map[string]string   // directory, binding; nil: none
}

// testFields are the plain settings TestConfig carries; a section setting
// any other is refused rather than run without it.
var testFields = []string{"name", "main", "compatibility_date"}

// TestConfig returns environment env of c ("" for the top level) as a test
// server's configuration: what wrangler inherits from the top level (name,
// main, compatibility_date, assets) filled in, and main, the assets
// directory and migrations_dir made absolute against dir, the directory of
// the wrangler.toml c was read from. Tables Config does not model (the cron
// [triggers], …) are not carried: wrangler dev does not need them.
func (c *Config) TestConfig(env, dir string) (*TestConfig, error) {
	sec, ok := c.Env(env)
	if !ok {
		return nil, fmt.Errorf("no [env.%s]", env)
	}
	for k := range sec.Fields {
		if !slices.Contains(testFields, k) {
			return nil, fmt.Errorf("setting %s is not carried into a test config", k)
		}
	}
	field := func(k string) string {
		if v := sec.Fields[k]; v != "" {
			return v
		}
		return c.Top.Fields[k]
	}
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	tc := &TestConfig{Name: field("name"), Main: abs(field("main")), CompatibilityDate: field("compatibility_date"),
		Vars: maps.Clone(sec.Vars)}
	for _, d := range sec.D1 {
		d = maps.Clone(d)
		if d["migrations_dir"] != "" {
			d["migrations_dir"] = abs(d["migrations_dir"])
		}
		tc.D1 = append(tc.D1, d)
	}
	assets := sec.Assets
	if assets == nil {
		assets = c.Top.Assets
	}
	if assets != nil {
		tc.Assets = maps.Clone(assets)
		tc.Assets["directory"] = abs(tc.Assets["directory"])
	}
	return tc, nil
}

// Write writes the config to path.
func (tc *TestConfig) Write(path string) error {
	text, err := tc.Format()
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

// Format renders the config as TOML that ReadConfig reads back.
func (tc *TestConfig) Format() (string, error) {
	var b strings.Builder
	var bad error
	str := func(k, v string) {
		if strings.ContainsAny(v, "\"\\") || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			bad = fmt.Errorf("test config: %s = %q cannot be written as a plain TOML string", k, v)
		}
		fmt.Fprintf(&b, "%s = \"%s\"\n", k, v)
	}
	table := func(m map[string]string) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			str(k, m[k])
		}
	}
	b.WriteString("# A test server's configuration, written by internal/wrangler's TestConfig.\n")
	str("name", tc.Name)
	str("main", tc.Main)
	str("compatibility_date", tc.CompatibilityDate)
	for _, d := range tc.D1 {
		b.WriteString("\n[[d1_databases]]\n")
		table(d)
	}
	if tc.Assets != nil {
		b.WriteString("\n[assets]\n")
		table(tc.Assets)
	}
	if len(tc.Vars) > 0 {
		b.WriteString("\n[vars]\n")
		table(tc.Vars)
	}
	return b.String(), bad
}
