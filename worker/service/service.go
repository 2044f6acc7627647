// Package service is the worker's HTTP API: the OTP flow that ends in a signed
// status token, the public keyset, server-side token verification for
// entities, the widget page and the dev SMS outbox. It is a plain
// http.Handler: the worker main serves it inside workerd, tests serve it with
// net/http/httptest on SQLite.
package service

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"log"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/keys"
	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/booking"
	"github.com/kycvs/kycvs/worker/mobile"
	"github.com/kycvs/kycvs/worker/names"
	"github.com/kycvs/kycvs/worker/origin"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/sms"
	"github.com/kycvs/kycvs/worker/store"
	"github.com/kycvs/kycvs/worker/widget"
)

var (
	entityPattern = regexp.MustCompile(`^ent_[a-z0-9_]{1,60}$`)
	noncePattern  = regexp.MustCompile(`^[A-Za-z0-9._~-]{8,128}$`)
)

// Handler is the worker's http.Handler.
type Handler struct {
	cfg      Config
	store    store.Store
	otp      *otp.Engine
	keyset   *keys.Keyset
	mux      *http.ServeMux
	booking  *booking.Handler
	clientIP func(*http.Request) string
	host     string // ServiceOrigin's host, for the WebOTP line
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

// New returns the handler. sender delivers SMS (sms.Outbox in dev).
func New(cfg Config, st store.Store, sender sms.Sender) (*Handler, error) {
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
		store:    st,
		keyset:   cfg.Keyset,
		otp:      &otp.Engine{Store: st, Sender: sender, HashKey: cfg.HashKey, Limits: cfg.Limits, Now: cfg.Now},
		mux:      http.NewServeMux(),
		clientIP: api.ClientIP(cfg.TrustCFConnectingIP, cfg.TrustedProxies),
		host:     u.Hostname(),
	}
	h.mux.HandleFunc("/v1/otp", h.api(h.startOTP))
	h.mux.HandleFunc("/v1/otp/verify", h.api(h.verifyOTP))
	h.mux.HandleFunc("/v1/tokens/verify", h.api(h.verifyToken))
	h.mux.HandleFunc("/.well-known/kycvs/keys.json", h.keys)
	h.mux.HandleFunc("/widget", h.widget)
	if cfg.Environment == "dev" {
		h.mux.HandleFunc("/dev/outbox", h.outbox)
	}
	bs, ok := st.(store.BookingStore)
	if !ok {
		return nil, errors.New("service: the store does not implement store.BookingStore")
	}
	h.booking, err = booking.New(booking.Config{Store: bs, OTP: h.otp, Sender: sender, HashKey: cfg.HashKey,
		ServiceOrigin: cfg.ServiceOrigin, ServiceHost: h.host, ClientIP: h.clientIP, Now: cfg.Now})
	if err != nil {
		return nil, fmt.Errorf("service: %w", err)
	}
	h.booking.Register(h.mux)
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, "not_found", "no such endpoint")
	})
	return h, nil
}

// Scheduled is the work of the cron trigger: dose confirmations whose first
// send failed are sent again, and expired state is purged.
func (h *Handler) Scheduled(ctx context.Context) error {
	sent, failed, err := h.booking.RetryConfirmations(ctx, 100)
	if sent+failed > 0 {
		log.Printf("scheduled: %d queued confirmations sent, %d failed again", sent, failed)
	}
	if perr := h.store.Purge(ctx, h.cfg.Now()); err == nil {
		err = perr
	}
	return err
}

// ServeHTTP sets the headers every response carries and recovers panics
// into a 500 JSON error.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	if strings.HasPrefix(h.cfg.ServiceOrigin, "https:") {
		hd.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			log.Printf("panic serving %s %s: %v", r.Method, r.URL.Path, v)
			writeError(w, r, http.StatusInternalServerError, "internal", "internal error")
		}
	}()
	h.mux.ServeHTTP(w, r)
}

// writeError writes an error response outside the JSON endpoints.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	api.WriteError(w, r, &api.Error{Status: status, Code: code, Message: message})
}

// api wraps a POST JSON endpoint: origin, method, content type, size and
// UTF-8 checks, then the endpoint, then the JSON response or error.
func (h *Handler) api(fn func(r *http.Request, body []byte) (int, any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		status, v, err := h.serveAPI(r, fn)
		if err != nil {
			api.WriteError(w, r, err)
			return
		}
		api.WriteJSON(w, status, v)
	}
}

func (h *Handler) serveAPI(r *http.Request, fn func(r *http.Request, body []byte) (int, any, error)) (int, any, error) {
	// Only the service's own pages (the widget) may call the API from a
	// browser; entity servers calling /v1/tokens/verify send no Origin.
	if err := api.CheckOrigin(r, h.cfg.ServiceOrigin); err != nil {
		return 0, nil, err
	}
	if r.Method != http.MethodPost {
		return 0, nil, &api.Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
			Message: "use POST", Header: http.Header{"Allow": {"POST"}}}
	}
	body, err := api.ReadBody(r)
	if err != nil {
		return 0, nil, err
	}
	return fn(r, body)
}

