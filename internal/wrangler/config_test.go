package wrangler

import (
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kycvs/kycvs/worker/store"
)

// requiredVars are read by the worker in every environment; a var missing
// from an environment is silently unset there, because wrangler does not
// inherit vars. Besides, every var of the top level must be in every
// environment (so SMS_WEBHOOK_URL is too, though dev does not use it):
// wrangler warns otherwise.
var requiredVars = []string{
	"ENVIRONMENT", "ISSUER", "SERVICE_ORIGIN",
	"OTP_LIFETIME_SECONDS", "OTP_MAX_ATTEMPTS", "OTP_RESEND_SECONDS",
	"OTP_PER_MOBILE_HOUR", "OTP_PER_IP_MINUTE", "OTP_PER_ENTITY_HOUR",
	"OTP_BOOKING_PER_HOUR", "WALK_IN_PER_CENTRE_DAY",
	"TOKEN_LIFETIME_SECONDS", "SMS_MODE", "GO_POOL_SIZE",
}

var secretNames = []string{"SIGNING_KEY", "HASH_KEY", "SMS_WEBHOOK_SECRET"}

// TestRepositoryConfig checks the repository's wrangler.toml: a plain
// `wrangler deploy` (the top level) and `--env production` are the same
// production configuration, the dev configuration is a worker of another
// name, and every environment spells out every var.
func TestRepositoryConfig(t *testing.T) {
	c, err := ReadConfig(filepath.Join("..", "..", "wrangler.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if errs := CheckConfig(c); len(errs) > 0 {
		t.Errorf("wrangler.toml:\n%s", strings.Join(errs, "\n"))
	}
}

// CheckConfig returns what is wrong with c as this repository's config.
func CheckConfig(c *Config) []string {
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	env := func(name string) *Section {
		s, ok := c.Env(name)
		if !ok {
			fail("no [env.%s]", name)
			ns := newSection()
			s = &ns
		}
		return s
	}
	prod, dev := env("production"), env("dev")
	top := &c.Top
	name := top.Fields["name"]
	if name == "" {
		fail("top level: no name")
	}
	for label, s := range map[string]*Section{"top level": top, "env.production": prod} {
		if s.Fields["name"] != name {
			// An environment without a name deploys to "<name>-<env>".
			fail("%s: name %q, want the production worker %q", label, s.Fields["name"], name)
		}
		if v := s.Vars["ENVIRONMENT"]; v != "production" {
			fail("%s: ENVIRONMENT %q, want production", label, v)
		}
		if v := s.Vars["SMS_MODE"]; v != "webhook" {
			fail("%s: SMS_MODE %q, want webhook", label, v)
		}
		if u, err := url.Parse(s.Vars["SERVICE_ORIGIN"]); err != nil || u.Scheme != "https" || u.Host == "" || u.Path != "" {
			fail("%s: SERVICE_ORIGIN %q is not an https origin", label, s.Vars["SERVICE_ORIGIN"])
		}
		if u, err := url.Parse(s.Vars["SMS_WEBHOOK_URL"]); err != nil || u.Scheme != "https" || u.Host == "" {
			fail("%s: SMS_WEBHOOK_URL %q is not an https URL", label, s.Vars["SMS_WEBHOOK_URL"])
		}
	}
	// --env production must deploy exactly what a plain deploy does.
	if !maps.Equal(top.Vars, prod.Vars) {
		fail("env.production vars differ from the top level's:\n  top  %v\n  prod %v", top.Vars, prod.Vars)
	}
	if !reflect.DeepEqual(top.D1, prod.D1) {
		fail("env.production d1_databases %v differ from the top level's %v", prod.D1, top.D1)
	}
	if !maps.Equal(top.Assets, prod.Assets) {
		fail("env.production assets %v differ from the top level's %v", prod.Assets, top.Assets)
	}
	for k, v := range prod.Fields {
		if k != "name" && top.Fields[k] != v {
			fail("env.production sets %s = %q, the top level %q", k, v, top.Fields[k])
		}
	}
	if dev.Fields["name"] == "" || dev.Fields["name"] == name {
		fail("env.dev: name %q, want a worker name of its own (not %q)", dev.Fields["name"], name)
	}
	if v := dev.Vars["ENVIRONMENT"]; v != "dev" {
		fail("env.dev: ENVIRONMENT %q, want dev", v)
	}
	sections := c.sections()
	for _, label := range slices.Sorted(maps.Keys(sections)) {
		s := sections[label]
		for _, k := range requiredVars {
			if s.Vars[k] == "" {
				fail("%s: var %s missing", label, k)
			}
		}
		for k := range top.Vars {
			if _, ok := s.Vars[k]; !ok {
				fail("%s: var %s is set at the top level only (vars are not inherited)", label, k)
			}
		}
		for _, k := range secretNames {
			if _, ok := s.Vars[k]; ok {
				fail("%s: secret %s in [vars]; it belongs in wrangler secret / .dev.vars", label, k)
			}
		}
		checkShards(label, s, fail)
		if s.Assets == nil || s.Assets["directory"] == "" || s.Assets["binding"] != "ASSETS" {
			fail("%s: want [assets] with a directory and binding ASSETS, got %v", label, s.Assets)
		}
	}
	for _, label := range slices.Sorted(maps.Keys(sections)) {
		if label == "top level" || label == "env.production" || len(top.D1) == 0 {
			continue
		}
		for _, d := range sections[label].D1 {
			if d["database_id"] == top.D1[0]["database_id"] {
				fail("%s uses the production database id %s", label, d["database_id"])
			}
		}
	}
	return errs
}

// checkShards checks a section's D1 bindings against its SHARDS var: DB
// first (the directory, and every bucket when SHARDS is unset), then
// exactly the bindings SHARDS names, each a database of its own with the
// same migrations (one schema at every size).
func checkShards(label string, s *Section, fail func(string, ...any)) {
	m, err := store.ParseShardMap(s.Vars["SHARDS"])
	if err != nil {
		fail("%s: %v", label, err)
		return
	}
	var names []string
	ids := map[string]bool{}
	for _, d := range s.D1 {
		names = append(names, d["binding"])
		if d["database_id"] == "" || ids[d["database_id"]] {
			fail("%s: D1 binding %s: database_id %q missing or shared", label, d["binding"], d["database_id"])
		}
		ids[d["database_id"]] = true
		if d["migrations_dir"] != s.D1[0]["migrations_dir"] || d["migrations_dir"] == "" {
			fail("%s: D1 binding %s: migrations_dir %q, want every binding on DB's migrations", label, d["binding"], d["migrations_dir"])
		}
	}
	if !slices.Equal(names, m.Bindings) {
		fail("%s: D1 bindings %v, want DB first and exactly the bindings of SHARDS %v", label, names, m.Bindings)
	}
}

// sections returns the top level and every environment, by label.
func (c *Config) sections() map[string]*Section {
	m := map[string]*Section{"top level": &c.Top}
	for name, s := range c.Envs {
		m["env."+name] = s
	}
	return m
}

func TestCheckConfigRefuses(t *testing.T) {
	good := mustParse(t, goodConfig)
	if errs := CheckConfig(good); len(errs) > 0 {
		t.Fatalf("good config refused:\n%s", strings.Join(errs, "\n"))
	}
	for _, tc := range []struct {
		name  string
		edits []string // old, new, old, new, …: each replaced once
		want  string
	}{
		{"dev at the top level", []string{`ENVIRONMENT = "production" # top`, `ENVIRONMENT = "dev"`}, "top level: ENVIRONMENT"},
		{"outbox at the top level", []string{`SMS_MODE = "webhook" # top`, `SMS_MODE = "outbox"`}, "top level: SMS_MODE"},
		{"production env without a name", []string{`name = "kycvs" # prod`, ``}, "env.production: name"},
		{"dev env under the production name", []string{`name = "kycvs-dev"`, `name = "kycvs"`}, "env.dev: name"},
		{"http service origin", []string{`SERVICE_ORIGIN = "https://kycvs.example" # top`, `SERVICE_ORIGIN = "http://kycvs.example"`}, "not an https origin"},
		{"production env differs", []string{`OTP_MAX_ATTEMPTS = "3" # prod`, `OTP_MAX_ATTEMPTS = "30"`}, "vars differ"},
		{"required var missing", []string{`GO_POOL_SIZE = "4" # dev`, ``}, "env.dev: var GO_POOL_SIZE missing"},
		{"new var not in every env", []string{
			`GO_POOL_SIZE = "4" # top`, "GO_POOL_SIZE = \"4\"\nNEW_LIMIT = \"1\"",
			`GO_POOL_SIZE = "4" # prod`, "GO_POOL_SIZE = \"4\"\nNEW_LIMIT = \"1\"",
		}, "env.dev: var NEW_LIMIT is set at the top level only"},
		{"webhook URL only at the top level", []string{`SMS_WEBHOOK_URL = "https://sms.example/send" # dev`, ``}, "env.dev: var SMS_WEBHOOK_URL is set at the top level only"},
		{"secret in vars", []string{`GO_POOL_SIZE = "4" # dev`, "GO_POOL_SIZE = \"4\"\nHASH_KEY = \"00\""}, "secret HASH_KEY"},
		{"shared database", []string{`database_id = "local-dev"`, `database_id = "prod-id"`}, "production database id"},
		{"no DB binding", []string{"binding = \"DB\"\ndatabase_id = \"local-dev\"", "binding = \"REG\"\ndatabase_id = \"local-dev\""}, "env.dev: D1 bindings [REG]"},
		{"a shard binding SHARDS does not name", []string{"[env.dev.assets]", "[[env.dev.d1_databases]]\nbinding = \"DB_1\"\ndatabase_id = \"local-dev-1\"\nmigrations_dir = \"worker/migrations\"\n\n[env.dev.assets]"}, "exactly the bindings of SHARDS"},
		{"SHARDS naming a binding that is not there", []string{`GO_POOL_SIZE = "4" # dev`, "GO_POOL_SIZE = \"4\"\nSHARDS = \"000-7ff=DB 800-fff=DB_1\""}, "exactly the bindings of SHARDS"},
		{"a shard on other migrations", []string{"[env.dev.assets]", "[[env.dev.d1_databases]]\nbinding = \"DB_1\"\ndatabase_id = \"local-dev-1\"\nmigrations_dir = \"other\"\n\n[env.dev.assets]", `GO_POOL_SIZE = "4" # dev`, "GO_POOL_SIZE = \"4\"\nSHARDS = \"000-7ff=DB 800-fff=DB_1\""}, "want every binding on DB's migrations"},
		{"a shard sharing a database", []string{"[env.dev.assets]", "[[env.dev.d1_databases]]\nbinding = \"DB_1\"\ndatabase_id = \"local-dev\"\nmigrations_dir = \"worker/migrations\"\n\n[env.dev.assets]", `GO_POOL_SIZE = "4" # dev`, "GO_POOL_SIZE = \"4\"\nSHARDS = \"000-7ff=DB 800-fff=DB_1\""}, "missing or shared"},
		{"bad SHARDS", []string{`GO_POOL_SIZE = "4" # dev`, "GO_POOL_SIZE = \"4\"\nSHARDS = \"000-7ff=DB\""}, "env.dev: SHARDS: bucket 800"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := goodConfig
			for i := 0; i+1 < len(tc.edits); i += 2 {
				if !strings.Contains(text, tc.edits[i]) {
					t.Fatalf("test config lacks %q", tc.edits[i])
				}
				text = strings.Replace(text, tc.edits[i], tc.edits[i+1], 1)
			}
			c := mustParse(t, text)
			errs := strings.Join(CheckConfig(c), "\n")
			if !strings.Contains(errs, tc.want) {
				t.Fatalf("want an error containing %q, got:\n%s", tc.want, errs)
			}
		})
	}
}

