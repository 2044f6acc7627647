// Package service is the worker's HTTP service, assembled in one place
// (this file): the status API (the OTP flow that ends in a signed status
// token, the public keyset, server-side token verification for entities, the
// widget page; status.go), booking and dose recording (package booking), the
// dev SMS outbox (outbox.go), and the middleware every response passes
// (security headers, panic recovery). It is a plain http.Handler: the worker
// main serves it inside workerd, tests and the native binary serve it on
// SQLite.
package service

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/keys"
	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/booking"
	"github.com/kycvs/kycvs/worker/origin"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/pages/book"
	"github.com/kycvs/kycvs/worker/pages/centre"
	"github.com/kycvs/kycvs/worker/pages/gate"
	"github.com/kycvs/kycvs/worker/pages/pass"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/sms"
	"github.com/kycvs/kycvs/worker/store"
)

// Handler is the worker's http.Handler.
type Handler struct {
	cfg      Config
	keyset   *keys.Keyset
	keys     *secret.Keys
	booking  *booking.Handler
	router   *api.Router
	clientIP func(*http.Request) string
	host     string    // ServiceOrigin's host, for the WebOTP line
	fixed    *api.Deps // the store and sender of New, for ServeHTTP
}

// CheckBuild refuses a worker whose build trusts the development key
// (keys.DevKeysEmbedded) outside ENVIRONMENT=dev: anyone holding a
// developer's .dev.vars could otherwise mint any status for any entity.
// The worker mains call it and serve 503 misconfigured when it fails.
func CheckBuild(cfg Config, devKeysEmbedded bool) error {
	if devKeysEmbedded && cfg.Environment != "dev" {
		return fmt.Errorf("this build embeds the development keyset (built with --dev) but ENVIRONMENT is %q: "+
			"build production with scripts/build-worker (no flags)", cfg.Environment)
	}
	return nil
}

// New assembles the service. st and sender are what ServeHTTP uses (the
// native server and tests); the worker, whose database comes with each
// request, passes nil and calls Serve with Deps per request.
func New(cfg Config, st store.BookingStore, sender sms.Sender) (*Handler, error) {
	if cfg.SigningKey == nil || len(cfg.HashKey) < 16 {
		return nil, errors.New("service: signing key and hash key are required")
	}
	o, err := origin.Parse(cfg.ServiceOrigin)
	if err != nil {
		return nil, fmt.Errorf("service: ServiceOrigin: %w", err)
	}
	cfg.ServiceOrigin = o
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TokenLifetime <= 0 || cfg.TokenLifetime > kycvs.MaxLifetime {
		cfg.TokenLifetime = kycvs.MaxLifetime
	}
	// Sign only with a key the published keyset lists, and that it lists as
	// valid now: otherwise every widget and entity would refuse every token,
	// and the deploy should fail loudly instead of quietly.
	kid := cfg.SigningKey.KeyID()
	if _, err := cfg.Keyset.Lookup(kid, cfg.Now()); err != nil {
		return nil, fmt.Errorf("service: the signing key %s is not a currently valid key of the keyset this build publishes "+
			"(add it with kycvs-keys add, then rebuild): %v", kid, err)
	}
	u, _ := url.Parse(cfg.ServiceOrigin)
	h := &Handler{
		cfg:      cfg,
		keyset:   cfg.Keyset,
		keys:     secret.Derive(cfg.HashKey),
		clientIP: api.ClientIP(cfg.TrustCFConnectingIP, cfg.TrustedProxies),
		host:     u.Hostname(),
	}
	h.booking, err = booking.New(booking.Config{HashKey: cfg.HashKey, ServiceHost: h.host, ServiceOrigin: cfg.ServiceOrigin,
		ClientIP: h.clientIP, Now: cfg.Now})
	if err != nil {
		return nil, fmt.Errorf("service: %w", err)
	}
	routes := []api.Route{
		{Pattern: "/v1/otp", Methods: map[string]api.Endpoint{http.MethodPost: h.startOTP}},
		{Pattern: "/v1/otp/verify", Methods: map[string]api.Endpoint{http.MethodPost: h.verifyOTP}},
		{Pattern: "/v1/tokens/verify", Methods: map[string]api.Endpoint{http.MethodPost: h.verifyToken}},
		{Pattern: "/.well-known/kycvs/keys.json", Raw: h.keysJSON},
		{Pattern: "/widget", Raw: h.widget},
		{Pattern: "/book", Raw: func(_ *api.Deps, w http.ResponseWriter, r *http.Request) { book.Serve(w, r) }},
		{Pattern: "/centre", Raw: func(_ *api.Deps, w http.ResponseWriter, r *http.Request) { centre.Serve(w, r) }},
	}
	if cfg.Environment == "dev" {
		routes = append(routes, api.Route{Pattern: "/dev/outbox", Raw: h.outbox})
		routes = append(routes, h.devRoutes()...) // the sandbox: /dev/tokens, in development builds only
	}
	routes = append(append(routes, gate.Routes()...), pass.Routes()...)
	h.router = api.NewRouter(cfg.ServiceOrigin, append(routes, h.booking.Routes()...)...)
	if st != nil {
		h.fixed = h.Deps(st, sender)
	}
	return h, nil
}

// Deps returns the dependencies of one request: st (the request's
// database), the OTP engine over it, and sender.
func (h *Handler) Deps(st store.BookingStore, sender sms.Sender) *api.Deps {
	return &api.Deps{Store: st, Sender: sender,
		OTP: &otp.Engine{Store: st, Sender: sender, HashKey: h.cfg.HashKey, Keys: h.keys, Limits: h.cfg.Limits, Now: h.cfg.Now}}
}

// ServeHTTP serves with the store and sender given to New.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.fixed == nil {
		panic("service: ServeHTTP on a handler made without a store; call Serve")
	}
	h.Serve(w, r, h.fixed)
}

// Serve sets the headers every response carries, recovers panics into a
// 500 JSON error, and routes r with the request's dependencies d.
func (h *Handler) Serve(w http.ResponseWriter, r *http.Request, d *api.Deps) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	if strings.HasPrefix(h.cfg.ServiceOrigin, "https:") {
		hd.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	defer api.Recover(w, r)
	h.router.Serve(w, r, d)
}

// Scheduled is the work of the cron trigger: dose confirmations whose first
// send failed are sent again, and expired state is purged.
func (h *Handler) Scheduled(ctx context.Context, d *api.Deps) error {
	sent, failed, err := h.booking.RetryConfirmations(ctx, d, 100)
	if sent+failed > 0 {
		log.Printf("scheduled: %d queued confirmations sent, %d failed again", sent, failed)
	}
	if perr := d.Store.Purge(ctx, h.cfg.Now()); err == nil {
		err = perr
	}
	return err
}

// ScheduledFixed is Scheduled with New's store and sender.
func (h *Handler) ScheduledFixed(ctx context.Context) error { return h.Scheduled(ctx, h.fixed) }
