package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Roles of the people kycvs-centres issues for a centre. A supervisor may do
// everything a vaccinator may, and unlock appointments and read the
// centre's audit trail.
const (
	RoleVaccinator = "vaccinator"
	RoleSupervisor = "supervisor"
)

// ErrMobileFull is a registration refused because the mobile already holds
// the most people it may (the caller passes the rule's number).
var ErrMobileFull = errors.New("the mobile number holds the most people it may")

// Vaccinator is a vaccinator or supervisor of a centre, signed in with an
// OTP to their registered mobile. CentreName is joined in.
type Vaccinator struct {
	ID         string
	CentreID   string
	CentreName string
	Name       string
	Role       string
}

// Actor is how the audit log names them: "vaccinator:<id>" or
// "supervisor:<id>".
func (v *Vaccinator) Actor() string { return v.Role + ":" + v.ID }

// VaccinatorSession is a signed-in shift: its vaccinator and when it ends.
type VaccinatorSession struct {
	Vaccinator
	ExpiresAt time.Time
}

// AgendaItem is one appointment of a centre's day as the vaccinator's list
// shows it: the slot, the reference, the name as registered and which dose
// is due, and nothing else about the person. Vaccine is the vaccine the
// primary schedule continues with ("" before a first dose), to pre-fill the
// recording form.
type AgendaItem struct {
	ID            string
	Time          string
	Status        string
	WrongAttempts int
	Name          string
	DoseDue       int // the dose recorded for it when done, else the next one
	Vaccine       string
}

// CentreAuditEntry is an audit row of a centre with the name of the
// signed-in person it names, if it names one.
type CentreAuditEntry struct {
	AuditEntry
	ActorName string
}

// Registration is a person registered on site, after they proved the
// mobile with a walk-in OTP.
type Registration struct {
	ID         string
	MobileHash string
	Name       string
	NameNorm   string
	BirthYear  int
	CentreID   string
	By         string // the audit actor
	Now        time.Time
	// MaxPerMobile is the rule's limit (domain.MaxPeoplePerMobile); the
	// statement holds it atomically.
	MaxPerMobile int
}

// CentreStore is what the centre console needs from storage besides
// BookingStore's appointments and doses: vaccinators and their sessions,
// the day's agenda, the audit trail, on-site registration. Each method is
// one statement.
type CentreStore interface {
	// VaccinatorByMobileHash finds the unrevoked vaccinator registered on
	// a mobile.
	VaccinatorByMobileHash(ctx context.Context, mobileHash string) (*Vaccinator, error)
	// CreateVaccinatorSession stores a session (by its keyed hash) for an
	// unrevoked vaccinator; ErrNotFound if they were revoked meanwhile.
	CreateVaccinatorSession(ctx context.Context, tokenHash, vaccinatorID string, now, expires time.Time) error
	// VaccinatorSession finds a session and its unrevoked vaccinator, expired
	// or not (the caller says which); ErrNotFound otherwise.
	VaccinatorSession(ctx context.Context, tokenHash string) (*VaccinatorSession, error)
	// DeleteVaccinatorSession ends a session (sign-out); deleting one that
	// is gone is not an error.
	DeleteVaccinatorSession(ctx context.Context, tokenHash string) error
	// CentreAgenda lists a centre's appointments on date, by slot.
	CentreAgenda(ctx context.Context, centreID, date string) ([]AgendaItem, error)
	// CentreAgendaItem is one appointment of CentreAgenda's form, at
	// centreID (ErrNotFound for another centre's).
	CentreAgendaItem(ctx context.Context, centreID, id string) (*AgendaItem, string, error)
	// CentreAudit lists a centre's audit rows in [from, to), oldest first,
	// at most limit.
	CentreAudit(ctx context.Context, centreID string, from, to time.Time, limit int) ([]CentreAuditEntry, error)
	// RegisterBeneficiary inserts a person on a mobile if it holds fewer
	// than r.MaxPerMobile; ErrMobileFull if not, ErrConflict if the name is
	// already registered on it.
	RegisterBeneficiary(ctx context.Context, r Registration) error
	// SetWalkInStarter names who started a walk-in OTP transaction of
	// centreID, for the audit rows of its guesses.
	SetWalkInStarter(ctx context.Context, txnID, centreID, actor string) error
}

var _ CentreStore = (*SQL)(nil)

const vaccinatorColumns = `v.id, v.centre_id, c.name, v.name, v.role`

// VaccinatorByMobileHash implements CentreStore.
func (s *SQL) VaccinatorByMobileHash(ctx context.Context, mh string) (*Vaccinator, error) {
	var v Vaccinator
	err := s.DB.QueryRowContext(ctx, `SELECT `+vaccinatorColumns+` FROM vaccinators v JOIN centres c ON c.id = v.centre_id
		WHERE v.mobile_hash = ? AND v.revoked_at IS NULL`, mh).Scan(&v.ID, &v.CentreID, &v.CentreName, &v.Name, &v.Role)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fail("reading vaccinator", err)
	}
	return &v, nil
}

