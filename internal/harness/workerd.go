package harness

import (
	"bytes"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kycvs/kycvs/internal/wrangler"
	"github.com/kycvs/kycvs/keys"
	"github.com/kycvs/kycvs/worker/devenv"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/store"
)

// Facts Workerd relies on: wrangler 4.86.0 (scripts/package.json; the last
// release that runs on Node 20), compatibility_date ≤ 2026-05-03, and a
// fresh --persist-to directory per server (state written by newer wranglers
// crashes the workerd of 4.86).

// devEnv is the wrangler.toml environment Workerd runs: the one scripts/dev
// runs. e2e/production runs the production one from a production build.
const devEnv = wrangler.DevEnv

// BuildWorker builds a Worker into out with scripts/build-worker, the one
// way the repository builds one: the package pkg ("" for ./worker, the
// service), a development build (-tags kycvs_dev) if dev.
func BuildWorker(root, out, pkg string, dev bool) error {
	args := []string{}
	if dev {
		args = append(args, "--dev")
	}
	if pkg != "" {
		args = append(args, "--pkg", pkg)
	}
	_, err := runCmd(root, filepath.Join(root, "scripts", "build-worker"), append(args, out)...)
	return err
}

// Wrangler returns the pinned wrangler that scripts/setup installs.
func Wrangler(root string) (string, error) {
	bin := filepath.Join(root, wrangler.Bin)
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("wrangler is not installed: run scripts/setup (%w)", err)
	}
	return bin, nil
}

type built struct {
	root, dir, siteDir, bin string
	vars                    map[string]string
	err                     error
}

// buildOnce makes the development builds once per test process.
var buildOnce = sync.OnceValue(func() built {
	var b built
	if b.root, b.err = wrangler.RepoRoot(); b.err != nil {
		return b
	}
	if b.bin, b.err = Wrangler(b.root); b.err != nil {
		return b
	}
	b.err = withLock(b.root, func() error {
		vars, _, err := devenv.Ensure(b.root)
		if err != nil {
			return err
		}
		b.vars = vars
		_, err = runCmd(b.root, filepath.Join(b.root, "scripts", "build-site"), "--dev")
		return err
	})
	if b.err != nil {
		return b
	}
	b.siteDir = filepath.Join(b.root, "site", "dist")
	// Each test process builds into its own directory: wrangler dev watches
	// main and reloads when it changes, so a shared build/ would restart
	// other processes' servers.
	os.MkdirAll(filepath.Join(b.root, "build"), 0o755)
	removeStale(filepath.Join(b.root, "build"))
	if b.dir, b.err = os.MkdirTemp(filepath.Join(b.root, "build"), "harness-"); b.err != nil {
		return b
	}
	b.err = BuildWorker(b.root, b.dir, "", true)
	return b
})

