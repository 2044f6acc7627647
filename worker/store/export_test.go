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