// CreateVaccinatorSession implements CentreStore. The INSERT … SELECT
// re-checks the revocation in the statement that creates the session.
func (s *SQL) CreateVaccinatorSession(ctx context.Context, tokenHash, vaccinatorID string, now, expires time.Time) error {
	return s.changed(ctx, "creating session", `INSERT INTO vaccinator_sessions (token_hash, vaccinator_id, created_at, expires_at)
		SELECT ?, id, ?, ? FROM vaccinators WHERE id = ? AND revoked_at IS NULL RETURNING token_hash`,
		tokenHash, now.Unix(), expires.Unix(), vaccinatorID)
}

// VaccinatorSession implements CentreStore: one round trip, by primary key.
func (s *SQL) VaccinatorSession(ctx context.Context, tokenHash string) (*VaccinatorSession, error) {
	var vs VaccinatorSession
	var exp int64
	err := s.DB.QueryRowContext(ctx, `SELECT `+vaccinatorColumns+`, s.expires_at FROM vaccinator_sessions s
		JOIN vaccinators v ON v.id = s.vaccinator_id JOIN centres c ON c.id = v.centre_id
		WHERE s.token_hash = ? AND v.revoked_at IS NULL`, tokenHash).
		Scan(&vs.ID, &vs.CentreID, &vs.CentreName, &vs.Name, &vs.Role, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fail("reading session", err)
	}
	vs.ExpiresAt = time.Unix(exp, 0)
	return &vs, nil
}

// DeleteVaccinatorSession implements CentreStore.
func (s *SQL) DeleteVaccinatorSession(ctx context.Context, tokenHash string) error {
	if _, err := s.DB.ExecContext(ctx, `DELETE FROM vaccinator_sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return fail("deleting session", err)
	}
	return nil
}

// agendaColumns: the dose due is the one recorded for the appointment, or
// the beneficiary's count of doses plus one; the vaccine is the first
// dose's (the primary schedule continues with it). Each subquery is an
// index lookup (doses_beneficiary, doses_one_per_appointment).
const agendaColumns = `a.id, a.slot_time, a.status, a.wrong_attempts, b.name,
	coalesce((SELECT d.dose_number FROM doses d WHERE d.appointment_id = a.id),
	         (SELECT count(*) FROM doses d WHERE d.beneficiary_id = a.beneficiary_id) + 1),
	coalesce((SELECT d.vaccine_id FROM doses d WHERE d.beneficiary_id = a.beneficiary_id ORDER BY d.dose_number LIMIT 1), '')`

func scanAgenda(sc interface{ Scan(...any) error }, extra ...any) (*AgendaItem, error) {
	var it AgendaItem
	var wrong, due int64
	if err := sc.Scan(append([]any{&it.ID, &it.Time, &it.Status, &wrong, &it.Name, &due, &it.Vaccine}, extra...)...); err != nil {
		return nil, err
	}
	it.WrongAttempts, it.DoseDue = int(wrong), int(due)
	return &it, nil
}

// CentreAgenda implements CentreStore (index appointments_centre_day).
func (s *SQL) CentreAgenda(ctx context.Context, centreID, date string) ([]AgendaItem, error) {
	return s.agenda(ctx, `a.centre_id = ? AND a.slot_date = ?`, centreID, date)
}

// agendaOf returns the agenda items of the appointments ids that are at
// the centre on date (Sharded: the ids a centre's day lists that are in
// this shard; one that moved away meanwhile is left out).
func (s *SQL) agendaOf(ctx context.Context, centreID, date string, ids []string) ([]AgendaItem, error) {
	return s.agenda(ctx, `a.id IN (`+placeholders(len(ids), 3)+`) AND a.centre_id = ?1 AND a.slot_date = ?2`,
		append([]any{centreID, date}, anys(ids)...)...)
}

// placeholders returns n numbered parameters from ?first on: "?3, ?4".
func placeholders(n, first int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "?%d", first+i)
	}
	return b.String()
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func (s *SQL) agenda(ctx context.Context, where string, args ...any) ([]AgendaItem, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+agendaColumns+` FROM appointments a JOIN beneficiaries b ON b.id = a.beneficiary_id
		WHERE `+where+` ORDER BY a.slot_time, a.created_at, a.id`, args...)
	if err != nil {
		return nil, fail("reading the centre's day", err)
	}
	defer rows.Close()
	out := []AgendaItem{}
	for rows.Next() {
		it, err := scanAgenda(rows)
		if err != nil {
			return nil, fail("reading the centre's day", err)
		}
		out = append(out, *it)
	}
	if err := rows.Err(); err != nil {
		return nil, fail("reading the centre's day", err)
	}
	return out, nil
}

// CentreAgendaItem implements CentreStore; the second result is the
// appointment's date.
func (s *SQL) CentreAgendaItem(ctx context.Context, centreID, id string) (*AgendaItem, string, error) {
	var date string
	it, err := scanAgenda(s.DB.QueryRowContext(ctx, `SELECT `+agendaColumns+`, a.slot_date FROM appointments a
		JOIN beneficiaries b ON b.id = a.beneficiary_id WHERE a.id = ? AND a.centre_id = ?`, id, centreID), &date)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", ErrNotFound
	}
	if err != nil {
		return nil, "", fail("reading appointment", err)
	}
	return it, date, nil
}

// CentreAudit implements CentreStore (index audit_log_centre_day). The
// person's name is looked up by primary key for the rows that name a
// signed-in vaccinator or supervisor.
func (s *SQL) CentreAudit(ctx context.Context, centreID string, from, to time.Time, limit int) ([]CentreAuditEntry, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT l.id, l.at, l.actor, coalesce(l.appointment_id, ''), coalesce(l.dose_id, ''), l.event, l.detail,
		coalesce((SELECT v.name FROM vaccinators v WHERE v.id = substr(l.actor, instr(l.actor, ':') + 1)
		          AND (l.actor LIKE 'vaccinator:%' OR l.actor LIKE 'supervisor:%')), '')
		FROM audit_log l WHERE l.centre_id = ? AND l.at >= ? AND l.at < ? ORDER BY l.at, l.id LIMIT ?`,
		centreID, from.Unix(), to.Unix(), int64(limit))
	if err != nil {
		return nil, fail("reading audit log", err)
	}
	defer rows.Close()
	out := []CentreAuditEntry{}
	for rows.Next() {
		var e CentreAuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.AppointmentID, &e.DoseID, &e.Event, &e.Detail, &e.ActorName); err != nil {
			return nil, fail("reading audit log", err)
		}
		e.At, e.CentreID = time.Unix(at, 0).UTC(), centreID
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fail("reading audit log", err)
	}
	return out, nil
}

