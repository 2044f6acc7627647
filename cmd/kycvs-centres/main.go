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
//	kycvs-centres vaccinator --id ctr_x --name "…" --mobile 98… [--role supervisor]  register a person who signs in at /centre
//	kycvs-centres revoke-vaccinator --vaccinator vcr_…                          end their sign-ins and sessions
//
// A vaccinator (or supervisor: a role) signs in at /centre with an OTP to
// their own registered mobile; the audit log names them. Their mobile is
// stored as the same keyed hash as the registry's, so the command needs
// HASH_KEY: --hash-key (hex) or --dev-vars (default .dev.vars). One person
// per mobile number.
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
	"github.com/kycvs/kycvs/worker/devenv"
	"github.com/kycvs/kycvs/worker/mobile"
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
		return errors.New("usage: kycvs-centres add | token | revoke | supervisor | vaccinator | revoke-vaccinator | cancel | audit (see go doc ./cmd/kycvs-centres)")
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
	mobileFlag := fs.String("mobile", "", "the vaccinator's own mobile number (vaccinator)")
	role := fs.String("role", store.RoleVaccinator, "vaccinator or supervisor (vaccinator)")
	vaccinator := fs.String("vaccinator", "", "vaccinator id, vcr_… (revoke-vaccinator)")
	varsPath := fs.String("dev-vars", ".dev.vars", "file with HASH_KEY (vaccinator)")
	hashKeyHex := fs.String("hash-key", "", "HASH_KEY, hex, instead of --dev-vars (vaccinator)")
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
	case "add", "token", "revoke", "supervisor", "vaccinator":
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
	case "vaccinator":
		n := strings.TrimSpace(*name)
		if n == "" || len(n) > 100 {
			return errors.New("--name (the vaccinator's name, up to 100 bytes, shown in the audit trail) is required")
		}
		if *role != store.RoleVaccinator && *role != store.RoleSupervisor {
			return fmt.Errorf("--role %q: want vaccinator or supervisor", *role)
		}
		digits, err := mobile.Parse(*mobileFlag)
		if err != nil {
			return fmt.Errorf("--mobile %q: want an Indian 10-digit mobile number", *mobileFlag)
		}
		key, err := devenv.HashKey(*hashKeyHex, *varsPath)
		if err != nil {
			return err
		}
		vid, err := secret.NewID(nil, "vcr_")
		if err != nil {
			return err
		}
		sql.WriteString(store.VaccinatorSQL(vid, *id, n, *role, mobile.Hash(key, digits), now))
		fmt.Fprintf(stderr, "%s %s of %s: %s (signs in at /centre with an OTP to %s)\n", *role, n, *id, vid, mobile.Mask(digits))
	case "revoke-vaccinator":
		if !store.IsVaccinatorID(*vaccinator) {
			return fmt.Errorf("--vaccinator %q is not a vaccinator id (vcr_…)", *vaccinator)
		}
		sql.WriteString(store.RevokeVaccinatorSQL(*vaccinator, now))
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
