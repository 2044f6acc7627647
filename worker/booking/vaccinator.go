package booking

import (
	"context"
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
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/secret"
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
	c, err := h.cfg.Store.CentreByTokenHash(r.Context(), secret.TokenHash(tok))
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
	Txn          string `json:"txn"`
	OTP          string `json:"otp"`
	// Mobile, Name and Lang were a walk-in's fields before a walk-in needed
	// the person's OTP; they are refused with a clear error, not ignored.
	Mobile string `json:"mobile"`
	Name   string `json:"name"`
	Lang   string `json:"lang"`
}

// record records a dose: for an appointment with its security code, or a
// walk-in with the OTP just sent to the person's registered mobile (see
// walkInOTP). Either way the secret is checked before anything about the
// person is looked at or told.
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
	if req.Mobile != "" || req.Name != "" || req.Lang != "" {
		return 0, nil, api.Fail(http.StatusBadRequest, "walk_in_otp_required",
			"a walk-in is recorded with the OTP sent to the person's mobile: POST /v1/vaccinations/walk-in {mobile, name}, then {walk_in, txn, otp, vaccine, batch}")
	}
	if req.WalkIn {
		if req.Appointment != "" || req.SecurityCode != "" {
			return 0, nil, api.Fail(http.StatusBadRequest, "bad_json", "a walk-in has no appointment or security code")
		}
		if err := api.Required([2]string{"txn", req.Txn}, [2]string{"otp", req.OTP}); err != nil {
			return 0, nil, err
		}
	} else {
		if req.Txn != "" || req.OTP != "" {
			return 0, nil, api.Fail(http.StatusBadRequest, "bad_json", "txn and otp are for walk-ins; an appointment has a security code")
		}
		if err := api.Required([2]string{"appointment", req.Appointment}, [2]string{"security_code", req.SecurityCode}); err != nil {
			return 0, nil, err
		}
		if !appointmentPattern.MatchString(req.Appointment) {
			return 0, nil, api.Fail(http.StatusBadRequest, "invalid_appointment", "not an appointment id")
		}
		if !codePattern.MatchString(req.SecurityCode) {
			return 0, nil, api.Fail(http.StatusBadRequest, "invalid_security_code", "security_code must be 4 digits")
		}
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
		return h.recordWalkIn(r, c, v, &req)
	}
	return h.recordAppointment(r, c, v, &req)
}

func (h *Handler) recordAppointment(r *http.Request, c *store.Centre, v *store.Vaccine, req *recordRequest) (int, any, error) {
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
		return 0, nil, alreadyRecorded()
	}
	if a.Status != store.AppointmentLive {
		return 0, nil, notLive(a)
	}
	now := h.now()
	today := Today(now)
	if a.Date != today {
		return 0, nil, api.Fail(http.StatusConflict, "not_today", "the appointment is on %s, not today (%s)", a.Date, today)
	}
	if !secret.SameHash(h.keys.CodeHash(a.ID, req.SecurityCode), a.CodeHash) {
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
			return 0, nil, alreadyRecorded()
		}
	}
	if err := checkSchedule(v, doses, now); err != nil {
		return 0, nil, err
	}
	id, err := secret.NewID(h.cfg.Rand, "dose_")
	if err != nil {
		return 0, nil, err
	}
	d, err := h.cfg.Store.RecordDose(ctx, store.RecordDose{DoseID: id, CentreID: c.ID, VaccineID: v.ID, Batch: req.Batch,
		Now: now, Appointment: a.ID, CodeHash: a.CodeHash, Date: today})
	if errors.Is(err, store.ErrConflict) {
		return 0, nil, alreadyRecorded()
	}
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil, h.rereadRecording(r, a.ID)
	}
	if err != nil {
		return 0, nil, err
	}
	sent := h.confirm(ctx, store.Confirmation{DoseID: d.ID, MobileEnc: a.MobileEnc, SealedFor: a.ID, Lang: a.Lang,
		DoseNumber: d.DoseNumber, VaccineName: v.Name, Name: a.BeneficiaryName, CentreName: c.Name, AdministeredAt: d.AdministeredAt})
	return http.StatusCreated, recorded(d, v, a.BeneficiaryName, sent), nil
}

