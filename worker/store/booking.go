package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// ErrConflict is returned when a write would break a uniqueness rule: a
// second open appointment for a beneficiary, a second dose with the same
// number (two vaccinators racing), a second dose for one appointment.
var ErrConflict = errors.New("conflict")

// Centre is a vaccination centre.
type Centre struct {
	ID             string
	Name           string
	District       string
	TokenHash      string    // hex SHA-256 of the vaccinator token; "" if none issued
	TokenExpiresAt time.Time // zero if none issued
	PIN            string    // postal PIN code, 6 digits; "" if not set
	Address        string
	SlotCapacity   int // the capacity of a slot the centre has not set (slots.go)
}

// Vaccine is a vaccine and its primary schedule.
type Vaccine struct {
	ID              string
	Name            string
	DosesRequired   int
	MinIntervalDays int
}

// Appointment statuses.
const (
	AppointmentLive      = "live"
	AppointmentCancelled = "cancelled"
	AppointmentDone      = "done"
	AppointmentLocked    = "locked"
)

// Appointment is a booked slot. BeneficiaryName and CentreName are joined in
// for the slip and the vaccinator's list; DoseNumber is the dose recorded for
// it (0 unless Status is done).
type Appointment struct {
	ID              string
	BeneficiaryID   string
	BeneficiaryName string
	MobileHash      string // the beneficiary's, joined in
	CentreID        string
	CentreName      string
	CentreAddress   string // joined in, for the slip
	CentrePIN       string // joined in, for the slip
	Date            string // YYYY-MM-DD, India time
	Time            string // HH:MM
	Status          string
	CodeHash        string
	CodeEnc         string // the code sealed for the person's slip (secret.Keys.SealCode); "" before migration 5
	WrongAttempts   int
	AccessHash      string
	MobileEnc       string
	Lang            string
	BookingTxn      string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	UpdatedBy       string
	DoseNumber      int
}

// Dose is a recorded dose.
type Dose struct {
	ID              string
	BeneficiaryID   string
	BeneficiaryName string
	VaccineID       string
	DoseNumber      int
	AdministeredAt  time.Time
	CentreID        string
	AppointmentID   string
	WalkIn          bool
	Batch           string
}

// AuditEntry is one row of the append-only audit log.
type AuditEntry struct {
	ID            int64     `json:"id"`
	At            time.Time `json:"at"`
	Actor         string    `json:"actor"`
	CentreID      string    `json:"centre_id,omitempty"`
	AppointmentID string    `json:"appointment_id,omitempty"`
	DoseID        string    `json:"dose_id,omitempty"`
	Event         string    `json:"event"`
	Detail        string    `json:"detail,omitempty"`
}

// RecordDose asks for a dose to be recorded. For an appointment: Appointment,
// CodeHash (the stored hash the caller verified the code against) and Date
// (today, which must be the slot's date). For a walk-in: Beneficiary and
// WalkInTxn, the walk-in OTP transaction the caller verified the code of
// (it must still be unused, not superseded, unexpired and for this centre;
// the dose uses it up in the same statement).
type RecordDose struct {
	DoseID      string
	CentreID    string
	VaccineID   string
	Batch       string
	Now         time.Time
	Appointment string
	CodeHash    string
	Date        string
	Beneficiary string
	WalkInTxn   string
	// By is who records it, for the audit log: "vaccinator:<id>" or
	// "supervisor:<id>" for a signed-in person; "" for a centre's machine
	// token (the log then says "vaccinator@<centre>").
	By string
}

// Supervisor is a centre's supervisor, identified by a bearer token.
type Supervisor struct {
	CentreID  string
	Name      string
	ExpiresAt time.Time
}

// Confirmation is a queued dose confirmation SMS with what its text needs.
type Confirmation struct {
	DoseID         string
	MobileEnc      string
	SealedFor      string
	Lang           string
	Attempts       int
	DoseNumber     int
	VaccineName    string
	Name           string
	CentreName     string
	AdministeredAt time.Time
}

