// Package booking is vaccination booking with a 4-digit security code and
// dose recording by vaccinators: the part of the registry that decides which
// doses exist, and therefore what status the service signs.
//
// A dose for an online booking is recorded only with the security code that
// was sent to the beneficiary's mobile alone, so a vaccinator cannot record
// doses for people who never came. Walk-in doses (no booking) are recorded
// with an OTP sent to the person's registered mobile at that moment (the
// person reads it to the vaccinator), marked walk_in. Every recorded dose
// therefore rests on a secret that reached the person's phone, and nothing
// about the person (vaccine, doses, status) is told before it is proven.
//
// # Endpoints
//
// The person (JSON; the mobile is proved with the worker's OTP engine, purpose
// "booking"):
//
//	POST   /v1/booking/otp      {mobile, lang?}            → 202 {txn, expires_in, resend_in}
//	POST   /v1/booking/session  {txn, otp}                 → 200 {session, expires_in, beneficiaries:[{name, status, doses, vaccine, next_dose_from, dose_history}]}
//	GET    /v1/centres?pin=NNNNNN | ?district=…           → 200 {centres:[{address, district, id, name, pin}], first_date, last_date, slots}
//	GET    /v1/centres/{id}/slots?date=YYYY-MM-DD          → 200 {centre, date, slots:[{capacity, free, passed?, time}]}
//	POST   /v1/appointments     Bearer <session> {mobile, name, centre, date, time, lang?}
//	                                                       → 201 {appointment:<slip>, access_token}
//	GET    /v1/appointments         Bearer <session>       → 200 {appointments:[<slip>…]} of the people on the mobile
//	GET    /v1/appointments/{id}    Bearer <access_token or session>  → 200 <slip>
//	PATCH  /v1/appointments/{id}    Bearer <access_token or session> {centre?, date?, time?}
//	                                                       → 200 <slip>, a new code by SMS (reschedule)
//	DELETE /v1/appointments/{id}    Bearer <access_token or session>  → 200 <slip> (cancelled)
//	GET    /v1/appointments/{id}/slip Bearer <access_token or session> → 200 {address, appointment:<slip>, pin, security_code, code_by_sms?}
//
// Only /slip shows the security code (book_slip.go): to the holder of the
// access token or a session for the mobile. The access token is returned
// once, at booking, and is stored hashed; a person who lost it opens a new
// booking session (the mobile's OTP) instead. A reschedule sends a new code
// and the old one stops working; the wrong-code count stays with the
// appointment.
//
// The vaccinator (Authorization: Bearer <centre token>, from kycvs-centres):
//
//	GET  /v1/centre/appointments?date=YYYY-MM-DD  → 200 {centre, date, appointments, doses}
//	POST /v1/vaccinations {appointment, security_code, vaccine, batch}
//	POST /v1/vaccinations/walk-in {mobile, name, lang?} → 202 {txn, expires_in, resend_in} (an OTP to the person)
//	POST /v1/vaccinations {walk_in: true, txn, otp, vaccine, batch}
//	                                              → 201 {dose, status, confirmation_sent}
//
// The supervisor (Authorization: Bearer <supervisor token>, from kycvs-centres):
//
//	POST /v1/centre/appointments/{id}/unlock      → 200 <slip>; a new code goes to the person by SMS
//	POST /v1/centre/capacity {date, time?, capacity} → 200 {centre, date, slots} (slots.go)
//
// The people of the centre console /centre (vaccinators and supervisors,
// each issued by kycvs-centres with their own mobile) sign in with an OTP
// and use every endpoint above with a session cookie instead of a token
// (session.go: the cookie, Origin and CSRF checks), plus (centre.go):
//
//	GET  /v1/centre/appointments/{id}              → 200 one appointment of the centre by reference
//	GET  /v1/centre/audit?date=YYYY-MM-DD           → 200 the centre's audit trail of the day (supervisor)
//	POST /v1/centre/registrations {txn, otp, name, birth_year} → 201 a walk-in registered on site
//
// A dose's confirmation SMS is queued in the statement that records the dose
// and sent at once; if the gateway fails, the cron trigger sends it again
// (Handler.RetryConfirmations).
//
// Error bodies are {"error": code, "message": …}; the codes are listed in
// http.go.
//
// # Atomicity
//
// D1 has no interactive transactions, so each state change is one SQL
// statement (see store.BookingStore); the schema's triggers close the
// appointment and write the audit row inside that statement. Checks done in
// Go before it are for clear error messages; the statement re-checks every
// rule, so parallel requests cannot break one.
package booking

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/secret"
)

