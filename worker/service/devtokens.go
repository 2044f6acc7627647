//go:build kycvs_dev

package service

// The sandbox: POST /dev/tokens mints a real status token signed with the
// development key, so that an entity's own server tests can verify tokens
// (any verifier, docs/VERIFIERS.md) without a browser, a mobile number or
// an SMS. This file is built only with the kycvs_dev tag (scripts/build-worker
// --dev), so no production build contains any of it; New routes it only
// under ENVIRONMENT=dev, and it answers only on a loopback host and only
// while the signing key is not a published production key.

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/keys"
	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/store"
)

// devRoutes are the routes of a development build under ENVIRONMENT=dev.
func (h *Handler) devRoutes() []api.Route {
	return []api.Route{{Pattern: "/dev/tokens", Methods: map[string]api.Endpoint{http.MethodPost: h.devToken}}}
}

type devTokenRequest struct {
	Entity string `json:"entity"`
	Nonce  string `json:"nonce"`
	Status *int   `json:"status"`
}

func (req *devTokenRequest) Check() error {
	if err := api.Required([2]string{"entity", req.Entity}, [2]string{"nonce", req.Nonce}); err != nil {
		return err
	}
	if req.Status == nil {
		return api.Ef("missing_field", "status is required")
	}
	if !store.IsEntityID(req.Entity) {
		return api.E("invalid_entity")
	}
	if !store.IsNonce(req.Nonce) {
		return api.E("invalid_nonce")
	}
	if *req.Status < 0 || *req.Status > int(kycvs.FullyVaccinated) {
		return api.E("invalid_status")
	}
	return nil
}

// devToken answers {entity, nonce, status} with {expires_at, token}, the
// answer of POST /v1/otp/verify: a token for that registered entity and
// nonce, with that status, signed now with the dev key. Its subject is the
// same for every dev token of an entity (one made-up person).
func (h *Handler) devToken(d *api.Deps, r *http.Request, body []byte) (int, any, error) {
	if !onLoopback(r) {
		return 0, nil, api.E("not_found")
	}
	// A dev build whose signing key the production keyset publishes would
	// mint tokens every production verifier accepts.
	if _, published := keys.Published().Has(h.cfg.SigningKey.KeyID()); published {
		return 0, nil, api.Ef("misconfigured", "the signing key is a production key; /dev/tokens signs only with a dev key")
	}
	var req devTokenRequest
	if err := api.DecodeRequest(body, &req); err != nil {
		return 0, nil, err
	}
	if _, err := h.lookupEntity(r.Context(), d, req.Entity); err != nil {
		return 0, nil, err
	}
	now := h.cfg.Now().Truncate(time.Second)
	a := &kycvs.Attestation{
		Issuer:    h.cfg.Issuer,
		Audience:  req.Entity,
		Nonce:     req.Nonce,
		Status:    kycvs.Status(*req.Status),
		IssuedAt:  now,
		ExpiresAt: now.Add(h.cfg.TokenLifetime),
		Subject:   kycvs.PairwiseSubject(h.subjectKey(), req.Entity, "dev-person"),
	}
	if _, err := rand.Read(a.TokenID[:]); err != nil {
		return 0, nil, fmt.Errorf("reading random: %w", err)
	}
	tok, err := kycvs.Sign(h.cfg.SigningKey, a)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, &issued{ExpiresAt: a.ExpiresAt.Unix(), Token: tok}, nil
}