// BookingStore is what booking and dose recording need from storage, on top
// of Store. Each method that changes state is one SQL statement (with the
// schema's triggers writing the audit log and closing the appointment in that
// same statement), so it stays atomic on D1, which has no interactive
// transactions.
type BookingStore interface {
	Store
	CentreStore // vaccinators, their sessions, the centre's day (vaccinators.go)
	Centre(ctx context.Context, id string) (*Centre, error)
	CentreByTokenHash(ctx context.Context, tokenHash string) (*Centre, error)
	Vaccine(ctx context.Context, id string) (*Vaccine, error)
	// Doses returns a beneficiary's doses in dose order.
	Doses(ctx context.Context, beneficiaryID string) ([]Dose, error)

	// CreateAppointment inserts a live appointment and takes its place in
	// the slot, in one statement; ErrConflict if the beneficiary already has
	// a live or locked one, ErrSlotFull if the slot has no free place.
	CreateAppointment(ctx context.Context, a *Appointment) error
	Appointment(ctx context.Context, id string) (*Appointment, error)
	// ExpireMissed cancels the beneficiary's live appointments dated before
	// today (missed ones), so they do not block a new booking.
	ExpireMissed(ctx context.Context, beneficiaryID, today string, now time.Time) error
	// CancelAppointment cancels a live appointment held by accessHash; a
	// *StateError if it is not live (any more), ErrNotFound if it is gone.
	CancelAppointment(ctx context.Context, id, accessHash string, now time.Time) error
	// RescheduleAppointment moves a live appointment held by accessHash to a
	// new centre and slot with a new code hash and sealed code, moving its
	// place; *StateError or ErrNotFound as CancelAppointment, ErrSlotFull
	// if the new slot has no free place.
	RescheduleAppointment(ctx context.Context, id, accessHash, centreID, date, slot, codeHash, codeEnc string, now time.Time) error
	// CountWrongCode counts one wrong security code against a live
	// appointment of centreID whose code hash is still codeHash, locking it
	// at the third. A *StateError if nothing was counted (it is no longer
	// live, already locked, or its code changed).
	CountWrongCode(ctx context.Context, id, centreID, codeHash, actor string, now time.Time) (wrong int, locked bool, err error)
	// RecordDose inserts the dose if every rule holds at that instant, and
	// returns it; ErrConflict if a parallel recording won. Otherwise it says
	// which rule did not hold: for an appointment a *StateError, for a
	// walk-in ErrTxnUsed, ErrTxnSuperseded, ErrTxnExpired or
	// ErrHasAppointment (the schedule itself the caller checked first).
	RecordDose(ctx context.Context, r RecordDose) (*Dose, error)
	// SupervisorByTokenHash finds a supervisor by token hash.
	SupervisorByTokenHash(ctx context.Context, tokenHash string) (*Supervisor, error)
	// NewCode gives a locked (or live) appointment of centreID a new code
	// hash, live with no wrong codes: a supervisor's unlock. ErrNotFound if
	// there is no such appointment in either state.
	NewCode(ctx context.Context, id, centreID, codeHash, codeEnc, actor string, now time.Time) error
	// Relock undoes NewCode when the new code could not be sent: the
	// appointment is locked again if its code hash is codeHash. Its
	// wrong-code count stays as NewCode left it: raising it would make the
	// audit trigger record wrong codes nobody entered.
	Relock(ctx context.Context, id, codeHash, actor string, now time.Time) error
	// CancelUnsent cancels a just-booked appointment whose slip could not be
	// sent (nobody holds its code), so the person can book again.
	CancelUnsent(ctx context.Context, id string, now time.Time) error
	// DueConfirmations returns up to limit queued dose confirmations whose
	// next attempt is due at now.
	DueConfirmations(ctx context.Context, now time.Time, limit int) ([]Confirmation, error)
	// ConfirmationSent removes a sent confirmation from the queue.
	ConfirmationSent(ctx context.Context, doseID string) error
	// ConfirmationFailed counts a failed attempt and sets the next one.
	ConfirmationFailed(ctx context.Context, doseID string, next time.Time) error
	// CentreDay lists a centre's appointments on date.
	CentreDay(ctx context.Context, centreID, date string) ([]Appointment, error)
	// MobileAppointments lists the latest appointments of the beneficiaries
	// on a mobile, newest first.
	MobileAppointments(ctx context.Context, mobileHash string, limit int) ([]Appointment, error)
	// CentreDoses lists doses recorded at a centre in [from, to).
	CentreDoses(ctx context.Context, centreID string, from, to time.Time) ([]Dose, error)
	// Audit returns the audit rows of an appointment, oldest first.
	Audit(ctx context.Context, appointmentID string) ([]AuditEntry, error)

	SlotStore // slots.go
}