// Config is what the booking handlers need from the worker, besides the
// per-request api.Deps (store, OTP engine, sender).
type Config struct {
	HashKey []byte // HASH_KEY: the keys of codes, sessions and sealed mobiles
	// ServiceHost is the service's host (the WebOTP line of the SMS), from
	// configuration.
	ServiceHost string
	ClientIP    func(*http.Request) string // the per-IP limits' key (service.Config's rule)
	Now         func() time.Time           // nil: time.Now
	Rand        io.Reader                  // nil: crypto/rand

	SessionLifetime time.Duration // how long a booking session lasts after the OTP; 0: 15 minutes
	// ServiceOrigin is SERVICE_ORIGIN: the centre console's cookie is
	// Secure with the __Host- prefix on https, and its state-changing
	// requests must come from this origin.
	ServiceOrigin string
	// ShiftLength is how long a centre session lasts; 0 (or more than
	// MaxShift): MaxShift.
	ShiftLength time.Duration
	DaysAhead   int // how far ahead a slot may be booked; 0: 60 days
}

// Handler serves the booking and vaccinator endpoints.
type Handler struct {
	cfg   Config
	keys  *secret.Keys
	skeys sessionKeys
}

// New returns the handler; Routes are its endpoints.
func New(cfg Config) (*Handler, error) {
	if len(cfg.HashKey) < 16 || cfg.ServiceHost == "" || cfg.ClientIP == nil {
		return nil, errors.New("booking: hash key, service host and client IP are required")
	}
	if cfg.ShiftLength <= 0 || cfg.ShiftLength > MaxShift {
		cfg.ShiftLength = MaxShift
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SessionLifetime <= 0 {
		cfg.SessionLifetime = 15 * time.Minute
	}
	if cfg.DaysAhead <= 0 {
		cfg.DaysAhead = 60
	}
	return &Handler{cfg: cfg, keys: secret.Derive(cfg.HashKey), skeys: deriveSessionKeys(cfg.HashKey)}, nil
}

// Routes are the booking, vaccinator and supervisor endpoints, for the
// service's router (which gives them its origin, method and body checks,
// headers and panic recovery).
func (h *Handler) Routes() []api.Route {
	one := func(method string, e api.Endpoint) map[string]api.Endpoint { return map[string]api.Endpoint{method: e} }
	return []api.Route{
		{Pattern: "/v1/booking/otp", Methods: one(http.MethodPost, h.startOTP)},
		{Pattern: "/v1/booking/session", Methods: one(http.MethodPost, h.session)},
		{Pattern: "/v1/centres", Methods: one(http.MethodGet, h.centres)},
		{Pattern: "/v1/centres/{id}/slots", Methods: one(http.MethodGet, h.centreSlots)},
		{Pattern: "/v1/centre/capacity", Methods: one(http.MethodPost, h.setCapacity)},
		{Pattern: "/v1/appointments/{id}/slip", Methods: one(http.MethodGet, h.showSlip)},
		{Pattern: "/v1/appointments", Methods: map[string]api.Endpoint{http.MethodPost: h.book, http.MethodGet: h.list}},
		{Pattern: "/v1/appointments/{id}", Methods: map[string]api.Endpoint{
			http.MethodGet: h.showAppointment, http.MethodDelete: h.cancel, http.MethodPatch: h.reschedule}},
		{Pattern: "/v1/centre/appointments", Methods: one(http.MethodGet, h.centreDay)},
		{Pattern: "/v1/vaccinations", Methods: one(http.MethodPost, h.record)},
		{Pattern: "/v1/vaccinations/walk-in", Methods: one(http.MethodPost, h.walkInOTP)},
		{Pattern: "/v1/centre/appointments/{id}/unlock", Methods: one(http.MethodPost, h.unlock)},
		// The centre console (session.go, centre.go).
		{Pattern: "/v1/centre/sign-in", Methods: one(http.MethodPost, h.signInOTP)},
		{Pattern: "/v1/centre/session", Raw: h.sessionRoute},
		{Pattern: "/v1/centre/appointments/{id}", Methods: one(http.MethodGet, h.centreAppointment)},
		{Pattern: "/v1/centre/audit", Methods: one(http.MethodGet, h.centreAudit)},
		{Pattern: "/v1/centre/registrations", Methods: one(http.MethodPost, h.register)},
	}
}

func (h *Handler) now() time.Time { return h.cfg.Now().Truncate(time.Second) }
