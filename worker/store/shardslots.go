package store

import (
	"context"
	"errors"
	"log"
	"sort"
	"time"
)

// Slots and places over shards (migration 9). An appointment lives in the
// shard of its person's number, but a slot's places must be counted in one
// database, or each shard would allow the whole capacity: they are counted
// in the centre's database, the writer of the centre's bucket (byCentre),
// as rows of slot_places whose triggers keep slots.booked under the
// capacity CHECK. So a booking is two statements in two databases, in an
// order that can only err on the strict side:
//
//  1. take the place in the centre's database (ErrSlotFull: nothing was
//     written anywhere);
//  2. write the appointment in the person's shard, marked place_elsewhere
//     so that shard's own triggers take no second place;
//  3. if 2 failed, give the place back (a delete, which the CHECK never
//     refuses; tried twice).
//
// A move takes the new place before the old one is given back; a
// cancellation gives the place back after the appointment is cancelled.
// An appointment expired as missed (ExpireMissed: its day is over) keeps
// its place counted: nobody can book a past day, and the purge drops the
// day's places after slotDays.
// If a give-back fails twice, the appointment's shard records the place
// it owes (place_returns) and the cron trigger gives it back
// (settlePlaces): until then the slot has one place fewer than it could,
// never more than its capacity. The same rows are the centre's day list, so the console
// reads the day's ids from the centre's database and then only the
// shards that hold those appointments.

// byCentre routes a centre's slots and places: by the bucket of the
// centre's key, so centres spread over the shards.
func byCentre(centreID string) route { return byKey("centre:" + centreID) }

// CentreBucket is the bucket of a centre's slots and places (tests and
// tools: which shard holds them is the map's owner of this bucket).
func CentreBucket(centreID string) int { return byCentre(centreID).bucket }

// place runs fn on the centre's database, copying the centre there first
// if it has no copy (the foreign keys of slots and slot_places).
func (s *Sharded) place(ctx context.Context, centreID string, fn func(*SQL) error) error {
	return s.write(byCentre(centreID), func(db *SQL) error { return s.withCentre(ctx, db, centreID, fn) })
}

// givePlaceBack gives appointment id's place at slot back, tried twice,
// then owed (returnPlace).
func (s *Sharded) givePlaceBack(ctx context.Context, at SlotRef, id string) {
	s.returnPlace(ctx, placeReturn{Appointment: id, At: at})
}

// releasePlace marks the places of cancelled appointment id at centreID
// free, as givePlaceBack.
func (s *Sharded) releasePlace(ctx context.Context, centreID, id string) {
	s.returnPlace(ctx, placeReturn{Appointment: id, At: SlotRef{Centre: centreID}})
}

// returnPlace gives r back in the centre's database, tried twice; if
// that fails, the appointment's shard records it for the cron trigger
// (settlePlaces). Only if that fails too is the place lost (logged, ids
// only): the slot is then one place short, never over capacity.
func (s *Sharded) returnPlace(ctx context.Context, r placeReturn) {
	var err error
	for range 2 {
		if err = s.giveBackNow(ctx, r); err == nil {
			return
		}
	}
	owed, rerr := s.byID(ctx, "apt", r.Appointment)
	if rerr == nil {
		rerr = s.write(owed, func(db *SQL) error { return db.owePlace(ctx, r, time.Now()) })
	}
	if rerr != nil {
		log.Printf("store: the place of appointment %s at %s %s %s stays taken: %v; %v", r.Appointment, r.At.Centre, r.At.Date, r.At.Time, err, rerr)
	}
}

// giveBackNow runs r in the centre's database once.
func (s *Sharded) giveBackNow(ctx context.Context, r placeReturn) error {
	return s.place(ctx, r.At.Centre, func(db *SQL) error {
		if r.At.Date == "" {
			return db.releasePlace(ctx, r.Appointment)
		}
		return db.givePlaceBack(ctx, r.At, r.Appointment)
	})
}

// settleBatch is how many owed places each shard settles a cron run.
const settleBatch = 100

// settlePlaces gives back the places the shards owe (returnPlace), at most
// settleBatch a shard a run, shard after shard (the cron trigger's; almost
// always one empty read a shard); one still refused stays owed for the
// next run.
func (s *Sharded) settlePlaces(ctx context.Context) error {
	var errs []error
	for _, db := range s.DBs {
		owed, err := db.placeReturns(ctx, settleBatch)
		errs = append(errs, err)
		for _, r := range owed {
			if err := s.giveBackNow(ctx, r); err != nil {
				errs = append(errs, err)
				continue
			}
			errs = append(errs, db.placeReturned(ctx, r))
		}
	}
	return errors.Join(errs...)
}

