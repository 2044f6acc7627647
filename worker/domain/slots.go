package domain

import (
	"errors"
	"slices"
	"time"

	"github.com/kycvs/kycvs/worker/store"
)

// SlotTimes are the bookable times of day at every centre (India time).
var SlotTimes = []string{"09:00", "10:00", "11:00", "12:00", "14:00", "15:00", "16:00"}

// MaxCapacity is the most places a centre may give one slot: an hour of a
// large centre's vaccinators, and a bound that keeps a typo (5000 for 50)
// from opening a day nobody can serve.
const MaxCapacity = 500

// Errors of the slot rules.
var (
	ErrInvalidCapacity = errors.New("capacity must be a whole number from 0 to 500")
	ErrInvalidTime     = errors.New("not a bookable time")
)

// CheckCapacity says whether a centre may set n places for a slot.
func CheckCapacity(n int) error {
	if n < 0 || n > MaxCapacity {
		return ErrInvalidCapacity
	}
	return nil
}

// CheckSlotTime says whether t is a bookable time.
func CheckSlotTime(t string) error {
	if !slices.Contains(SlotTimes, t) {
		return ErrInvalidTime
	}
	return nil
}

// SlotPlaces is one bookable time with its capacity and free places.
type SlotPlaces struct {
	Time     string
	Capacity int
	Free     int
	Passed   bool // the time has begun today: the page offers it no more
}

// DaySlots is every bookable time of a centre's day: a time the centre gave
// a capacity (or someone booked) has its row, any other the centre's
// default capacity and nothing booked. A slot whose time has begun (at now)
// is marked Passed: the booking page does not offer it, while the API still
// books it (a centre records a dose on the slot's date, whatever the hour).
func DaySlots(c *store.Centre, rows []store.Slot, date string, now time.Time) []SlotPlaces {
	out := make([]SlotPlaces, 0, len(SlotTimes))
	for _, t := range SlotTimes {
		p := SlotPlaces{Time: t, Capacity: c.SlotCapacity, Free: c.SlotCapacity}
		for _, r := range rows {
			if r.Time == t {
				p.Capacity, p.Free = r.Capacity, max(0, r.Capacity-r.Booked)
			}
		}
		p.Passed = SlotPassed(date, t, now)
		out = append(out, p)
	}
	return out
}

// SlotPassed reports whether the slot at date and time (India) has begun
// by now.
func SlotPassed(date, slot string, now time.Time) bool {
	at, err := time.ParseInLocation("2006-01-02 15:04", date+" "+slot, India)
	return err == nil && !now.Before(at)
}
