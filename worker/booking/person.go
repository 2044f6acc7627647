package booking

// The person's side: prove the mobile (booking OTP → session), see the
// people on it, book, reschedule and cancel appointments.

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/domain"
	"github.com/kycvs/kycvs/worker/mobile"
	"github.com/kycvs/kycvs/worker/names"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/sms"
	"github.com/kycvs/kycvs/worker/store"
)

// Slots are the bookable times of day at every centre (India time): the
// domain's rule.
var Slots = domain.SlotTimes

// Today returns t's date in India, YYYY-MM-DD (domain.Date).
func Today(t time.Time) string { return domain.Date(t) }

// bookings per mobile per day: each sends an SMS, and a cancel-and-rebook
// loop must not become an SMS cannon.
const (
	bookingsPerMobileDay = 10
	reschedulesPerDay    = 3
)

type otpRequest struct {
	Mobile string `json:"mobile"`
	Lang   string `json:"lang"`

	digits string
}

// Check implements api.Request.
func (req *otpRequest) Check() (err error) {
	if err := api.Required([2]string{"mobile", req.Mobile}); err != nil {
		return err
	}
	if req.digits, err = api.ParseMobile(req.Mobile); err != nil {
		return err
	}
	return api.CheckLang(req.Lang)
}

// startOTP sends a booking OTP: the same engine, limits and response shape as
// POST /v1/otp, whether or not the number is registered.
func (h *Handler) startOTP(d *api.Deps, r *http.Request, body []byte) (int, any, error) {
	var req otpRequest
	if err := api.DecodeRequest(body, &req); err != nil {
		return 0, nil, err
	}
	t, err := d.OTP.Start(r.Context(), otp.Start{
		Purpose: otp.PurposeBooking, Lang: sms.Lang(req.Lang), Mobile: req.digits, ClientIP: h.cfg.ClientIP(r), Host: h.cfg.ServiceHost,
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, api.StartedFor(t, d.OTP.Limits), nil
}

// session checks the booking OTP and returns a session token and the
// beneficiaries on the mobile (names and status only: the person has just
// proved the number is theirs).
func (h *Handler) session(d *api.Deps, r *http.Request, body []byte) (int, any, error) {
	// The session exists once the transaction is used (WithOTP completes
	// it after the reads succeed).
	res, err := api.WithOTP(r.Context(), d.OTP, otp.PurposeBooking, body, func(t *store.OTPTransaction) (*sessionResponse, error) {
		list, err := h.beneficiaries(d, r, t)
		if err != nil {
			return nil, err
		}
		return &sessionResponse{Beneficiaries: list, ExpiresIn: int(h.cfg.SessionLifetime / time.Second),
			Session: h.keys.SessionToken(t.ID)}, nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, res, nil
}

// beneficiaries lists the people on the transaction's mobile with their
// doses, for a person who proved the number.
func (h *Handler) beneficiaries(d *api.Deps, r *http.Request, t *store.OTPTransaction) ([]beneficiaryJSON, error) {
	ctx := r.Context()
	bens, err := d.Store.Beneficiaries(ctx, t.MobileHash)
	if err != nil {
		return nil, err
	}
	list := []beneficiaryJSON{}
	for _, b := range bens {
		doses, err := d.Store.Doses(ctx, b.ID)
		if err != nil {
			return nil, err
		}
		e := beneficiaryJSON{DoseHistory: []doseHistoryJSON{}, Doses: len(doses), Name: b.Name, Status: int(domain.StatusOf(&b))}
		// The person sees every recorded dose, walk-ins marked, so a dose
		// they never received stands out.
		for _, x := range doses {
			e.DoseHistory = append(e.DoseHistory, doseHistoryJSON{Centre: x.CentreID, Date: Today(x.AdministeredAt),
				DoseNumber: x.DoseNumber, Vaccine: x.VaccineID, WalkIn: x.WalkIn})
		}
		if len(doses) > 0 {
			e.Vaccine = doses[0].VaccineID
			// When the next dose may be given, so the person books a date the
			// vaccinator can record.
			v, err := d.Store.Vaccine(ctx, doses[0].VaccineID)
			if err != nil {
				return nil, err
			}
			if len(doses) < v.DosesRequired {
				e.NextDoseFrom = Today(domain.NextDoseFrom(v, doses))
			}
		}
		list = append(list, e)
	}
	return list, nil
}

// sessionTxn authenticates a booking session: a genuine token for a booking
// transaction verified less than SessionLifetime ago.
func (h *Handler) sessionTxn(d *api.Deps, r *http.Request) (*store.OTPTransaction, error) {
	tok, err := bearer(r)
	if err != nil {
		return nil, err
	}
	return h.sessionOf(d, r, tok)
}

func (h *Handler) sessionOf(d *api.Deps, r *http.Request, tok string) (*store.OTPTransaction, error) {
	id, ok := h.keys.ParseSession(tok)
	if !ok {
		return nil, api.Ef("invalid_token", "not a booking session")
	}
	t, err := d.Store.OTP(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, api.Ef("invalid_token", "not a booking session")
	}
	if err != nil {
		return nil, err
	}
	if t.Purpose != otp.PurposeBooking || t.UsedAt.IsZero() {
		return nil, api.Ef("invalid_token", "not a booking session")
	}
	if !h.now().Before(t.UsedAt.Add(h.cfg.SessionLifetime)) {
		return nil, api.Ef("session_expired", "the booking session expired; verify the mobile again")
	}
	return t, nil
}

// checkSlot validates a centre, date and time for booking.
func (h *Handler) checkSlot(d *api.Deps, r *http.Request, centre, date, slot string) (*store.Centre, error) {
	if !store.IsCentreID(centre) {
		return nil, api.Ef("invalid_centre", "centre must look like ctr_…")
	}
	day, err := time.ParseInLocation(time.DateOnly, date, domain.India)
	if !store.IsDate(date) || err != nil {
		return nil, api.Ef("invalid_date", "date must be YYYY-MM-DD")
	}
	now := h.now()
	if date < Today(now) || day.After(now.AddDate(0, 0, h.cfg.DaysAhead)) {
		return nil, api.Ef("invalid_date", "date must be from today to %d days ahead", h.cfg.DaysAhead)
	}
	if domain.CheckSlotTime(slot) != nil {
		return nil, api.Ef("invalid_time", "time must be one of %s", strings.Join(Slots, ", "))
	}
	c, err := d.Store.Centre(r.Context(), centre)
	if errors.Is(err, store.ErrNotFound) {
		return nil, api.Ef("unknown_centre", "no centre %q", centre)
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

	digits string
}

// Check implements api.Request.
func (req *bookRequest) Check() (err error) {
	if err := api.Required([2]string{"mobile", req.Mobile}, [2]string{"name", req.Name}, [2]string{"centre", req.Centre},
		[2]string{"date", req.Date}, [2]string{"time", req.Time}); err != nil {
		return err
	}
	req.digits, err = api.CheckPerson(req.Mobile, req.Name, req.Lang)
	return err
}

// book creates an appointment for the beneficiary named on the session's
// mobile and sends the slip with the security code.
func (h *Handler) book(d *api.Deps, r *http.Request, body []byte) (int, any, error) {
	t, err := h.sessionTxn(d, r)
	if err != nil {
		return 0, nil, err
	}
	var req bookRequest
	if err := api.DecodeRequest(body, &req); err != nil {
		return 0, nil, err
	}
	digits := req.digits
	// The session proves the mobile; the body carries the number itself for
	// the SMS, and must be the proved one.
	if !secret.SameHash(mobile.Hash(h.cfg.HashKey, digits), t.MobileHash) {
		return 0, nil, api.Ef("mobile_mismatch", "mobile is not the one verified for this session")
	}
	centre, err := h.checkSlot(d, r, req.Centre, req.Date, req.Time)
	if err != nil {
		return 0, nil, err
	}
	ctx := r.Context()
	bens, err := d.Store.Beneficiaries(ctx, t.MobileHash)
	if err != nil {
		return 0, nil, err
	}
	ben, err := domain.MatchName(bens, h.keys.NameHash(names.Normalize(req.Name)), h.keys.NameHash)
	if err != nil {
		return 0, nil, err
	}
	if domain.StatusOf(ben) == kycvs.FullyVaccinated {
		return 0, nil, api.Ef("schedule_complete", "%s has completed the primary schedule", ben.Name)
	}
	now := h.now()
	limit := []store.Limit{{Key: "booking:" + t.MobileHash, Window: 24 * time.Hour, Max: bookingsPerMobileDay}}
	if refused, retry, err := d.Store.HitAll(ctx, limit, now); err != nil {
		return 0, nil, err
	} else if refused != nil {
		return 0, nil, api.RateLimited(retry)
	}
	st, resp, err := h.bookCounted(d, r, t, ben, centre, &req, digits, now)
	if err != nil {
		// Nothing was booked (or the booking was undone): the count goes back.
		if rerr := d.Store.Release(ctx, limit); rerr != nil {
			log.Printf("booking: giving back a booking count: %v", rerr)
		}
		return 0, nil, err
	}
	return st, resp, nil
}

// bookCounted books once the booking has been counted against the mobile's
// daily limit.
func (h *Handler) bookCounted(d *api.Deps, r *http.Request, t *store.OTPTransaction, ben *store.Beneficiary, centre *store.Centre,
	req *bookRequest, digits string, now time.Time) (int, any, error) {
	ctx := r.Context()
	id, err := secret.NewIDFor(h.cfg.Rand, "apt_", t.MobileHash)
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
	hash := h.keys.CodeHash(id, code)
	codeEnc, err := h.keys.SealCode(h.cfg.Rand, id, hash, code)
	if err != nil {
		return 0, nil, err
	}
	a := &store.Appointment{
		ID: id, BeneficiaryID: ben.ID, BeneficiaryName: ben.Name, CentreID: centre.ID, CentreName: centre.Name,
		Date: req.Date, Time: req.Time, Status: store.AppointmentLive, CodeHash: hash, CodeEnc: codeEnc,
		AccessHash: secret.TokenHash(access), MobileEnc: sealed, Lang: sms.Lang(req.Lang), BookingTxn: t.ID,
		CreatedAt: now, UpdatedAt: now,
	}
	if err := d.Store.ExpireMissed(ctx, ben.ID, Today(now), now); err != nil {
		return 0, nil, err
	}
	if err := d.Store.CreateAppointment(ctx, a); errors.Is(err, store.ErrConflict) {
		return 0, nil, api.Ef("already_booked", "%s already has an open appointment; cancel it or reschedule", ben.Name)
	} else if err != nil {
		return 0, nil, err // store.ErrSlotFull: the last place went to another booking
	}
	if err := h.sendSlip(d, r, a, digits, code); err != nil {
		// Nobody holds this appointment's code: it must not stay bookable
		// or block a new booking.
		log.Printf("booking: %v", err)
		if cerr := d.Store.CancelUnsent(ctx, a.ID, now); cerr != nil {
			log.Printf("booking: cancelling an appointment whose slip was not sent: %v", cerr)
		}
		return 0, nil, api.Unavailable("sms_unavailable", "the appointment slip could not be sent; nothing was booked; try again in a minute", 60)
	}
	return http.StatusCreated, booked{AccessToken: access, Appointment: slip(a)}, nil
}

// sendSlip sends the appointment slip with its security code: the only
// place the code is ever shown.
func (h *Handler) sendSlip(d *api.Deps, r *http.Request, a *store.Appointment, digits, code string) error {
	body := text(slipTexts, a.Lang, "{id}", a.ID, "{name}", a.BeneficiaryName, "{centre}", a.CentreName,
		"{date}", a.Date, "{time}", a.Time, "{code}", code)
	if err := d.Sender.Send(r.Context(), sms.Message{To: digits, Body: body, Kind: "booking", ID: a.ID + ":" + a.CodeHash[:16]}); err != nil {
		return fmt.Errorf("sending appointment slip: %w", err)
	}
	return nil
}

// held returns the appointment in the path if the bearer holds its access
// token, or a booking session for the beneficiary's mobile (a person who lost
// the access token proves the mobile again). Unknown ids and wrong
// credentials both answer 404, so ids cannot be probed. The second result is
// the stored access hash, which the changing statements match on.
func (h *Handler) held(d *api.Deps, r *http.Request) (*store.Appointment, string, error) {
	tok, err := bearer(r)
	if err != nil {
		return nil, "", err
	}
	var session *store.OTPTransaction
	if strings.HasPrefix(tok, "bks.") {
		if session, err = h.sessionOf(d, r, tok); err != nil {
			return nil, "", err
		}
	}
	id := r.PathValue("id")
	if !store.IsAppointmentID(id) {
		return nil, "", api.Ef("invalid_appointment", "not an appointment id")
	}
	a, err := d.Store.Appointment(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", api.Ef("appointment_not_found", "no such appointment for this access token")
	}
	if err != nil {
		return nil, "", err
	}
	held := false
	if session != nil {
		held = secret.SameHash(session.MobileHash, a.MobileHash)
	} else {
		held = secret.SameHash(secret.TokenHash(tok), a.AccessHash)
	}
	if !held {
		return nil, "", api.Ef("appointment_not_found", "no such appointment for this access token")
	}
	return a, a.AccessHash, nil
}

// list shows a booking session the latest appointments of the people on its
// mobile.
func (h *Handler) list(d *api.Deps, r *http.Request, _ []byte) (int, any, error) {
	t, err := h.sessionTxn(d, r)
	if err != nil {
		return 0, nil, err
	}
	apts, err := d.Store.MobileAppointments(r.Context(), t.MobileHash, 20)
	if err != nil {
		return 0, nil, err
	}
	out := []slipJSON{}
	for i := range apts {
		out = append(out, slip(&apts[i]))
	}
	return http.StatusOK, appointmentsResponse{Appointments: out}, nil
}

func (h *Handler) showAppointment(d *api.Deps, r *http.Request, _ []byte) (int, any, error) {
	a, _, err := h.held(d, r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, slip(a), nil
}

func (h *Handler) cancel(d *api.Deps, r *http.Request, _ []byte) (int, any, error) {
	a, th, err := h.held(d, r)
	if err != nil {
		return 0, nil, err
	}
	if err := domain.CheckLive(a.Status); err != nil {
		return 0, nil, err
	}
	if err := d.Store.CancelAppointment(r.Context(), a.ID, th, h.now()); err != nil {
		return 0, nil, err // a *store.StateError says why
	}
	a.Status = store.AppointmentCancelled
	return http.StatusOK, slip(a), nil
}

type rescheduleRequest struct {
	Centre string `json:"centre"`
	Date   string `json:"date"`
	Time   string `json:"time"`
}

// reschedule moves a live appointment and sends a new slip with a new code:
// the old code stops working in the same statement that moves the slot.
func (h *Handler) reschedule(d *api.Deps, r *http.Request, body []byte) (int, any, error) {
	a, th, err := h.held(d, r)
	if err != nil {
		return 0, nil, err
	}
	var req rescheduleRequest
	if err := api.Decode(body, &req); err != nil {
		return 0, nil, err
	}
	if req.Centre == "" && req.Date == "" && req.Time == "" {
		return 0, nil, api.Ef("missing_field", "give centre, date or time")
	}
	if err := domain.CheckLive(a.Status); err != nil {
		return 0, nil, err
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
	centre, err := h.checkSlot(d, r, req.Centre, req.Date, req.Time)
	if err != nil {
		return 0, nil, err
	}
	ctx := r.Context()
	now := h.now()
	limit := []store.Limit{{Key: "reschedule:" + a.ID, Window: 24 * time.Hour, Max: reschedulesPerDay}}
	if refused, retry, err := d.Store.HitAll(ctx, limit, now); err != nil {
		return 0, nil, err
	} else if refused != nil {
		return 0, nil, api.RateLimited(retry)
	}
	st, resp, err := h.rescheduleCounted(d, r, a, th, centre, &req, now)
	if err != nil {
		if rerr := d.Store.Release(ctx, limit); rerr != nil {
			log.Printf("booking: giving back a reschedule count: %v", rerr)
		}
	}
	return st, resp, err
}

func (h *Handler) rescheduleCounted(d *api.Deps, r *http.Request, a *store.Appointment, th string, centre *store.Centre,
	req *rescheduleRequest, now time.Time) (int, any, error) {
	ctx := r.Context()
	digits, err := h.keys.OpenMobile(a.ID, a.MobileEnc)
	if err != nil {
		return 0, nil, err
	}
	code, err := secret.NewDigits(h.cfg.Rand, 4)
	if err != nil {
		return 0, nil, err
	}
	old := *a
	hash := h.keys.CodeHash(a.ID, code)
	codeEnc, err := h.keys.SealCode(h.cfg.Rand, a.ID, hash, code)
	if err != nil {
		return 0, nil, err
	}
	if err := d.Store.RescheduleAppointment(ctx, a.ID, th, centre.ID, req.Date, req.Time, hash, codeEnc, now); err != nil {
		return 0, nil, err // a *store.StateError says why; store.ErrSlotFull: no place at the new slot
	}
	a.CentreID, a.CentreName, a.Date, a.Time, a.CodeHash, a.CodeEnc = centre.ID, centre.Name, req.Date, req.Time, hash, codeEnc
	a.CentreAddress, a.CentrePIN = centre.Address, centre.PIN
	if err := h.sendSlip(d, r, a, digits, code); err != nil {
		// The new code reached nobody: move back to the old slot and code,
		// which the person still holds. The old place was given back a
		// moment ago; if a booking took it meanwhile, the move back fails
		// (logged) and the person reschedules again, which sends a code.
		log.Printf("booking: %v", err)
		if rerr := d.Store.RescheduleAppointment(ctx, a.ID, th, old.CentreID, old.Date, old.Time, old.CodeHash, old.CodeEnc, now); rerr != nil {
			log.Printf("booking: restoring the appointment whose new slip was not sent: %v", rerr)
		}
		return 0, nil, api.Unavailable("sms_unavailable", "the new slip could not be sent; the appointment is unchanged; try again in a minute", 60)
	}
	return http.StatusOK, slip(a), nil
}
