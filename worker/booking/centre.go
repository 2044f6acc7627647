package booking

// The centre console's endpoints besides recording (vaccinator.go) and
// sign-in (session.go): one appointment by reference, the day's audit trail
// for a supervisor, and on-site registration of a walk-in who proved the
// mobile.
//
//	GET  /v1/centre/appointments/{id}    → 200 {date, dose_due, dose_number?, id, name, status, time, vaccine_due?, wrong_attempts}
//	GET  /v1/centre/audit?date=YYYY-MM-DD → 200 {centre, date, entries: [{at, actor, actor_name, appointment, detail, event}]} (supervisor)
//	POST /v1/centre/registrations {txn, otp, name, birth_year}
//	                                      → 201 {birth_year, name, registered: true}
//
// Each takes a signed-in session (cookie) or a bearer token, like every
// centre endpoint, and sees only its own centre.

import (
	"errors"
	"net/http"
	"strings"

	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/domain"
	"github.com/kycvs/kycvs/worker/names"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/store"
)

// MaxAuditRows is the most audit rows one day's trail answers with.
const MaxAuditRows = 1000

func agendaJSON(it *store.AgendaItem, date string) dayAppointmentJSON {
	j := dayAppointmentJSON{Date: date, DoseDue: it.DoseDue, ID: it.ID, Name: it.Name, Status: it.Status, Time: it.Time,
		VaccineDue: it.Vaccine, WrongAttempts: it.WrongAttempts}
	if it.Status == store.AppointmentDone {
		j.DoseNumber = it.DoseDue
	}
	return j
}

// centreAppointment is one appointment of the caller's centre by its
// reference (the search of the console); another centre's is
// appointment_not_found, like one that does not exist.
func (h *Handler) centreAppointment(d *api.Deps, r *http.Request, _ []byte) (int, any, error) {
	c, err := h.vaccinator(d, r)
	if err != nil {
		return 0, nil, err
	}
	id := r.PathValue("id")
	if !store.IsAppointmentID(id) {
		return 0, nil, api.Ef("invalid_appointment", "not an appointment id")
	}
	it, date, err := d.Store.CentreAgendaItem(r.Context(), c.CentreID, id)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil, api.Ef("appointment_not_found", "no appointment %s at this centre", id)
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, agendaJSON(it, date), nil
}

type auditEntryJSON struct {
	Actor       string `json:"actor"`
	ActorName   string `json:"actor_name,omitempty"`
	Appointment string `json:"appointment,omitempty"`
	At          int64  `json:"at"`
	Detail      string `json:"detail,omitempty"`
	Event       string `json:"event"`
}

type auditResponse struct {
	Centre  centreRef        `json:"centre"`
	Date    string           `json:"date"`
	Entries []auditEntryJSON `json:"entries"`
}

// centreAudit is a supervisor's view of the centre's audit trail for a day
// (India time): who recorded, entered wrong codes, unlocked, registered.
func (h *Handler) centreAudit(d *api.Deps, r *http.Request, _ []byte) (int, any, error) {
	sv, err := h.supervisor(d, r)
	if err != nil {
		return 0, nil, err
	}
	date, day, err := h.centreDate(r)
	if err != nil {
		return 0, nil, err
	}
	rows, err := d.Store.CentreAudit(r.Context(), sv.CentreID, day, day.AddDate(0, 0, 1), MaxAuditRows)
	if err != nil {
		return 0, nil, err
	}
	out := auditResponse{Centre: centreRef{ID: sv.CentreID, Name: sv.CentreName}, Date: date, Entries: []auditEntryJSON{}}
	for _, e := range rows {
		out.Entries = append(out.Entries, auditEntryJSON{Actor: e.Actor, ActorName: e.ActorName, Appointment: e.AppointmentID,
			At: e.At.Unix(), Detail: e.Detail, Event: e.Event})
	}
	return http.StatusOK, out, nil
}

type registerRequest struct {
	Txn       string `json:"txn"`
	OTP       string `json:"otp"`
	Name      string `json:"name"`
	BirthYear int    `json:"birth_year"`
}

// Check implements api.Request.
func (req *registerRequest) Check() error {
	if err := api.Required([2]string{"txn", req.Txn}, [2]string{"otp", req.OTP}, [2]string{"name", req.Name}); err != nil {
		return err
	}
	if req.BirthYear == 0 {
		return api.Ef("missing_field", "birth_year is required")
	}
	if err := (&api.OTPRequest{Txn: req.Txn, OTP: req.OTP}).Check(); err != nil {
		return err
	}
	return api.CheckName(req.Name)
}

// registeredName is a name as typed, as the registry keeps it: in its own
// script and case, with its spacing tidied.
func registeredName(s string) string { return strings.Join(strings.Fields(s), " ") }

type registeredResponse struct {
	BirthYear  int    `json:"birth_year"`
	Name       string `json:"name"`
	Registered bool   `json:"registered"`
}

// register registers a walk-in who is not yet in the registry, on the
// mobile they just proved with the walk-in OTP (POST
// /v1/vaccinations/walk-in, for this name): the rule is
// domain.CheckRegistration (at most six people per number, a name once, a
// plausible year of birth). The OTP stays unused: the dose is recorded with
// it next (POST /v1/vaccinations {walk_in, txn, otp, …}), so a right code's
// attempt is given back whatever the answer.
func (h *Handler) register(d *api.Deps, r *http.Request, body []byte) (int, any, error) {
	c, err := h.vaccinator(d, r)
	if err != nil {
		return 0, nil, err
	}
	var req registerRequest
	if err := api.DecodeRequest(body, &req); err != nil {
		return 0, nil, err
	}
	ctx := r.Context()
	t, err := api.CheckCode(ctx, d.OTP, otp.PurposeWalkIn, req.Txn, req.OTP)
	if err != nil {
		return 0, nil, err
	}
	if t.EntityID != c.CentreID {
		return 0, nil, api.OTPError(otp.ErrUnknown) // another centre's walk-in code proves nothing here
	}
	defer d.OTP.Refund(ctx, t)
	norm := names.Normalize(req.Name)
	nameHash := h.keys.NameHash(norm)
	if !secret.SameHash(nameHash, t.NameHash) {
		return 0, nil, api.Ef("name_mismatch", "the code was sent for another name; send a new code for this one")
	}
	people, err := d.Store.Beneficiaries(ctx, t.MobileHash)
	if err != nil {
		return 0, nil, err
	}
	now := h.now()
	if err := domain.CheckRegistration(people, nameHash, h.keys.NameHash, req.BirthYear, now); err != nil {
		return 0, nil, err
	}
	id, err := secret.NewID(h.cfg.Rand, "ben_")
	if err != nil {
		return 0, nil, err
	}
	err = d.Store.RegisterBeneficiary(ctx, store.Registration{ID: id, MobileHash: t.MobileHash, Name: registeredName(req.Name), NameNorm: norm,
		BirthYear: req.BirthYear, CentreID: c.CentreID, By: c.Actor, Now: now, MaxPerMobile: domain.MaxPeoplePerMobile})
	if errors.Is(err, store.ErrConflict) {
		return 0, nil, domain.ErrAlreadyRegistered // a parallel registration of the same name won
	}
	if err != nil {
		return 0, nil, err // store.ErrMobileFull: a parallel one took the sixth place
	}
	return http.StatusCreated, registeredResponse{BirthYear: req.BirthYear, Name: registeredName(req.Name), Registered: true}, nil
}
