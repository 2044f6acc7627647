package booking

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/domain"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/sms"
	"github.com/kycvs/kycvs/worker/store"
)

// MaxWrongCodes is how many wrong security codes lock an appointment.
const MaxWrongCodes = domain.MaxWrongCodes

// staff is who acts at a centre: a signed-in vaccinator or supervisor
// (the session cookie of /centre), or a machine client holding the
// centre's vaccinator token or a supervisor token. Actor is how the audit
// log names them; By is what the dose row records (empty for a centre
// token, whose audit name is the centre's).
type staff struct {
	CentreID   string
	CentreName string
	Role       string // store.RoleVaccinator or store.RoleSupervisor
	Actor      string
	By         string
	Session    *store.VaccinatorSession // nil for a bearer token
}

// vaccinator authenticates whoever may record doses at a centre: a
// signed-in vaccinator or supervisor, or the centre's token.
func (h *Handler) vaccinator(d *api.Deps, r *http.Request) (*staff, error) {
	if s, ok, err := h.signedIn(d, r); ok {
		return s, err
	}
	c, err := holder(h, r, "vaccinator", d.Store.CentreByTokenHash, func(c *store.Centre) time.Time { return c.TokenExpiresAt })
	if err != nil {
		return nil, err
	}
	return &staff{CentreID: c.ID, CentreName: c.Name, Role: store.RoleVaccinator, Actor: "vaccinator@" + c.ID}, nil
}

// holder authenticates the bearer token of a kind of holder: found by its
// hash (only hashes are stored), and not expired (a zero expiry is). The
// people of /centre sign in instead (signedIn, session.go): vaccinator and
// supervisor try the session cookie first when no Authorization is sent,
// so every centre endpoint takes either.
func holder[T any](h *Handler, r *http.Request, kind string, byHash func(context.Context, string) (T, error), expires func(T) time.Time) (T, error) {
	var zero T
	tok, err := bearer(r)
	if err != nil {
		return zero, err
	}
	x, err := byHash(r.Context(), secret.TokenHash(tok))
	if errors.Is(err, store.ErrNotFound) {
		return zero, api.Ef("invalid_token", "not a %s token", kind)
	}
	if err != nil {
		return zero, err
	}
	if exp := expires(x); exp.IsZero() || !h.now().Before(exp) {
		return zero, api.Ef("token_expired", "the %s token expired; ask for a new one", kind)
	}
	return x, nil
}

// centreDate is the day a centre's view asks for (?date=YYYY-MM-DD;
// today in India if absent) and when it starts in India.
func (h *Handler) centreDate(r *http.Request) (string, time.Time, error) {
	date := r.URL.Query().Get("date")
	if date == "" {
		date = Today(h.now())
	}
	day, err := time.ParseInLocation(time.DateOnly, date, domain.India)
	if !store.IsDate(date) || err != nil {
		return "", time.Time{}, api.Ef("invalid_date", "date must be YYYY-MM-DD")
	}
	return date, day, nil
}

