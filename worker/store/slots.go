package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Slot capacity (migration 5). A slot is a centre, a date and a time; its
// capacity is what the centre set, or the centre's slot_capacity until it
// sets one. The places taken are counted by triggers inside the statements
// that book, move and cancel appointments, and the schema's CHECK
// slot_not_overbooked refuses any statement that would take more places
// than the capacity: that CHECK is the rule under parallel bookings, the
// Go code only explains it.

// Why a slot statement changed nothing.
var (
	// ErrSlotFull: the slot has no free place (the booking or move failed
	// as a whole).
	ErrSlotFull = errors.New("the slot is full")
	// ErrBelowBooked: a capacity below the places already booked.
	ErrBelowBooked = errors.New("the capacity is below the places already booked")
)

// slotError turns the capacity CHECK's failure into ErrSlotFull. SQLite and
// D1 both name the failed constraint in the message.
func slotError(err error) error {
	if err != nil && strings.Contains(err.Error(), "slot_not_overbooked") {
		return ErrSlotFull
	}
	return err
}

// Slot is one time of a centre's day and its places.
type Slot struct {
	Time     string // HH:MM
	Capacity int
	Booked   int
}

// SlotStore is what booking needs of slots.
type SlotStore interface {
	// CentresByPIN and CentresByDistrict find centres (index lookups), at
	// most limit, by name.
	CentresByPIN(ctx context.Context, pin string, limit int) ([]Centre, error)
	CentresByDistrict(ctx context.Context, district string, limit int) ([]Centre, error)
	// CentreSlots returns the centre and its slots with a row on date (one
	// round trip; times without a row have the centre's SlotCapacity and
	// nothing booked). ErrNotFound if there is no such centre.
	CentreSlots(ctx context.Context, centreID, date string) (*Centre, []Slot, error)
	// SetCapacity sets the capacity of the centre's slots at times on date,
	// all or none: ErrBelowBooked if any has more places booked.
	SetCapacity(ctx context.Context, centreID, date string, times []string, capacity int, actor string, now time.Time) error
}

var _ SlotStore = (*SQL)(nil)

func (s *SQL) centresWhere(ctx context.Context, where string, v string, limit int) ([]Centre, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+centreColumns+` FROM centres WHERE `+where+` ORDER BY name, id LIMIT ?`, v, int64(limit))
	if err != nil {
		return nil, fail("finding centres", err)
	}
	defer rows.Close()
	var out []Centre
	for rows.Next() {
		c, err := scanCentre(rows)
		if err != nil {
			return nil, fail("finding centres", err)
		}
		out = append(out, *c)
	}
	if err := rows.Err(); err != nil {
		return nil, fail("finding centres", err)
	}
	return out, nil
}

// CentresByPIN implements SlotStore (index centres_pin).
func (s *SQL) CentresByPIN(ctx context.Context, pin string, limit int) ([]Centre, error) {
	return s.centresWhere(ctx, `pin = ?`, pin, limit)
}

// CentresByDistrict implements SlotStore (index centres_district: the
// comparison uses the index's NOCASE collation).
func (s *SQL) CentresByDistrict(ctx context.Context, district string, limit int) ([]Centre, error) {
	return s.centresWhere(ctx, `district = ? COLLATE NOCASE`, district, limit)
}

