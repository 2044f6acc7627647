package domain

import (
	"testing"
	"time"

	"github.com/kycvs/kycvs/worker/store"
)

func TestDaySlots(t *testing.T) {
	c := &store.Centre{SlotCapacity: 30}
	now := time.Date(2026, 5, 1, 4, 0, 0, 0, time.UTC) // 09:30 in India
	got := DaySlots(c, []store.Slot{{Time: "10:00", Capacity: 5, Booked: 5}, {Time: "11:00", Capacity: 4, Booked: 1},
		{Time: "12:00", Capacity: 2, Booked: 3}}, "2026-05-01", now)
	if len(got) != len(SlotTimes) {
		t.Fatalf("%d slots", len(got))
	}
	want := map[string]SlotPlaces{
		"09:00": {"09:00", 30, 30, true}, "10:00": {"10:00", 5, 0, false}, "11:00": {"11:00", 4, 3, false},
		"12:00": {"12:00", 2, 0, false}, "16:00": {"16:00", 30, 30, false},
	}
	for _, p := range got {
		if w, ok := want[p.Time]; ok && p != w {
			t.Errorf("%s: %+v, want %+v", p.Time, p, w)
		}
	}
	if SlotPassed("2026-05-02", "09:00", now) || !SlotPassed("2026-05-01", "09:30", now) {
		t.Error("SlotPassed")
	}
	for n, ok := range map[int]bool{-1: false, 0: true, 500: true, 501: false} {
		if (CheckCapacity(n) == nil) != ok {
			t.Errorf("CheckCapacity(%d)", n)
		}
	}
	if CheckSlotTime("10:00") != nil || CheckSlotTime("10:30") == nil {
		t.Error("CheckSlotTime")
	}
}