// centreDay lists the centre's appointments for a day and the doses it
// recorded that day: names and slots, never mobiles or codes.
func (h *Handler) centreDay(d *api.Deps, r *http.Request, _ []byte) (int, any, error) {
	c, err := h.vaccinator(d, r)
	if err != nil {
		return 0, nil, err
	}
	date, day, err := h.centreDate(r)
	if err != nil {
		return 0, nil, err
	}
	ctx := r.Context()
	apts, err := d.Store.CentreAgenda(ctx, c.CentreID, date)
	if err != nil {
		return 0, nil, err
	}
	doses, err := d.Store.CentreDoses(ctx, c.CentreID, day, day.AddDate(0, 0, 1))
	if err != nil {
		return 0, nil, err
	}
	al := []dayAppointmentJSON{}
	for i := range apts {
		al = append(al, agendaJSON(&apts[i], ""))
	}
	dl := []doseJSON{}
	for i := range doses {
		dl = append(dl, doseOf(&doses[i], doses[i].BeneficiaryName))
	}
	return http.StatusOK, centreDayResponse{Appointments: al, Centre: centreRef{ID: c.CentreID, Name: c.CentreName}, Date: date, Doses: dl}, nil
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

// Check implements api.Request: the fields of an appointment's recording
// or of a walk-in's, never a mix.
func (req *recordRequest) Check() error {
	if err := api.Required([2]string{"vaccine", req.Vaccine}, [2]string{"batch", req.Batch}); err != nil {
		return err
	}
	if !store.IsVaccineID(req.Vaccine) {
		return api.Ef("invalid_vaccine", "vaccine must be a vaccine id such as covishield")
	}
	if !store.IsBatch(req.Batch) {
		return api.Ef("invalid_batch", "batch must be 1 to 40 letters, digits, / . _ -")
	}
	if req.Mobile != "" || req.Name != "" || req.Lang != "" {
		return api.Ef("walk_in_otp_required",
			"a walk-in is recorded with the OTP sent to the person's mobile: POST /v1/vaccinations/walk-in {mobile, name}, then {walk_in, txn, otp, vaccine, batch}")
	}
	if req.WalkIn {
		if req.Appointment != "" || req.SecurityCode != "" {
			return api.Ef("bad_json", "a walk-in has no appointment or security code")
		}
		if err := api.Required([2]string{"txn", req.Txn}, [2]string{"otp", req.OTP}); err != nil {
			return err
		}
	} else {
		if req.Txn != "" || req.OTP != "" {
			return api.Ef("bad_json", "txn and otp are for walk-ins; an appointment has a security code")
		}
		if err := api.Required([2]string{"appointment", req.Appointment}, [2]string{"security_code", req.SecurityCode}); err != nil {
			return err
		}
		if !store.IsAppointmentID(req.Appointment) {
			return api.Ef("invalid_appointment", "not an appointment id")
		}
		if !store.IsSecurityCode(req.SecurityCode) {
			return api.Ef("invalid_security_code", "security_code must be 4 digits")
		}
	}
	return nil
}

// record records a dose: for an appointment with its security code, or a
// walk-in with the OTP just sent to the person's registered mobile (see
// walkInOTP). Either way the secret is checked before anything about the
// person is looked at or told.
func (h *Handler) record(d *api.Deps, r *http.Request, body []byte) (int, any, error) {
	c, err := h.vaccinator(d, r)
	if err != nil {
		return 0, nil, err
	}
	var req recordRequest
	if err := api.DecodeRequest(body, &req); err != nil {
		return 0, nil, err
	}
	ctx := r.Context()
	v, err := d.Store.Vaccine(ctx, req.Vaccine)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil, api.Ef("unknown_vaccine", "no vaccine %q", req.Vaccine)
	}
	if err != nil {
		return 0, nil, err
	}
	if req.WalkIn {
		return h.recordWalkIn(d, r, c, v, &req)
	}
	return h.recordAppointment(d, r, c, v, &req)
}

func (h *Handler) recordAppointment(d *api.Deps, r *http.Request, c *staff, v *store.Vaccine, req *recordRequest) (int, any, error) {
	ctx := r.Context()
	a, err := d.Store.Appointment(ctx, req.Appointment)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil, api.Ef("appointment_not_found", "no appointment %s", req.Appointment)
	}
	if err != nil {
		return 0, nil, err
	}
	// Another centre may not enter codes: it would let one centre lock
	// another's appointments, and it has no business recording them.
	if a.CentreID != c.CentreID {
		return 0, nil, api.Ef("wrong_centre", "the appointment is at another centre")
	}
	if a.Status == store.AppointmentDone {
		return 0, nil, domain.ErrAlreadyRecorded
	}
	if err := domain.CheckLive(a.Status); err != nil {
		return 0, nil, err
	}
	now := h.now()
	today := Today(now)
	if a.Date != today {
		return 0, nil, api.Ef("not_today", "the appointment is on %s, not today (%s)", a.Date, today)
	}
	if !secret.SameHash(h.keys.CodeHash(a.ID, req.SecurityCode), a.CodeHash) {
		wrong, locked, err := d.Store.CountWrongCode(ctx, a.ID, c.CentreID, a.CodeHash, c.Actor, now)
		if err != nil {
			// Changed since we read it (locked, recorded or rescheduled by a
			// parallel request): the store says what it is now.
			return 0, nil, recordingRefused(err)
		}
		return 0, nil, &domain.WrongCodeError{AttemptsLeft: MaxWrongCodes - wrong, Locked: locked}
	}
	doses, err := d.Store.Doses(ctx, a.BeneficiaryID)
	if err != nil {
		return 0, nil, err
	}
	for _, x := range doses {
		if x.AppointmentID == a.ID { // recorded by a parallel request since we read the appointment
			return 0, nil, domain.ErrAlreadyRecorded
		}
	}
	if err := domain.CheckNextDose(v, doses, now); err != nil {
		return 0, nil, err
	}
	id, err := secret.NewIDFor(h.cfg.Rand, "dose_", a.MobileHash)
	if err != nil {
		return 0, nil, err
	}
	dose, err := d.Store.RecordDose(ctx, store.RecordDose{DoseID: id, CentreID: c.CentreID, VaccineID: v.ID, Batch: req.Batch,
		Now: now, Appointment: a.ID, CodeHash: a.CodeHash, Date: today, By: c.By})
	if errors.Is(err, store.ErrConflict) {
		return 0, nil, domain.ErrAlreadyRecorded
	}
	if err != nil {
		return 0, nil, recordingRefused(err)
	}
	sent := h.confirm(ctx, d, store.Confirmation{DoseID: dose.ID, MobileEnc: a.MobileEnc, SealedFor: a.ID, Lang: a.Lang,
		DoseNumber: dose.DoseNumber, VaccineName: v.Name, Name: a.BeneficiaryName, CentreName: c.CentreName, AdministeredAt: dose.AdministeredAt})
	return http.StatusCreated, recorded(dose, v, a.BeneficiaryName, sent), nil
}