func alreadyRecorded() error {
	return api.Fail(http.StatusConflict, "already_recorded", "a dose was already recorded for this appointment")
}

// rereadRecording explains a refused recording by the appointment's state.
func (h *Handler) rereadRecording(r *http.Request, id string) error {
	a, err := h.cfg.Store.Appointment(r.Context(), id)
	if err != nil {
		return err
	}
	if a.Status == store.AppointmentDone {
		return alreadyRecorded()
	}
	if a.Status == store.AppointmentLocked {
		return api.Fail(http.StatusLocked, "appointment_locked", "the appointment is locked after %d wrong security codes", MaxWrongCodes)
	}
	return notLive(a)
}

// checkSchedule explains, before the recording statement re-checks it
// atomically, why a dose of v would break the primary schedule. Callers
// have already checked the person's secret: it tells the person's vaccine.
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

type walkInRequest struct {
	Mobile string `json:"mobile"`
	Name   string `json:"name"`
	Lang   string `json:"lang"`
}

// walkInOTP sends the OTP a walk-in dose needs to the person's registered
// mobile. The answer is the same whether or not anyone of that name is
// registered there: before the person reads the code back, the vaccinator
// learns nothing about them. Each centre has a daily cap of these.
func (h *Handler) walkInOTP(r *http.Request, body []byte) (int, any, error) {
	c, err := h.vaccinator(r)
	if err != nil {
		return 0, nil, err
	}
	var req walkInRequest
	if err := api.Decode(body, &req); err != nil {
		return 0, nil, err
	}
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
	t, err := h.cfg.OTP.Start(r.Context(), otp.Start{
		Purpose: otp.PurposeWalkIn, EntityID: c.ID, EntityName: c.Name, Lang: sms.Lang(req.Lang), Mobile: digits,
		Name: req.Name, ClientIP: h.cfg.ClientIP(r), Host: h.cfg.ServiceHost,
	})
	if err != nil {
		return 0, nil, api.OTPError(err)
	}
	return http.StatusAccepted, map[string]any{
		"txn":        t.ID,
		"expires_in": int(h.cfg.OTP.Limits.Lifetime / time.Second),
		"resend_in":  int(h.cfg.OTP.Limits.ResendAfter / time.Second),
	}, nil
}

func (h *Handler) recordWalkIn(r *http.Request, c *store.Centre, v *store.Vaccine, req *recordRequest) (int, any, error) {
	ctx := r.Context()
	t, err := api.CheckCode(ctx, h.cfg.OTP, otp.PurposeWalkIn, req.Txn, req.OTP)
	if err != nil {
		return 0, nil, err
	}
	if t.EntityID != c.ID {
		// Another centre's walk-in code: it proves nothing here.
		return 0, nil, api.OTPError(otp.ErrUnknown)
	}
	// The code is right: from here a failure of ours gives the attempt back.
	st, resp, err := h.recordWalkInChecked(r, c, v, req, t)
	var ae *api.Error
	if err != nil && !errors.As(err, &ae) {
		h.cfg.OTP.Refund(ctx, t)
	}
	return st, resp, err
}

