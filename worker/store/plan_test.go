//go:build !js

package store_test

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/store"
)

// planHot are the tables that grow with the country (registry, per-request
// state): no request may read one of them by scanning it.
var planHot = []string{"beneficiaries", "doses", "appointments", "otp_transactions", "rate_counters", "used_tokens",
	"audit_log", "sms_outbox", "confirmations", "slot_places", "slots"}

// planAllowed are scans that are not full: each is read in rowid order and
// stops at a LIMIT, so its cost does not grow with the table.
var planAllowed = map[string]string{
	// GET /dev/outbox without ?to= (dev only): the latest messages by id.
	"SELECT id, to_mobile, body, kind, created_at FROM sms_outbox ORDER BY id DESC LIMIT ?": "SCAN sms_outbox",
}

// planNotOnRequestPaths are the methods of *store.SQL this test does not
// call, and why.
var planNotOnRequestPaths = map[string]string{
	"ScheduleAllows":    "test-only export (export_test.go)",
	"ShardedPlaceCalls": "test-only export (export_test.go), called below",
}

// planTriggers are the WHERE clauses of the triggers that look rows up,
// as statements (NEW.x as parameters): EXPLAIN QUERY PLAN of the statement
// that fires a trigger does not show the trigger's own plan.
var planTriggers = []string{
	// otp_transactions_supersede (0004)
	`UPDATE otp_transactions SET superseded_by = ?1 WHERE mobile_hash = ?2 AND purpose = ?3
	   AND created_at > ?4 - (?5 - ?4) AND id <> ?1 AND superseded_by IS NULL AND used_at IS NULL AND expires_at > ?4`,
	// doses_close_appointment, doses_use_walk_in_otp, doses_queue_confirmation (0002, 0004)
	`UPDATE appointments SET status = 'done', updated_at = ?1, updated_by = ?2 WHERE id = ?3`,
	`UPDATE otp_transactions SET used_at = ?1 WHERE id = ?2`,
	`SELECT a.mobile_enc, a.id, a.lang FROM appointments a WHERE a.id = ?1`,
	`SELECT t.mobile_enc, t.id, t.lang FROM otp_transactions t WHERE t.id = ?1`,
	// the places of migration 9: appointments_*_place, slot_places_*
	`UPDATE slot_places SET holds = 0 WHERE appointment_id = ?1 AND holds = 1`,
	`DELETE FROM slot_places WHERE centre_id = ?1 AND slot_date = ?2 AND slot_time = ?3 AND appointment_id = ?4`,
	`UPDATE slots SET booked = booked + 1 WHERE centre_id = ?1 AND slot_date = ?2 AND slot_time = ?3`,
	`SELECT c.id, ?2, ?3, c.slot_capacity FROM centres c WHERE c.id = ?1`,
}

