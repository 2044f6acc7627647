package booking

// The centre console's sign-in: a vaccinator or supervisor (issued by
// kycvs-centres with their own registered mobile) proves that mobile with an
// OTP and gets one shift's session, an HttpOnly cookie.
//
//	POST   /v1/centre/sign-in {mobile, lang?} → 202 {txn, expires_in, resend_in}, the same for any number
//	POST   /v1/centre/session {txn, otp}      → 200 <session> and Set-Cookie
//	GET    /v1/centre/session                 → 200 <session> (the page's "who am I" on load)
//	DELETE /v1/centre/session                 → 200 {signed_out: true} and the cookie cleared (sign-out)
//
// <session> is {centre, csrf, expires_at, vaccinator: {id, name, role}}.
//
// # Why the cookie is safe to rely on
//
// The cookie is HttpOnly (no script reads it), SameSite=Strict (no
// cross-site request carries it), Secure with the __Host- prefix on https
// (no subdomain or plain-http page can set or overwrite it; only on a
// loopback http origin, which worker/origin allows only for development,
// the name loses the prefix and Secure), Path=/ and lives at most one shift
// (10 hours), stored only as a keyed hash; sign-out deletes the row.
//
// Every state-changing request with the cookie (any method but GET and
// HEAD) must also carry Origin equal to SERVICE_ORIGIN and the session's
// CSRF token in X-CSRF-Token, else 403 csrf_failed and nothing changes.
// Each covers a gap of the others: SameSite is per site, not per origin, so
// a page on a sibling host of the same site would still send the cookie
// (Origin stops it); Origin is absent from some older browsers' same-site
// requests and from requests made by a page's plugins (the header token
// stops those, and a custom header forces a CORS preflight that this API
// never grants). The token is HMAC(key, session token): bound to the
// session, stored nowhere, handed to the page in <session> (a cross-site
// page cannot read that answer).

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/mobile"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/sms"
	"github.com/kycvs/kycvs/worker/store"
)

// MaxShift is the longest a centre session lasts: one shift.
const MaxShift = 10 * time.Hour

// SessionTokenPrefix starts a centre session token (the cookie's value).
const SessionTokenPrefix = "kycvs_vss_"

// CSRFHeader carries the session's CSRF token on state-changing requests.
const CSRFHeader = "X-CSRF-Token"

// sessionKeys are the keys of centre sessions, derived from HASH_KEY:
// stored hashes and CSRF tokens, each under its own label.
type sessionKeys struct{ hash, csrf []byte }

func deriveSessionKeys(hashKey []byte) sessionKeys {
	d := func(label string) []byte {
		m := hmac.New(sha256.New, hashKey)
		m.Write([]byte(label))
		return m.Sum(nil)
	}
	return sessionKeys{hash: d("kycvs/v1/centre-session-key"), csrf: d("kycvs/v1/centre-csrf-key")}
}

// tokenHash is what the database keeps of a session token.
func (k sessionKeys) tokenHash(tok string) string {
	m := hmac.New(sha256.New, k.hash)
	m.Write([]byte("kycvs/v1/centre-session\x00" + tok))
	return hex.EncodeToString(m.Sum(nil))
}

// csrfToken is the session's CSRF token.
func (k sessionKeys) csrfToken(tok string) string {
	m := hmac.New(sha256.New, k.csrf)
	m.Write([]byte("kycvs/v1/centre-csrf\x00" + tok))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CookieName is the session cookie's name for a service origin: with the
// __Host- prefix on https; without it (the prefix requires Secure) on a
// loopback http origin, the only http origin worker/origin allows.
func CookieName(serviceOrigin string) string {
	if strings.HasPrefix(serviceOrigin, "https:") {
		return "__Host-kycvs_centre"
	}
	return "kycvs_centre"
}

// cookie is the session cookie with value, for maxAge seconds (negative:
// delete it).
func (h *Handler) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: CookieName(h.cfg.ServiceOrigin), Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: strings.HasPrefix(h.cfg.ServiceOrigin, "https:"), SameSite: http.SameSiteStrictMode}
}