// recordingRefused says, for the vaccinator, why the store refused: a dose
// recorded meanwhile is "already recorded", not "done".
func recordingRefused(err error) error {
	var se *store.StateError
	if errors.As(err, &se) && se.Status == store.AppointmentDone {
		return domain.ErrAlreadyRecorded
	}
	return err
}

type walkInRequest struct {
	Mobile string `json:"mobile"`
	Name   string `json:"name"`
	Lang   string `json:"lang"`

	digits string
}

// Check implements api.Request.
func (req *walkInRequest) Check() (err error) {
	if err := api.Required([2]string{"mobile", req.Mobile}, [2]string{"name", req.Name}); err != nil {
		return err
	}
	req.digits, err = api.CheckPerson(req.Mobile, req.Name, req.Lang)
	return err
}

// walkInOTP sends the OTP a walk-in dose needs to the person's registered
// mobile. The answer is the same whether or not anyone of that name is
// registered there: before the person reads the code back, the vaccinator
// learns nothing about them. Each centre has a daily cap of these.
func (h *Handler) walkInOTP(d *api.Deps, r *http.Request, body []byte) (int, any, error) {
	c, err := h.vaccinator(d, r)
	if err != nil {
		return 0, nil, err
	}
	var req walkInRequest
	if err := api.DecodeRequest(body, &req); err != nil {
		return 0, nil, err
	}
	t, err := d.OTP.Start(r.Context(), otp.Start{
		Purpose: otp.PurposeWalkIn, EntityID: c.CentreID, EntityName: c.CentreName, Lang: sms.Lang(req.Lang), Mobile: req.digits,
		Name: req.Name, ClientIP: h.cfg.ClientIP(r), Host: h.cfg.ServiceHost,
	})
	if err != nil {
		return 0, nil, err
	}
	if c.By != "" {
		// The guesses at it are audited with the signed-in person. The
		// code is sent either way: a failure here costs only the name.
		if err := d.Store.SetWalkInStarter(r.Context(), t.ID, c.CentreID, c.By); err != nil {
			log.Printf("booking: walk-in %s: %v", t.ID, err)
		}
	}
	return http.StatusAccepted, api.StartedFor(t, d.OTP.Limits), nil
}

func (h *Handler) recordWalkIn(d *api.Deps, r *http.Request, c *staff, v *store.Vaccine, req *recordRequest) (int, any, error) {
	ctx := r.Context()
	t, err := api.CheckCode(ctx, d.OTP, otp.PurposeWalkIn, req.Txn, req.OTP)
	if err != nil {
		return 0, nil, err
	}
	if t.EntityID != c.CentreID {
		// Another centre's walk-in code: it proves nothing here.
		return 0, nil, api.OTPError(otp.ErrUnknown)
	}
	// The code is right: from here a failure of ours gives the attempt back.
	st, resp, err := h.recordWalkInChecked(d, r, c, v, req, t)
	if api.Ours(err) {
		d.OTP.Refund(ctx, t)
	}
	return st, resp, err
}