// planStatements runs every method of *store.SQL (every statement a request
// or the cron trigger can run, refusals included) on a seeded database and
// returns the distinct statements, and the methods called.
func planStatements(t *testing.T, db *sql.DB, f *harness.Faults) ([]string, map[string]bool) {
	t.Helper()
	ctx := context.Background()
	s := &store.SQL{DB: db}
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	called := map[string]bool{}
	f.Start()
	call := func(name string, err error) {
		called[name] = true
		// Refusals (not found, conflicts, a rule) are runs too; a failing
		// statement is not.
		if errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	two := func(_ any, err error) error { return err }

	// Directory and registry.
	call("Entity", two(s.Entity(ctx, "ent_railways")))
	call("EntityBySecretHash", two(s.EntityBySecretHash(ctx, strings.Repeat("0", 64))))
	call("Beneficiaries", two(s.Beneficiaries(ctx, strings.Repeat("a", 64))))
	call("Centre", two(s.Centre(ctx, "ctr_delhi_aiims")))
	call("CentreByTokenHash", two(s.CentreByTokenHash(ctx, strings.Repeat("0", 64))))
	call("Vaccine", two(s.Vaccine(ctx, "covishield")))
	call("Doses", two(s.Doses(ctx, "ben_demo_01")))
	call("CentreDoses", two(s.CentreDoses(ctx, "ctr_delhi_aiims", now.Add(-24*time.Hour), now)))
	call("SupervisorByTokenHash", two(s.SupervisorByTokenHash(ctx, strings.Repeat("0", 64))))

	// Limits and OTP transactions, refusals included.
	lim := []store.Limit{{Key: "ip:192.0.2.1", Window: time.Minute, Max: 1}, {Key: "mobile:x", Window: time.Hour, Max: 5}}
	_, _, err := s.Hit(ctx, "k", time.Minute, 1, now)
	call("Hit", err)
	_, _, err = s.Hit(ctx, "k", time.Minute, 1, now) // refused: reads the window
	call("Hit", err)
	_, _, err = s.HitAll(ctx, []store.Limit{{Key: "h", Window: time.Minute, Max: 1}}, now)
	call("HitAll", err)
	_, _, err = s.HitAll(ctx, []store.Limit{{Key: "h", Window: time.Minute, Max: 1}}, now) // refused
	call("HitAll", err)
	call("Release", s.Release(ctx, lim))
	txn := func(id string) *store.OTPTransaction {
		return &store.OTPTransaction{ID: id, Purpose: "walk_in", EntityID: "ctr_delhi_aiims", MobileHash: "mh", NameHash: "nh",
			OTPHash: "h", Lang: "en", MaxAttempts: 3, CreatedAt: now, ExpiresAt: now.Add(3 * time.Minute)}
	}
	_, _, err = s.StartOTP(ctx, txn("txn_a"), lim)
	call("StartOTP", err)
	_, _, err = s.StartOTP(ctx, txn("txn_b"), lim) // refused by the IP limit
	call("StartOTP", err)
	call("CreateOTP", two(s.CreateOTP(ctx, txn("txn_c"))))
	call("DeleteOTP", s.DeleteOTP(ctx, txn("txn_c")))
	call("OTP", two(s.OTP(ctx, "txn_a")))
	call("ConsumeAttempt", two(s.ConsumeAttempt(ctx, "txn_a", now)))
	call("ClaimCode", two(s.ClaimCode(ctx, "txn_a", "walk_in", "wrong", now)))
	call("RefundAttempt", s.RefundAttempt(ctx, txn("txn_a")))
	call("MarkOTPUsed", two(s.MarkOTPUsed(ctx, "txn_none", now)))
	call("UseToken", two(s.UseToken(ctx, "tok", "ent_railways", "", now.Add(time.Hour), now)))
	call("AddOutbox", s.AddOutbox(ctx, "9876500001", "body", "otp", now))
	call("Outbox", two(s.Outbox(ctx, "9876500001", 10)))
	call("Outbox", two(s.Outbox(ctx, "", 10)))

	// Booking and recording.
	a := &store.Appointment{ID: "apt_plan", BeneficiaryID: "ben_demo_03", CentreID: "ctr_delhi_aiims", Date: "2026-05-01",
		Time: "10:00", CodeHash: "c", AccessHash: "acc", MobileEnc: "m", Lang: "en", BookingTxn: "txn_a", CreatedAt: now}
	call("CreateAppointment", s.CreateAppointment(ctx, a))
	call("Appointment", two(s.Appointment(ctx, "apt_plan")))
	call("CentreDay", two(s.CentreDay(ctx, "ctr_delhi_aiims", "2026-05-01")))
	call("MobileAppointments", two(s.MobileAppointments(ctx, strings.Repeat("a", 64), 10)))
	call("ExpireMissed", s.ExpireMissed(ctx, "ben_demo_03", "2026-05-01", now))
	_, _, err = s.CountWrongCode(ctx, "apt_plan", "ctr_delhi_aiims", "c", "vaccinator@ctr_delhi_aiims", now)
	call("CountWrongCode", err)
	_, _, err = s.CountWrongCode(ctx, "apt_none", "ctr_delhi_aiims", "c", "vaccinator@ctr_delhi_aiims", now) // refused: reads why
	call("CountWrongCode", err)
	call("RescheduleAppointment", s.RescheduleAppointment(ctx, "apt_plan", "acc", "ctr_delhi_aiims", "2026-05-01", "11:00", "c", "ce", now))
	call("NewCode", s.NewCode(ctx, "apt_plan", "ctr_delhi_aiims", "c2", "ce2", "supervisor:x", now))
	call("Relock", s.Relock(ctx, "apt_plan", "c2", "supervisor:x", now))
	call("RecordDose", two(s.RecordDose(ctx, store.RecordDose{DoseID: "dose_plan", CentreID: "ctr_delhi_aiims", VaccineID: "covishield",
		Now: now, Appointment: "apt_plan", CodeHash: "c2", Date: "2026-05-01"})))
	call("RecordDose", two(s.RecordDose(ctx, store.RecordDose{DoseID: "dose_plan2", CentreID: "ctr_delhi_aiims", VaccineID: "covishield",
		Now: now, Beneficiary: "ben_demo_10", WalkInTxn: "txn_a"}))) // refused: reads why
	call("Audit", two(s.Audit(ctx, "apt_plan")))
	call("CancelAppointment", s.CancelAppointment(ctx, "apt_plan", "acc", now))
	call("CancelUnsent", s.CancelUnsent(ctx, "apt_plan", now))
	call("DueConfirmations", two(s.DueConfirmations(ctx, now, 10)))
	call("ConfirmationSent", s.ConfirmationSent(ctx, "dose_none"))
	call("ConfirmationFailed", s.ConfirmationFailed(ctx, "dose_none", now))

	// Slots and the centre search (the /book page), capacities.
	call("CentresByPIN", two(s.CentresByPIN(ctx, "110029", 50)))
	call("CentresByDistrict", two(s.CentresByDistrict(ctx, "New Delhi", 50)))
	_, _, err = s.CentreSlots(ctx, "ctr_delhi_aiims", "2026-05-01")
	call("CentreSlots", err)
	call("SetCapacity", s.SetCapacity(ctx, "ctr_delhi_aiims", "2026-05-02", []string{"10:00", "11:00"}, 20, "supervisor:x", now))

	// The centre console: vaccinators, sessions, the day, the audit trail,
	// registration on site.
	call("VaccinatorByMobileHash", two(s.VaccinatorByMobileHash(ctx, strings.Repeat("b", 64))))
	call("CreateVaccinatorSession", s.CreateVaccinatorSession(ctx, strings.Repeat("c", 64), "vcr_none", now, now.Add(time.Hour)))
	call("VaccinatorSession", two(s.VaccinatorSession(ctx, strings.Repeat("c", 64))))
	call("DeleteVaccinatorSession", s.DeleteVaccinatorSession(ctx, strings.Repeat("c", 64)))
	call("CentreAgenda", two(s.CentreAgenda(ctx, "ctr_delhi_aiims", "2026-05-01")))
	_, _, err = s.CentreAgendaItem(ctx, "ctr_delhi_aiims", "apt_plan")
	call("CentreAgendaItem", err)
	call("CentreAudit", two(s.CentreAudit(ctx, "ctr_delhi_aiims", now.Add(-24*time.Hour), now, 100)))
	call("SetWalkInStarter", s.SetWalkInStarter(ctx, "txn_a", "ctr_delhi_aiims", "vaccinator:x"))
	call("RegisterBeneficiary", s.RegisterBeneficiary(ctx, store.Registration{ID: "ben_plan", MobileHash: strings.Repeat("a", 64),
		Name: "Plan Person", NameNorm: "plan person", BirthYear: 1990, Now: now, By: "vaccinator:x", CentreID: "ctr_delhi_aiims", MaxPerMobile: 6}))

	// The gate's sign-in.
	call("GateByTokenHash", two(s.GateByTokenHash(ctx, strings.Repeat("0", 64))))

	// What store.Sharded runs besides (its places, the day by ids).
	for _, err := range s.ShardedPlaceCalls(ctx, now) {
		if err != nil && errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("sharded places: %v", err)
		}
	}

	// The cron trigger.
	call("Purge", two(s.Purge(ctx, now.Add(48*time.Hour), 2)))

	seen := map[string]bool{}
	var out []string
	for _, q := range append(f.Statements(), planTriggers...) {
		q = strings.Join(strings.Fields(q), " ")
		if !seen[q] {
			seen[q] = true
			out = append(out, q)
		}
	}
	return out, called
}