// sessionToken returns the request's session cookie value, "" if none (or
// not one of ours in shape).
func (h *Handler) sessionToken(r *http.Request) string {
	c, err := r.Cookie(CookieName(h.cfg.ServiceOrigin))
	if err != nil || len(c.Value) > 100 || !strings.HasPrefix(c.Value, SessionTokenPrefix) {
		return ""
	}
	return c.Value
}

// signedIn authenticates the session cookie of a request that sends no
// Authorization (machine clients send their bearer token and no cookie).
// ok is false when there is nothing to check (then the bearer token is
// required). A state-changing request must pass the CSRF checks.
func (h *Handler) signedIn(d *api.Deps, r *http.Request) (s *staff, ok bool, err error) {
	if r.Header.Get("Authorization") != "" {
		return nil, false, nil
	}
	tok := h.sessionToken(r)
	if tok == "" {
		return nil, false, nil
	}
	vs, err := h.centreSession(d, r, tok)
	if err != nil {
		return nil, true, err
	}
	if err := h.checkCSRF(r, tok); err != nil {
		return nil, true, err
	}
	return &staff{CentreID: vs.CentreID, CentreName: vs.CentreName, Role: vs.Role, Actor: vs.Actor(), By: vs.Actor(), Session: vs}, true, nil
}

// centreSession finds the live session of token tok.
func (h *Handler) centreSession(d *api.Deps, r *http.Request, tok string) (*store.VaccinatorSession, error) {
	vs, err := d.Store.VaccinatorSession(r.Context(), h.skeys.tokenHash(tok))
	if errors.Is(err, store.ErrNotFound) {
		return nil, api.Ef("unauthorized", "not signed in; sign in at /centre")
	}
	if err != nil {
		return nil, err
	}
	if !h.now().Before(vs.ExpiresAt) {
		return nil, api.Ef("session_expired", "the shift's session ended; sign in again")
	}
	return vs, nil
}

// checkCSRF is the double check of a state-changing request made with the
// cookie (see the file's comment for why both).
func (h *Handler) checkCSRF(r *http.Request, tok string) error {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return nil
	}
	if r.Header.Get("Origin") != h.cfg.ServiceOrigin {
		return api.Ef("csrf_failed", "a signed-in request must come from the centre page: Origin must be %s", h.cfg.ServiceOrigin)
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" || !hmac.Equal([]byte(got), []byte(h.skeys.csrfToken(tok))) {
		return api.Ef("csrf_failed", "a signed-in request must carry the session's %s", CSRFHeader)
	}
	return nil
}

// signInOTP sends a sign-in code to a registered vaccinator's mobile. The
// answer, the limits counted and the transaction stored are the same for
// any valid number, registered or not; only a registered number is sent
// an SMS (a stranger's phone gets nothing, and nobody learns who is
// registered from the answer).
func (h *Handler) signInOTP(d *api.Deps, r *http.Request, body []byte) (int, any, error) {
	var req otpRequest
	if err := api.DecodeRequest(body, &req); err != nil {
		return 0, nil, err
	}
	ctx := r.Context()
	eng := d.OTP
	_, err := d.Store.VaccinatorByMobileHash(ctx, mobile.Hash(h.cfg.HashKey, req.digits))
	switch {
	case errors.Is(err, store.ErrNotFound):
		e := *d.OTP
		e.Sender = discard{}
		eng = &e
	case err != nil:
		return 0, nil, err
	}
	t, err := eng.Start(ctx, otp.Start{Purpose: otp.PurposeCentreSignIn, Lang: sms.Lang(req.Lang), Mobile: req.digits,
		ClientIP: h.cfg.ClientIP(r), Host: h.cfg.ServiceHost})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, api.StartedFor(t, d.OTP.Limits), nil
}

// discard is the sender of a sign-in code for a number nobody is
// registered on: the transaction exists like any other, the SMS goes
// nowhere.
type discard struct{}

func (discard) Send(context.Context, sms.Message) error { return nil }

// sessionJSON is <session>.
type sessionJSON struct {
	Centre     centreRef      `json:"centre"`
	CSRF       string         `json:"csrf"`
	ExpiresAt  int64          `json:"expires_at"`
	Vaccinator vaccinatorJSON `json:"vaccinator"`
}

type vaccinatorJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