func (h *Handler) recordWalkInChecked(d *api.Deps, r *http.Request, c *staff, v *store.Vaccine, req *recordRequest, t *store.OTPTransaction) (int, any, error) {
	ctx := r.Context()
	bens, err := d.Store.Beneficiaries(ctx, t.MobileHash)
	if err != nil {
		return 0, nil, err
	}
	ben, err := domain.MatchName(bens, t.NameHash, h.keys.NameHash)
	if err != nil {
		// The person proved the number; nobody of that name is on it. The
		// code is used up: a new name needs a new code.
		if err := api.FinishOTP(ctx, d.OTP, t); err != nil {
			return 0, nil, err
		}
		return 0, nil, api.Ef("beneficiary_not_found", "no one with this name is registered on this mobile number")
	}
	doses, err := d.Store.Doses(ctx, ben.ID)
	if err != nil {
		return 0, nil, err
	}
	now := h.now()
	// A refusal here leaves the code unused: the vaccinator can correct the
	// vaccine and send it again (spending another of its attempts).
	if err := domain.CheckNextDose(v, doses, now); err != nil {
		return 0, nil, err
	}
	id, err := secret.NewIDFor(h.cfg.Rand, "dose_", ben.MobileHash)
	if err != nil {
		return 0, nil, err
	}
	dose, err := d.Store.RecordDose(ctx, store.RecordDose{DoseID: id, CentreID: c.CentreID, VaccineID: v.ID, Batch: req.Batch,
		Now: now, Beneficiary: ben.ID, WalkInTxn: t.ID, By: c.By})
	if errors.Is(err, store.ErrConflict) {
		return 0, nil, api.Ef("already_recorded", "a dose was already recorded with this code")
	}
	if errors.Is(err, store.ErrHasAppointment) {
		return 0, nil, api.Ef("has_appointment", "%s has an online appointment; record it with the security code", ben.Name)
	}
	if err != nil {
		return 0, nil, err // the store says why: the code used, replaced or expired meanwhile
	}
	sent := h.confirm(ctx, d, store.Confirmation{DoseID: dose.ID, MobileEnc: t.MobileEnc, SealedFor: t.ID, Lang: t.Lang,
		DoseNumber: dose.DoseNumber, VaccineName: v.Name, Name: ben.Name, CentreName: c.CentreName, AdministeredAt: dose.AdministeredAt})
	return http.StatusCreated, recorded(dose, v, ben.Name, sent), nil
}

// confirm sends "dose N recorded; certificate generated" for a dose whose
// confirmation the recording statement queued. Sent, it leaves the queue;
// not sent, it stays there for the cron trigger (RetryConfirmations). Either
// way the dose stands.
func (h *Handler) confirm(ctx context.Context, d *api.Deps, q store.Confirmation) bool {
	err := h.sendConfirmation(ctx, d, q)
	if err == nil {
		if err := d.Store.ConfirmationSent(ctx, q.DoseID); err != nil {
			// Sent, but still queued: the retry sends it again under the same
			// idempotency key, which the gateway de-duplicates.
			log.Printf("booking: dose %s confirmed, dequeuing failed: %v", q.DoseID, err)
		}
		return true
	}
	log.Printf("booking: dose %s recorded, confirmation queued for retry: %v", q.DoseID, err)
	if err := d.Store.ConfirmationFailed(ctx, q.DoseID, h.now().Add(retryDelay(q.Attempts))); err != nil {
		log.Printf("booking: dose %s: %v", q.DoseID, err)
	}
	return false
}

func (h *Handler) sendConfirmation(ctx context.Context, d *api.Deps, q store.Confirmation) error {
	digits, err := h.keys.OpenMobile(q.SealedFor, q.MobileEnc)
	if err != nil {
		return err
	}
	body := text(doseTexts, q.Lang, "{n}", fmt.Sprint(q.DoseNumber), "{vaccine}", q.VaccineName, "{name}", q.Name,
		"{centre}", q.CentreName, "{date}", Today(q.AdministeredAt))
	return d.Sender.Send(ctx, sms.Message{To: digits, Body: body, Kind: "dose", ID: "dose:" + q.DoseID})
}

