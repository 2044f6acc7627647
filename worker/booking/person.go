package booking

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"log"
	"net/http"
	"regexp"
	"strings"
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
	txnPattern         = regexp.MustCompile(`^txn_[A-Za-z0-9_-]{22}$`)
	centrePattern      = regexp.MustCompile(`^ctr_[a-z0-9_]{1,60}$`)
	appointmentPattern = regexp.MustCompile(`^apt_[A-Za-z0-9_-]{16}$`)
	datePattern        = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// Slots are the bookable times of day at every centre (India time).
var Slots = []string{"09:00", "10:00", "11:00", "12:00", "14:00", "15:00", "16:00"}

// india is India Standard Time; appointment dates are India dates. A fixed
// zone, because the worker's wasm has no time zone database.
var india = time.FixedZone("IST", 5*3600+1800)

// Today returns t's date in India, YYYY-MM-DD.
func Today(t time.Time) string { return t.In(india).Format(time.DateOnly) }

// bookings per mobile per day: each sends an SMS, and a cancel-and-rebook
// loop must not become an SMS cannon.
const (
	bookingsPerMobileDay = 10
	reschedulesPerDay    = 3
)

func checkLang(lang string) error {
	if lang != "" && sms.Lang(lang) != lang {
		return api.Fail(http.StatusBadRequest, "invalid_lang", "lang must be one of %s", strings.Join(sms.Languages, ", "))
	}
	return nil
}

type otpRequest struct {
	Mobile string `json:"mobile"`
	Lang   string `json:"lang"`
}

