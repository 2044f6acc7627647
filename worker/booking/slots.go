package booking

// Slots and their capacity: the person finds a centre by PIN code or
// district and sees each time's free places; a supervisor sets a time's
// capacity. The capacity itself is held by the schema (migration 5: the
// CHECK slot_not_overbooked on the row the booking's own statement
// updates), so parallel bookings never exceed it whatever this code does.

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/domain"
	"github.com/kycvs/kycvs/worker/store"
)

// maxCentresFound bounds a search's answer: a PIN code or district has a
// few dozen centres, and the answer must never become the whole table.
const maxCentresFound = 50

// centres finds centres by ?pin= (6 digits) or ?district= (a name, any
// case): one index lookup each. Without either it is a 400: the whole
// table is never listed.
func (h *Handler) centres(d *api.Deps, r *http.Request, _ []byte) (int, any, error) {
	q := r.URL.Query()
	pin, district := strings.TrimSpace(q.Get("pin")), strings.TrimSpace(q.Get("district"))
	var cs []store.Centre
	var err error
	switch {
	case pin != "" && district != "":
		return 0, nil, api.Ef("bad_query", "give pin or district, not both")
	case pin != "":
		if !store.IsPIN(pin) {
			return 0, nil, api.E("invalid_pin")
		}
		cs, err = d.Store.CentresByPIN(r.Context(), pin, maxCentresFound)
	case district != "":
		if !isDistrict(district) {
			return 0, nil, api.E("invalid_district")
		}
		cs, err = d.Store.CentresByDistrict(r.Context(), district, maxCentresFound)
	default:
		return 0, nil, api.Ef("missing_field", "give pin (6 digits) or district")
	}
	if err != nil {
		return 0, nil, err
	}
	out := []centreListJSON{}
	for _, c := range cs {
		out = append(out, centreListJSON{Address: c.Address, District: c.District, ID: c.ID, Name: c.Name, PIN: c.PIN})
	}
	today := h.now()
	return http.StatusOK, centresResponse{Centres: out, FirstDate: Today(today),
		LastDate: Today(today.AddDate(0, 0, h.cfg.DaysAhead)), Slots: Slots}, nil
}

// isDistrict: 2 to 60 characters, letters, marks, spaces and . - ' (the
// names of India's districts), no control characters.
func isDistrict(s string) bool {
	if n := utf8.RuneCountInString(s); n < 2 || n > 60 || !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if !unicode.IsLetter(c) && !unicode.IsMark(c) && c != ' ' && c != '.' && c != '-' && c != '\'' {
			return false
		}
	}
	return true
}

type slotJSON struct {
	Capacity int    `json:"capacity"`
	Free     int    `json:"free"`
	Passed   bool   `json:"passed,omitempty"`
	Time     string `json:"time"`
}

type slotsResponse struct {
	Centre    centreListJSON `json:"centre"`
	Date      string         `json:"date"`
	FirstDate string         `json:"first_date"`
	LastDate  string         `json:"last_date"`
	Slots     []slotJSON     `json:"slots"`
}

func (h *Handler) slotsOf(c *store.Centre, rows []store.Slot, date string, now time.Time) slotsResponse {
	out := slotsResponse{Centre: centreListJSON{Address: c.Address, District: c.District, ID: c.ID, Name: c.Name, PIN: c.PIN},
		Date: date, FirstDate: Today(now), LastDate: Today(now.AddDate(0, 0, h.cfg.DaysAhead)), Slots: []slotJSON{}}
	for _, p := range domain.DaySlots(c, rows, date, now) {
		out.Slots = append(out.Slots, slotJSON{Capacity: p.Capacity, Free: p.Free, Passed: p.Passed, Time: p.Time})
	}
	return out
}

// checkDate parses a bookable date: today to DaysAhead days ahead (India).
func (h *Handler) checkDate(date string) error {
	day, err := time.ParseInLocation(time.DateOnly, date, domain.India)
	if !store.IsDate(date) || err != nil {
		return api.Ef("invalid_date", "date must be YYYY-MM-DD")
	}
	now := h.now()
	if date < Today(now) || day.After(now.AddDate(0, 0, h.cfg.DaysAhead)) {
		return api.Ef("invalid_date", "date must be from today to %d days ahead", h.cfg.DaysAhead)
	}
	return nil
}

// centreSlots lists a centre's times on a date with their free places: one
// query (the centre joined with its slot rows).
func (h *Handler) centreSlots(d *api.Deps, r *http.Request, _ []byte) (int, any, error) {
	id := r.PathValue("id")
	if !store.IsCentreID(id) {
		return 0, nil, api.Ef("invalid_centre", "centre must look like ctr_…")
	}
	date := r.URL.Query().Get("date")
	if err := h.checkDate(date); err != nil {
		return 0, nil, err
	}
	c, rows, err := d.Store.CentreSlots(r.Context(), id, date)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil, api.Ef("unknown_centre", "no centre %q", id)
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, h.slotsOf(c, rows, date, h.now()), nil
}

type capacityRequest struct {
	Date     string `json:"date"`
	Time     string `json:"time"`
	Capacity *int   `json:"capacity"`
}

// Check implements api.Request.
func (req *capacityRequest) Check() error {
	if err := api.Required([2]string{"date", req.Date}); err != nil {
		return err
	}
	if req.Capacity == nil {
		return api.Ef("missing_field", "capacity is required")
	}
	if err := domain.CheckCapacity(*req.Capacity); err != nil {
		return api.Ef("invalid_capacity", "%s", err)
	}
	if req.Time != "" && domain.CheckSlotTime(req.Time) != nil {
		return api.Ef("invalid_time", "time must be one of %s", strings.Join(Slots, ", "))
	}
	return nil
}

// setCapacity is a supervisor's capacity for their centre's slot (time) or
// every slot of a date (no time). All or nothing: a capacity below the
// places already booked at any of them is 409 capacity_below_booked and
// changes none. Audited with the supervisor's name (the schema's trigger).
func (h *Handler) setCapacity(d *api.Deps, r *http.Request, body []byte) (int, any, error) {
	sv, err := h.supervisor(d, r)
	if err != nil {
		return 0, nil, err
	}
	var req capacityRequest
	if err := api.DecodeRequest(body, &req); err != nil {
		return 0, nil, err
	}
	if err := h.checkDate(req.Date); err != nil {
		return 0, nil, err
	}
	times := Slots
	if req.Time != "" {
		times = []string{req.Time}
	}
	ctx := r.Context()
	now := h.now()
	if err := d.Store.SetCapacity(ctx, sv.CentreID, req.Date, times, *req.Capacity, sv.Actor, now); err != nil {
		return 0, nil, err // store.ErrBelowBooked
	}
	c, rows, err := d.Store.CentreSlots(ctx, sv.CentreID, req.Date)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, h.slotsOf(c, rows, req.Date, now), nil
}
