//go:build !kycvs_dev

package service

import "github.com/kycvs/kycvs/worker/api"

// devRoutes: a production build has no sandbox (devtokens.go is built only
// with the kycvs_dev tag).
func (h *Handler) devRoutes() []api.Route { return nil }
