//go:build unix

package wrangler

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// RepoRoot finds the repository root (the directory holding go.mod and
// worker/) from the working directory upwards; requiring worker/ skips nested
// modules such as third_party/workers.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "worker")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root not found above the working directory")
		}
		dir = parent
	}
}

// DevOptions configure StartDev.
type DevOptions struct {
	Bin    string   // the wrangler executable
	Config string   // --config
	Dir    string   // working directory
	Args   []string // further `wrangler dev` flags
	Env    []string // added after os.Environ() and OfflineEnv
	// Port is the server's port (--port). Zero: a free one. A caller that
	// must know the URL before the server starts (to pass it as a var)
	// picks it with FreePort.
	Port int
	// Persist is the --persist-to directory. Empty: a fresh temporary one,
	// removed by Stop (state written by newer wranglers crashes the workerd
	// of the pinned one, so every server starts from its own).
	Persist string
	// ReadyPath is requested until Ready accepts the status code.
	ReadyPath string
	// Ready reports whether a response status means the server is up; nil
	// accepts anything below 500.
	Ready func(status int) bool
}

// Dev is a running `wrangler dev`, in a process group of its own so that
// Stop also ends the workerd processes it starts.
type Dev struct {
	URL     string // http://127.0.0.1:<port>
	Persist string // the --persist-to directory

	cmd        *exec.Cmd
	log        syncBuffer
	exited     chan struct{}
	waitErr    error
	ownPersist bool
	stop       sync.Once
}

// startTimeout is how long wrangler dev may take to answer: building the
// workerd config and loading a large wasm takes tens of seconds on a busy
// 2-core machine.
const startTimeout = 90 * time.Second

// StartDev runs `wrangler dev` on loopback ports (o.Port or a free one; a free
// inspector port)
// with the offline environment and waits until o.ReadyPath answers. On error
// nothing is left running.
func StartDev(o DevOptions) (*Dev, error) {
	port, err := o.Port, error(nil)
	if port == 0 {
		if port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	inspector, err := FreePort()
	if err != nil {
		return nil, err
	}
	d := &Dev{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Persist: o.Persist, exited: make(chan struct{})}
	if d.Persist == "" {
		if d.Persist, err = os.MkdirTemp("", "kycvs-workerd-"); err != nil {
			return nil, err
		}
		d.ownPersist = true
	}
	args := append([]string{"dev", "--config", o.Config, "--ip", "127.0.0.1", "--port", strconv.Itoa(port),
		"--inspector-port", strconv.Itoa(inspector), "--persist-to", d.Persist}, o.Args...)
	d.cmd = exec.Command(o.Bin, args...)
	d.cmd.Dir = o.Dir
	d.cmd.Env = append(append(os.Environ(), OfflineEnv...), o.Env...)
	d.cmd.Stdout, d.cmd.Stderr = &d.log, &d.log
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := d.cmd.Start(); err != nil {
		d.removePersist()
		return nil, fmt.Errorf("start wrangler dev: %w", err)
	}
	go func() { d.waitErr = d.cmd.Wait(); close(d.exited) }()
	ready := o.Ready
	if ready == nil {
		ready = func(status int) bool { return status < 500 }
	}
	deadline := time.Now().Add(startTimeout)
	for {
		res, err := http.Get(d.URL + o.ReadyPath)
		if err == nil {
			res.Body.Close()
			if ready(res.StatusCode) {
				return d, nil
			}
		}
		select {
		case <-d.exited:
			d.Stop()
			return nil, fmt.Errorf("wrangler dev exited (%v):\n%s", d.waitErr, d.Log())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			d.Stop()
			return nil, fmt.Errorf("wrangler dev not ready after %v (last error %v):\n%s", startTimeout, err, d.Log())
		}
	}
}

// Log returns everything wrangler and workerd printed so far.
func (d *Dev) Log() string { return d.log.String() }

// Pid is wrangler's process id, also its process group's.
func (d *Dev) Pid() int { return d.cmd.Process.Pid }

// Stop ends wrangler and its workerd processes (its process group) and
// removes the --persist-to directory if StartDev made it. Calling it again
// does nothing.
func (d *Dev) Stop() {
	d.stop.Do(func() {
		defer d.removePersist()
		pgid := d.cmd.Process.Pid
		syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-pgid, syscall.SIGKILL)
			<-d.exited
		}
		// workerd may outlive wrangler by a moment; it is in the same group.
		syscall.Kill(-pgid, syscall.SIGKILL)
	})
}

func (d *Dev) removePersist() {
	if d.ownPersist {
		os.RemoveAll(d.Persist)
	}
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
