package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ScheduleAllows evaluates the recording statement's schedule guard
// (scheduleOK) for a dose of vaccineID to beneficiaryID at now, for the
// test that holds it to domain.CheckNextDose.
func (s *SQL) ScheduleAllows(ctx context.Context, beneficiaryID, vaccineID string, now time.Time) (bool, error) {
	var one int
	err := s.DB.QueryRowContext(ctx, `SELECT 1 FROM vaccines v WHERE v.id = ?3 AND `+scheduleOK("?1"),
		beneficiaryID, now.Unix(), vaccineID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// ShardedPlaceCalls runs once each statement store.Sharded runs on a
// database that SQL's exported methods do not (the places of migration
// 9, the centre's day by ids, a conditional move, cancellations that
// return the centre), for the query plan test.
func (s *SQL) ShardedPlaceCalls(ctx context.Context, now time.Time) []error {
	at := SlotRef{"ctr_delhi_aiims", "2026-05-01", "12:00"}
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	_, err := s.takePlace(ctx, at, "apt_plan_place")
	add(err)
	add(s.givePlaceBack(ctx, at, "apt_plan_place"))
	add(s.releasePlace(ctx, "apt_plan_place"))
	_, err = s.dayPlaces(ctx, at.Centre, at.Date)
	add(err)
	_, err = s.agendaOf(ctx, at.Centre, at.Date, []string{"apt_plan", "apt_other"})
	add(err)
	_, err = s.dayOf(ctx, at.Centre, at.Date, []string{"apt_plan", "apt_other"})
	add(err)
	add(s.reschedule(ctx, "apt_plan", "acc", at, &SlotRef{"ctr_delhi_aiims", "2026-05-01", "11:00"}, "c", "ce", now))
	_, err = s.cancelUnsent(ctx, "apt_none", now)
	add(err)
	_, err = s.cancelAppointment(ctx, "apt_none", "acc", now)
	add(err)
	owed := placeReturn{Appointment: "apt_plan_place", At: at}
	add(s.owePlace(ctx, owed, now))
	_, err = s.placeReturns(ctx, 100)
	add(err)
	add(s.placeReturned(ctx, owed))
	return errs
}