// lookupEntity maps a missing entity to 403, as the contract says.
func (h *Handler) lookupEntity(ctx context.Context, id string) (*store.Entity, error) {
	e, err := h.store.Entity(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, api.Fail(http.StatusForbidden, "unknown_entity", "entity %q is not registered", id)
	}
	return e, err
}

type startRequest struct {
	Entity string `json:"entity"`
	Mobile string `json:"mobile"`
	Name   string `json:"name"`
	Nonce  string `json:"nonce"`
	Lang   string `json:"lang"`
	// Origin is the host page's origin, as the widget knows it (optional).
	// It must be one of the entity's registered origins; the OTP SMS then
	// uses WebOTP's cross-origin iframe form so the browser can fill the
	// code into the framed widget.
	Origin string `json:"origin"`
}

func (h *Handler) startOTP(r *http.Request, body []byte) (int, any, error) {
	var req startRequest
	if err := api.Decode(body, &req); err != nil {
		return 0, nil, err
	}
	if err := api.Required([2]string{"entity", req.Entity}, [2]string{"mobile", req.Mobile},
		[2]string{"name", req.Name}, [2]string{"nonce", req.Nonce}); err != nil {
		return 0, nil, err
	}
	if !entityPattern.MatchString(req.Entity) {
		return 0, nil, api.Fail(http.StatusBadRequest, "invalid_entity", "entity must look like ent_…")
	}
	digits, err := mobile.Parse(req.Mobile)
	if err != nil {
		return 0, nil, api.Fail(http.StatusBadRequest, "invalid_mobile", "mobile must be an Indian 10-digit mobile number")
	}
	if !names.Valid(req.Name) {
		return 0, nil, api.Fail(http.StatusBadRequest, "invalid_name", "name must be 1 to %d letters", names.MaxLen)
	}
	if !noncePattern.MatchString(req.Nonce) {
		return 0, nil, api.Fail(http.StatusBadRequest, "invalid_nonce", "nonce must be 8 to 128 characters of A-Z a-z 0-9 . _ ~ -")
	}
	if req.Lang != "" && sms.Lang(req.Lang) != req.Lang {
		return 0, nil, api.Fail(http.StatusBadRequest, "invalid_lang", "lang must be one of %s", strings.Join(sms.Languages, ", "))
	}
	ent, err := h.lookupEntity(r.Context(), req.Entity)
	if err != nil {
		return 0, nil, err
	}
	topHost := ""
	if req.Origin != "" {
		u, err := url.Parse(req.Origin)
		if err != nil || !slices.Contains(ent.Origins, req.Origin) {
			return 0, nil, api.Fail(http.StatusBadRequest, "invalid_origin", "origin is not a registered origin of %s", ent.ID)
		}
		topHost = u.Hostname()
	}
	lang := req.Lang
	if lang == "" {
		lang = ent.Lang
	}
	t, err := h.otp.Start(r.Context(), otp.Start{
		Purpose: otp.PurposeStatus, EntityID: ent.ID, EntityName: ent.DisplayName, Lang: lang,
		Mobile: digits, Name: req.Name, Nonce: req.Nonce, ClientIP: h.clientIP(r), Host: h.host, TopHost: topHost,
	})
	if err != nil {
		return 0, nil, api.OTPError(err)
	}
	// Expired state is purged by the requests themselves, about one start
	// in 256 (decided by the random transaction id), so the worker needs no
	// cron trigger; a failed purge only delays it.
	if t.ID[4] == 'A' && t.ID[5] >= 'A' && t.ID[5] <= 'P' {
		if err := h.store.Purge(r.Context(), h.cfg.Now()); err != nil {
			log.Printf("purging expired state: %v", err)
		}
	}
	return http.StatusAccepted, map[string]any{
		"txn":        t.ID,
		"expires_in": int(h.cfg.Limits.Lifetime / time.Second),
		"resend_in":  int(h.cfg.Limits.ResendAfter / time.Second),
	}, nil
}

func (h *Handler) verifyOTP(r *http.Request, body []byte) (int, any, error) {
	ctx := r.Context()
	t, err := api.CheckOTP(ctx, h.otp, otp.PurposeStatus, body)
	if err != nil {
		return 0, nil, err
	}
	// The transaction is finished only once the token exists: a failure of
	// ours before that gives the attempt back and leaves the code usable.
	tok, exp, err := h.issue(ctx, t)
	if err != nil && !errors.Is(err, errNameMismatch) {
		h.otp.Refund(ctx, t)
		return 0, nil, err
	}
	if ferr := api.FinishOTP(ctx, h.otp, t); ferr != nil {
		return 0, nil, ferr
	}
	if err != nil {
		// Also the answer for numbers with nobody registered: the person has
		// proved the number is theirs, so this tells them nothing new.
		return 0, nil, api.Fail(http.StatusUnprocessableEntity, "name_mismatch", "no one with this name is registered on this mobile number")
	}
	return http.StatusOK, map[string]any{"token": tok, "expires_at": exp}, nil
}