func (h *Handler) recordWalkInChecked(r *http.Request, c *store.Centre, v *store.Vaccine, req *recordRequest, t *store.OTPTransaction) (int, any, error) {
	ctx := r.Context()
	bens, err := h.cfg.Store.Beneficiaries(ctx, t.MobileHash)
	if err != nil {
		return 0, nil, err
	}
	var ben *store.Beneficiary
	for i := range bens {
		if secret.SameHash(h.cfg.OTP.NameHash(bens[i].NameNorm), t.NameHash) {
			ben = &bens[i]
		}
	}
	if ben == nil {
		// The person proved the number; nobody of that name is on it. The
		// code is used up: a new name needs a new code.
		if err := api.FinishOTP(ctx, h.cfg.OTP, t); err != nil {
			return 0, nil, err
		}
		return 0, nil, api.Fail(http.StatusNotFound, "beneficiary_not_found", "no one with this name is registered on this mobile number")
	}
	doses, err := h.cfg.Store.Doses(ctx, ben.ID)
	if err != nil {
		return 0, nil, err
	}
	now := h.now()
	// A refusal here leaves the code unused: the vaccinator can correct the
	// vaccine and send it again (spending another of its attempts).
	if err := checkSchedule(v, doses, now); err != nil {
		return 0, nil, err
	}
	id, err := secret.NewID(h.cfg.Rand, "dose_")
	if err != nil {
		return 0, nil, err
	}
	d, err := h.cfg.Store.RecordDose(ctx, store.RecordDose{DoseID: id, CentreID: c.ID, VaccineID: v.ID, Batch: req.Batch,
		Now: now, Beneficiary: ben.ID, WalkInTxn: t.ID})
	if errors.Is(err, store.ErrConflict) {
		return 0, nil, api.Fail(http.StatusConflict, "already_recorded", "a dose was already recorded with this code")
	}
	if errors.Is(err, store.ErrNotFound) {
		// The schedule held a moment ago, so what stopped it is an open
		// appointment, or the code was used or replaced meanwhile.
		if cur, err := h.cfg.Store.OTP(ctx, t.ID); err == nil && !cur.UsedAt.IsZero() {
			return 0, nil, api.OTPError(otp.ErrUsed)
		} else if err == nil && cur.SupersededBy != "" {
			return 0, nil, api.OTPError(otp.ErrSuperseded)
		}
		return 0, nil, api.Fail(http.StatusConflict, "has_appointment",
			"%s has an online appointment; record it with the security code", ben.Name)
	}
	if err != nil {
		return 0, nil, err
	}
	sent := h.confirm(ctx, store.Confirmation{DoseID: d.ID, MobileEnc: t.MobileEnc, SealedFor: t.ID, Lang: t.Lang,
		DoseNumber: d.DoseNumber, VaccineName: v.Name, Name: ben.Name, CentreName: c.Name, AdministeredAt: d.AdministeredAt})
	return http.StatusCreated, recorded(d, v, ben.Name, sent), nil
}

// confirm sends "dose N recorded; certificate generated" for a dose whose
// confirmation the recording statement queued. Sent, it leaves the queue;
// not sent, it stays there for the cron trigger (RetryConfirmations). Either
// way the dose stands.
func (h *Handler) confirm(ctx context.Context, q store.Confirmation) bool {
	err := h.sendConfirmation(ctx, q)
	if err == nil {
		if err := h.cfg.Store.ConfirmationSent(ctx, q.DoseID); err != nil {
			// Sent, but still queued: the retry sends it again under the same
			// idempotency key, which the gateway de-duplicates.
			log.Printf("booking: dose %s confirmed, dequeuing failed: %v", q.DoseID, err)
		}
		return true
	}
	log.Printf("booking: dose %s recorded, confirmation queued for retry: %v", q.DoseID, err)
	if err := h.cfg.Store.ConfirmationFailed(ctx, q.DoseID, h.now().Add(retryDelay(q.Attempts))); err != nil {
		log.Printf("booking: dose %s: %v", q.DoseID, err)
	}
	return false
}

func (h *Handler) sendConfirmation(ctx context.Context, q store.Confirmation) error {
	digits, err := h.keys.OpenMobile(q.SealedFor, q.MobileEnc)
	if err != nil {
		return err
	}
	body := text(doseTexts, q.Lang, "{n}", fmt.Sprint(q.DoseNumber), "{vaccine}", q.VaccineName, "{name}", q.Name,
		"{centre}", q.CentreName, "{date}", Today(q.AdministeredAt))
	return h.cfg.Sender.Send(ctx, sms.Message{To: digits, Body: body, Kind: "dose", ID: "dose:" + q.DoseID})
}