// removeStale deletes the build directories of test processes (build/harness-*)
// older than a day.
func removeStale(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), "harness-") {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > 24*time.Hour {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// withLock serialises the steps that write shared files (.dev.vars,
// keys/dev.json, site/dist) across test processes.
func withLock(root string, fn func() error) error {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "kycvs-harness-"+hex.EncodeToString([]byte(root))[:16]+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
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

// runCmd runs a command in dir with wrangler's offline environment and
// returns its output.
func runCmd(dir, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), wrangler.OfflineEnv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %w\n%s%s", filepath.Base(name), strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return out, nil
}

// devConfig returns the test config of the repository's development
// environment, running the Worker built into workerDir; with n > 1
// shards, of [env.shards<n>] (the same, on n D1 bindings).
func devConfig(root, workerDir string, n int) (*wrangler.TestConfig, error) {
	c, err := wrangler.ReadConfig(filepath.Join(root, "wrangler.toml"))
	if err != nil {
		return nil, err
	}
	env := devEnv
	if n > 1 {
		env = fmt.Sprintf("shards%d", n)
	}
	tc, err := c.TestConfig(env, root)
	if err != nil {
		return nil, fmt.Errorf("wrangler.toml: %w", err)
	}
	if len(tc.D1) != n || tc.D1[0]["binding"] != "DB" || tc.Assets == nil {
		return nil, fmt.Errorf("wrangler.toml: want [env.%s] with %d D1 databases, DB first, and assets", env, n)
	}
	tc.Main = filepath.Join(workerDir, "worker.mjs")
	return tc, nil
}

// d1CountEntry is Options.CountD1's entry; "GLUE" stands for the glue's
// path.
//
//go:embed d1count/entry.mjs
var d1CountEntry string

// Workerd builds the development Worker and site (once per test process)
// and starts `wrangler dev` on wrangler.toml's [env.dev] (the configuration
// scripts/dev runs) on free loopback ports, with a fresh local D1 holding
// the migrations and the seed; it stops when t ends. SERVICE_ORIGIN is the
// server's own URL. The caller skips unless Enabled.
func Workerd(t testing.TB, opts Options) *Server {
	t.Helper()
	b := buildOnce()
	if b.err != nil {
		t.Fatalf("harness: building: %v", b.err)
	}
	hashKey, err := hex.DecodeString(b.vars["HASH_KEY"])
	if err != nil {
		t.Fatalf("harness: HASH_KEY: %v", err)
	}
	priv, err := keys.ParsePrivateKey(b.vars["SIGNING_KEY"])
	if err != nil {
		t.Fatalf("harness: SIGNING_KEY: %v", err)
	}
	s := &Server{t: t, Header: http.Header{}, HashKey: hashKey, Keyset: keys.Published(), Secrets: map[string]string{}, Root: b.root}
	if _, ok := s.Keyset.Has(priv.KeyID()); !ok {
		// This test binary was not built with -tags kycvs_dev.
		ks := &keys.Keyset{}
		ks.Merge(s.Keyset)
		if err := ks.Add(priv.Public(), time.Unix(0, 0), time.Time{}); err != nil {
			t.Fatal(err)
		}
		s.Keyset = ks
	}

	dir := t.TempDir()
	s.PersistDir = filepath.Join(dir, "state")
	shards := shardCount(opts)
	tc, err := devConfig(b.root, b.dir, shards)
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	if opts.CountD1 {
		entry := filepath.Join(dir, "d1count.mjs")
		glue, _ := json.Marshal(tc.Main)
		src := strings.Replace(d1CountEntry, `"GLUE"`, string(glue), 1)
		if err := os.WriteFile(entry, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		tc.Main = entry
	}
	if _, err := os.Stat(tc.Assets["directory"]); err != nil {
		tc.Assets["directory"] = t.TempDir() // no site built: no assets
	}
	s.config = filepath.Join(dir, "wrangler.toml")
	if err := tc.Write(s.config); err != nil {
		t.Fatalf("harness: %v", err)
	}
	// The port is chosen here, not by StartDev, because the worker must know
	// its origin: SERVICE_ORIGIN is the only origin it answers browsers on.
	port, err := wrangler.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	s.Origin = fmt.Sprintf("http://127.0.0.1:%d", port)
	vars := map[string]string{"SIGNING_KEY": b.vars["SIGNING_KEY"], "HASH_KEY": b.vars["HASH_KEY"], "SERVICE_ORIGIN": s.Origin}
	for k, v := range opts.Vars {
		vars[k] = v
	}
	// .dev.vars beside the config: wrangler reads it, over the config's vars.
	if err := os.WriteFile(filepath.Join(dir, ".dev.vars"), devenv.FormatVars(vars), 0o600); err != nil {
		t.Fatal(err)
	}

	var seedSQL bytes.Buffer
	if err := seed.WriteSQL(&seedSQL, hashKey, opts.Synthetic); err != nil {
		t.Fatal(err)
	}
	seedSQL.WriteString(s.entitiesSQL(opts.Entities))
	seedSQL.WriteString(seed.PeopleSQL(hashKey, opts.People))
	seedSQL.WriteString(opts.SQL)
	if shards > 1 {
		s.workerdShards(t, tc, seedSQL.String())
	} else {
		if _, err := s.wrangler("d1", "migrations", "apply", "DB"); err != nil {
			t.Fatalf("harness: %v", err)
		}
		s.Exec(seedSQL.String())
	}

	s.dev, err = wrangler.StartDev(wrangler.DevOptions{
		Bin: b.bin, Config: s.config, Dir: dir, Persist: s.PersistDir, Port: port,
		// --test-scheduled: /__scheduled fires the cron trigger, for tests.
		Args:      []string{"--show-interactive-dev-session=false", "--live-reload=false", "--test-scheduled"},
		ReadyPath: "/.well-known/kycvs/keys.json",
		Ready:     func(status int) bool { return status == http.StatusOK },
	})
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	s.URL = s.dev.URL
	s.sms = s.devOutbox
	t.Cleanup(func() {
		s.dev.Stop()
		if t.Failed() {
			t.Logf("wrangler dev output:\n%s", s.Log())
		}
	})
	return s
}

// Log returns what wrangler dev printed so far.
func (s *Server) Log() string {
	if s.dev == nil {
		return ""
	}
	return s.dev.Log()
}

// wrangler runs a wrangler d1 command on the server's config and local D1
// (wrangler.D1: tried again while the running Worker holds the database).
func (s *Server) wrangler(args ...string) ([]byte, error) {
	args = append(args, "--local", "--config", s.config, "--persist-to", s.PersistDir)
	return wrangler.D1(filepath.Dir(s.config), filepath.Join(s.Root, wrangler.Bin), args...)
}

// d1Exec runs SQL statements on the server's local D1: with shards, on
// every binding, each then keeping only its own buckets' rows.
func (s *Server) d1Exec(sqlText string) error {
	f := filepath.Join(s.t.TempDir(), "exec.sql")
	if s.ShardMap == nil {
		if err := os.WriteFile(f, []byte(sqlText), 0o644); err != nil {
			return err
		}
		_, err := s.wrangler("d1", "execute", "DB", "--file", f)
		return err
	}
	// One binding after the other: with four wrangler processes at once on
	// one persist directory, one setup on a loaded machine ran past the
	// 10-minute test timeout; in turn, it takes a predictable time.
	for i, name := range s.ShardMap.Bindings {
		text := strings.TrimRight(sqlText, " \t\n")
		if !strings.HasSuffix(text, ";") {
			text += ";" // the caller's last statement may end without one
		}
		text += "\n" + store.KeepBucketsSQL(s.ShardMap.BucketsOf(i))
		if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
			return err
		}
		if _, err := s.wrangler("d1", "execute", name, "--file", f); err != nil {
			return err
		}
	}
	return nil
}

// d1Query runs one query on the server's local D1 and returns its rows;
// with shards, on the union of the bindings' local files (unionDB).
func (s *Server) d1Query(q string) ([]map[string]any, error) {
	if s.ShardMap != nil {
		return s.unionQuery(q)
	}
	out, err := s.wrangler("d1", "execute", "DB", "--json", "--command", q)
	if err != nil {
		return nil, err
	}
	var res []struct{ Results []map[string]any }
	if err := json.Unmarshal(out, &res); err != nil || len(res) != 1 {
		return nil, fmt.Errorf("wrangler d1 execute --json: %d results, %v: %s", len(res), err, out)
	}
	return res[0].Results, nil
}

// devOutbox reads /dev/outbox.
func (s *Server) devOutbox(mobile string) ([]store.OutboxMessage, error) {
	resp, err := http.Get(s.URL + "/dev/outbox?limit=100&to=" + url.QueryEscape(mobile))
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