var _ BookingStore = (*SQL)(nil)

// isUnique reports whether err is a UNIQUE constraint failure; SQLite and D1
// both say so in the message.
func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func scanCentre(sc interface{ Scan(...any) error }) (*Centre, error) {
	var c Centre
	var h sql.NullString
	var exp sql.NullInt64
	var capacity int64
	if err := sc.Scan(&c.ID, &c.Name, &c.District, &h, &exp, &c.PIN, &c.Address, &capacity); err != nil {
		return nil, err
	}
	c.SlotCapacity = int(capacity)
	c.TokenHash = h.String
	if exp.Valid {
		c.TokenExpiresAt = time.Unix(exp.Int64, 0)
	}
	return &c, nil
}

const centreColumns = `id, name, district, vaccinator_token_hash, vaccinator_token_expires_at, pin, address, slot_capacity`

func (s *SQL) centre(ctx context.Context, col, v string) (*Centre, error) {
	c, err := scanCentre(s.DB.QueryRowContext(ctx, `SELECT `+centreColumns+` FROM centres WHERE `+col+` = ?`, v))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fail("reading centre", err)
	}
	return c, nil
}

// Centre implements BookingStore.
func (s *SQL) Centre(ctx context.Context, id string) (*Centre, error) { return s.centre(ctx, "id", id) }

// CentreByTokenHash implements BookingStore.
func (s *SQL) CentreByTokenHash(ctx context.Context, h string) (*Centre, error) {
	return s.centre(ctx, "vaccinator_token_hash", h)
}

// Vaccine implements BookingStore.
func (s *SQL) Vaccine(ctx context.Context, id string) (*Vaccine, error) {
	var v Vaccine
	var req, gap int64
	err := s.DB.QueryRowContext(ctx, `SELECT id, name, doses_required, min_interval_days FROM vaccines WHERE id = ?`, id).
		Scan(&v.ID, &v.Name, &req, &gap)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fail("reading vaccine", err)
	}
	v.DosesRequired, v.MinIntervalDays = int(req), int(gap)
	return &v, nil
}

const doseColumns = `d.id, d.beneficiary_id, b.name, d.vaccine_id, d.dose_number, d.administered_at,
	coalesce(d.centre_id, ''), coalesce(d.appointment_id, ''), d.walk_in, d.batch`

func (s *SQL) doses(ctx context.Context, where string, args ...any) ([]Dose, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+doseColumns+`
		FROM doses d JOIN beneficiaries b ON b.id = d.beneficiary_id WHERE `+where, args...)
	if err != nil {
		return nil, fail("reading doses", err)
	}
	defer rows.Close()
	var out []Dose
	for rows.Next() {
		var d Dose
		var n, at, walkIn int64
		if err := rows.Scan(&d.ID, &d.BeneficiaryID, &d.BeneficiaryName, &d.VaccineID, &n, &at,
			&d.CentreID, &d.AppointmentID, &walkIn, &d.Batch); err != nil {
			return nil, fail("reading doses", err)
		}
		d.DoseNumber, d.AdministeredAt, d.WalkIn = int(n), time.Unix(at, 0), walkIn != 0
		out = append(out, d)
	}
	return out, rows.Err()
}

// Doses implements BookingStore.
func (s *SQL) Doses(ctx context.Context, beneficiaryID string) ([]Dose, error) {
	return s.doses(ctx, `d.beneficiary_id = ? ORDER BY d.dose_number`, beneficiaryID)
}

// CentreDoses implements BookingStore.
func (s *SQL) CentreDoses(ctx context.Context, centreID string, from, to time.Time) ([]Dose, error) {
	return s.doses(ctx, `d.centre_id = ? AND d.administered_at >= ? AND d.administered_at < ? ORDER BY d.administered_at, d.id`,
		centreID, from.Unix(), to.Unix())
}

