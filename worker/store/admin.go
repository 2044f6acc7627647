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

// sqlString quotes s as an SQL string literal (the one copy).
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// EntitySQL returns the statement that registers e (with e.SecretHash),
// replacing an entity with the same id: re-registering rotates the secret.
// Its origins must satisfy worker/origin (the admin tool checks them; the
// worker refuses a row that does not at load).
func EntitySQL(e Entity, createdAt time.Time) string {
	return entityInsert(e, createdAt, "INSERT OR REPLACE", "")
}

// SeedEntitySQL is EntitySQL for the demo seed: loading it again keeps the
// entity as it is, except its secret hash, which follows HASH_KEY.
func SeedEntitySQL(e Entity, createdAt time.Time) string {
	return entityInsert(e, createdAt, "INSERT", " ON CONFLICT (id) DO UPDATE SET secret_hash = excluded.secret_hash")
}

func entityInsert(e Entity, createdAt time.Time, insert, conflict string) string {
	lang := e.Lang
	if lang == "" {
		lang = "en"
	}
	kind, gate := e.Kind, "NULL"
	if kind == "" {
		kind = KindWeb
	}
	if e.GateTokenHash != "" {
		gate = sqlString(e.GateTokenHash)
	}
	return fmt.Sprintf("%s INTO entities (id, display_name, purpose, origins, lang, secret_hash, kind, gate_token_hash, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %d)%s;\n",
		insert, sqlString(e.ID), sqlString(e.DisplayName), sqlString(e.Purpose), sqlString(strings.Join(e.Origins, " ")),
		sqlString(lang), sqlString(e.SecretHash), sqlString(kind), gate, createdAt.Unix(), conflict)
}

// RemoveEntitySQL returns the statement that removes entity id.
func RemoveEntitySQL(id string) string {
	return fmt.Sprintf("DELETE FROM entities WHERE id = %s;\n", sqlString(id))
}

// SeedCentreSQL returns the statement that adds a centre unless it exists.
func SeedCentreSQL(id, name, district string, createdAt time.Time) string {
	return fmt.Sprintf("INSERT OR IGNORE INTO centres (id, name, district, created_at) VALUES (%s, %s, %s, %d);\n",
		sqlString(id), sqlString(name), sqlString(district), createdAt.Unix())
}

// SeedBeneficiary is a row of the demo registry.
type SeedBeneficiary struct {
	ID, MobileHash, Name, NameNorm string
}

// SeedDose is a dose of the demo registry.
type SeedDose struct {
	ID, BeneficiaryID, VaccineID, CentreID, Batch string
	DoseNumber                                    int
	AdministeredAt                                time.Time
}

// SeedBeneficiariesSQL inserts bens in one statement; a row whose id exists
// gets the new mobile hash and name (a new HASH_KEY changes every hash, and
// the demo people must stay findable).
func SeedBeneficiariesSQL(bens []SeedBeneficiary, createdAt time.Time) string {
	var b strings.Builder
	b.WriteString("INSERT OR IGNORE INTO beneficiaries (id, mobile_hash, name, name_norm, created_at) VALUES\n")
	for i, p := range bens {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "(%s, %s, %s, %s, %d)", sqlString(p.ID), sqlString(p.MobileHash), sqlString(p.Name), sqlString(p.NameNorm),
			createdAt.Unix())
	}
	b.WriteString("\nON CONFLICT (id) DO UPDATE SET mobile_hash = excluded.mobile_hash, name_norm = excluded.name_norm;\n")
	return b.String()
}

// SeedDosesSQL inserts doses in one statement, keeping existing ones.
func SeedDosesSQL(doses []SeedDose) string {
	if len(doses) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("INSERT OR IGNORE INTO doses (id, beneficiary_id, vaccine_id, dose_number, administered_at, centre_id, batch) VALUES\n")
	for i, d := range doses {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "(%s, %s, %s, %d, %d, %s, %s)", sqlString(d.ID), sqlString(d.BeneficiaryID), sqlString(d.VaccineID),
			d.DoseNumber, d.AdministeredAt.Unix(), sqlString(d.CentreID), sqlString(d.Batch))
	}
	b.WriteString(";\n")
	return b.String()
}

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
