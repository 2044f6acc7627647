package service

// The status API: POST /v1/otp and /v1/otp/verify (the OTP flow that ends
// in a signed status token), POST /v1/tokens/verify (an entity's server
// checks a token, once), GET /.well-known/kycvs/keys.json and GET /widget.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/domain"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/store"
	"github.com/kycvs/kycvs/worker/widget"
)

// lookupEntity maps a missing entity to 403, as the contract says.
func (h *Handler) lookupEntity(ctx context.Context, d *api.Deps, id string) (*store.Entity, error) {
	e, err := d.Store.Entity(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, api.Ef("unknown_entity", "entity %q is not registered", id)
	}
	return e, err
}

// startRequest is POST /v1/otp: a check for one person (name and nonce)
// or a family check (travellers: up to six people on the mobile, each with
// the entity's nonce for them).
type startRequest struct {
	Entity     string          `json:"entity"`
	Mobile     string          `json:"mobile"`
	Name       string          `json:"name"`
	Nonce      string          `json:"nonce"`
	Travellers []api.Traveller `json:"travellers"`
	Lang       string          `json:"lang"`
	// Origin is the host page's origin, as the widget knows it (optional).
	// It must be one of the entity's registered origins; the OTP SMS then
	// uses WebOTP's cross-origin iframe form so the browser can fill the
	// code into the framed widget.
	Origin string `json:"origin"`

	keys       *secret.Keys       // hashes the travellers' names
	digits     string             // Mobile, checked
	travellers []domain.Traveller // Travellers, checked
}

// Check implements api.Request.
func (req *startRequest) Check() (err error) {
	if req.Travellers != nil {
		return req.checkFamily()
	}
	if err := api.Required([2]string{"entity", req.Entity}, [2]string{"mobile", req.Mobile},
		[2]string{"name", req.Name}, [2]string{"nonce", req.Nonce}); err != nil {
		return err
	}
	if !store.IsEntityID(req.Entity) {
		return api.Ef("invalid_entity", "entity must look like ent_…")
	}
	if req.digits, err = api.ParseMobile(req.Mobile); err != nil {
		return err
	}
	if err := api.CheckName(req.Name); err != nil {
		return err
	}
	if err := api.CheckNonce(req.Nonce); err != nil {
		return err
	}
	return api.CheckLang(req.Lang)
}

func (req *startRequest) checkFamily() (err error) {
	if req.Name != "" || req.Nonce != "" {
		return api.Ef("invalid_travellers", "send travellers instead of name and nonce, not both")
	}
	if err := api.Required([2]string{"entity", req.Entity}, [2]string{"mobile", req.Mobile}); err != nil {
		return err
	}
	if !store.IsEntityID(req.Entity) {
		return api.Ef("invalid_entity", "entity must look like ent_…")
	}
	if req.digits, err = api.ParseMobile(req.Mobile); err != nil {
		return err
	}
	if req.travellers, err = api.CheckTravellers(req.Travellers, req.keys.NameHash); err != nil {
		return err
	}
	return api.CheckLang(req.Lang)
}

// binding is the keyed hash of a family check's travellers, which its
// transaction keeps and its verification must match.
func binding(k *secret.Keys, ts []domain.Traveller) string {
	hashes, nonces := make([]string, len(ts)), make([]string, len(ts))
	for i, t := range ts {
		hashes[i], nonces[i] = t.NameHash, t.Nonce
	}
	return k.TravellersHash(hashes, nonces)
}