var (
	planScan  = regexp.MustCompile(`\bSCAN (\w+)`)
	planParam = regexp.MustCompile(`\?(\d*)`)
	// planAlias finds "table alias" and "table AS alias" after FROM, JOIN
	// or a comma: plans name a table by its alias.
	planAlias = regexp.MustCompile(`(?i)(?:FROM|JOIN|,)\s+(\w+)\s+(?:AS\s+)?(\w+)`)
)

// planTables maps the names a statement's plan may use (tables, aliases)
// to the hot tables they stand for.
func planTables(q string) map[string]string {
	m := map[string]string{}
	for _, t := range planHot {
		m[t] = t
	}
	for _, a := range planAlias.FindAllStringSubmatch(q, -1) {
		if contains(planHot, a[1]) {
			m[a[2]] = a[1]
		}
	}
	return m
}

// planFullScans explains every statement and returns the full scans of hot
// tables, "statement: plan line".
func planFullScans(t *testing.T, db *sql.DB, stmts []string) []string {
	t.Helper()
	var bad []string
	for _, q := range stmts {
		// Unbound parameters are NULL: the plan does not depend on them.
		n := 0
		for _, m := range planParam.FindAllStringSubmatch(q, -1) {
			if m[1] == "" {
				n++
			} else if i, _ := strconv.Atoi(m[1]); i > n {
				n = i
			}
		}
		rows, err := db.Query("EXPLAIN QUERY PLAN "+q, make([]any, n)...)
		if err != nil {
			t.Fatalf("explaining %s: %v", q, err)
		}
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			m := planScan.FindStringSubmatch(detail)
			if m == nil || planTables(q)[m[1]] == "" || planAllowed[q] == detail {
				continue
			}
			bad = append(bad, harness.Short(q)+": "+detail)
		}
		rows.Close()
	}
	return bad
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestPlanNoFullScans explains every statement of worker/store (every method
// of SQL, run on a seeded database, and the triggers' lookups): none scans
// a hot table. Every method of SQL must be run here or be listed in
// planNotOnRequestPaths, so a new query cannot skip the check.
func TestPlanNoFullScans(t *testing.T) {
	db, f := harness.FaultyDB(t, harness.HashKey, 100)
	stmts, called := planStatements(t, db, f)
	var missed []string
	st := reflect.TypeOf(&store.SQL{})
	for i := range st.NumMethod() {
		name := st.Method(i).Name
		if !called[name] && planNotOnRequestPaths[name] == "" {
			missed = append(missed, name)
		}
	}
	if len(missed) > 0 {
		t.Errorf("methods of store.SQL not explained here (call them in planStatements): %v", missed)
	}
	if bad := planFullScans(t, db, stmts); len(bad) > 0 {
		t.Errorf("full scans of hot tables:\n  %s", strings.Join(bad, "\n  "))
	}
	t.Logf("%d statements explained", len(stmts))
}

// TestPlanFailsWithoutIndex drops each index the request paths need and
// shows the check catches it: the test above is not vacuous.
func TestPlanFailsWithoutIndex(t *testing.T) {
	for _, idx := range []string{"appointments_beneficiary", "appointments_centre_day", "rate_counters_window", "used_tokens_expiry",
		"sms_outbox_to", "sms_outbox_created", "otp_transactions_expiry", "otp_transactions_mobile", "audit_log_appointment",
		"doses_centre_day", "confirmations_due", "doses_one_per_appointment"} {
		t.Run(idx, func(t *testing.T) {
			t.Parallel()
			db, f := harness.FaultyDB(t, harness.HashKey, 100)
			if _, err := db.Exec("DROP INDEX " + idx); err != nil {
				t.Fatal(err)
			}
			stmts, _ := planStatements(t, db, f)
			bad := planFullScans(t, db, stmts)
			if len(bad) == 0 {
				t.Fatalf("without %s no statement scans a hot table", idx)
			}
			sort.Strings(bad)
			t.Logf("without %s: %s", idx, bad[0])
		})
	}
}
