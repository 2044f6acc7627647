package store

import (
	"fmt"
	"strings"
	"time"
)

// The statements below are what the centre admin command (cmd/kycvs-centres)
// emits for D1 (wrangler d1 execute); tests run the same text on SQLite.
// They live with the store so every SQL string of the schema is in one
// package.

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// CentreSQL returns the statement that creates (or renames) a centre,
// keeping its token if it has one.
func CentreSQL(id, name, district string, now time.Time) string {
	return fmt.Sprintf("INSERT INTO centres (id, name, district, created_at) VALUES (%s, %s, %s, %d)\n"+
		"  ON CONFLICT (id) DO UPDATE SET name = excluded.name, district = excluded.district;\n",
		sqlString(id), sqlString(name), sqlString(district), now.Unix())
}

// CentreTokenSQL returns the statement that sets a centre's vaccinator token
// (by hash) and its expiry, replacing any earlier token.
func CentreTokenSQL(id, tokenHash string, expires time.Time) string {
	return fmt.Sprintf("UPDATE centres SET vaccinator_token_hash = %s, vaccinator_token_expires_at = %d WHERE id = %s;\n",
		sqlString(tokenHash), expires.Unix(), sqlString(id))
}

// RevokeCentreTokenSQL returns the statement that withdraws a centre's token.
func RevokeCentreTokenSQL(id string) string {
	return fmt.Sprintf("UPDATE centres SET vaccinator_token_hash = NULL, vaccinator_token_expires_at = NULL WHERE id = %s;\n", sqlString(id))
}

// SupervisorSQL returns the statement that registers a supervisor of a
// centre by the hash of their token (secret.TokenHash), valid until expires.
// Unlocking a locked appointment is the supervisor's, through the worker
// (POST /v1/centre/appointments/{id}/unlock): it must send the person a new
// code, which plain SQL cannot.
func SupervisorSQL(centreID, name, tokenHash string, expires, now time.Time) string {
	return fmt.Sprintf("INSERT INTO supervisors (token_hash, centre_id, name, expires_at, created_at) VALUES (%s, %s, %s, %d, %d);\n",
		sqlString(tokenHash), sqlString(centreID), sqlString(name), expires.Unix(), now.Unix())
}

// RevokeSupervisorsSQL returns the statement that withdraws every
// supervisor token of a centre.
func RevokeSupervisorsSQL(centreID string) string {
	return fmt.Sprintf("DELETE FROM supervisors WHERE centre_id = %s;\n", sqlString(centreID))
}

// AuditSQL returns the query that lists an appointment's audit log.
func AuditSQL(appointmentID string) string {
	return fmt.Sprintf("SELECT id, datetime(at, 'unixepoch') AS at, actor, centre_id, dose_id, event, detail FROM audit_log\n"+
		"  WHERE appointment_id = %s ORDER BY id;\n", sqlString(appointmentID))
}

// SupervisorCancelSQL returns the statement with which a supervisor closes a
// live or locked appointment (e.g. a locked one after review), so the person
// can book again; the status trigger audits it with the supervisor's name.
func SupervisorCancelSQL(appointmentID, supervisor string, now time.Time) string {
	return fmt.Sprintf("UPDATE appointments SET status = 'cancelled', updated_at = %d, updated_by = %s\n"+
		"  WHERE id = %s AND status IN ('live', 'locked') RETURNING id, status;\n",
		now.Unix(), sqlString("supervisor:"+supervisor), sqlString(appointmentID))
}
