// Command kycvs-centres administers vaccination centres: it creates centres
// and issues their vaccinator and supervisor tokens. Like kycvs-admin it emits SQL for D1
// (apply with `wrangler d1 execute DB --file …`, or --apply-local for the local
// dev database); secrets never appear in the SQL.
//
//	kycvs-centres add    --id ctr_x --name "…" [--district "…"] [--days 90]   create a centre and issue its token
//	kycvs-centres token  --id ctr_x [--days 90]                                 issue a new token (the old one stops working)
//	kycvs-centres revoke --id ctr_x                                             withdraw the token
//	kycvs-centres supervisor --id ctr_x --name "…" [--days 90]                   issue a supervisor token
//	kycvs-centres cancel --appointment apt_… --by "supervisor name"             close a live or locked appointment
//	kycvs-centres audit  --appointment apt_…                                    show its audit log (with --apply-local)
//
// A token is printed once, on stderr; only its SHA-256 is stored.
//
// There is no unlock command: unlocking a locked appointment must send the
// person a new code (never three more tries at the old one), which only the
// worker can do. A supervisor unlocks with their token:
// POST /v1/centre/appointments/{id}/unlock.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kycvs/kycvs/internal/wrangler"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/store"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr, time.Now()); err != nil {
		fmt.Fprintln(os.Stderr, "kycvs-centres:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer, now time.Time) error {
	if len(args) == 0 {
		return errors.New("usage: kycvs-centres add | token | revoke | supervisor | cancel | audit (see go doc ./cmd/kycvs-centres)")
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("kycvs-centres "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("id", "", "centre id, ctr_…")
	name := fs.String("name", "", "centre name (add), supervisor's name (supervisor)")
	district := fs.String("district", "", "district (add)")
	days := fs.Int("days", 90, "days until the token expires (add, token, supervisor)")
	apt := fs.String("appointment", "", "appointment id, apt_… (cancel, audit)")
	by := fs.String("by", "", "the supervisor's name, for the audit log (cancel)")
	applyLocal := fs.Bool("apply-local", false, "run the SQL on the local dev D1 (wrangler d1 execute DB --local)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var sql bytes.Buffer
	issue := func() error {
		if *days < 1 || *days > 366 {
			return fmt.Errorf("--days %d: want 1 to 366", *days)
		}
		tok, err := secret.NewToken(nil, secret.CentreTokenPrefix)
		if err != nil {
			return err
		}
		exp := now.Add(time.Duration(*days) * 24 * time.Hour)
		sql.WriteString(store.CentreTokenSQL(*id, secret.TokenHash(tok), exp))
		fmt.Fprintf(stderr, "vaccinator token for %s, valid until %s (shown once; give it to the centre's vaccinators):\n%s\n",
			*id, exp.UTC().Format(time.RFC3339), tok)
		return nil
	}
	switch cmd {
	case "add", "token", "revoke", "supervisor":
		if !store.IsCentreID(*id) {
			return fmt.Errorf("--id %q: want ctr_ and lowercase letters, digits, _", *id)
		}
	}
	switch cmd {
	case "add":
		if strings.TrimSpace(*name) == "" {
			return errors.New("--name is required")
		}
		sql.WriteString(store.CentreSQL(*id, *name, *district, now))
		if err := issue(); err != nil {
			return err
		}
	case "token":
		if err := issue(); err != nil {
			return err
		}
	case "revoke":
		sql.WriteString(store.RevokeCentreTokenSQL(*id))
		sql.WriteString(store.RevokeSupervisorsSQL(*id))
	case "supervisor":
		n := strings.TrimSpace(*name)
		if n == "" || len(n) > 100 {
			return errors.New("--name (the supervisor's name, up to 100 bytes, for the audit log) is required")
		}
		if *days < 1 || *days > 366 {
			return fmt.Errorf("--days %d: want 1 to 366", *days)
		}
		tok, err := secret.NewToken(nil, secret.SupervisorTokenPrefix)
		if err != nil {
			return err
		}
		exp := now.Add(time.Duration(*days) * 24 * time.Hour)
		sql.WriteString(store.SupervisorSQL(*id, n, secret.TokenHash(tok), exp, now))
		fmt.Fprintf(stderr, "supervisor token for %s at %s, valid until %s (shown once; give it to them only):\n%s\n",
			n, *id, exp.UTC().Format(time.RFC3339), tok)
	case "unlock":
		return errors.New("unlock is done by a supervisor through the worker, which sends the person a new code: " +
			"POST /v1/centre/appointments/{id}/unlock with a supervisor token (kycvs-centres supervisor)")
	case "cancel":
		if !store.IsAppointmentID(*apt) {
			return fmt.Errorf("--appointment %q is not an appointment id", *apt)
		}
		if strings.TrimSpace(*by) == "" || len(*by) > 100 {
			return errors.New("--by (the supervisor's name, up to 100 bytes) is required")
		}
		sql.WriteString(store.SupervisorCancelSQL(*apt, strings.TrimSpace(*by), now))
	case "audit":
		if !store.IsAppointmentID(*apt) {
			return fmt.Errorf("--appointment %q is not an appointment id", *apt)
		}
		sql.WriteString(store.AuditSQL(*apt))
	default:
		return fmt.Errorf("unknown command %q", cmd)
	}
	return wrangler.EmitSQL(sql.Bytes(), *applyLocal, stdout, stderr)
}
