// Command kycvs-admin administers a KYC-VS deployment's data: it emits SQL for
// D1 (apply with `wrangler d1 execute DB --file …`, or --apply-local for the
// local dev database) and manages the local dev secrets.
//
//	kycvs-admin devkeys                       create .dev.vars if absent, write keys/dev.json
//	kycvs-admin seed [--count 10000]          demo entities, centres, DemoPeople, synthetic registry
//	kycvs-admin entity add --id ent_x --name "…" --purpose "…" --origin https://… [--origin …] [--lang hi]
//	kycvs-admin entity remove --id ent_x
//	kycvs-admin gate add --id ent_x --name "Phoenix Mall — Gate 2" [--purpose "…"] [--lang hi] [--service https://…]
//
// Mobile hashes and demo secrets depend on HASH_KEY, read from --dev-vars
// (default .dev.vars) or --hash-key. A new entity's server secret is printed
// once, on stderr; only its hash is in the SQL. A gate venue (kind "gate":
// a mall's, station's or airport's entry, checked with /gate) has no
// origins; its gate token, printed once on stderr (with the sign-in link
// when --service is given), signs a gate device in. Running gate add again
// rotates the token: devices signed in with the old one are signed out at
// their next online start.
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kycvs/kycvs/internal/wrangler"
	"github.com/kycvs/kycvs/keys"
	"github.com/kycvs/kycvs/worker/devenv"
	"github.com/kycvs/kycvs/worker/origin"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/store"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kycvs-admin:", err)
		os.Exit(1)
	}
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, " ") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: kycvs-admin devkeys | seed | entity add | entity remove | gate add (see go doc ./cmd/kycvs-admin)")
	}
	cmd := args[0]
	args = args[1:]
	if cmd == "entity" {
		if len(args) == 0 || (args[0] != "add" && args[0] != "remove") {
			return errors.New("usage: kycvs-admin entity add|remove …")
		}
		cmd, args = "entity "+args[0], args[1:]
	}
	if cmd == "gate" {
		if len(args) == 0 || args[0] != "add" {
			return errors.New("usage: kycvs-admin gate add …")
		}
		cmd, args = "gate add", args[1:]
	}
	fs := flag.NewFlagSet("kycvs-admin "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", ".", "repository root (devkeys)")
	varsPath := fs.String("dev-vars", ".dev.vars", "file with HASH_KEY")
	hashKeyHex := fs.String("hash-key", "", "HASH_KEY, hex (instead of --dev-vars)")
	count := fs.Int("count", 10000, "synthetic beneficiaries (seed)")
	id := fs.String("id", "", "entity id, ent_…")
	name := fs.String("name", "", "entity display name, shown to the person")
	purpose := fs.String("purpose", "", "why the entity asks, shown to the person")
	lang := fs.String("lang", "en", "language of the entity's OTP SMS: en, hi, ur, bn")
	service := fs.String("service", "", "service origin, to print a gate's sign-in link (gate add)")
	applyLocal := fs.Bool("apply-local", false, "run the SQL on the local dev D1 (wrangler d1 execute DB --local)")
	var origins multi
	fs.Var(&origins, "origin", "allowed web origin of the entity's pages (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var sql bytes.Buffer
	switch cmd {
	case "devkeys":
		vars, changed, err := devenv.Ensure(*root)
		if err != nil {
			return err
		}
		k, _ := keys.ParsePrivateKey(vars["SIGNING_KEY"])
		fmt.Fprintf(stdout, "dev signing key %s (secret in %s)\n", k.Public(), filepath.Join(*root, ".dev.vars"))
		if changed {
			fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(*root, "keys", "dev.json"))
		}
		return nil
	case "seed":
		k, err := devenv.HashKey(*hashKeyHex, *varsPath)
		if err != nil {
			return err
		}
		if err := seed.WriteSQL(&sql, k, *count); err != nil {
			return err
		}
	case "entity add":
		if !store.IsEntityID(*id) {
			return fmt.Errorf("--id %q: want ent_ and lowercase letters, digits, _", *id)
		}
		if *name == "" || *purpose == "" || len(origins) == 0 {
			return errors.New("--name, --purpose and at least one --origin are required")
		}
		for i, o := range origins {
			// The one rule (worker/origin): https://host[:port], exact host;
			// plain http only for loopback. The worker refuses anything else
			// at load, so it must never be written.
			c, err := origin.Parse(o)
			if err != nil {
				return fmt.Errorf("--origin: %w", err)
			}
			origins[i] = c
		}
		sk, err := NewSecret()
		if err != nil {
			return err
		}
		sql.WriteString(store.EntitySQL(store.Entity{ID: *id, DisplayName: *name, Purpose: *purpose, Origins: origins, Lang: *lang,
			SecretHash: secret.TokenHash(sk)}, time.Now()))
		fmt.Fprintf(stderr, "server secret for %s (shown once, store it in the entity's server config):\n%s\n", *id, sk)
	case "gate add":
		if !store.IsEntityID(*id) {
			return fmt.Errorf("--id %q: want ent_ and lowercase letters, digits, _", *id)
		}
		if *name == "" || len(origins) > 0 {
			return errors.New("--name is required; a gate has no --origin (nothing frames it)")
		}
		if *purpose == "" {
			*purpose = "Entry"
		}
		tok, err := NewGateToken()
		if err != nil {
			return err
		}
		// The server secret of a gate is never used (no server verifies
		// for it): a fresh random one keeps secret_hash unique and unknown.
		unused, err := NewSecret()
		if err != nil {
			return err
		}
		sql.WriteString(store.EntitySQL(store.Entity{ID: *id, DisplayName: *name, Purpose: *purpose, Lang: *lang,
			SecretHash: secret.TokenHash(unused), Kind: store.KindGate, GateTokenHash: secret.TokenHash(tok)}, time.Now()))
		fmt.Fprintf(stderr, "gate token for %s (shown once; enter it on the gate device's /gate page):\n%s\n", *id, tok)
		if *service != "" {
			o, err := origin.Parse(*service)
			if err != nil {
				return fmt.Errorf("--service: %w", err)
			}
			// In the fragment: never sent to a server, never in a log.
			fmt.Fprintf(stderr, "sign-in link (open it on the gate device):\n%s/gate#token=%s\n", o, tok)
		}
	case "entity remove":
		if !store.IsEntityID(*id) {
			return fmt.Errorf("--id %q is not an entity id", *id)
		}
		sql.WriteString(store.RemoveEntitySQL(*id))
	default:
		return fmt.Errorf("unknown command %q", cmd)
	}
	return wrangler.EmitSQL(sql.Bytes(), *applyLocal, stdout, stderr)
}

// GatePrefix starts every gate token, so a leaked one is recognisable.
const GatePrefix = "kgate_"

// NewGateToken returns a new gate sign-in token: 256 random bits.
func NewGateToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reading random: %w", err)
	}
	return GatePrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// NewSecret returns a new entity server secret: 256 random bits.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reading random: %w", err)
	}
	return seed.SecretPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}