// CreateAppointment implements BookingStore. The NOT EXISTS answers the
// common case without an error; the unique index settles races.
func (s *SQL) CreateAppointment(ctx context.Context, a *Appointment) error {
	return s.createAppointment(ctx, a, false)
}

// createAppointment inserts a; placeElsewhere says its place was taken in
// the centre's database already (Sharded), so this database's trigger
// must not take one (migration 9).
func (s *SQL) createAppointment(ctx context.Context, a *Appointment, placeElsewhere bool) error {
	ok, err := s.returnsRow(ctx, "creating appointment", `INSERT INTO appointments
		(id, beneficiary_id, centre_id, slot_date, slot_time, status, code_hash, wrong_attempts, access_hash,
		 mobile_enc, lang, booking_txn, created_at, updated_at, updated_by, code_enc, place_elsewhere)
		SELECT ?1, ?2, ?3, ?4, ?5, 'live', ?6, 0, ?7, ?8, ?9, ?10, ?11, ?11, 'beneficiary', ?12, ?13
		WHERE NOT EXISTS (SELECT 1 FROM appointments WHERE beneficiary_id = ?2 AND status IN ('live', 'locked'))
		RETURNING id`,
		a.ID, a.BeneficiaryID, a.CentreID, a.Date, a.Time, a.CodeHash, a.AccessHash, a.MobileEnc, a.Lang, a.BookingTxn,
		a.CreatedAt.Unix(), a.CodeEnc, placeElsewhere)
	if isUnique(err) || (err == nil && !ok) {
		return ErrConflict
	}
	return slotError(err)
}

const appointmentColumns = `a.id, a.beneficiary_id, b.name, b.mobile_hash, a.centre_id, c.name, a.slot_date, a.slot_time, a.status,
	a.code_hash, a.wrong_attempts, a.access_hash, a.mobile_enc, a.lang, a.booking_txn, a.created_at, a.updated_at,
	a.updated_by, coalesce((SELECT d.dose_number FROM doses d WHERE d.appointment_id = a.id), 0), a.code_enc, c.address, c.pin`

const appointmentFrom = ` FROM appointments a JOIN beneficiaries b ON b.id = a.beneficiary_id JOIN centres c ON c.id = a.centre_id `

func scanAppointment(sc interface{ Scan(...any) error }) (*Appointment, error) {
	var a Appointment
	var wrong, created, updated, dose int64
	if err := sc.Scan(&a.ID, &a.BeneficiaryID, &a.BeneficiaryName, &a.MobileHash, &a.CentreID, &a.CentreName, &a.Date, &a.Time,
		&a.Status, &a.CodeHash, &wrong, &a.AccessHash, &a.MobileEnc, &a.Lang, &a.BookingTxn, &created, &updated,
		&a.UpdatedBy, &dose, &a.CodeEnc, &a.CentreAddress, &a.CentrePIN); err != nil {
		return nil, err
	}
	a.WrongAttempts, a.DoseNumber = int(wrong), int(dose)
	a.CreatedAt, a.UpdatedAt = time.Unix(created, 0), time.Unix(updated, 0)
	return &a, nil
}