var errNameMismatch = errors.New("no one with this name on this mobile")

// issue signs the status token of the person t names: the beneficiary on
// the transaction's mobile whose normalised name hashes to t.NameHash.
func (h *Handler) issue(ctx context.Context, t *store.OTPTransaction) (string, int64, error) {
	bens, err := h.store.Beneficiaries(ctx, t.MobileHash)
	if err != nil {
		return "", 0, err
	}
	var ben *store.Beneficiary
	for i := range bens {
		if secret.SameHash(h.otp.NameHash(bens[i].NameNorm), t.NameHash) {
			ben = &bens[i]
			break
		}
	}
	if ben == nil {
		return "", 0, errNameMismatch
	}
	now := h.cfg.Now().Truncate(time.Second)
	a := &kycvs.Attestation{
		Issuer:    h.cfg.Issuer,
		Audience:  t.EntityID,
		Nonce:     t.Nonce,
		Status:    ben.Status,
		IssuedAt:  now,
		ExpiresAt: now.Add(h.cfg.TokenLifetime),
		Subject:   kycvs.PairwiseSubject(h.subjectKey(), t.EntityID, ben.ID),
	}
	if _, err := rand.Read(a.TokenID[:]); err != nil {
		return "", 0, fmt.Errorf("reading random: %w", err)
	}
	tok, err := kycvs.Sign(h.cfg.SigningKey, a)
	if err != nil {
		return "", 0, err
	}
	return tok, a.ExpiresAt.Unix(), nil
}

// subjectKey is the pairwise-subject key, derived from HASH_KEY so one secret
// feeds all keyed hashes while each use gets its own key.
func (h *Handler) subjectKey() []byte {
	m := hmac.New(sha256.New, h.cfg.HashKey)
	m.Write([]byte("kycvs/v1/subject-key"))
	return m.Sum(nil)
}

// SecretHash is how entity secrets are stored (secret.TokenHash).
func SecretHash(s string) string { return secret.TokenHash(s) }

type tokenRequest struct {
	Token string `json:"token"`
	Nonce string `json:"nonce"`
}

func (h *Handler) verifyToken(r *http.Request, body []byte) (int, any, error) {
	ctx := r.Context()
	secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || secret == "" || len(secret) > 200 {
		return 0, nil, &api.Error{Status: http.StatusUnauthorized, Code: "entity_auth", Message: "send the entity secret as Authorization: Bearer",
			Header: http.Header{"Www-Authenticate": {`Bearer realm="kycvs"`}}}
	}
	var req tokenRequest
	if err := api.Decode(body, &req); err != nil {
		return 0, nil, err
	}
	if err := api.Required([2]string{"token", req.Token}, [2]string{"nonce", req.Nonce}); err != nil {
		return 0, nil, err
	}
	if len(req.Token) > kycvs.MaxTokenLength {
		return 0, nil, api.Fail(http.StatusBadRequest, "invalid_token", "token longer than %d bytes", kycvs.MaxTokenLength)
	}
	if !noncePattern.MatchString(req.Nonce) {
		return 0, nil, api.Fail(http.StatusBadRequest, "invalid_nonce", "nonce must be 8 to 128 characters of A-Z a-z 0-9 . _ ~ -")
	}
	ent, err := h.store.EntityBySecretHash(ctx, SecretHash(secret))
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil, &api.Error{Status: http.StatusUnauthorized, Code: "entity_auth", Message: "unknown entity secret",
			Header: http.Header{"Www-Authenticate": {`Bearer realm="kycvs", error="invalid_token"`}}}
	}
	if err != nil {
		return 0, nil, err
	}
	now := h.cfg.Now()
	a, err := kycvs.Verify(req.Token, h.keyset, kycvs.Expect{Audience: ent.ID, Nonce: req.Nonce, Now: now})
	if err != nil {
		return http.StatusOK, map[string]any{"valid": false, "reason": verifyReason(err), "message": err.Error()}, nil
	}
	first, err := h.store.UseToken(ctx, hex.EncodeToString(a.TokenID[:]), ent.ID, a.ExpiresAt, now)
	if err != nil {
		return 0, nil, err
	}
	if !first {
		return http.StatusOK, map[string]any{"valid": false, "reason": "already_used", "message": "this token was verified before"}, nil
	}
	return http.StatusOK, map[string]any{
		"valid":       true,
		"status":      int(a.Status),
		"status_name": a.Status.String(),
		"subject":     hex.EncodeToString(a.Subject[:]),
		"token_id":    hex.EncodeToString(a.TokenID[:]),
		"issued_at":   a.IssuedAt.Unix(),
		"expires_at":  a.ExpiresAt.Unix(),
	}, nil
}

