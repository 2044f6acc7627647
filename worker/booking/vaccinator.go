package booking

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"log"
	"net/http"
	"regexp"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/mobile"
	"github.com/kycvs/kycvs/worker/names"
	"github.com/kycvs/kycvs/worker/sms"
	"github.com/kycvs/kycvs/worker/store"
)

var (
	codePattern    = regexp.MustCompile(`^[0-9]{4}$`)
	vaccinePattern = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)
	batchPattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9/._-]{0,39}$`)
)

// MaxWrongCodes is how many wrong security codes lock an appointment. The
// schema's CHECK on wrong_attempts says the same.
const MaxWrongCodes = 3

// vaccinator authenticates the centre token.
func (h *Handler) vaccinator(r *http.Request) (*store.Centre, error) {
	tok, err := bearer(r)
	if err != nil {
		return nil, err
	}
	c, err := h.cfg.Store.CentreByTokenHash(r.Context(), TokenHash(tok))
	if errors.Is(err, store.ErrNotFound) {
		return nil, api.Fail(http.StatusUnauthorized, "invalid_token", "not a vaccinator token")
	}
	if err != nil {
		return nil, err
	}
	if c.TokenExpiresAt.IsZero() || !h.now().Before(c.TokenExpiresAt) {
		return nil, api.Fail(http.StatusUnauthorized, "token_expired", "the centre's vaccinator token expired; ask for a new one")
	}
	return c, nil
}

func actor(c *store.Centre) string { return "vaccinator@" + c.ID }

// centreDay lists the centre's appointments for a day and the doses it
// recorded that day: names and slots, never mobiles or codes.
func (h *Handler) centreDay(r *http.Request, _ []byte) (int, any, error) {
	c, err := h.vaccinator(r)
	if err != nil {
		return 0, nil, err
	}
	date := r.URL.Query().Get("date")
	if date == "" {
		date = Today(h.now())
	}
	day, err := time.ParseInLocation(time.DateOnly, date, india)
	if !datePattern.MatchString(date) || err != nil {
		return 0, nil, api.Fail(http.StatusBadRequest, "invalid_date", "date must be YYYY-MM-DD")
	}
	ctx := r.Context()
	apts, err := h.cfg.Store.CentreDay(ctx, c.ID, date)
	if err != nil {
		return 0, nil, err
	}
	doses, err := h.cfg.Store.CentreDoses(ctx, c.ID, day, day.AddDate(0, 0, 1))
	if err != nil {
		return 0, nil, err
	}
	al := []map[string]any{}
	for _, a := range apts {
		e := map[string]any{"id": a.ID, "name": a.BeneficiaryName, "time": a.Time, "status": a.Status,
			"wrong_attempts": a.WrongAttempts}
		if a.DoseNumber > 0 {
			e["dose_number"] = a.DoseNumber
		}
		al = append(al, e)
	}
	return http.StatusOK, map[string]any{
		"centre": map[string]any{"id": c.ID, "name": c.Name}, "date": date,
		"appointments": al, "doses": doseList(doses),
	}, nil
}

func doseList(ds []store.Dose) []map[string]any {
	out := []map[string]any{}
	for _, d := range ds {
		out = append(out, doseJSON(&d, d.BeneficiaryName))
	}
	return out
}

func doseJSON(d *store.Dose, name string) map[string]any {
	m := map[string]any{"id": d.ID, "name": name, "vaccine": d.VaccineID, "dose_number": d.DoseNumber,
		"batch": d.Batch, "administered_at": d.AdministeredAt.Unix(), "walk_in": d.WalkIn}
	if d.AppointmentID != "" {
		m["appointment"] = d.AppointmentID
	}
	return m
}

type recordRequest struct {
	Appointment  string `json:"appointment"`
	SecurityCode string `json:"security_code"`
	Vaccine      string `json:"vaccine"`
	Batch        string `json:"batch"`
	WalkIn       bool   `json:"walk_in"`
	Mobile       string `json:"mobile"`
	Name         string `json:"name"`
	Lang         string `json:"lang"`
}

// record records a dose: for an appointment with its security code, or a
// walk-in identified by mobile and name (checked in person against an
// identity document; the confirmation SMS tells the number's owner).
func (h *Handler) record(r *http.Request, body []byte) (int, any, error) {
	c, err := h.vaccinator(r)
	if err != nil {
		return 0, nil, err
	}
	var req recordRequest
	if err := api.Decode(body, &req); err != nil {
		return 0, nil, err
	}
	if err := api.Required([2]string{"vaccine", req.Vaccine}, [2]string{"batch", req.Batch}); err != nil {
		return 0, nil, err
	}
	if !vaccinePattern.MatchString(req.Vaccine) {
		return 0, nil, api.Fail(http.StatusBadRequest, "invalid_vaccine", "vaccine must be a vaccine id such as covishield")
	}
	if !batchPattern.MatchString(req.Batch) {
		return 0, nil, api.Fail(http.StatusBadRequest, "invalid_batch", "batch must be 1 to 40 letters, digits, / . _ -")
	}
	ctx := r.Context()
	v, err := h.cfg.Store.Vaccine(ctx, req.Vaccine)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil, api.Fail(http.StatusNotFound, "unknown_vaccine", "no vaccine %q", req.Vaccine)
	}
	if err != nil {
		return 0, nil, err
	}
	if req.WalkIn {
		if req.Appointment != "" || req.SecurityCode != "" {
			return 0, nil, api.Fail(http.StatusBadRequest, "bad_json", "a walk-in has no appointment or security code")
		}
		return h.recordWalkIn(r, c, v, &req)
	}
	if req.Mobile != "" || req.Name != "" || req.Lang != "" {
		return 0, nil, api.Fail(http.StatusBadRequest, "bad_json", "mobile, name and lang are for walk-ins; an appointment identifies the person")
	}
	return h.recordAppointment(r, c, v, &req)
}

func (h *Handler) recordAppointment(r *http.Request, c *store.Centre, v *store.Vaccine, req *recordRequest) (int, any, error) {
	if err := api.Required([2]string{"appointment", req.Appointment}, [2]string{"security_code", req.SecurityCode}); err != nil {
		return 0, nil, err
	}
	if !appointmentPattern.MatchString(req.Appointment) {
		return 0, nil, api.Fail(http.StatusBadRequest, "invalid_appointment", "not an appointment id")
	}
	if !codePattern.MatchString(req.SecurityCode) {
		return 0, nil, api.Fail(http.StatusBadRequest, "invalid_security_code", "security_code must be 4 digits")
	}
	ctx := r.Context()
	a, err := h.cfg.Store.Appointment(ctx, req.Appointment)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil, api.Fail(http.StatusNotFound, "appointment_not_found", "no appointment %s", req.Appointment)
	}
	if err != nil {
		return 0, nil, err
	}
	// Another centre may not enter codes: it would let one centre lock
	// another's appointments, and it has no business recording them.
	if a.CentreID != c.ID {
		return 0, nil, api.Fail(http.StatusForbidden, "wrong_centre", "the appointment is at another centre")
	}
	if a.Status == store.AppointmentDone {
		return 0, nil, api.Fail(http.StatusConflict, "already_recorded", "a dose was already recorded for this appointment")
	}
	if a.Status != store.AppointmentLive {
		return 0, nil, notLive(a)
	}
	now := h.now()
	today := Today(now)
	if a.Date != today {
		return 0, nil, api.Fail(http.StatusConflict, "not_today", "the appointment is on %s, not today (%s)", a.Date, today)
	}
	if !hmac.Equal([]byte(h.keys.codeHash(a.ID, req.SecurityCode)), []byte(a.CodeHash)) {
		wrong, locked, err := h.cfg.Store.CountWrongCode(ctx, a.ID, c.ID, a.CodeHash, actor(c), now)
		if errors.Is(err, store.ErrNotFound) {
			// Changed since we read it (locked, recorded or rescheduled by a
			// parallel request): answer by what it is now.
			return 0, nil, h.rereadRecording(r, a.ID)
		}
		if err != nil {
			return 0, nil, err
		}
		return 0, nil, &api.Error{Status: http.StatusUnprocessableEntity, Code: "security_code_incorrect",
			Message: "the security code is not correct",
			Extra:   map[string]any{"attempts_left": MaxWrongCodes - wrong, "locked": locked}}
	}
	doses, err := h.cfg.Store.Doses(ctx, a.BeneficiaryID)
	if err != nil {
		return 0, nil, err
	}
	for _, d := range doses {
		if d.AppointmentID == a.ID { // recorded by a parallel request since we read the appointment
			return 0, nil, api.Fail(http.StatusConflict, "already_recorded", "a dose was already recorded for this appointment")
		}
	}
	if err := checkSchedule(v, doses, now); err != nil {
		return 0, nil, err
	}
	id, err := h.newID("dose_")
	if err != nil {
		return 0, nil, err
	}
	d, err := h.cfg.Store.RecordDose(ctx, store.RecordDose{DoseID: id, CentreID: c.ID, VaccineID: v.ID, Batch: req.Batch,
		Now: now, Appointment: a.ID, CodeHash: a.CodeHash, Date: today})
	if errors.Is(err, store.ErrConflict) {
		return 0, nil, api.Fail(http.StatusConflict, "already_recorded", "a dose was already recorded for this appointment")
	}
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil, h.rereadRecording(r, a.ID)
	}
	if err != nil {
		return 0, nil, err
	}
	sent := false
	if digits, err := h.keys.openMobile(a.ID, a.MobileEnc); err != nil {
		log.Printf("booking: dose %s recorded, confirmation not sent: %v", d.ID, err)
	} else {
		sent = h.confirm(r, d, v, c, a.BeneficiaryName, digits, a.Lang)
	}
	return http.StatusCreated, recorded(d, v, a.BeneficiaryName, sent), nil
}

// rereadRecording explains a refused recording by the appointment's state.
func (h *Handler) rereadRecording(r *http.Request, id string) error {
	a, err := h.cfg.Store.Appointment(r.Context(), id)
	if err != nil {
		return err
	}
	if a.Status == store.AppointmentDone {
		return api.Fail(http.StatusConflict, "already_recorded", "a dose was already recorded for this appointment")
	}
	if a.Status == store.AppointmentLocked {
		return api.Fail(http.StatusLocked, "appointment_locked", "the appointment is locked after %d wrong security codes", MaxWrongCodes)
	}
	return notLive(a)
}

// checkSchedule explains, before the recording statement re-checks it
// atomically, why a dose of v would break the primary schedule.
func checkSchedule(v *store.Vaccine, doses []store.Dose, now time.Time) error {
	if len(doses) == 0 {
		return nil
	}
	if doses[0].VaccineID != v.ID {
		return &api.Error{Status: http.StatusConflict, Code: "vaccine_mismatch",
			Message: fmt.Sprintf("earlier doses were %s; the primary schedule continues with the same vaccine", doses[0].VaccineID),
			Extra:   map[string]any{"expected_vaccine": doses[0].VaccineID}}
	}
	if len(doses) >= v.DosesRequired {
		return api.Fail(http.StatusConflict, "schedule_complete", "the primary schedule of %s (%d doses) is complete", v.Name, v.DosesRequired)
	}
	last := doses[len(doses)-1].AdministeredAt
	earliest := last.Add(time.Duration(v.MinIntervalDays) * 24 * time.Hour)
	if now.Before(earliest) {
		return &api.Error{Status: http.StatusConflict, Code: "too_early",
			Message: fmt.Sprintf("dose %d of %s is due %d days after the last one, from %s", len(doses)+1, v.Name, v.MinIntervalDays, Today(earliest)),
			Extra:   map[string]any{"earliest": Today(earliest)}}
	}
	return nil
}

func (h *Handler) recordWalkIn(r *http.Request, c *store.Centre, v *store.Vaccine, req *recordRequest) (int, any, error) {
	if err := api.Required([2]string{"mobile", req.Mobile}, [2]string{"name", req.Name}); err != nil {
		return 0, nil, err
	}
	digits, err := mobile.Parse(req.Mobile)
	if err != nil {
		return 0, nil, api.Fail(http.StatusBadRequest, "invalid_mobile", "mobile must be an Indian 10-digit mobile number")
	}
	if !names.Valid(req.Name) {
		return 0, nil, api.Fail(http.StatusBadRequest, "invalid_name", "name must be 1 to %d letters", names.MaxLen)
	}
	if err := checkLang(req.Lang); err != nil {
		return 0, nil, err
	}
	ctx := r.Context()
	mh := mobile.Hash(h.cfg.HashKey, digits)
	bens, err := h.cfg.Store.Beneficiaries(ctx, mh)
	if err != nil {
		return 0, nil, err
	}
	norm := names.Normalize(req.Name)
	var ben *store.Beneficiary
	for i := range bens {
		if bens[i].NameNorm == norm {
			ben = &bens[i]
		}
	}
	if ben == nil {
		return 0, nil, api.Fail(http.StatusNotFound, "beneficiary_not_found", "no one with this name is registered on this mobile number")
	}
	doses, err := h.cfg.Store.Doses(ctx, ben.ID)
	if err != nil {
		return 0, nil, err
	}
	now := h.now()
	if err := checkSchedule(v, doses, now); err != nil {
		return 0, nil, err
	}
	id, err := h.newID("dose_")
	if err != nil {
		return 0, nil, err
	}
	d, err := h.cfg.Store.RecordDose(ctx, store.RecordDose{DoseID: id, CentreID: c.ID, VaccineID: v.ID, Batch: req.Batch,
		Now: now, WalkIn: true, MobileHash: mh, NameNorm: norm})
	if errors.Is(err, store.ErrConflict) {
		return 0, nil, api.Fail(http.StatusConflict, "conflict", "another dose was recorded for %s at the same moment", ben.Name)
	}
	if errors.Is(err, store.ErrNotFound) {
		// The schedule held a moment ago, so what stopped it is an open
		// appointment (or a parallel recording: then reading doses again
		// tells the truth next time).
		return 0, nil, api.Fail(http.StatusConflict, "has_appointment",
			"%s has an online appointment (or a dose was just recorded); record it with the security code", ben.Name)
	}
	if err != nil {
		return 0, nil, err
	}
	sent := h.confirm(r, d, v, c, ben.Name, digits, sms.Lang(req.Lang))
	return http.StatusCreated, recorded(d, v, ben.Name, sent), nil
}

// confirm sends "dose N recorded; certificate generated", only ever after the
// dose row exists. A failed send does not undo the dose; it is reported.
func (h *Handler) confirm(r *http.Request, d *store.Dose, v *store.Vaccine, c *store.Centre, name, digits, lang string) bool {
	body := text(doseTexts, lang, "{n}", fmt.Sprint(d.DoseNumber), "{vaccine}", v.Name, "{name}", name,
		"{centre}", c.Name, "{date}", Today(d.AdministeredAt))
	if err := h.cfg.Sender.Send(r.Context(), sms.Message{To: digits, Body: body, Kind: "dose"}); err != nil {
		log.Printf("booking: dose %s recorded, confirmation not sent: %v", d.ID, err)
		return false
	}
	return true
}

// recorded is the response for a recorded dose, with the status the service
// will now sign (the same rule as the registry: complete schedule → 2).
func recorded(d *store.Dose, v *store.Vaccine, name string, sent bool) map[string]any {
	st := kycvs.PartiallyVaccinated
	if d.DoseNumber >= v.DosesRequired {
		st = kycvs.FullyVaccinated
	}
	return map[string]any{"dose": doseJSON(d, name), "status": int(st), "confirmation_sent": sent}
}