// Appointment implements BookingStore.
func (s *SQL) Appointment(ctx context.Context, id string) (*Appointment, error) {
	a, err := scanAppointment(s.DB.QueryRowContext(ctx, `SELECT `+appointmentColumns+appointmentFrom+`WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fail("reading appointment", err)
	}
	return a, nil
}

// CentreDay implements BookingStore.
func (s *SQL) CentreDay(ctx context.Context, centreID, date string) ([]Appointment, error) {
	return s.appointments(ctx, `a.centre_id = ? AND a.slot_date = ? ORDER BY a.slot_time, a.created_at, a.id`, centreID, date)
}

// dayOf is CentreDay for the appointments ids (as agendaOf).
func (s *SQL) dayOf(ctx context.Context, centreID, date string, ids []string) ([]Appointment, error) {
	return s.appointments(ctx, `a.id IN (`+placeholders(len(ids), 3)+`) AND a.centre_id = ?1 AND a.slot_date = ?2
		ORDER BY a.slot_time, a.created_at, a.id`, append([]any{centreID, date}, anys(ids)...)...)
}

// MobileAppointments implements BookingStore.
func (s *SQL) MobileAppointments(ctx context.Context, mobileHash string, limit int) ([]Appointment, error) {
	return s.appointments(ctx, `b.mobile_hash = ? ORDER BY a.created_at DESC, a.id LIMIT ?`, mobileHash, int64(limit))
}

func (s *SQL) appointments(ctx context.Context, where string, args ...any) ([]Appointment, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+appointmentColumns+appointmentFrom+`WHERE `+where, args...)
	if err != nil {
		return nil, fail("reading appointments", err)
	}
	defer rows.Close()
	var out []Appointment
	for rows.Next() {
		a, err := scanAppointment(rows)
		if err != nil {
			return nil, fail("reading appointments", err)
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

// StateError is a refused change of an appointment and why: its status now,
// which a parallel request (or the caller's stale read) changed. "live"
// means the appointment is live but something the change required (its
// code, its slot) is no longer what the caller saw.
type StateError struct{ Status string }

func (e *StateError) Error() string { return "the appointment is " + e.Status }

// refused explains a statement on appointment id that changed nothing: its
// status now, or ErrNotFound.
func (s *SQL) refused(ctx context.Context, id string) error {
	var status string
	err := s.DB.QueryRowContext(ctx, `SELECT status FROM appointments WHERE id = ?`, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fail("reading appointment", err)
	}
	return &StateError{Status: status}
}

// changedAppointment runs a statement that changes appointment id and says
// why, when it changed nothing.
func (s *SQL) changedAppointment(ctx context.Context, id, what, query string, args ...any) error {
	err := s.changed(ctx, what, query, args...)
	if errors.Is(err, ErrNotFound) {
		return s.refused(ctx, id)
	}
	return err
}

func (s *SQL) changed(ctx context.Context, what, query string, args ...any) error {
	ok, err := s.returnsRow(ctx, what, query, args...)
	if isUnique(err) {
		return ErrConflict
	}
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotFound
	}
	return nil
}

// ExpireMissed implements BookingStore.
func (s *SQL) ExpireMissed(ctx context.Context, beneficiaryID, today string, now time.Time) error {
	if _, err := s.DB.ExecContext(ctx, `UPDATE appointments
		SET status = 'cancelled', updated_at = ?, updated_by = 'system:missed'
		WHERE beneficiary_id = ? AND status = 'live' AND slot_date < ?`, now.Unix(), beneficiaryID, today); err != nil {
		return fail("expiring missed appointments", err)
	}
	return nil
}

// CancelAppointment implements BookingStore.
func (s *SQL) CancelAppointment(ctx context.Context, id, accessHash string, now time.Time) error {
	_, err := s.cancelAppointment(ctx, id, accessHash, now)
	return err
}

// cancelAppointment is CancelAppointment, returning the appointment's
// centre (Sharded releases the place there).
func (s *SQL) cancelAppointment(ctx context.Context, id, accessHash string, now time.Time) (string, error) {
	return s.cancelled(ctx, id, "cancelling appointment", `UPDATE appointments
		SET status = 'cancelled', updated_at = ?, updated_by = 'beneficiary'
		WHERE id = ? AND access_hash = ? AND status = 'live' RETURNING centre_id`, now.Unix(), id, accessHash)
}

// cancelled runs a statement that cancels appointment id and returns its
// centre, or says why it changed nothing.
func (s *SQL) cancelled(ctx context.Context, id, what, query string, args ...any) (string, error) {
	var centreID string
	err := s.DB.QueryRowContext(ctx, query, args...).Scan(&centreID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", s.refused(ctx, id)
	}
	if err != nil {
		return "", fail(what, err)
	}
	return centreID, nil
}

// RescheduleAppointment implements BookingStore.
// The slot's place moves in the same statement (migration 5's trigger): a
// full new slot fails the whole statement with ErrSlotFull.
func (s *SQL) RescheduleAppointment(ctx context.Context, id, accessHash, centreID, date, slot, codeHash, codeEnc string, now time.Time) error {
	return s.reschedule(ctx, id, accessHash, SlotRef{centreID, date, slot}, nil, codeHash, codeEnc, now)
}

// SlotRef names a slot: a centre, a date and a time.
type SlotRef struct{ Centre, Date, Time string }

// reschedule moves appointment id to slot to; with from, only if it is
// still at from (Sharded moved the place from there, and a parallel move
// that got there first must make this one change nothing).
func (s *SQL) reschedule(ctx context.Context, id, accessHash string, to SlotRef, from *SlotRef, codeHash, codeEnc string, now time.Time) error {
	q := `UPDATE appointments
		SET centre_id = ?1, slot_date = ?2, slot_time = ?3, code_hash = ?4, code_enc = ?5, updated_at = ?6, updated_by = 'beneficiary'
		WHERE id = ?7 AND access_hash = ?8 AND status = 'live'`
	args := []any{to.Centre, to.Date, to.Time, codeHash, codeEnc, now.Unix(), id, accessHash}
	if from != nil {
		q += ` AND centre_id = ?9 AND slot_date = ?10 AND slot_time = ?11`
		args = append(args, from.Centre, from.Date, from.Time)
	}
	// A live appointment that changed nothing was moved by a parallel
	// request: StateError{live}, which the API answers 409 conflict
	// ("the appointment changed meanwhile; reload it").
	return slotError(s.changedAppointment(ctx, id, "rescheduling appointment", q+` RETURNING id`, args...))
}

// CountWrongCode implements BookingStore. SET expressions see the row before
// the update, so the third wrong code both counts and locks.
func (s *SQL) CountWrongCode(ctx context.Context, id, centreID, codeHash, actor string, now time.Time) (int, bool, error) {
	var wrong int64
	var status string
	err := s.DB.QueryRowContext(ctx, `UPDATE appointments
		SET wrong_attempts = wrong_attempts + 1,
		    status = CASE WHEN wrong_attempts + 1 >= 3 THEN 'locked' ELSE status END,
		    updated_at = ?, updated_by = ?
		WHERE id = ? AND centre_id = ? AND code_hash = ? AND status = 'live' AND wrong_attempts < 3
		RETURNING wrong_attempts, status`, now.Unix(), actor, id, centreID, codeHash).Scan(&wrong, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, s.refused(ctx, id)
	}
	if err != nil {
		return 0, false, fail("counting wrong code", err)
	}
	return int(wrong), status == AppointmentLocked, nil
}

// scheduleOK is the vaccine-consistency rule for beneficiary expression ben
// and vaccine row v, with ?2 the recording time: every earlier dose is of the
// same vaccine, the primary schedule is not complete, and the last dose is at
// least the vaccine's minimum interval ago.
func scheduleOK(ben string) string {
	return `NOT EXISTS (SELECT 1 FROM doses d WHERE d.beneficiary_id = ` + ben + ` AND d.vaccine_id <> v.id)
	AND (SELECT count(*) FROM doses d WHERE d.beneficiary_id = ` + ben + `) < v.doses_required
	AND NOT EXISTS (SELECT 1 FROM doses d WHERE d.beneficiary_id = ` + ben + `
	                AND d.administered_at > ?2 - v.min_interval_days * 86400)`
}

// RecordDose implements BookingStore: one INSERT … SELECT whose WHERE holds
// every rule, so a parallel request that changed anything makes it insert
// nothing. The doses triggers close the appointment and write the audit row
// in the same statement.
func (s *SQL) RecordDose(ctx context.Context, r RecordDose) (*Dose, error) {
	var q string
	var args []any
	now := r.Now.Unix()
	if r.WalkInTxn == "" {
		q = `INSERT INTO doses (id, beneficiary_id, vaccine_id, dose_number, administered_at, centre_id, appointment_id, walk_in, batch, recorded_by)
		SELECT ?1, a.beneficiary_id, v.id, (SELECT count(*) FROM doses d WHERE d.beneficiary_id = a.beneficiary_id) + 1,
		       ?2, a.centre_id, a.id, 0, ?3, nullif(?9, '')
		FROM appointments a, vaccines v
		WHERE a.id = ?4 AND a.centre_id = ?5 AND v.id = ?6 AND a.status = 'live' AND a.wrong_attempts < 3
		  AND a.code_hash = ?7 AND a.slot_date = ?8 AND ` + scheduleOK("a.beneficiary_id") + `
		RETURNING id, beneficiary_id, dose_number`
		args = []any{r.DoseID, now, r.Batch, r.Appointment, r.CentreID, r.VaccineID, r.CodeHash, r.Date, r.By}
	} else {
		q = `INSERT INTO doses (id, beneficiary_id, vaccine_id, dose_number, administered_at, centre_id, appointment_id, walk_in, batch, walk_in_txn, recorded_by)
		SELECT ?1, b.id, v.id, (SELECT count(*) FROM doses d WHERE d.beneficiary_id = b.id) + 1,
		       ?2, ?5, NULL, 1, ?3, t.id, nullif(?8, '')
		FROM beneficiaries b, vaccines v, otp_transactions t
		WHERE b.id = ?4 AND v.id = ?6 AND t.id = ?7 AND t.purpose = 'walk_in' AND t.entity_id = ?5
		  AND t.mobile_hash = b.mobile_hash AND t.used_at IS NULL AND t.superseded_by IS NULL
		  AND t.attempts <= t.max_attempts AND t.expires_at > ?2
		  AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.beneficiary_id = b.id AND a.status IN ('live', 'locked'))
		  AND ` + scheduleOK("b.id") + `
		RETURNING id, beneficiary_id, dose_number`
		args = []any{r.DoseID, now, r.Batch, r.Beneficiary, r.CentreID, r.VaccineID, r.WalkInTxn, r.By}
	}
	rows, err := s.DB.QueryContext(ctx, q, args...)
	if isUnique(err) {
		return nil, ErrConflict
	}
	if err != nil {
		return nil, fail("recording dose", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); isUnique(err) {
			return nil, ErrConflict
		} else if err != nil {
			return nil, fail("recording dose", err)
		}
		rows.Close() // one connection natively: free it for the explanation
		if r.WalkInTxn == "" {
			return nil, s.refused(ctx, r.Appointment)
		}
		return nil, s.walkInRefused(ctx, r.WalkInTxn, now)
	}
	d := &Dose{VaccineID: r.VaccineID, AdministeredAt: time.Unix(now, 0), CentreID: r.CentreID,
		AppointmentID: r.Appointment, WalkIn: r.WalkInTxn != "", Batch: r.Batch}
	var n int64
	if err := rows.Scan(&d.ID, &d.BeneficiaryID, &n); err != nil {
		return nil, fail("recording dose", err)
	}
	d.DoseNumber = int(n)
	return d, nil
}

// Audit implements BookingStore.
func (s *SQL) Audit(ctx context.Context, appointmentID string) ([]AuditEntry, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT id, at, actor, coalesce(centre_id, ''), coalesce(appointment_id, ''),
		coalesce(dose_id, ''), event, detail FROM audit_log WHERE appointment_id = ? ORDER BY id`, appointmentID)
	if err != nil {
		return nil, fail("reading audit log", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.CentreID, &e.AppointmentID, &e.DoseID, &e.Event, &e.Detail); err != nil {
			return nil, fail("reading audit log", err)
		}
		e.At = time.Unix(at, 0).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// Why a walk-in recording inserted nothing, once the schedule held: its OTP
// transaction was used, replaced or expired meanwhile, or the person has an
// open appointment (which must be recorded with its security code).
var (
	ErrTxnUsed        = errors.New("the walk-in code was used")
	ErrTxnSuperseded  = errors.New("a newer walk-in code was sent")
	ErrTxnExpired     = errors.New("the walk-in code expired")
	ErrHasAppointment = errors.New("the person has an open appointment")
)

func (s *SQL) walkInRefused(ctx context.Context, txn string, now int64) error {
	var used, superseded bool
	var expires int64
	err := s.DB.QueryRowContext(ctx, `SELECT used_at IS NOT NULL, superseded_by IS NOT NULL, expires_at
		FROM otp_transactions WHERE id = ?`, txn).Scan(&used, &superseded, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return fail("reading walk-in transaction", err)
	case used:
		return ErrTxnUsed
	case superseded:
		return ErrTxnSuperseded
	case expires <= now:
		return ErrTxnExpired
	}
	return ErrHasAppointment
}

// SupervisorByTokenHash implements BookingStore.
func (s *SQL) SupervisorByTokenHash(ctx context.Context, h string) (*Supervisor, error) {
	var sv Supervisor
	var exp int64
	err := s.DB.QueryRowContext(ctx, `SELECT centre_id, name, expires_at FROM supervisors WHERE token_hash = ?`, h).
		Scan(&sv.CentreID, &sv.Name, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fail("reading supervisor", err)
	}
	sv.ExpiresAt = time.Unix(exp, 0)
	return &sv, nil
}

// NewCode implements BookingStore.
func (s *SQL) NewCode(ctx context.Context, id, centreID, codeHash, codeEnc, actor string, now time.Time) error {
	return s.changedAppointment(ctx, id, "issuing a new security code", `UPDATE appointments
		SET status = 'live', wrong_attempts = 0, code_hash = ?, code_enc = ?, updated_at = ?, updated_by = ?
		WHERE id = ? AND centre_id = ? AND status IN ('live', 'locked') RETURNING id`,
		codeHash, codeEnc, now.Unix(), actor, id, centreID)
}

// Relock implements BookingStore.
func (s *SQL) Relock(ctx context.Context, id, codeHash, actor string, now time.Time) error {
	return s.changed(ctx, "locking again", `UPDATE appointments
		SET status = 'locked', updated_at = ?, updated_by = ?
		WHERE id = ? AND code_hash = ? AND status = 'live' RETURNING id`, now.Unix(), actor, id, codeHash)
}

// CancelUnsent implements BookingStore.
func (s *SQL) CancelUnsent(ctx context.Context, id string, now time.Time) error {
	_, err := s.cancelUnsent(ctx, id, now)
	return err
}

// cancelUnsent is CancelUnsent, returning the appointment's centre.
func (s *SQL) cancelUnsent(ctx context.Context, id string, now time.Time) (string, error) {
	var centreID string
	err := s.DB.QueryRowContext(ctx, `UPDATE appointments
		SET status = 'cancelled', updated_at = ?, updated_by = 'system:slip_not_sent'
		WHERE id = ? AND status = 'live' RETURNING centre_id`, now.Unix(), id).Scan(&centreID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fail("cancelling unsent appointment", err)
	}
	return centreID, nil
}

// DueConfirmations implements BookingStore.
func (s *SQL) DueConfirmations(ctx context.Context, now time.Time, limit int) ([]Confirmation, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT q.dose_id, q.mobile_enc, q.sealed_for, q.lang, q.attempts,
		d.dose_number, v.name, b.name, coalesce(c.name, ''), d.administered_at
		FROM confirmations q JOIN doses d ON d.id = q.dose_id JOIN vaccines v ON v.id = d.vaccine_id
		JOIN beneficiaries b ON b.id = d.beneficiary_id LEFT JOIN centres c ON c.id = d.centre_id
		WHERE q.next_at <= ? ORDER BY q.next_at LIMIT ?`, now.Unix(), int64(limit))
	if err != nil {
		return nil, fail("reading queued confirmations", err)
	}
	defer rows.Close()
	var out []Confirmation
	for rows.Next() {
		var c Confirmation
		var attempts, n, at int64
		if err := rows.Scan(&c.DoseID, &c.MobileEnc, &c.SealedFor, &c.Lang, &attempts, &n, &c.VaccineName, &c.Name,
			&c.CentreName, &at); err != nil {
			return nil, fail("reading queued confirmations", err)
		}
		c.Attempts, c.DoseNumber, c.AdministeredAt = int(attempts), int(n), time.Unix(at, 0)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fail("reading queued confirmations", err)
	}
	return out, nil
}

// ConfirmationSent implements BookingStore.
func (s *SQL) ConfirmationSent(ctx context.Context, doseID string) error {
	if _, err := s.DB.ExecContext(ctx, `DELETE FROM confirmations WHERE dose_id = ?`, doseID); err != nil {
		return fail("dequeuing confirmation", err)
	}
	return nil
}

// ConfirmationFailed implements BookingStore.
func (s *SQL) ConfirmationFailed(ctx context.Context, doseID string, next time.Time) error {
	if _, err := s.DB.ExecContext(ctx, `UPDATE confirmations SET attempts = attempts + 1, next_at = ? WHERE dose_id = ?`,
		next.Unix(), doseID); err != nil {
		return fail("rescheduling confirmation", err)
	}
	return nil
}
