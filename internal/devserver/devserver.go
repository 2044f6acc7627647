// Package devserver runs the real Worker for end-to-end tests: it makes the
// development builds (scripts/build-site --dev, scripts/build-worker --dev;
// once per test process), starts `wrangler dev --env dev` (workerd + local
// D1: wrangler.toml's [env.dev], the configuration scripts/dev runs) on free
// loopback ports with a fresh database holding the migrations and the demo
// seed, and stops it when the test ends. SERVICE_ORIGIN is the server's own
// URL.
//
// It runs the dev environment only; e2e/production runs the production one
// from a production build.
//
// Tests using it must skip unless KYCVS_E2E=1 (see Enabled), so that plain
// `go test ./...` stays hermetic; scripts/test.d/30-worker sets it.
//
// Facts it relies on: wrangler 4.86.0 (scripts/package.json; the last release
// that runs on Node 20), compatibility_date ≤ 2026-05-03, and a fresh
// --persist-to directory per server (state written by newer wranglers crashes
// the workerd of 4.86).
package devserver

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kycvs/kycvs/internal/wrangler"
	"github.com/kycvs/kycvs/keys"
	"github.com/kycvs/kycvs/worker/devenv"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/store"
)

// Enabled reports whether end-to-end tests should run (KYCVS_E2E=1).
func Enabled() bool { return os.Getenv("KYCVS_E2E") == "1" }

// Skip skips t unless end-to-end tests are enabled.
func Skip(t testing.TB) {
	t.Helper()
	if !Enabled() {
		t.Skip("end-to-end test: set KYCVS_E2E=1 (scripts/test does)")
	}
}

// Options configure a server.
type Options struct {
	// Entities are registered in addition to seed.DemoEntities; their
	// secrets are in Server.Secrets.
	Entities []seed.Entity
	// Synthetic is the number of synthetic beneficiaries seeded besides
	// seed.DemoPeople. Zero: 200 (fast); the full demo uses 10,000.
	Synthetic int
	// Vars override wrangler.toml's [env.dev.vars], e.g.
	// {"OTP_RESEND_SECONDS": "0"}. SERVICE_ORIGIN defaults to Server.URL.
	Vars map[string]string
	// SQL is run after the seed (e.g. extra rows for a test).
	SQL string
}

// Server is a running wrangler dev.
type Server struct {
	URL        string // http://127.0.0.1:<port>, the service origin
	HashKey    []byte
	PublicKey  keys.PublicKey
	Keyset     *keys.Keyset      // what an entity server pins: the published keyset and the dev key
	Secrets    map[string]string // entity id → server secret, for demo and Options.Entities
	PersistDir string
	Root       string // repository root
	dev        *wrangler.Dev
	cfgPath    string
}

// OfflineEnv is the environment wrangler needs to run without the network.
var OfflineEnv = wrangler.OfflineEnv

// RepoRoot finds the repository root (the directory holding go.mod).
func RepoRoot() (string, error) { return wrangler.RepoRoot() }

type built struct {
	root, dir, siteDir string
	vars               map[string]string
	err                error
}

var buildOnce = sync.OnceValue(func() built {
	var b built
	b.root, b.err = RepoRoot()
	if b.err != nil {
		return b
	}
	b.err = withLock(b.root, func() error {
		if _, err := os.Stat(filepath.Join(b.root, wrangler.Bin)); err != nil {
			if err := run(b.root, nil, "npm", "ci", "--prefix", "scripts", "--no-audit", "--no-fund", "--loglevel=error"); err != nil {
				return err
			}
		}
		vars, _, err := devenv.Ensure(b.root)
		if err != nil {
			return err
		}
		b.vars = vars
		if _, err := os.Stat(filepath.Join(b.root, "scripts/build-site")); err == nil {
			if err := run(b.root, nil, "scripts/build-site", "--dev"); err != nil {
				return err
			}
		}
		return nil
	})
	if b.err != nil {
		return b
	}
	b.siteDir = filepath.Join(b.root, "site", "dist")
	if _, err := os.Stat(b.siteDir); err != nil {
		if b.siteDir, b.err = os.MkdirTemp("", "kycvs-empty-site-"); b.err != nil {
			return b
		}
	}
	// Each test process builds into its own directory: wrangler dev watches
	// main and reloads when it changes, so a shared build/ would restart
	// other processes' servers.
	os.MkdirAll(filepath.Join(b.root, "build"), 0o755)
	removeStale(filepath.Join(b.root, "build"))
	if b.dir, b.err = os.MkdirTemp(filepath.Join(b.root, "build"), "devserver-"); b.err != nil {
		return b
	}
	b.err = run(b.root, nil, "scripts/build-worker", "--dev", b.dir)
	return b
})

