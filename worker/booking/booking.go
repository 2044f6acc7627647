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
//	GET    /v1/centres                                     → 200 {centres:[{id, name, district}], slots:[…]}
//	POST   /v1/appointments     Bearer <session> {mobile, name, centre, date, time, lang?}
//	                                                       → 201 {appointment:<slip>, access_token}
//	GET    /v1/appointments         Bearer <session>       → 200 {appointments:[<slip>…]} of the people on the mobile
//	GET    /v1/appointments/{id}    Bearer <access_token or session>  → 200 <slip>
//	PATCH  /v1/appointments/{id}    Bearer <access_token or session> {centre?, date?, time?}
//	                                                       → 200 <slip>, a new code by SMS (reschedule)
//	DELETE /v1/appointments/{id}    Bearer <access_token or session>  → 200 <slip> (cancelled)
//
// The slip never contains the security code. The access token is returned
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

	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/sms"
	"github.com/kycvs/kycvs/worker/store"
)

// Config is what the booking handlers need from the worker.
type Config struct {
	Store   store.BookingStore
	OTP     *otp.Engine // the worker's engine; booking uses purposes "booking" and "walk_in"
	Sender  sms.Sender
	HashKey []byte // HASH_KEY: mobile hashes, and the keys of codes, sessions and mobile encryption
	// ServiceOrigin is the only browser origin allowed to call, and
	// ServiceHost its host (the WebOTP line), both from configuration.
	ServiceOrigin string
	ServiceHost   string
	ClientIP      func(*http.Request) string // the per-IP limits' key (service.Config's rule)
	Now           func() time.Time           // nil: time.Now
	Rand          io.Reader                  // nil: crypto/rand

	SessionLifetime time.Duration // how long a booking session lasts after the OTP; 0: 15 minutes
	DaysAhead       int           // how far ahead a slot may be booked; 0: 60 days
}

// Handler serves the booking and vaccinator endpoints.
type Handler struct {
	cfg  Config
	keys *secret.Keys
}

// New returns the handler; Register adds its routes to a mux.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil || cfg.OTP == nil || cfg.Sender == nil || len(cfg.HashKey) < 16 || cfg.ServiceOrigin == "" ||
		cfg.ServiceHost == "" || cfg.ClientIP == nil {
		return nil, errors.New("booking: store, OTP engine, sender, hash key, service origin and host, client IP are required")
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
	return &Handler{cfg: cfg, keys: secret.Derive(cfg.HashKey)}, nil
}

// Register adds the booking routes to mux (the worker's service mux, so they
// get its security headers and panic recovery).
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("/v1/booking/otp", h.api(http.MethodPost, h.startOTP))
	mux.HandleFunc("/v1/booking/session", h.api(http.MethodPost, h.session))
	mux.HandleFunc("/v1/centres", h.api(http.MethodGet, h.centres))
	mux.HandleFunc("/v1/appointments", func(w http.ResponseWriter, r *http.Request) {
		h.serve(w, r, map[string]endpoint{http.MethodPost: h.book, http.MethodGet: h.list})
	})
	mux.HandleFunc("/v1/appointments/{id}", h.appointment)
	mux.HandleFunc("/v1/centre/appointments", h.api(http.MethodGet, h.centreDay))
	mux.HandleFunc("/v1/vaccinations", h.api(http.MethodPost, h.record))
	mux.HandleFunc("/v1/vaccinations/walk-in", h.api(http.MethodPost, h.walkInOTP))
	mux.HandleFunc("/v1/centre/appointments/{id}/unlock", h.api(http.MethodPost, h.unlock))
}

func (h *Handler) now() time.Time { return h.cfg.Now().Truncate(time.Second) }
