//go:build !(js && wasm)

// Package workerd runs a Worker under `wrangler dev` (local workerd and D1)
// for end-to-end tests and benchmarks: free loopback ports, a fresh
// --persist-to directory, offline settings, and the workerd processes' RSS.
package workerd

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kycvs/kycvs/internal/wrangler"
)

// Server is a running `wrangler dev`.
type Server struct {
	URL     string
	dev     *wrangler.Dev
	cleanup []string
	stop    sync.Once
}

// RepoRoot finds the module root (the directory holding go.mod) from the
// working directory upwards.
func RepoRoot() (string, error) { return wrangler.RepoRoot() }

// Wrangler returns the pinned wrangler: $KYCVS_WRANGLER, or the one
// `npm ci --prefix scripts` installs.
func Wrangler(root string) (string, error) {
	if w := os.Getenv("KYCVS_WRANGLER"); w != "" {
		return w, nil
	}
	w := filepath.Join(root, wrangler.Bin)
	if _, err := os.Stat(w); err != nil {
		return "", fmt.Errorf("wrangler not installed (run npm ci --prefix scripts): %w", err)
	}
	return w, nil
}

// BuildPooltest builds the pooltest worker with the project's glue into out
// (a directory of its own: build/ belongs to scripts/build-worker, which wipes
// it) and returns the path of the wrangler config copied there.
func BuildPooltest(root, out string) (string, error) {
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(out, "app.wasm"), "./worker/internal/pooltest")
	build.Dir = root
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if b, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build pooltest wasm: %w\n%s", err, b)
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOROOT: %w", err)
	}
	pooltest := filepath.Join(root, "worker", "internal", "pooltest")
	copies := map[string]string{
		filepath.Join(root, "worker", "glue", "worker.mjs"):                             "worker.mjs",
		filepath.Join(pooltest, "entry.mjs"):                                            "entry.mjs",
		filepath.Join(pooltest, "wrangler.toml"):                                        "wrangler.toml",
		filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js"): "wasm_exec.js",
	}
	for from, to := range copies {
		b, err := os.ReadFile(from)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(out, to), b, 0o644); err != nil {
			return "", err
		}
	}
	return filepath.Join(out, "wrangler.toml"), nil
}

// StartPooltest builds the pooltest worker into a temporary directory and
// starts it.
func StartPooltest() (*Server, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	out, err := os.MkdirTemp("", "kycvs-pooltest-")
	if err != nil {
		return nil, err
	}
	config, err := BuildPooltest(root, out)
	if err != nil {
		os.RemoveAll(out)
		return nil, err
	}
	s, err := Start(root, config, "/hello")
	if err != nil {
		os.RemoveAll(out)
		return nil, err
	}
	s.cleanup = append(s.cleanup, out)
	return s, nil
}

// Start runs `wrangler dev --config config` on free loopback ports with a
// fresh local state directory and waits until readyPath answers.
func Start(root, config, readyPath string) (*Server, error) {
	bin, err := Wrangler(root)
	if err != nil {
		return nil, err
	}
	dev, err := wrangler.StartDev(wrangler.DevOptions{
		Bin: bin, Config: config, Dir: root, ReadyPath: readyPath,
		Args: []string{"--log-level", "warn"},
		Env:  []string{"NO_COLOR=1"},
	})
	if err != nil {
		return nil, err
	}
	return &Server{URL: dev.URL, dev: dev}, nil
}

// Log returns everything wrangler and workerd printed so far.
func (s *Server) Log() string { return s.dev.Log() }

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

// CheckLog fails t if the server log shows hung or cross-request work.
func (s *Server) CheckLog(t testing.TB) {
	t.Helper()
	log := s.dev.Log()
	for _, bad := range badLog {
		if i := strings.Index(log, bad); i >= 0 {
			t.Errorf("workerd log contains %q:\n%s", bad, log[max(0, i-400):min(len(log), i+400)])
		}
	}
}

// RSS returns the summed resident memory of the workerd processes started by
// this server, in bytes.
func (s *Server) RSS() int64 {
	var total int64
	for _, pid := range descendants(s.dev.Pid()) {
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

// Stop ends wrangler and its workerd processes (its own process group) and
// removes the local state directory. Calling it again does nothing.
func (s *Server) Stop() error {
	s.stop.Do(s.stopOnce)
	return nil
}

func (s *Server) stopOnce() {
	s.dev.Stop()
	for _, dir := range s.cleanup {
		os.RemoveAll(dir)
	}
}