// removeStale deletes build/devserver-* directories older than a day.
func removeStale(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), "devserver-") {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > 24*time.Hour {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// withLock serialises the steps that write shared files (npm ci, .dev.vars,
// keys/dev.json, site/dist) across test processes.
func withLock(root string, fn func() error) error {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "kycvs-devserver-"+hex.EncodeToString([]byte(root))[:16]+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return fn()
}

func run(dir string, env []string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), OfflineEnv...), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// env is the wrangler.toml environment the servers run.
const env = wrangler.DevEnv

// The path settings of wrangler.toml, in every section that has them: the
// test config lives in a temporary directory, so they become absolute.
var (
	mainLine   = regexp.MustCompile(`(?m)^[ \t]*main\s*=.*$`)
	assetsLine = regexp.MustCompile(`(?m)^[ \t]*directory\s*=.*$`)
	migrLine   = regexp.MustCompile(`(?m)^[ \t]*migrations_dir\s*=.*$`)
	dbIDLine   = regexp.MustCompile(`(?m)^[ \t]*database_id\s*=.*$`)
)

// testConfig returns root's wrangler.toml with main, the assets directory
// and migrations_dir made absolute, and checks that the dev environment
// then points at the test build.
//
// Every section's D1 binding also becomes the dev database, so that a
// wrangler command on the test config that lacks --env dev (worker/booking's
// e2e test runs its own `wrangler d1 execute`) still reaches the server's
// database instead of an empty one.
func testConfig(root, workerDir, siteDir string) (string, error) {
	text, err := os.ReadFile(filepath.Join(root, "wrangler.toml"))
	if err != nil {
		return "", err
	}
	orig, err := wrangler.ParseConfig(string(text))
	if err != nil {
		return "", fmt.Errorf("wrangler.toml: %w", err)
	}
	if sec, ok := orig.Env(env); !ok || len(sec.D1) != 1 || sec.D1[0]["database_id"] == "" {
		return "", fmt.Errorf("wrangler.toml: want [env.%s] with one D1 database", env)
	}
	devDB := orig.Envs[env].D1[0]["database_id"]
	main := filepath.Join(workerDir, "worker.mjs")
	migrations := filepath.Join(root, "worker", "migrations")
	cfg := mainLine.ReplaceAllString(string(text), fmt.Sprintf("main = %q", main))
	cfg = assetsLine.ReplaceAllString(cfg, fmt.Sprintf("directory = %q", siteDir))
	cfg = migrLine.ReplaceAllString(cfg, fmt.Sprintf("migrations_dir = %q", migrations))
	cfg = dbIDLine.ReplaceAllString(cfg, fmt.Sprintf("database_id = %q", devDB))
	c, err := wrangler.ParseConfig(cfg)
	if err != nil {
		return "", fmt.Errorf("wrangler.toml: %w", err)
	}
	sec := c.Envs[env]
	for _, s := range append(slices.Collect(maps.Values(c.Envs)), &c.Top) {
		for _, d := range s.D1 {
			if d["database_id"] != devDB {
				return "", fmt.Errorf("wrangler.toml: a D1 binding still has database_id %q after rewriting", d["database_id"])
			}
		}
	}
	// main is inherited from the top level unless the environment sets it.
	gotMain := sec.Fields["main"]
	if gotMain == "" {
		gotMain = c.Top.Fields["main"]
	}
	if gotMain != main || len(sec.D1) != 1 || sec.D1[0]["migrations_dir"] != migrations ||
		sec.Assets == nil || sec.Assets["directory"] != siteDir {
		return "", fmt.Errorf("wrangler.toml: [env.%s] does not point at the test build after rewriting (main %q, d1 %v, assets %v)",
			env, gotMain, sec.D1, sec.Assets)
	}
	return cfg, nil
}

// Start builds (once per process) and starts a server with a fresh database.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	b := buildOnce()
	if b.err != nil {
		t.Fatalf("devserver: building: %v", b.err)
	}
	hashKey, err := hex.DecodeString(b.vars["HASH_KEY"])
	if err != nil {
		t.Fatalf("devserver: HASH_KEY: %v", err)
	}
	priv, err := keys.ParsePrivateKey(b.vars["SIGNING_KEY"])
	if err != nil {
		t.Fatalf("devserver: SIGNING_KEY: %v", err)
	}
	s := &Server{HashKey: hashKey, PublicKey: priv.Public(), Keyset: keys.Published(), Secrets: map[string]string{},
		Root: b.root}
	if _, ok := s.Keyset.Has(priv.KeyID()); !ok {
		// This test binary was not built with -tags kycvs_dev.
		ks := &keys.Keyset{}
		ks.Merge(s.Keyset)
		if err := ks.Add(s.PublicKey, time.Unix(0, 0), time.Time{}); err != nil {
			t.Fatal(err)
		}
		s.Keyset = ks
	}

	dir := t.TempDir()
	s.PersistDir = filepath.Join(dir, "state")
	cfg, err := testConfig(b.root, b.dir, b.siteDir)
	if err != nil {
		t.Fatalf("devserver: %v", err)
	}
	cfgPath := filepath.Join(dir, "wrangler.toml")
	s.cfgPath = cfgPath
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	// The port is chosen here, not by StartDev, because the worker must know
	// its origin: SERVICE_ORIGIN is the only origin it answers browsers on.
	port, err := wrangler.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"SIGNING_KEY": b.vars["SIGNING_KEY"], "HASH_KEY": b.vars["HASH_KEY"],
		"SERVICE_ORIGIN": fmt.Sprintf("http://127.0.0.1:%d", port)}
	for k, v := range opts.Vars {
		vars[k] = v
	}
	// .dev.vars beside the config: wrangler reads it (with --env dev it would
	// prefer a .dev.vars.dev; there is none) and it overrides [env.dev.vars].
	if err := os.WriteFile(filepath.Join(dir, ".dev.vars"), devenv.FormatVars(vars), 0o600); err != nil {
		t.Fatal(err)
	}

	var sqlText bytes.Buffer
	n := opts.Synthetic
	if n == 0 {
		n = 200
	}
	if err := seed.WriteSQL(&sqlText, hashKey, n); err != nil {
		t.Fatal(err)
	}
	for _, e := range seed.DemoEntities {
		s.Secrets[e.ID] = seed.DemoSecret(hashKey, e.ID)
	}
	for _, e := range opts.Entities {
		sk := seed.DemoSecret(hashKey, e.ID+"/"+t.Name())
		s.Secrets[e.ID] = sk
		sqlText.WriteString(seed.EntitySQL(e, secret.TokenHash(sk)))
	}
	sqlText.WriteString(opts.SQL)
	seedPath := filepath.Join(dir, "seed.sql")
	if err := os.WriteFile(seedPath, sqlText.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(b.root, wrangler.Bin)
	if err := run(dir, nil, bin, "d1", "migrations", "apply", "DB", "--local", "--env", env, "--config", cfgPath, "--persist-to", s.PersistDir); err != nil {
		t.Fatalf("devserver: %v", err)
	}
	if err := run(dir, nil, bin, "d1", "execute", "DB", "--local", "--env", env, "--config", cfgPath, "--persist-to", s.PersistDir, "--file", seedPath); err != nil {
		t.Fatalf("devserver: %v", err)
	}

	s.dev, err = wrangler.StartDev(wrangler.DevOptions{
		Bin: bin, Config: cfgPath, Dir: dir, Persist: s.PersistDir, Port: port,
		Args:      []string{"--env", env, "--show-interactive-dev-session=false", "--live-reload=false"},
		ReadyPath: "/.well-known/kycvs/keys.json",
		Ready:     func(status int) bool { return status == http.StatusOK },
	})
	if err != nil {
		t.Fatalf("devserver: %v", err)
	}
	s.URL = s.dev.URL
	t.Cleanup(func() {
		s.dev.Stop()
		if t.Failed() {
			t.Logf("wrangler dev output:\n%s", s.Log())
		}
	})
	return s
}