func mustParse(t *testing.T, text string) *Config {
	t.Helper()
	c, err := ParseConfig(text)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const goodConfig = `
name = "kycvs"
main = "build/worker.mjs"
compatibility_date = "2026-05-03"

[[d1_databases]]
binding = "DB"
database_id = "prod-id"
migrations_dir = "worker/migrations"

[assets]
directory = "site/dist"
binding = "ASSETS"

[vars]
ENVIRONMENT = "production" # top
ISSUER = "kycvs"
SERVICE_ORIGIN = "https://kycvs.example" # top
OTP_LIFETIME_SECONDS = "180"
OTP_MAX_ATTEMPTS = "3"
OTP_RESEND_SECONDS = "30"
OTP_PER_MOBILE_HOUR = "5"
OTP_PER_IP_MINUTE = "120"
OTP_PER_ENTITY_HOUR = "10000"
OTP_BOOKING_PER_HOUR = "20000"
WALK_IN_PER_CENTRE_DAY = "300"
TOKEN_LIFETIME_SECONDS = "300"
SMS_MODE = "webhook" # top
SMS_WEBHOOK_URL = "https://sms.example/send"
GO_POOL_SIZE = "4" # top

[env.production]
name = "kycvs" # prod

[[env.production.d1_databases]]
binding = "DB"
database_id = "prod-id"
migrations_dir = "worker/migrations"

[env.production.assets]
directory = "site/dist"
binding = "ASSETS"

[env.production.vars]
ENVIRONMENT = "production"
ISSUER = "kycvs"
SERVICE_ORIGIN = "https://kycvs.example"
OTP_LIFETIME_SECONDS = "180"
OTP_MAX_ATTEMPTS = "3" # prod
OTP_RESEND_SECONDS = "30"
OTP_PER_MOBILE_HOUR = "5"
OTP_PER_IP_MINUTE = "120"
OTP_PER_ENTITY_HOUR = "10000"
OTP_BOOKING_PER_HOUR = "20000"
WALK_IN_PER_CENTRE_DAY = "300"
TOKEN_LIFETIME_SECONDS = "300"
SMS_MODE = "webhook"
SMS_WEBHOOK_URL = "https://sms.example/send"
GO_POOL_SIZE = "4" # prod

[env.dev]
name = "kycvs-dev"

[[env.dev.d1_databases]]
binding = "DB"
database_id = "local-dev"
migrations_dir = "worker/migrations"

[env.dev.assets]
directory = "site/dist"
binding = "ASSETS"

[env.dev.vars]
ENVIRONMENT = "dev"
ISSUER = "kycvs-dev"
SERVICE_ORIGIN = "http://127.0.0.1:8787"
OTP_LIFETIME_SECONDS = "180"
OTP_MAX_ATTEMPTS = "3"
OTP_RESEND_SECONDS = "30"
OTP_PER_MOBILE_HOUR = "5"
OTP_PER_IP_MINUTE = "120"
OTP_PER_ENTITY_HOUR = "10000"
OTP_BOOKING_PER_HOUR = "20000"
WALK_IN_PER_CENTRE_DAY = "300"
TOKEN_LIFETIME_SECONDS = "300"
SMS_MODE = "outbox" # dev
SMS_WEBHOOK_URL = "https://sms.example/send" # dev
GO_POOL_SIZE = "4" # dev
`

func TestParseConfig(t *testing.T) {
	c := mustParse(t, `
# comment
name = "a#b" # the # inside the string stays
workers_dev = true
compatibility_flags = ["x", "y"]
[[d1_databases]]
binding = "DB"
[[d1_databases]]
binding = "OTHER"
[observability]
enabled = true
[env.x]
name = "x"
[env.x.vars]
K = "v"
`)
	if c.Top.Fields["name"] != "a#b" || c.Top.Fields["workers_dev"] != "true" || len(c.Top.D1) != 2 || c.Top.D1[1]["binding"] != "OTHER" {
		t.Fatalf("top: %+v", c.Top)
	}
	if x, ok := c.Env("x"); !ok || x.Fields["name"] != "x" || x.Vars["K"] != "v" || x.Assets != nil {
		t.Fatalf("env.x: %+v", x)
	}
	if _, ok := c.Env("y"); ok {
		t.Fatal("env.y exists")
	}
	for _, bad := range []string{
		`name = 'literal'`,
		`name = "esc\"aped"`,
		"name = \"\"\"multi\"\"\"",
		`a.b = "dotted"`,
		`vars = { A = "inline" }`,
		"[vars]\nA = \"1\"\n[vars]\nB = \"2\"",
		"[vars]\nA = \"1\"\nA = \"2\"",
		`[[env.dev.vars]]`,
		`[env]`,
		`name = "unterminated`,
		`[env..x]`,
	} {
		if _, err := ParseConfig(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// TestTestConfig checks that a section becomes a test config with what
// wrangler inherits filled in and its paths absolute, that the config reads
// back as it was written, and that what it cannot carry is refused.
func TestTestConfig(t *testing.T) {
	c := mustParse(t, goodConfig)
	tc, err := c.TestConfig("dev", "/repo")
	if err != nil {
		t.Fatal(err)
	}
	if tc.Name != "kycvs-dev" || tc.Main != "/repo/build/worker.mjs" || tc.CompatibilityDate != "2026-05-03" ||
		tc.Vars["SMS_MODE"] != "outbox" || len(tc.Vars) != len(c.Envs["dev"].Vars) {
		t.Errorf("test config %+v", tc)
	}
	if len(tc.D1) != 1 || tc.D1[0]["database_id"] != "local-dev" || tc.D1[0]["migrations_dir"] != "/repo/worker/migrations" {
		t.Errorf("d1 %v", tc.D1)
	}
	if tc.Assets["directory"] != "/repo/site/dist" || tc.Assets["binding"] != "ASSETS" {
		t.Errorf("assets %v", tc.Assets)
	}
	if c.Envs["dev"].D1[0]["migrations_dir"] != "worker/migrations" {
		t.Error("TestConfig changed the parsed config")
	}
	text, err := tc.Format()
	if err != nil {
		t.Fatal(err)
	}
	back := mustParse(t, text)
	if len(back.Envs) != 0 || back.Top.Fields["main"] != tc.Main || back.Top.Fields["name"] != tc.Name ||
		!maps.Equal(back.Top.Vars, tc.Vars) || !reflect.DeepEqual(back.Top.D1, tc.D1) || !maps.Equal(back.Top.Assets, tc.Assets) {
		t.Errorf("read back:\n%s\nas %+v", text, back.Top)
	}

	top, err := c.TestConfig("", "/repo")
	if err != nil || top.Name != "kycvs" || top.Vars["ENVIRONMENT"] != "production" {
		t.Errorf("top level: %+v, %v", top, err)
	}
	if _, err := c.TestConfig("staging", "/repo"); err == nil {
		t.Error("no error for a missing environment")
	}
	if _, err := mustParse(t, "name = \"x\"\nworkers_dev = true\n").TestConfig("", "/"); err == nil {
		t.Error("a setting the test config cannot carry was dropped silently")
	}
	tc.Main = `/tmp/a"b`
	if _, err := tc.Format(); err == nil {
		t.Error("a path with a quote was written")
	}
}