func (h *Handler) startOTP(d *api.Deps, r *http.Request, body []byte) (int, any, error) {
	req := startRequest{keys: h.keys}
	if err := api.DecodeRequest(body, &req); err != nil {
		return 0, nil, err
	}
	ent, err := h.lookupEntity(r.Context(), d, req.Entity)
	if err != nil {
		return 0, nil, err
	}
	topHost := ""
	if req.Origin != "" {
		u, err := url.Parse(req.Origin)
		if err != nil || !slices.Contains(ent.Origins, req.Origin) {
			return 0, nil, api.Ef("invalid_origin", "origin is not a registered origin of %s", ent.ID)
		}
		topHost = u.Hostname()
	}
	lang := req.Lang
	if lang == "" {
		lang = ent.Lang
	}
	start := otp.Start{
		Purpose: otp.PurposeStatus, EntityID: ent.ID, EntityName: ent.DisplayName, Lang: lang,
		Mobile: req.digits, Name: req.Name, Nonce: req.Nonce, ClientIP: h.clientIP(r), Host: h.host, TopHost: topHost,
	}
	if req.travellers != nil {
		// One code for the family: one SMS, one send from the number's limits.
		start.Binding = binding(h.keys, req.travellers)
	}
	t, err := d.OTP.Start(r.Context(), start)
	if err != nil {
		return 0, nil, err
	}
	// Expired state is purged by the cron trigger (Handler.Scheduled).
	return http.StatusAccepted, api.StartedFor(t, h.cfg.Limits), nil
}

// verifyRequest is POST /v1/otp/verify: the code, and for a family check
// the travellers again, exactly as the code was requested for them.
type verifyRequest struct {
	api.OTPRequest
	Travellers []api.Traveller `json:"travellers"`

	keys       *secret.Keys
	travellers []domain.Traveller // Travellers, checked
}

// Check implements api.Request.
func (req *verifyRequest) Check() (err error) {
	if err := req.OTPRequest.Check(); err != nil {
		return err
	}
	if req.Travellers != nil {
		req.travellers, err = api.CheckTravellers(req.Travellers, req.keys.NameHash)
	}
	return err
}