// RegisterBeneficiary implements CentreStore: the count and the insert are
// one statement, so parallel registrations never put a seventh person on
// a number; the UNIQUE (mobile_hash, name_norm) settles a name twice.
func (s *SQL) RegisterBeneficiary(ctx context.Context, r Registration) error {
	ok, err := s.returnsRow(ctx, "registering", `INSERT INTO beneficiaries
		(id, mobile_hash, name, name_norm, birth_year, created_at, registered_by, registered_at_centre)
		SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8
		WHERE (SELECT count(*) FROM beneficiaries WHERE mobile_hash = ?2) < ?9
		RETURNING id`,
		r.ID, r.MobileHash, r.Name, r.NameNorm, int64(r.BirthYear), r.Now.Unix(), r.By, r.CentreID, int64(r.MaxPerMobile))
	if isUnique(err) {
		return ErrConflict
	}
	if err != nil {
		return err
	}
	if !ok {
		return ErrMobileFull
	}
	return nil
}

// SetWalkInStarter implements CentreStore.
func (s *SQL) SetWalkInStarter(ctx context.Context, txnID, centreID, actor string) error {
	if _, err := s.DB.ExecContext(ctx, `UPDATE otp_transactions SET started_by = ?
		WHERE id = ? AND purpose = 'walk_in' AND entity_id = ?`, actor, txnID, centreID); err != nil {
		return fail("naming the walk-in's starter", err)
	}
	return nil
}

// VaccinatorSQL returns the statement kycvs-centres emits to register a
// vaccinator or supervisor of a centre by the keyed hash of their mobile.
// A mobile already registered (to anyone) makes it fail: one person per
// number.
func VaccinatorSQL(id, centreID, name, role, mobileHash string, now time.Time) string {
	return fmt.Sprintf("INSERT INTO vaccinators (id, centre_id, name, role, mobile_hash, created_at) VALUES (%s, %s, %s, %s, %s, %d);\n",
		sqlString(id), sqlString(centreID), sqlString(name), sqlString(role), sqlString(mobileHash), now.Unix())
}

// RevokeVaccinatorSQL returns the statement that revokes a vaccinator; the
// schema's trigger ends their sessions in it.
func RevokeVaccinatorSQL(id string, now time.Time) string {
	return fmt.Sprintf("UPDATE vaccinators SET revoked_at = %d WHERE id = %s AND revoked_at IS NULL RETURNING id, name;\n",
		now.Unix(), sqlString(id))
}