func verifyReason(err error) string {
	for _, c := range []struct {
		err    error
		reason string
	}{
		{kycvs.ErrMalformed, "malformed"}, {kycvs.ErrUnknownKey, "unknown_key"}, {kycvs.ErrSignature, "bad_signature"},
		{kycvs.ErrAudience, "wrong_audience"}, {kycvs.ErrNonce, "wrong_nonce"}, {kycvs.ErrExpired, "expired"},
		{kycvs.ErrNotYetValid, "not_yet_valid"},
	} {
		if errors.Is(err, c.err) {
			return c.reason
		}
	}
	return "invalid"
}

func (h *Handler) keys(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, r, http.StatusMethodNotAllowed, "method_not_allowed", "use GET")
		return
	}
	b, err := h.keyset.MarshalJSON()
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, "internal", "encoding keyset")
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json; charset=utf-8")
	hd.Set("Cache-Control", "public, max-age=300")
	hd.Set("Access-Control-Allow-Origin", "*") // public data; lets any verifier fetch it
	hd.Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

func (h *Handler) widget(w http.ResponseWriter, r *http.Request) {
	var e *widget.Entity
	if id := r.URL.Query().Get("entity"); entityPattern.MatchString(id) {
		ent, err := h.store.Entity(r.Context(), id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			log.Printf("widget: %v", err)
			writeError(w, r, http.StatusInternalServerError, "internal", "internal error")
			return
		}
		if ent != nil {
			e = &widget.Entity{ID: ent.ID, DisplayName: ent.DisplayName, Purpose: ent.Purpose, Origins: ent.Origins}
		}
	}
	widget.Serve(w, r, e)
}

// outbox lists the dev SMS outbox: GET /dev/outbox[?to=<mobile>&limit=N].
// Only on a loopback host: it holds every code in clear, so even a dev
// deployment that is reachable from elsewhere must not show it.
func (h *Handler) outbox(w http.ResponseWriter, r *http.Request) {
	host := r.URL.Hostname()
	if host == "" {
		host, _, _ = strings.Cut(r.Host, ":")
		if strings.HasPrefix(r.Host, "[") {
			host = strings.TrimPrefix(strings.SplitN(r.Host, "]", 2)[0], "[")
		}
	}
	if !origin.IsLoopback(host) {
		writeError(w, r, http.StatusNotFound, "not_found", "no such endpoint")
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		writeError(w, r, http.StatusMethodNotAllowed, "method_not_allowed", "use GET")
		return
	}
	q := r.URL.Query()
	to := ""
	if s := q.Get("to"); s != "" {
		d, err := mobile.Parse(s)
		if err != nil {
			writeError(w, r, http.StatusBadRequest, "invalid_mobile", "to must be an Indian mobile number")
			return
		}
		to = d
	}
	limit := 50
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 && n <= 500 {
		limit = n
	}
	msgs, err := h.store.Outbox(r.Context(), to, limit)
	if err != nil {
		log.Printf("outbox: %v", err)
		writeError(w, r, http.StatusInternalServerError, "internal", "internal error")
		return
	}
	api.SecurityHeaders(w.Header())
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		writeOutboxHTML(w, msgs)
		return
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"messages": msgs})
}

// writeOutboxHTML is the outbox for people running the demo. Plain string
// building, not html/template: templates make the linker keep every exported
// method (reflection), which costs the worker's wasm megabytes.
func writeOutboxHTML(w http.ResponseWriter, msgs []store.OutboxMessage) {
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
		`<title>KYC-VS dev SMS outbox</title><style>body{font:16px system-ui;margin:1rem auto;max-width:40rem;padding:0 1rem}` +
		`li{list-style:none;border:1px solid #ccc;border-radius:.5rem;margin:.5rem 0;padding:.5rem;white-space:pre-wrap}small{color:#555}</style>` +
		`<h1>SMS outbox (dev)</h1><p>What the service would have sent by SMS, newest first. Reload to refresh.</p><ul>`)
	for _, m := range msgs {
		fmt.Fprintf(&b, "<li><small>to %s · %s · %s</small>\n%s</li>", html.EscapeString(m.To), html.EscapeString(m.Kind),
			m.CreatedAt.Format(time.RFC3339), html.EscapeString(m.Body))
	}
	if len(msgs) == 0 {
		b.WriteString("<li>No messages yet.</li>")
	}
	b.WriteString("</ul></html>\n")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.Write([]byte(b.String()))
}