func (h *Handler) verifyOTP(d *api.Deps, r *http.Request, body []byte) (int, any, error) {
	ctx := r.Context()
	req := verifyRequest{keys: h.keys}
	if err := api.DecodeRequest(body, &req); err != nil {
		return 0, nil, err
	}
	if req.travellers != nil {
		return h.verifyFamily(ctx, d, &req)
	}
	// The transaction is finished only once the token exists. A name that
	// matches nobody is also the answer for numbers with nobody registered:
	// the person has proved the number is theirs, so it tells them nothing
	// new.
	res, err := api.WithCode(ctx, d.OTP, otp.PurposeStatus, req.Txn, req.OTP, func(t *store.OTPTransaction) (*issued, error) {
		return h.issue(ctx, d, t)
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, res, nil
}

// verifyFamily answers a family check's verification: a token for every
// traveller the code was requested for, or that traveller's error.
func (h *Handler) verifyFamily(ctx context.Context, d *api.Deps, req *verifyRequest) (int, any, error) {
	bind := binding(h.keys, req.travellers)
	// Travellers other than the code's are refused before the code is
	// tried: a request that cannot succeed spends no attempt and changes
	// nothing. (Who holds the transaction id started it with these very
	// travellers.) A transaction that is gone is for the code check to
	// explain.
	t0, err := d.Store.OTP(ctx, req.Txn)
	switch {
	case err == nil:
		if t0.Purpose == otp.PurposeStatus {
			if err := domain.CheckBinding(t0, bind); err != nil {
				return 0, nil, err
			}
		}
	case !errors.Is(err, store.ErrNotFound):
		return 0, nil, err
	}
	res, err := api.WithCode(ctx, d.OTP, otp.PurposeStatus, req.Txn, req.OTP, func(t *store.OTPTransaction) (*familyIssued, error) {
		if err := domain.CheckBinding(t, bind); err != nil {
			return nil, err
		}
		return h.issueFamily(ctx, d, t, req.travellers)
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, res, nil
}

// issued is POST /v1/otp/verify's answer.
type issued struct {
	ExpiresAt int64  `json:"expires_at"`
	Token     string `json:"token"`
}

// familyIssued is a family check's answer: for each traveller, in the
// request's order, a token or the traveller's error.
type familyIssued struct {
	Tokens []familyToken `json:"tokens"`
}

// familyToken is one traveller's result: {expires_at, token} or {error,
// message}, the code and message of the error table.
type familyToken struct {
	Error     string `json:"error,omitempty"`
	ExpiresAt int64  `json:"expires_at,omitempty"`
	Message   string `json:"message,omitempty"`
	Token     string `json:"token,omitempty"`
}

// issueFamily signs a token for each traveller of the verified family
// transaction t whose name matches someone on its mobile (domain.IssueFamily).
func (h *Handler) issueFamily(ctx context.Context, d *api.Deps, t *store.OTPTransaction, ts []domain.Traveller) (*familyIssued, error) {
	bens, err := d.Store.Beneficiaries(ctx, t.MobileHash)
	if err != nil {
		return nil, err
	}
	life, err := h.lifetime(ctx, d, t.EntityID)
	if err != nil {
		return nil, err
	}
	out, err := domain.IssueFamily(h.cfg.Issuer, t, ts, bens, h.keys.NameHash, h.subjectKey(), h.cfg.Now(), life)
	if err != nil {
		return nil, err
	}
	res := &familyIssued{Tokens: make([]familyToken, len(out))}
	for i, o := range out {
		if o.Err != nil {
			ae := api.Public(o.Err)
			if ae == nil {
				return nil, o.Err
			}
			res.Tokens[i] = familyToken{Error: ae.Code, Message: ae.Message}
			continue
		}
		tok, err := kycvs.Sign(h.cfg.SigningKey, o.Attestation)
		if err != nil {
			return nil, err
		}
		res.Tokens[i] = familyToken{ExpiresAt: o.Attestation.ExpiresAt.Unix(), Token: tok}
	}
	return res, nil
}

// issue signs the status token of the person t names: the beneficiary on
// the transaction's mobile whose normalised name hashes to t.NameHash.
func (h *Handler) issue(ctx context.Context, d *api.Deps, t *store.OTPTransaction) (*issued, error) {
	if domain.IsFamily(t) {
		// A family code verified without its travellers: the caller broke
		// the protocol, and the code is spent like any refused one.
		return nil, domain.ErrTravellersMismatch
	}
	bens, err := d.Store.Beneficiaries(ctx, t.MobileHash)
	if err != nil {
		return nil, err
	}
	ben, err := domain.MatchName(bens, t.NameHash, h.keys.NameHash)
	if err != nil {
		return nil, err
	}
	life, err := h.lifetime(ctx, d, t.EntityID)
	if err != nil {
		return nil, err
	}
	a, err := domain.Issue(h.cfg.Issuer, t, ben, h.subjectKey(), h.cfg.Now(), life)
	if err != nil {
		return nil, err
	}
	tok, err := kycvs.Sign(h.cfg.SigningKey, a)
	if err != nil {
		return nil, err
	}
	return &issued{ExpiresAt: a.ExpiresAt.Unix(), Token: tok}, nil
}

// lifetime is the lifetime of the tokens issued for entity id: a gate
// venue's passes live at most domain.GatePassLifetime. (One primary-key
// read; an entity removed since the code was sent gets the configured
// lifetime, its tokens are refused by no one but it.)
func (h *Handler) lifetime(ctx context.Context, d *api.Deps, id string) (time.Duration, error) {
	e, err := d.Store.Entity(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return 0, err
	}
	return domain.Lifetime(e, h.cfg.TokenLifetime), nil
}

// subjectKey is the pairwise-subject key, derived from HASH_KEY so one secret
// feeds all keyed hashes while each use gets its own key.
func (h *Handler) subjectKey() []byte {
	m := hmac.New(sha256.New, h.cfg.HashKey)
	m.Write([]byte("kycvs/v1/subject-key"))
	return m.Sum(nil)
}

type tokenRequest struct {
	Token string `json:"token"`
	Nonce string `json:"nonce"`
}

func (h *Handler) verifyToken(d *api.Deps, r *http.Request, body []byte) (int, any, error) {
	ctx := r.Context()
	bearerSecret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || bearerSecret == "" || len(bearerSecret) > 200 {
		return 0, nil, api.Challenge(api.E("entity_auth"), `Bearer realm="kycvs"`)
	}
	var req tokenRequest
	if err := api.Decode(body, &req); err != nil {
		return 0, nil, err
	}
	if err := api.Required([2]string{"token", req.Token}, [2]string{"nonce", req.Nonce}); err != nil {
		return 0, nil, err
	}
	if len(req.Token) > kycvs.MaxTokenLength {
		return 0, nil, api.Ef("invalid_token", "token longer than %d bytes", kycvs.MaxTokenLength).WithStatus(http.StatusBadRequest)
	}
	if !store.IsNonce(req.Nonce) {
		return 0, nil, api.Ef("invalid_nonce", "nonce must be 8 to 128 characters of A-Z a-z 0-9 . _ ~ -")
	}
	idem := r.Header.Get("Idempotency-Key")
	if idem != "" && !store.IsIdempotencyKey(idem) {
		return 0, nil, api.E("invalid_idempotency_key")
	}
	ent, err := d.Store.EntityBySecretHash(ctx, secret.TokenHash(bearerSecret))
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil, api.Challenge(api.Ef("entity_auth", "unknown entity secret"), `Bearer realm="kycvs", error="invalid_token"`)
	}
	if err != nil {
		return 0, nil, err
	}
	now := h.cfg.Now()
	a, err := kycvs.Verify(req.Token, h.keyset, kycvs.Expect{Audience: ent.ID, Nonce: req.Nonce, Now: now})
	if err != nil {
		return http.StatusOK, tokenRefused{Message: err.Error(), Reason: verdict(err)}, nil
	}
	// A retry with the same Idempotency-Key (the first answer was lost) is
	// answered as the first time; the token is still used once.
	first, err := d.Store.UseToken(ctx, hex.EncodeToString(a.TokenID[:]), ent.ID, idem, a.ExpiresAt, now)
	if err != nil {
		return 0, nil, err
	}
	if !first {
		return http.StatusOK, tokenRefused{Message: "this token was verified before", Reason: "token_used"}, nil
	}
	return http.StatusOK, tokenValid{
		ExpiresAt:  a.ExpiresAt.Unix(),
		IssuedAt:   a.IssuedAt.Unix(),
		Status:     int(a.Status),
		StatusName: a.Status.String(),
		Subject:    hex.EncodeToString(a.Subject[:]),
		TokenID:    hex.EncodeToString(a.TokenID[:]),
		Valid:      true,
	}, nil
}

// tokenRefused and tokenValid are POST /v1/tokens/verify's answers (fields
// in JSON name order, as the API has always sent them).
type tokenRefused struct {
	Message string `json:"message"`
	Reason  string `json:"reason"`
	Valid   bool   `json:"valid"`
}

type tokenValid struct {
	ExpiresAt  int64  `json:"expires_at"`
	IssuedAt   int64  `json:"issued_at"`
	Status     int    `json:"status"`
	StatusName string `json:"status_name"`
	Subject    string `json:"subject"`
	TokenID    string `json:"token_id"`
	Valid      bool   `json:"valid"`
}

// verdict is the reason of a refused token: kycvs.ErrorCode's code, the
// one vocabulary of every verifier (api.VerifierCodes). Verify returns
// only errors that have one; "token_malformed" covers any it might not.
func verdict(err error) string {
	if c := kycvs.ErrorCode(err); c != "" {
		return c
	}
	return "token_malformed"
}

func (h *Handler) keysJSON(_ *api.Deps, w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		api.WriteError(w, r, api.Ef("method_not_allowed", "use GET"))
		return
	}
	b, err := h.keyset.MarshalJSON()
	if err != nil {
		api.WriteError(w, r, fmt.Errorf("encoding keyset: %w", err))
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json; charset=utf-8")
	hd.Set("Cache-Control", "public, max-age=300")
	hd.Set("Access-Control-Allow-Origin", "*") // public data; lets any verifier fetch it
	hd.Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

func (h *Handler) widget(d *api.Deps, w http.ResponseWriter, r *http.Request) {
	var e *widget.Entity
	if id := r.URL.Query().Get("entity"); store.IsEntityID(id) {
		ent, err := d.Store.Entity(r.Context(), id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			api.WriteError(w, r, err)
			return
		}
		if ent != nil {
			e = &widget.Entity{ID: ent.ID, DisplayName: ent.DisplayName, Purpose: ent.Purpose, Origins: ent.Origins}
		}
	}
	widget.Serve(w, r, e)
}
