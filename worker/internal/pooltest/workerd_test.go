//go:build !(js && wasm)

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/internal/wrangler"
)

// workerd is a Worker running under `wrangler dev` (local workerd and D1):
// free loopback ports, a fresh --persist-to directory, offline settings.
type workerd struct {
	URL string
	dev *wrangler.Dev
	dir string // removed by stop, if set
}

// glue says which JavaScript runs the Go instances.
type glue int

const (
	pooledGlue  glue = iota // the project's (worker/glue), through entry.mjs
	shippedGlue             // the one syumai/workers generates: a fresh Go instance per request
)

// startPooltest builds the pooltest worker with scripts/build-worker into a
// temporary directory and runs it with the given glue.
func startPooltest(g glue) (*workerd, error) {
	root, err := wrangler.RepoRoot()
	if err != nil {
		return nil, err
	}
	out, err := os.MkdirTemp("", "kycvs-pooltest-")
	if err != nil {
		return nil, err
	}
	w, err := buildAndStart(root, out, g)
	if err != nil {
		os.RemoveAll(out)
		return nil, err
	}
	w.dir = out
	return w, nil
}

func buildAndStart(root, out string, g glue) (*workerd, error) {
	if err := harness.BuildWorker(root, out, "./worker/internal/pooltest", false); err != nil {
		return nil, err
	}
	here := filepath.Join(root, "worker", "internal", "pooltest")
	c, err := wrangler.ReadConfig(filepath.Join(here, "wrangler.toml"))
	if err != nil {
		return nil, err
	}
	tc, err := c.TestConfig("", here)
	if err != nil {
		return nil, err
	}
	switch g {
	case pooledGlue:
		entry, err := os.ReadFile(filepath.Join(here, "entry.mjs"))
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(out, "entry.mjs"), entry, 0o644); err != nil {
			return nil, err
		}
		tc.Main = filepath.Join(out, "entry.mjs")
	case shippedGlue:
		// The generator empties its output directory first: it writes
		// into one of its own, and its glue replaces the project's.
		gen := filepath.Join(out, "shipped")
		cmd := exec.Command("go", "run", "github.com/syumai/workers/cmd/workers-assets-gen", "-mode=go", "-o", gen)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("workers-assets-gen: %w\n%s", err, b)
		}
		files, err := os.ReadDir(gen)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if err := os.Rename(filepath.Join(gen, f.Name()), filepath.Join(out, f.Name())); err != nil {
				return nil, err
			}
		}
		tc.Main = filepath.Join(out, "worker.mjs")
		tc.Name += "-shipped"
	}
	config := filepath.Join(out, "wrangler.toml")
	if err := tc.Write(config); err != nil {
		return nil, err
	}
	return startConfig(root, config)
}

// startConfig runs `wrangler dev --config config` until /hello answers.
func startConfig(root, config string) (*workerd, error) {
	bin, err := harness.Wrangler(root)
	if err != nil {
		return nil, err
	}
	dev, err := wrangler.StartDev(wrangler.DevOptions{
		Bin: bin, Config: config, Dir: filepath.Dir(config), ReadyPath: "/hello",
		Args: []string{"--log-level", "warn"},
		Env:  []string{"NO_COLOR=1"},
	})
	if err != nil {
		return nil, err
	}
	return &workerd{URL: dev.URL, dev: dev}, nil
}

// Log returns everything wrangler and workerd printed so far.
func (w *workerd) Log() string { return w.dev.Log() }

// stop ends wrangler and its workerd processes and removes the build.
// Calling it again does nothing.
func (w *workerd) stop() {
	w.dev.Stop()
	if w.dir != "" {
		os.RemoveAll(w.dir)
	}
}

// badLog lists what workerd prints when requests leak into each other or
// hang, and the glue's own failure reports.
var badLog = []string{
	"hung",
	"different request context",
	"Cannot perform I/O on behalf of a different request",
	"never generate a response",
	"call to released function",
	"kycvs glue: dropping",
}

// checkLog fails t if the server log shows hung or cross-request work.
func (w *workerd) checkLog(t testing.TB) {
	t.Helper()
	log := w.dev.Log()
	for _, bad := range badLog {
		if i := strings.Index(log, bad); i >= 0 {
			t.Errorf("workerd log contains %q:\n%s", bad, log[max(0, i-400):min(len(log), i+400)])
		}
	}
}

// rss returns the summed resident memory of the workerd processes started
// by this server, in bytes.
func (w *workerd) rss() int64 {
	var total int64
	for _, pid := range descendants(w.dev.Pid()) {
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if !strings.HasPrefix(strings.TrimSpace(string(comm)), "workerd") {
			continue
		}
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				total += kb << 10
			}
		}
	}
	return total
}

func descendants(root int) []int {
	entries, _ := os.ReadDir("/proc")
	parent := map[int]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// The command may contain spaces; fields after the last ')' are fixed.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) > 1 {
			parent[pid], _ = strconv.Atoi(f[1])
		}
	}
	var out []int
	for pid := range parent {
		for p := pid; p > 1; p = parent[p] {
			if p == root {
				out = append(out, pid)
				break
			}
		}
	}
	return out
}
