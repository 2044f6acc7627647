// Package wrangler is how the repository's Go tools drive the wrangler CLI:
// the environment it needs to run without the network, and the admin
// commands' output, SQL for `wrangler d1 execute DB --file …` or, with
// --apply-local, run on the local dev D1 directly. kycvs-admin and
// kycvs-centres share it so both apply SQL the same way. StartDev runs
// `wrangler dev` for the tests (internal/harness, the pool tests,
// e2e/production), so all start and stop it the same way. ReadConfig reads
// wrangler.toml for the checks of its environments (config_test.go), and
// TestConfig turns a section of it into the config a test server runs.
//
// It is not a D1 client: deployed databases are changed by a person running
// wrangler with the emitted SQL.
package wrangler

import (
	"fmt"
	"io"
	"os"
	"os/exec"
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
	cmd := exec.Command(Bin, "d1", "execute", "DB", "--local", "--env", DevEnv, "--file", f.Name())
	cmd.Env = append(os.Environ(), OfflineEnv...)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("wrangler d1 execute: %w", err)
	}
	return nil
}