func (h *Handler) sessionJSON(vs *store.VaccinatorSession, tok string) sessionJSON {
	return sessionJSON{Centre: centreRef{ID: vs.CentreID, Name: vs.CentreName}, CSRF: h.skeys.csrfToken(tok),
		ExpiresAt: vs.ExpiresAt.Unix(), Vaccinator: vaccinatorJSON{ID: vs.ID, Name: vs.Name, Role: vs.Role}}
}

// sessionRoute serves /v1/centre/session. It is a raw route because it
// sets the cookie; it makes the router's checks itself (origin, method,
// body) with the same functions.
func (h *Handler) sessionRoute(d *api.Deps, w http.ResponseWriter, r *http.Request) {
	status, v, err := h.serveSession(d, w, r)
	if err != nil {
		api.WriteError(w, r, err)
		return
	}
	api.WriteJSON(w, status, v)
}

func (h *Handler) serveSession(d *api.Deps, w http.ResponseWriter, r *http.Request) (int, any, error) {
	if err := api.CheckOrigin(r, h.cfg.ServiceOrigin); err != nil {
		return 0, nil, err
	}
	switch r.Method {
	case http.MethodPost:
		body, err := api.ReadBody(r)
		if err != nil {
			return 0, nil, err
		}
		return h.signIn(d, w, r, body)
	case http.MethodGet:
		tok := h.sessionToken(r)
		if tok == "" {
			return 0, nil, api.Ef("unauthorized", "not signed in; sign in at /centre")
		}
		vs, err := h.centreSession(d, r, tok)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, h.sessionJSON(vs, tok), nil
	case http.MethodDelete:
		return h.signOut(d, w, r)
	}
	e := api.Ef("method_not_allowed", "use DELETE or GET or POST")
	e.Header = http.Header{"Allow": {"DELETE, GET, POST"}}
	return 0, nil, e
}

// signIn checks the sign-in code and opens the session: the cookie, and
// <session> for the page.
func (h *Handler) signIn(d *api.Deps, w http.ResponseWriter, r *http.Request, body []byte) (int, any, error) {
	ctx := r.Context()
	res, err := api.WithOTP(ctx, d.OTP, otp.PurposeCentreSignIn, body, func(t *store.OTPTransaction) (*sessionJSON, error) {
		v, err := d.Store.VaccinatorByMobileHash(ctx, t.MobileHash)
		if errors.Is(err, store.ErrNotFound) { // revoked since the code was sent
			return nil, api.E("not_a_vaccinator")
		}
		if err != nil {
			return nil, err
		}
		tok, err := secret.NewToken(h.cfg.Rand, SessionTokenPrefix)
		if err != nil {
			return nil, err
		}
		now := h.now()
		exp := now.Add(h.cfg.ShiftLength)
		if err := d.Store.CreateVaccinatorSession(ctx, h.skeys.tokenHash(tok), v.ID, now, exp); errors.Is(err, store.ErrNotFound) {
			return nil, api.E("not_a_vaccinator")
		} else if err != nil {
			return nil, err
		}
		s := h.sessionJSON(&store.VaccinatorSession{Vaccinator: *v, ExpiresAt: exp}, tok)
		http.SetCookie(w, h.cookie(tok, int(h.cfg.ShiftLength/time.Second)))
		return &s, nil
	})
	if err != nil {
		w.Header().Del("Set-Cookie") // the code was refused after all (completing it failed)
		return 0, nil, err
	}
	return http.StatusOK, res, nil
}

// signOut deletes the session and clears the cookie. Without a live
// session there is nothing to delete: the cookie is cleared all the same.
func (h *Handler) signOut(d *api.Deps, w http.ResponseWriter, r *http.Request) (int, any, error) {
	if tok := h.sessionToken(r); tok != "" {
		if _, err := h.centreSession(d, r, tok); err == nil {
			if err := h.checkCSRF(r, tok); err != nil {
				return 0, nil, err
			}
			if err := d.Store.DeleteVaccinatorSession(r.Context(), h.skeys.tokenHash(tok)); err != nil {
				return 0, nil, err
			}
		} else if api.Ours(err) {
			return 0, nil, err
		}
	}
	http.SetCookie(w, h.cookie("", -1))
	return http.StatusOK, map[string]bool{"signed_out": true}, nil
}
