// Package wrangler is how the repository's Go tools drive the wrangler CLI:
// the environment it needs to run without the network, and the admin
// commands' output, SQL for `wrangler d1 execute DB --file …` or, with
// --apply-local, run on the local dev D1 directly. kycvs-admin and
// kycvs-centres share it so both apply SQL the same way; D1 runs every
// local d1 command (theirs and the test harness's), waiting out a running
// Worker's lock on the database. StartDev runs
// `wrangler dev` for the tests (internal/harness, the pool tests,
// e2e/production), so all start and stop it the same way. ReadConfig reads
// wrangler.toml for the checks of its environments (config_test.go), and
// TestConfig turns a section of it into the config a test server runs.
//
// It is not a D1 client: deployed databases are changed by a person running
// wrangler with the emitted SQL.
package wrangler

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// OfflineEnv is the environment wrangler needs to run without the network.
var OfflineEnv = []string{
	"WRANGLER_SEND_METRICS=false",
	"WRANGLER_SEND_ERROR_REPORTS=false",
	"CLOUDFLARE_CF_FETCH_ENABLED=false",
	"WRANGLER_HIDE_BANNER=true",
	"CI=true", // no interactive prompts
}

// Bin is wrangler, relative to the repository root (scripts/package.json).
const Bin = "scripts/node_modules/.bin/wrangler"

// EmitSQL writes sql to stdout or, if applyLocal, runs it on the local dev D1
// (wrangler d1 execute DB --local --env dev, from the repository root) with
// wrangler's output on stderr.
func EmitSQL(sql []byte, applyLocal bool, stdout, stderr io.Writer) error {
	if applyLocal {
		return ApplyLocal(sql, stderr)
	}
	_, err := stdout.Write(sql)
	return err
}

// DevEnv is the wrangler.toml environment of local development (scripts/dev,
// the end-to-end tests); the top level is production.
const DevEnv = "dev"

// ApplyLocal runs sql on the local dev D1: the DB binding of [env.dev], the
// database scripts/dev serves.
func ApplyLocal(sql []byte, stderr io.Writer) error {
	f, err := os.CreateTemp("", "kycvs-*.sql")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(sql); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	out, err := D1(".", Bin, "d1", "execute", "DB", "--local", "--env", DevEnv, "--file", f.Name())
	stderr.Write(out)
	return err
}

// D1 runs a wrangler d1 command (bin, in dir, offline) on a local database
// and returns its standard output; an error carries both outputs.
//
// The command opens the SQLite file that a running `wrangler dev`
// (scripts/dev, a test's server) has open too, and workerd's SQLite waits
// for no lock: when the Worker is writing at that moment, the command
// fails at once with SQLITE_BUSY. Local `d1 execute` runs its statements
// as one batch, which SQLite rolls back whole, so the command is tried
// again after a pause, up to busyTries times in all (a CI run failed once
// on exactly this).
func D1(dir, bin string, args ...string) ([]byte, error) {
	for try := 1; ; try++ {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), OfflineEnv...)
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		out, err := cmd.Output()
		if err == nil {
			return out, nil
		}
		err = fmt.Errorf("%s %s: %w\n%s%s", filepath.Base(bin), strings.Join(args, " "), err, out, errOut.Bytes())
		if try == busyTries || !isBusy(err) {
			return out, err
		}
		time.Sleep(time.Duration(try) * 200 * time.Millisecond)
	}
}

// busyTries is how often a d1 command that found the database locked is
// run in all.
const busyTries = 5

// isBusy reports whether a wrangler command failed because SQLite found
// the database locked by another connection.
func isBusy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}