// CreateAppointment implements BookingStore: the place in the centre's
// database, then the appointment in the shard of the person's number
// (a.ID carries its bucket, secret.NewIDFor).
func (s *Sharded) CreateAppointment(ctx context.Context, a *Appointment) error {
	r, ok := route{}, false
	if r.bucket, ok = IDBucket(a.ID); !ok {
		var err error
		if r, err = s.byID(ctx, "ben", a.BeneficiaryID); err != nil {
			return err
		}
	}
	at := SlotRef{a.CentreID, a.Date, a.Time}
	if err := s.place(ctx, a.CentreID, func(db *SQL) error { _, err := db.takePlace(ctx, at, a.ID); return err }); err != nil {
		return err
	}
	err := s.write(r, func(db *SQL) error {
		return s.withCentre(ctx, db, a.CentreID, func(db *SQL) error { return db.createAppointment(ctx, a, true) })
	})
	if err != nil {
		switch cur, maybe, rerr := s.maybeWritten(ctx, err, a.ID); {
		case maybe && rerr != nil:
			// Not known: the place stays held.
		case !maybe, cur == nil, cur.Status == AppointmentCancelled:
			s.givePlaceBack(ctx, at, a.ID)
		}
	}
	return err
}

// maybeWritten reads appointment id back after a write to it failed with
// err, if the write may have run anyway: an unavailable database may have
// run it and lost the answer. A refusal (a state, a conflict, a full slot,
// a frozen bucket) wrote nothing: maybe is false. Otherwise now is the
// appointment as it is (nil: none), or rerr says it could not be read
// either; then the caller keeps the places it holds (a slot a place short
// rather than over capacity; logged).
func (s *Sharded) maybeWritten(ctx context.Context, err error, id string) (now *Appointment, maybe bool, rerr error) {
	if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrMoving) {
		return nil, false, nil
	}
	now, rerr = s.Appointment(ctx, id)
	if errors.Is(rerr, ErrNotFound) {
		return nil, true, nil
	}
	if rerr != nil {
		log.Printf("store: appointment %s: a write failed (%v) and reading it back failed (%v): its places stay held", id, err, rerr)
	}
	return now, true, rerr
}

// RescheduleAppointment implements BookingStore: it reads where the
// appointment is, takes the new place, moves the appointment if it is
// still where it was read (a parallel move makes this one a
// StateError{live}: 409 conflict),
// then gives the old place back; a move that failed gives the new place
// back instead.
func (s *Sharded) RescheduleAppointment(ctx context.Context, id, accessHash, centreID, date, slot, codeHash, codeEnc string, now time.Time) error {
	r, err := s.byID(ctx, "apt", id)
	if err != nil {
		return err
	}
	to := SlotRef{centreID, date, slot}
	move := func(from *SlotRef) error {
		return s.write(r, func(db *SQL) error {
			return s.withCentre(ctx, db, centreID, func(db *SQL) error {
				return db.reschedule(ctx, id, accessHash, to, from, codeHash, codeEnc, now)
			})
		})
	}
	var a *Appointment
	if err := s.read(r, func(db *SQL) (err error) { a, err = db.Appointment(ctx, id); return err }); err != nil {
		return err
	}
	from := SlotRef{a.CentreID, a.Date, a.Time}
	if a.AccessHash != accessHash || a.Status != AppointmentLive || from == to {
		return move(nil) // refused as it would be with one database, or no place moves
	}
	var taken bool
	if err := s.place(ctx, centreID, func(db *SQL) (err error) { taken, err = db.takePlace(ctx, to, id); return err }); err != nil {
		return err
	}
	if err := move(&from); err != nil {
		switch cur, maybe, rerr := s.maybeWritten(ctx, err, id); {
		case maybe && rerr != nil:
			// Not known: both places stay held.
		case maybe && cur != nil && (SlotRef{cur.CentreID, cur.Date, cur.Time}) == to:
			s.givePlaceBack(ctx, from, id) // it moved; the answer was lost
		case taken:
			s.givePlaceBack(ctx, to, id)
		}
		return err
	}
	s.givePlaceBack(ctx, from, id)
	return nil
}

// CancelAppointment implements BookingStore: cancelled in the person's
// shard, then the place released in the centre's database.
func (s *Sharded) CancelAppointment(ctx context.Context, id, accessHash string, now time.Time) error {
	return s.cancel(ctx, id, func(db *SQL) (string, error) { return db.cancelAppointment(ctx, id, accessHash, now) })
}

// CancelUnsent implements BookingStore, as CancelAppointment.
func (s *Sharded) CancelUnsent(ctx context.Context, id string, now time.Time) error {
	return s.cancel(ctx, id, func(db *SQL) (string, error) { return db.cancelUnsent(ctx, id, now) })
}