// retryDelay backs off from a minute to an hour.
func retryDelay(attempts int) time.Duration {
	d := time.Minute << min(attempts, 6)
	return min(d, time.Hour)
}

// RetryConfirmations sends up to limit queued dose confirmations that are
// due: the cron trigger's work, so a gateway outage delays a confirmation
// and loses none.
func (h *Handler) RetryConfirmations(ctx context.Context, d *api.Deps, limit int) (sent, failed int, err error) {
	due, err := d.Store.DueConfirmations(ctx, h.now(), limit)
	if err != nil {
		return 0, 0, err
	}
	for _, q := range due {
		if h.confirm(ctx, d, q) {
			sent++
		} else {
			failed++
		}
	}
	return sent, failed, nil
}

// supervisor authenticates a supervisor: signed in with the supervisor
// role, or holding a supervisor token. A signed-in vaccinator is
// supervisor_only.
func (h *Handler) supervisor(d *api.Deps, r *http.Request) (*staff, error) {
	if s, ok, err := h.signedIn(d, r); ok {
		if err == nil && s.Role != store.RoleSupervisor {
			err = api.E("supervisor_only")
		}
		return s, err
	}
	sv, err := holder(h, r, "supervisor", d.Store.SupervisorByTokenHash, func(sv *store.Supervisor) time.Time { return sv.ExpiresAt })
	if err != nil {
		return nil, err
	}
	return &staff{CentreID: sv.CentreID, Role: store.RoleSupervisor, Actor: "supervisor:" + sv.Name}, nil
}

// unlock is a supervisor's unlock of a locked appointment at their centre:
// a new code goes to the person by SMS and the old one is dead, so an
// unlock never gives a guesser more tries at the same code. Audited (the
// schema's trigger) with the supervisor's name.
func (h *Handler) unlock(d *api.Deps, r *http.Request, _ []byte) (int, any, error) {
	sv, err := h.supervisor(d, r)
	if err != nil {
		return 0, nil, err
	}
	id := r.PathValue("id")
	if !store.IsAppointmentID(id) {
		return 0, nil, api.Ef("invalid_appointment", "not an appointment id")
	}
	ctx := r.Context()
	a, err := d.Store.Appointment(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && a.CentreID != sv.CentreID) {
		return 0, nil, api.Ef("appointment_not_found", "no appointment %s at this centre", id)
	}
	if err != nil {
		return 0, nil, err
	}
	if a.Status != store.AppointmentLocked {
		return 0, nil, api.Ef("not_locked", "the appointment is %s, not locked", a.Status)
	}
	digits, err := h.keys.OpenMobile(a.ID, a.MobileEnc)
	if err != nil {
		return 0, nil, err
	}
	code, err := secret.NewDigits(h.cfg.Rand, 4)
	if err != nil {
		return 0, nil, err
	}
	who := sv.Actor
	hash := h.keys.CodeHash(a.ID, code)
	// The person's slip shows the new code (sealed to this hash, so the
	// old code's seal no longer opens).
	codeEnc, err := h.keys.SealCode(h.cfg.Rand, a.ID, hash, code)
	if err != nil {
		return 0, nil, err
	}
	now := h.now()
	if err := d.Store.NewCode(ctx, a.ID, sv.CentreID, hash, codeEnc, who, now); err != nil {
		return 0, nil, err // a *store.StateError says why
	}
	a.Status, a.WrongAttempts, a.CodeHash, a.CodeEnc = store.AppointmentLive, 0, hash, codeEnc
	if err := h.sendSlip(d, r, a, digits, code); err != nil {
		log.Printf("booking: unlock: %v", err)
		// The audit log says the system locked it again, and why.
		if rerr := d.Store.Relock(ctx, a.ID, hash, "system:code_not_sent", now); rerr != nil {
			log.Printf("booking: locking again an appointment whose new code was not sent: %v", rerr)
		}
		return 0, nil, api.Unavailable("sms_unavailable", "the new code could not be sent; the appointment stays locked; try again in a minute", 60)
	}
	return http.StatusOK, slip(a), nil
}