// startOTP sends a booking OTP: the same engine, limits and response shape as
// POST /v1/otp, whether or not the number is registered.
func (h *Handler) startOTP(r *http.Request, body []byte) (int, any, error) {
	var req otpRequest
	if err := api.Decode(body, &req); err != nil {
		return 0, nil, err
	}
	if err := api.Required([2]string{"mobile", req.Mobile}); err != nil {
		return 0, nil, err
	}
	digits, err := mobile.Parse(req.Mobile)
	if err != nil {
		return 0, nil, api.Fail(http.StatusBadRequest, "invalid_mobile", "mobile must be an Indian 10-digit mobile number")
	}
	if err := checkLang(req.Lang); err != nil {
		return 0, nil, err
	}
	t, err := h.cfg.OTP.Start(r.Context(), otp.Start{
		Purpose: otp.PurposeBooking, Lang: sms.Lang(req.Lang), Mobile: digits, ClientIP: h.cfg.ClientIP(r), Host: h.cfg.ServiceHost,
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

// session checks the booking OTP and returns a session token and the
// beneficiaries on the mobile (names and status only: the person has just
// proved the number is theirs).
func (h *Handler) session(r *http.Request, body []byte) (int, any, error) {
	ctx := r.Context()
	t, err := api.CheckOTP(ctx, h.cfg.OTP, otp.PurposeBooking, body)
	if err != nil {
		return 0, nil, err
	}
	list, err := h.beneficiaries(r, t)
	if err != nil {
		h.cfg.OTP.Refund(ctx, t) // ours: the code stays usable for a retry
		return 0, nil, err
	}
	// The session exists from here (a used booking transaction).
	if err := api.FinishOTP(ctx, h.cfg.OTP, t); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{
		"session":       h.keys.SessionToken(t.ID),
		"expires_in":    int(h.cfg.SessionLifetime / time.Second),
		"beneficiaries": list,
	}, nil
}

// beneficiaries lists the people on the transaction's mobile with their
// doses, for a person who proved the number.
func (h *Handler) beneficiaries(r *http.Request, t *store.OTPTransaction) ([]map[string]any, error) {
	ctx := r.Context()
	bens, err := h.cfg.Store.Beneficiaries(ctx, t.MobileHash)
	if err != nil {
		return nil, err
	}
	list := []map[string]any{}
	for _, b := range bens {
		doses, err := h.cfg.Store.Doses(ctx, b.ID)
		if err != nil {
			return nil, err
		}
		e := map[string]any{"name": b.Name, "status": int(b.Status), "doses": len(doses)}
		// The person sees every recorded dose, walk-ins marked, so a dose
		// they never received stands out.
		hist := []map[string]any{}
		for _, d := range doses {
			hist = append(hist, map[string]any{"dose_number": d.DoseNumber, "vaccine": d.VaccineID,
				"date": Today(d.AdministeredAt), "centre": d.CentreID, "walk_in": d.WalkIn})
		}
		e["dose_history"] = hist
		if len(doses) > 0 {
			e["vaccine"] = doses[0].VaccineID
			// When the next dose may be given, so the person books a date the
			// vaccinator can record.
			v, err := h.cfg.Store.Vaccine(ctx, doses[0].VaccineID)
			if err != nil {
				return nil, err
			}
			if len(doses) < v.DosesRequired {
				e["next_dose_from"] = Today(doses[len(doses)-1].AdministeredAt.AddDate(0, 0, v.MinIntervalDays))
			}
		}
		list = append(list, e)
	}
	return list, nil
}

// sessionTxn authenticates a booking session: a genuine token for a booking
// transaction verified less than SessionLifetime ago.
func (h *Handler) sessionTxn(r *http.Request) (*store.OTPTransaction, error) {
	tok, err := bearer(r)
	if err != nil {
		return nil, err
	}
	return h.sessionOf(r, tok)
}

func (h *Handler) sessionOf(r *http.Request, tok string) (*store.OTPTransaction, error) {
	id, ok := h.keys.ParseSession(tok)
	if !ok {
		return nil, api.Fail(http.StatusUnauthorized, "invalid_token", "not a booking session")
	}
	t, err := h.cfg.Store.OTP(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, api.Fail(http.StatusUnauthorized, "invalid_token", "not a booking session")
	}
	if err != nil {
		return nil, err
	}
	if t.Purpose != otp.PurposeBooking || t.UsedAt.IsZero() {
		return nil, api.Fail(http.StatusUnauthorized, "invalid_token", "not a booking session")
	}
	if !h.now().Before(t.UsedAt.Add(h.cfg.SessionLifetime)) {
		return nil, api.Fail(http.StatusUnauthorized, "session_expired", "the booking session expired; verify the mobile again")
	}
	return t, nil
}

// centres lists the centres and slots, for the booking form.
func (h *Handler) centres(r *http.Request, _ []byte) (int, any, error) {
	cs, err := h.cfg.Store.Centres(r.Context())
	if err != nil {
		return 0, nil, err
	}
	out := []map[string]any{}
	for _, c := range cs {
		out = append(out, map[string]any{"id": c.ID, "name": c.Name, "district": c.District})
	}
	today := h.now()
	return http.StatusOK, map[string]any{"centres": out, "slots": Slots,
		"first_date": Today(today), "last_date": Today(today.AddDate(0, 0, h.cfg.DaysAhead))}, nil
}

// checkSlot validates a centre, date and time for booking.
func (h *Handler) checkSlot(r *http.Request, centre, date, slot string) (*store.Centre, error) {
	if !centrePattern.MatchString(centre) {
		return nil, api.Fail(http.StatusBadRequest, "invalid_centre", "centre must look like ctr_…")
	}
	d, err := time.ParseInLocation(time.DateOnly, date, india)
	if !datePattern.MatchString(date) || err != nil {
		return nil, api.Fail(http.StatusBadRequest, "invalid_date", "date must be YYYY-MM-DD")
	}
	now := h.now()
	if date < Today(now) || d.After(now.AddDate(0, 0, h.cfg.DaysAhead)) {
		return nil, api.Fail(http.StatusBadRequest, "invalid_date", "date must be from today to %d days ahead", h.cfg.DaysAhead)
	}
	okSlot := false
	for _, s := range Slots {
		okSlot = okSlot || s == slot
	}
	if !okSlot {
		return nil, api.Fail(http.StatusBadRequest, "invalid_time", "time must be one of %s", strings.Join(Slots, ", "))
	}
	c, err := h.cfg.Store.Centre(r.Context(), centre)
	if errors.Is(err, store.ErrNotFound) {
		return nil, api.Fail(http.StatusNotFound, "unknown_centre", "no centre %q", centre)
	}
	return c, err
}

type bookRequest struct {
	Mobile string `json:"mobile"`
	Name   string `json:"name"`
	Centre string `json:"centre"`
	Date   string `json:"date"`
	Time   string `json:"time"`
	Lang   string `json:"lang"`
}

// book creates an appointment for the beneficiary named on the session's
// mobile and sends the slip with the security code.
func (h *Handler) book(r *http.Request, body []byte) (int, any, error) {
	t, err := h.sessionTxn(r)
	if err != nil {
		return 0, nil, err
	}
	var req bookRequest
	if err := api.Decode(body, &req); err != nil {
		return 0, nil, err
	}
	if err := api.Required([2]string{"mobile", req.Mobile}, [2]string{"name", req.Name}, [2]string{"centre", req.Centre},
		[2]string{"date", req.Date}, [2]string{"time", req.Time}); err != nil {
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
	// The session proves the mobile; the body carries the number itself for
	// the SMS, and must be the proved one.
	if !hmac.Equal([]byte(mobile.Hash(h.cfg.HashKey, digits)), []byte(t.MobileHash)) {
		return 0, nil, api.Fail(http.StatusForbidden, "mobile_mismatch", "mobile is not the one verified for this session")
	}
	centre, err := h.checkSlot(r, req.Centre, req.Date, req.Time)
	if err != nil {
		return 0, nil, err
	}
	ctx := r.Context()
	bens, err := h.cfg.Store.Beneficiaries(ctx, t.MobileHash)
	if err != nil {
		return 0, nil, err
	}
	var ben *store.Beneficiary
	norm := names.Normalize(req.Name)
	for i := range bens {
		if bens[i].NameNorm == norm {
			ben = &bens[i]
		}
	}
	if ben == nil {
		return 0, nil, api.Fail(http.StatusUnprocessableEntity, "name_mismatch", "no one with this name is registered on this mobile number")
	}
	if ben.Status == kycvs.FullyVaccinated {
		return 0, nil, api.Fail(http.StatusConflict, "schedule_complete", "%s has completed the primary schedule", ben.Name)
	}
	now := h.now()
	limit := []store.Limit{{Key: "booking:" + t.MobileHash, Window: 24 * time.Hour, Max: bookingsPerMobileDay}}
	if refused, retry, err := h.cfg.Store.HitAll(ctx, limit, now); err != nil {
		return 0, nil, err
	} else if refused != nil {
		return 0, nil, api.RateLimited(retry)
	}
	st, resp, err := h.bookCounted(r, t, ben, centre, &req, digits, now)
	if err != nil {
		// Nothing was booked (or the booking was undone): the count goes back.
		if rerr := h.cfg.Store.Release(ctx, limit); rerr != nil {
			log.Printf("booking: giving back a booking count: %v", rerr)
		}
		return 0, nil, err
	}
	return st, resp, nil
}

// bookCounted books once the booking has been counted against the mobile's
// daily limit.
func (h *Handler) bookCounted(r *http.Request, t *store.OTPTransaction, ben *store.Beneficiary, centre *store.Centre,
	req *bookRequest, digits string, now time.Time) (int, any, error) {
	ctx := r.Context()
	id, err := secret.NewID(h.cfg.Rand, "apt_")
	if err != nil {
		return 0, nil, err
	}
	code, err := secret.NewDigits(h.cfg.Rand, 4)
	if err != nil {
		return 0, nil, err
	}
	access, err := secret.NewToken(h.cfg.Rand, secret.AccessTokenPrefix)
	if err != nil {
		return 0, nil, err
	}
	sealed, err := h.keys.SealMobile(h.cfg.Rand, id, digits)
	if err != nil {
		return 0, nil, err
	}
	a := &store.Appointment{
		ID: id, BeneficiaryID: ben.ID, BeneficiaryName: ben.Name, CentreID: centre.ID, CentreName: centre.Name,
		Date: req.Date, Time: req.Time, Status: store.AppointmentLive, CodeHash: h.keys.CodeHash(id, code),
		AccessHash: secret.TokenHash(access), MobileEnc: sealed, Lang: sms.Lang(req.Lang), BookingTxn: t.ID,
		CreatedAt: now, UpdatedAt: now,
	}
	if err := h.cfg.Store.ExpireMissed(ctx, ben.ID, Today(now), now); err != nil {
		return 0, nil, err
	}
	if err := h.cfg.Store.CreateAppointment(ctx, a); errors.Is(err, store.ErrConflict) {
		return 0, nil, api.Fail(http.StatusConflict, "already_booked", "%s already has an open appointment; cancel it or reschedule", ben.Name)
	} else if err != nil {
		return 0, nil, err
	}
	if err := h.sendSlip(r, a, digits, code); err != nil {
		// Nobody holds this appointment's code: it must not stay bookable
		// or block a new booking.
		log.Printf("booking: %v", err)
		if cerr := h.cfg.Store.CancelUnsent(ctx, a.ID, now); cerr != nil {
			log.Printf("booking: cancelling an appointment whose slip was not sent: %v", cerr)
		}
		return 0, nil, api.Unavailable("sms_unavailable", "the appointment slip could not be sent; nothing was booked; try again in a minute", 60)
	}
	return http.StatusCreated, map[string]any{"appointment": slip(a), "access_token": access}, nil
}

func (h *Handler) sendSlip(r *http.Request, a *store.Appointment, digits, code string) error {
	body := text(slipTexts, a.Lang, "{id}", a.ID, "{name}", a.BeneficiaryName, "{centre}", a.CentreName,
		"{date}", a.Date, "{time}", a.Time, "{code}", code)
	if err := h.cfg.Sender.Send(r.Context(), sms.Message{To: digits, Body: body, Kind: "booking", ID: a.ID + ":" + a.CodeHash[:16]}); err != nil {
		return fmt.Errorf("sending appointment slip: %w", err)
	}
	return nil
}

// slip is what the booked person sees: never the code, never the mobile.
func slip(a *store.Appointment) map[string]any {
	s := map[string]any{
		"id": a.ID, "name": a.BeneficiaryName, "centre": map[string]any{"id": a.CentreID, "name": a.CentreName},
		"date": a.Date, "time": a.Time, "status": a.Status,
	}
	if a.DoseNumber > 0 {
		s["dose_number"] = a.DoseNumber
	}
	return s
}

// appointment serves GET, PATCH and DELETE on /v1/appointments/{id}, for the
// holder of the appointment's access token.
func (h *Handler) appointment(w http.ResponseWriter, r *http.Request) {
	h.serve(w, r, map[string]endpoint{
		http.MethodGet:    func(r *http.Request, _ []byte) (int, any, error) { return h.showAppointment(r) },
		http.MethodDelete: func(r *http.Request, _ []byte) (int, any, error) { return h.cancel(r) },
		http.MethodPatch:  h.reschedule,
	})
}

// held returns the appointment in the path if the bearer holds its access
// token, or a booking session for the beneficiary's mobile (a person who lost
// the access token proves the mobile again). Unknown ids and wrong
// credentials both answer 404, so ids cannot be probed. The second result is
// the stored access hash, which the changing statements match on.
func (h *Handler) held(r *http.Request) (*store.Appointment, string, error) {
	tok, err := bearer(r)
	if err != nil {
		return nil, "", err
	}
	var session *store.OTPTransaction
	if strings.HasPrefix(tok, "bks.") {
		if session, err = h.sessionOf(r, tok); err != nil {
			return nil, "", err
		}
	}
	id := r.PathValue("id")
	if !appointmentPattern.MatchString(id) {
		return nil, "", api.Fail(http.StatusBadRequest, "invalid_appointment", "not an appointment id")
	}
	a, err := h.cfg.Store.Appointment(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", api.Fail(http.StatusNotFound, "appointment_not_found", "no such appointment for this access token")
	}
	if err != nil {
		return nil, "", err
	}
	held := false
	if session != nil {
		held = hmac.Equal([]byte(session.MobileHash), []byte(a.MobileHash))
	} else {
		held = hmac.Equal([]byte(secret.TokenHash(tok)), []byte(a.AccessHash))
	}
	if !held {
		return nil, "", api.Fail(http.StatusNotFound, "appointment_not_found", "no such appointment for this access token")
	}
	return a, a.AccessHash, nil
}

// list shows a booking session the latest appointments of the people on its
// mobile.
func (h *Handler) list(r *http.Request, _ []byte) (int, any, error) {
	t, err := h.sessionTxn(r)
	if err != nil {
		return 0, nil, err
	}
	apts, err := h.cfg.Store.MobileAppointments(r.Context(), t.MobileHash, 20)
	if err != nil {
		return 0, nil, err
	}
	out := []map[string]any{}
	for i := range apts {
		out = append(out, slip(&apts[i]))
	}
	return http.StatusOK, map[string]any{"appointments": out}, nil
}

func (h *Handler) showAppointment(r *http.Request) (int, any, error) {
	a, _, err := h.held(r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, slip(a), nil
}

// notLive explains why a held appointment cannot change.
func notLive(a *store.Appointment) error {
	switch a.Status {
	case store.AppointmentCancelled:
		return api.Fail(http.StatusConflict, "appointment_cancelled", "the appointment was cancelled")
	case store.AppointmentDone:
		return api.Fail(http.StatusConflict, "appointment_done", "the dose for this appointment was recorded")
	case store.AppointmentLocked:
		return api.Fail(http.StatusLocked, "appointment_locked", "the appointment is locked after wrong security codes; the centre's supervisor can unlock it")
	}
	return api.Fail(http.StatusConflict, "conflict", "the appointment changed meanwhile; reload it")
}

func (h *Handler) cancel(r *http.Request) (int, any, error) {
	a, th, err := h.held(r)
	if err != nil {
		return 0, nil, err
	}
	if a.Status != store.AppointmentLive {
		return 0, nil, notLive(a)
	}
	if err := h.cfg.Store.CancelAppointment(r.Context(), a.ID, th, h.now()); errors.Is(err, store.ErrNotFound) {
		return 0, nil, h.reread(r, a.ID)
	} else if err != nil {
		return 0, nil, err
	}
	a.Status = store.AppointmentCancelled
	return http.StatusOK, slip(a), nil
}

// reread explains a refused change by the appointment's state now.
func (h *Handler) reread(r *http.Request, id string) error {
	a, err := h.cfg.Store.Appointment(r.Context(), id)
	if err != nil {
		return err
	}
	return notLive(a)
}

type rescheduleRequest struct {
	Centre string `json:"centre"`
	Date   string `json:"date"`
	Time   string `json:"time"`
}

// reschedule moves a live appointment and sends a new slip with a new code:
// the old code stops working in the same statement that moves the slot.
func (h *Handler) reschedule(r *http.Request, body []byte) (int, any, error) {
	a, th, err := h.held(r)
	if err != nil {
		return 0, nil, err
	}
	var req rescheduleRequest
	if err := api.Decode(body, &req); err != nil {
		return 0, nil, err
	}
	if req.Centre == "" && req.Date == "" && req.Time == "" {
		return 0, nil, api.Fail(http.StatusBadRequest, "missing_field", "give centre, date or time")
	}
	if a.Status != store.AppointmentLive {
		return 0, nil, notLive(a)
	}
	if req.Centre == "" {
		req.Centre = a.CentreID
	}
	if req.Date == "" {
		req.Date = a.Date
	}
	if req.Time == "" {
		req.Time = a.Time
	}
	centre, err := h.checkSlot(r, req.Centre, req.Date, req.Time)
	if err != nil {
		return 0, nil, err
	}
	ctx := r.Context()
	now := h.now()
	limit := []store.Limit{{Key: "reschedule:" + a.ID, Window: 24 * time.Hour, Max: reschedulesPerDay}}
	if refused, retry, err := h.cfg.Store.HitAll(ctx, limit, now); err != nil {
		return 0, nil, err
	} else if refused != nil {
		return 0, nil, api.RateLimited(retry)
	}
	release := func() {
		if err := h.cfg.Store.Release(ctx, limit); err != nil {
			log.Printf("booking: giving back a reschedule count: %v", err)
		}
	}
	digits, err := h.keys.OpenMobile(a.ID, a.MobileEnc)
	if err != nil {
		release()
		return 0, nil, err
	}
	code, err := secret.NewDigits(h.cfg.Rand, 4)
	if err != nil {
		release()
		return 0, nil, err
	}
	old := *a
	err = h.cfg.Store.RescheduleAppointment(ctx, a.ID, th, centre.ID, req.Date, req.Time, h.keys.CodeHash(a.ID, code), now)
	if errors.Is(err, store.ErrNotFound) {
		release()
		return 0, nil, h.reread(r, a.ID)
	}
	if err != nil {
		release()
		return 0, nil, err
	}
	a.CentreID, a.CentreName, a.Date, a.Time, a.CodeHash = centre.ID, centre.Name, req.Date, req.Time, h.keys.CodeHash(a.ID, code)
	if err := h.sendSlip(r, a, digits, code); err != nil {
		// The new code reached nobody: move back to the old slot and code,
		// which the person still holds.
		log.Printf("booking: %v", err)
		if rerr := h.cfg.Store.RescheduleAppointment(ctx, a.ID, th, old.CentreID, old.Date, old.Time, old.CodeHash, now); rerr != nil {
			log.Printf("booking: restoring the appointment whose new slip was not sent: %v", rerr)
		}
		release()
		return 0, nil, api.Unavailable("sms_unavailable", "the new slip could not be sent; the appointment is unchanged; try again in a minute", 60)
	}
	return http.StatusOK, slip(a), nil
}