// retryDelay backs off from a minute to an hour.
func retryDelay(attempts int) time.Duration {
	d := time.Minute << min(attempts, 6)
	return min(d, time.Hour)
}

// RetryConfirmations sends up to limit queued dose confirmations that are
// due: the cron trigger's work, so a gateway outage delays a confirmation
// and loses none.
func (h *Handler) RetryConfirmations(ctx context.Context, limit int) (sent, failed int, err error) {
	due, err := h.cfg.Store.DueConfirmations(ctx, h.now(), limit)
	if err != nil {
		return 0, 0, err
	}
	for _, q := range due {
		if h.confirm(ctx, q) {
			sent++
		} else {
			failed++
		}
	}
	return sent, failed, nil
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

// supervisor authenticates a supervisor token.
func (h *Handler) supervisor(r *http.Request) (*store.Supervisor, error) {
	tok, err := bearer(r)
	if err != nil {
		return nil, err
	}
	sv, err := h.cfg.Store.SupervisorByTokenHash(r.Context(), secret.TokenHash(tok))
	if errors.Is(err, store.ErrNotFound) {
		return nil, api.Fail(http.StatusUnauthorized, "invalid_token", "not a supervisor token")
	}
	if err != nil {
		return nil, err
	}
	if !h.now().Before(sv.ExpiresAt) {
		return nil, api.Fail(http.StatusUnauthorized, "token_expired", "the supervisor token expired; ask for a new one")
	}
	return sv, nil
}

// unlock is a supervisor's unlock of a locked appointment at their centre:
// a new code goes to the person by SMS and the old one is dead, so an
// unlock never gives a guesser more tries at the same code. Audited (the
// schema's trigger) with the supervisor's name.
func (h *Handler) unlock(r *http.Request, _ []byte) (int, any, error) {
	sv, err := h.supervisor(r)
	if err != nil {
		return 0, nil, err
	}
	id := r.PathValue("id")
	if !appointmentPattern.MatchString(id) {
		return 0, nil, api.Fail(http.StatusBadRequest, "invalid_appointment", "not an appointment id")
	}
	ctx := r.Context()
	a, err := h.cfg.Store.Appointment(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && a.CentreID != sv.CentreID) {
		return 0, nil, api.Fail(http.StatusNotFound, "appointment_not_found", "no appointment %s at this centre", id)
	}
	if err != nil {
		return 0, nil, err
	}
	if a.Status != store.AppointmentLocked {
		return 0, nil, api.Fail(http.StatusConflict, "not_locked", "the appointment is %s, not locked", a.Status)
	}
	digits, err := h.keys.OpenMobile(a.ID, a.MobileEnc)
	if err != nil {
		return 0, nil, err
	}
	code, err := secret.NewDigits(h.cfg.Rand, 4)
	if err != nil {
		return 0, nil, err
	}
	who := "supervisor:" + sv.Name
	hash := h.keys.CodeHash(a.ID, code)
	now := h.now()
	if err := h.cfg.Store.NewCode(ctx, a.ID, sv.CentreID, hash, who, now); errors.Is(err, store.ErrNotFound) {
		return 0, nil, h.reread(r, a.ID)
	} else if err != nil {
		return 0, nil, err
	}
	a.Status, a.WrongAttempts, a.CodeHash = store.AppointmentLive, 0, hash
	if err := h.sendSlip(r, a, digits, code); err != nil {
		log.Printf("booking: unlock: %v", err)
		// The audit log says the system locked it again, and why.
		if rerr := h.cfg.Store.Relock(ctx, a.ID, hash, "system:code_not_sent", now); rerr != nil {
			log.Printf("booking: locking again an appointment whose new code was not sent: %v", rerr)
		}
		return 0, nil, api.Unavailable("sms_unavailable", "the new code could not be sent; the appointment stays locked; try again in a minute", 60)
	}
	return http.StatusOK, slip(a), nil
}