// CentreSlots implements SlotStore: the centre LEFT JOIN its slots of the
// date (the slots' primary key), one query.
func (s *SQL) CentreSlots(ctx context.Context, centreID, date string) (*Centre, []Slot, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT c.id, c.name, c.district, c.vaccinator_token_hash, c.vaccinator_token_expires_at,
		c.pin, c.address, c.slot_capacity, s.slot_time, s.capacity, s.booked
		FROM centres c LEFT JOIN slots s ON s.centre_id = c.id AND s.slot_date = ?
		WHERE c.id = ? ORDER BY s.slot_time`, date, centreID)
	if err != nil {
		return nil, nil, fail("reading slots", err)
	}
	defer rows.Close()
	var c *Centre
	var out []Slot
	for rows.Next() {
		var t sql.NullString
		var capacity, booked sql.NullInt64
		cc, err := scanCentre(scanFunc(func(dst ...any) error { return rows.Scan(append(dst, &t, &capacity, &booked)...) }))
		if err != nil {
			return nil, nil, fail("reading slots", err)
		}
		c = cc
		if t.Valid {
			out = append(out, Slot{Time: t.String, Capacity: int(capacity.Int64), Booked: int(booked.Int64)})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fail("reading slots", err)
	}
	if c == nil {
		return nil, nil, ErrNotFound
	}
	return c, out, nil
}

type scanFunc func(...any) error

func (f scanFunc) Scan(dst ...any) error { return f(dst...) }

// SetCapacity implements SlotStore: one upsert of every time, so a capacity
// below what is booked at any of them (the CHECK) changes none.
func (s *SQL) SetCapacity(ctx context.Context, centreID, date string, times []string, capacity int, actor string, now time.Time) error {
	if len(times) == 0 {
		return nil
	}
	var b strings.Builder
	args := []any{centreID, date, int64(capacity), now.Unix(), actor}
	b.WriteString(`INSERT INTO slots (centre_id, slot_date, slot_time, capacity, booked, updated_at, updated_by) VALUES `)
	for i, t := range times {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "(?1, ?2, ?%d, ?3, 0, ?4, ?5)", len(args)+1)
		args = append(args, t)
	}
	b.WriteString(` ON CONFLICT (centre_id, slot_date, slot_time) DO UPDATE
		SET capacity = excluded.capacity, updated_at = excluded.updated_at, updated_by = excluded.updated_by`)
	_, err := s.DB.ExecContext(ctx, b.String(), args...)
	if err != nil && strings.Contains(err.Error(), "slot_not_overbooked") {
		return ErrBelowBooked
	}
	if err != nil {
		return fail("setting capacity", err)
	}
	return nil
}

// CentrePlaceSQL returns the statement that sets a centre's PIN code,
// address and default slot capacity (the seed, kycvs-centres).
func CentrePlaceSQL(id, pin, address string, slotCapacity int) string {
	return fmt.Sprintf("UPDATE centres SET pin = %s, address = %s, slot_capacity = %d WHERE id = %s;\n",
		sqlString(pin), sqlString(address), slotCapacity, sqlString(id))
}

// SlotCapacitySQL returns the statement that sets one slot's capacity (the
// seed and tests; the supervisor's way is POST /v1/centre/capacity).
func SlotCapacitySQL(centreID, date, slot string, capacity int, now time.Time) string {
	return fmt.Sprintf("INSERT INTO slots (centre_id, slot_date, slot_time, capacity, booked, updated_at, updated_by)\n"+
		"  VALUES (%s, %s, %s, %d, 0, %d, 'system:seed')\n"+
		"  ON CONFLICT (centre_id, slot_date, slot_time) DO UPDATE SET capacity = excluded.capacity;\n",
		sqlString(centreID), sqlString(date), sqlString(slot), capacity, now.Unix())
}

// The places of appointments whose place is held elsewhere (migration 9:
// with shards, the centre's database holds the places of appointments in
// every shard). Each is one statement in the centre's database.

// takePlace takes a place at slot for appointment id: ErrSlotFull if the
// slot has none free. taken is false when the appointment already holds
// that place (a move to the slot it is at).
func (s *SQL) takePlace(ctx context.Context, at SlotRef, id string) (taken bool, err error) {
	taken, err = s.returnsRow(ctx, "taking a place", `INSERT INTO slot_places (centre_id, slot_date, slot_time, appointment_id, holds)
		VALUES (?, ?, ?, ?, 1) ON CONFLICT DO NOTHING RETURNING appointment_id`, at.Centre, at.Date, at.Time, id)
	return taken, slotError(err)
}

// givePlaceBack deletes appointment id's place at slot (a booking or move
// that failed, or the place a move left): the place is free again.
func (s *SQL) givePlaceBack(ctx context.Context, at SlotRef, id string) error {
	if _, err := s.DB.ExecContext(ctx, `DELETE FROM slot_places
		WHERE centre_id = ? AND slot_date = ? AND slot_time = ? AND appointment_id = ?`, at.Centre, at.Date, at.Time, id); err != nil {
		return fail("giving a place back", err)
	}
	return nil
}

// releasePlace marks appointment id's places as no longer held (it was
// cancelled); the row stays for the day's list.
func (s *SQL) releasePlace(ctx context.Context, id string) error {
	if _, err := s.DB.ExecContext(ctx, `UPDATE slot_places SET holds = 0 WHERE appointment_id = ? AND holds = 1`, id); err != nil {
		return fail("giving a place back", err)
	}
	return nil
}

// dayPlaces returns the ids of the appointments with a place at the
// centre on date (the primary key's prefix), in time order.
func (s *SQL) dayPlaces(ctx context.Context, centreID, date string) ([]string, error) {
	ids, err := strings1(ctx, s.DB, `SELECT appointment_id FROM slot_places WHERE centre_id = ? AND slot_date = ?
		ORDER BY slot_time, appointment_id`, centreID, date)
	if err != nil {
		return nil, fail("reading the centre's day", err)
	}
	return ids, nil
}

// placeReturn is a place a shard owes back to a centre's database
// (migration 9's place_returns): a give-back of the place at At, or with
// At.Date "" the release of every place of the cancelled appointment.
type placeReturn struct {
	Appointment string
	At          SlotRef
}

// owePlace records r in this (the appointment's) database.
func (s *SQL) owePlace(ctx context.Context, r placeReturn, now time.Time) error {
	if _, err := s.DB.ExecContext(ctx, `INSERT INTO place_returns (appointment_id, centre_id, slot_date, slot_time, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, r.Appointment, r.At.Centre, r.At.Date, r.At.Time, now.Unix()); err != nil {
		return fail("recording a place to give back", err)
	}
	return nil
}

// placeReturns returns at most limit of the places this database owes.
func (s *SQL) placeReturns(ctx context.Context, limit int) ([]placeReturn, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT appointment_id, centre_id, slot_date, slot_time FROM place_returns LIMIT ?`, int64(limit))
	if err != nil {
		return nil, fail("reading places to give back", err)
	}
	defer rows.Close()
	var out []placeReturn
	for rows.Next() {
		var r placeReturn
		if err := rows.Scan(&r.Appointment, &r.At.Centre, &r.At.Date, &r.At.Time); err != nil {
			return nil, fail("reading places to give back", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fail("reading places to give back", err)
	}
	return out, nil
}

// placeReturned deletes r, given back.
func (s *SQL) placeReturned(ctx context.Context, r placeReturn) error {
	if _, err := s.DB.ExecContext(ctx, `DELETE FROM place_returns
		WHERE appointment_id = ? AND centre_id = ? AND slot_date = ? AND slot_time = ?`,
		r.Appointment, r.At.Centre, r.At.Date, r.At.Time); err != nil {
		return fail("settling a place given back", err)
	}
	return nil
}