// Exec runs SQL statements on the running server's D1 database (as an admin
// command's output would be applied), through wrangler d1 execute.
func (s *Server) Exec(t testing.TB, sql string) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "exec.sql")
	if err := os.WriteFile(f, []byte(sql), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(s.Root, wrangler.Bin)
	if err := run(filepath.Dir(s.cfgPath), nil, bin, "d1", "execute", "DB", "--local", "--env", env, "--config", s.cfgPath,
		"--persist-to", s.PersistDir, "--file", f); err != nil {
		t.Fatalf("devserver: %v", err)
	}
}

// Log returns wrangler dev's output so far.
func (s *Server) Log() string { return s.dev.Log() }

// Outbox returns the SMS sent to mobile (10 digits), newest first.
func (s *Server) Outbox(ctx context.Context, mobile string) ([]store.OutboxMessage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/dev/outbox?limit=100&to="+url.QueryEscape(mobile), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /dev/outbox: %s", resp.Status)
	}
	var out struct {
		Messages []store.OutboxMessage `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("GET /dev/outbox: %w", err)
	}
	return out.Messages, nil
}

var otpLine = regexp.MustCompile(`#([0-9]{6})( @\S+)?\s*$`)

// LastOTP returns the code of the newest OTP SMS sent to mobile, read from
// the WebOTP last line.
func (s *Server) LastOTP(t testing.TB, mobile string) string {
	t.Helper()
	msgs, err := s.Outbox(context.Background(), mobile)
	if err != nil {
		t.Fatalf("devserver: %v", err)
	}
	for _, m := range msgs {
		if m.Kind != "otp" {
			continue
		}
		if sm := otpLine.FindStringSubmatch(m.Body); sm != nil {
			return sm[1]
		}
	}
	t.Fatalf("devserver: no OTP sent to %s", mobile)
	return ""
}