// cancel runs fn, a statement cancelling appointment id that returns its
// centre, in the appointment's shard, then releases its place.
func (s *Sharded) cancel(ctx context.Context, id string, fn func(*SQL) (string, error)) error {
	r, err := s.byID(ctx, "apt", id)
	if err != nil {
		return err
	}
	var centreID string
	if err := s.write(r, func(db *SQL) (err error) { centreID, err = fn(db); return err }); err != nil {
		if cur, maybe, rerr := s.maybeWritten(ctx, err, id); maybe && rerr == nil && cur != nil && cur.Status == AppointmentCancelled {
			s.releasePlace(ctx, cur.CentreID, id) // it was cancelled; the answer was lost
		}
		return err
	}
	s.releasePlace(ctx, centreID, id)
	return nil
}

// CentreSlots implements SlotStore: the centre's database holds its
// slots; one that has never held a place or capacity of the centre has no
// copy of it, and the centre has nothing booked.
func (s *Sharded) CentreSlots(ctx context.Context, centreID, date string) (*Centre, []Slot, error) {
	var c *Centre
	var out []Slot
	err := s.read(byCentre(centreID), func(db *SQL) (err error) { c, out, err = db.CentreSlots(ctx, centreID, date); return err })
	if errors.Is(err, ErrNotFound) {
		c, err = s.Centre(ctx, centreID)
		return c, nil, err
	}
	return c, out, err
}

// SetCapacity implements SlotStore in the centre's database, where the
// CHECK sees every place booked.
func (s *Sharded) SetCapacity(ctx context.Context, centreID, date string, times []string, capacity int, actor string, now time.Time) error {
	return s.place(ctx, centreID, func(db *SQL) error { return db.SetCapacity(ctx, centreID, date, times, capacity, actor, now) })
}

// idsPerStatement keeps a statement under D1's 100 bound parameters.
const idsPerStatement = 90

// dayIDs returns the ids of the appointments at the centre on date, from
// the centre's database, grouped by the shards that may hold them (an id
// that carries no bucket: every shard).
func (s *Sharded) dayIDs(ctx context.Context, centreID, date string) (map[int][]string, error) {
	var ids []string
	err := s.read(byCentre(centreID), func(db *SQL) (err error) { ids, err = notFoundIfEmpty(db.dayPlaces(ctx, centreID, date)); return err })
	if ids, err = emptyIfNotFound(ids, err); err != nil {
		return nil, err
	}
	per := map[int][]string{}
	for _, id := range ids {
		var shards []int
		if b, ok := IDBucket(id); ok {
			shards = s.Map.Readers(b)
		} else {
			for i := range s.DBs {
				shards = append(shards, i)
			}
		}
		for _, i := range shards {
			per[i] = append(per[i], id)
		}
	}
	return per, nil
}

// fromShards runs one statement per shard and chunk of its ids, the
// shards at once.
func fromShards[T any](s *Sharded, per map[int][]string, fn func(db *SQL, ids []string) ([]T, error)) ([][]T, error) {
	out := make([][]T, len(s.DBs))
	err := s.everyShard(func(i int, db *SQL) error {
		ids := per[i]
		for len(ids) > 0 {
			n := min(len(ids), idsPerStatement)
			rows, err := fn(db, ids[:n])
			if err != nil {
				return err
			}
			out[i] = append(out[i], rows...)
			ids = ids[n:]
		}
		return nil
	})
	return out, err
}

// dayRows returns a centre's day as fetch reads it, by ids, from the
// shards that hold them (dayIDs), each row once (merge, by key).
func dayRows[T any](ctx context.Context, s *Sharded, centreID, date string, fetch func(db *SQL, ids []string) ([]T, error),
	key func(T) (string, int, bool)) ([]T, error) {
	ids, err := s.dayIDs(ctx, centreID, date)
	if err != nil {
		return nil, err
	}
	per, err := fromShards(s, ids, fetch)
	if err != nil {
		return nil, err
	}
	return merge(s, per, key), nil
}

// CentreAgenda implements CentreStore: the day's ids from the centre's
// database, the items from the shards that hold them.
func (s *Sharded) CentreAgenda(ctx context.Context, centreID, date string) ([]AgendaItem, error) {
	out, err := dayRows(ctx, s, centreID, date,
		func(db *SQL, ids []string) ([]AgendaItem, error) { return db.agendaOf(ctx, centreID, date, ids) },
		func(a AgendaItem) (string, int, bool) { b, ok := IDBucket(a.ID); return a.ID, b, ok })
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time < out[j].Time })
	return out, err
}

// CentreDay implements BookingStore, as CentreAgenda.
func (s *Sharded) CentreDay(ctx context.Context, centreID, date string) ([]Appointment, error) {
	out, err := dayRows(ctx, s, centreID, date,
		func(db *SQL, ids []string) ([]Appointment, error) { return db.dayOf(ctx, centreID, date, ids) },
		func(a Appointment) (string, int, bool) { return a.ID, Bucket(a.MobileHash), true })
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Time != b.Time {
			return a.Time < b.Time
		}
		if !a.CreatedAt.Equal(b.CreatedAt) {
			return a.CreatedAt.Before(b.CreatedAt)
		}
		return a.ID < b.ID
	})
	return out, err
}
