package api

import (
	"net/http"
	"time"

	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/store"
)

// Started is the answer to every request that sends an OTP (status, booking,
// walk-in): the transaction and its timers, the same whether or not the
// number is registered.
type Started struct {
	ExpiresIn int    `json:"expires_in"`
	ResendIn  int    `json:"resend_in"`
	Txn       string `json:"txn"`
}

// StartedFor is Started for transaction t under limits.
func StartedFor(t *store.OTPTransaction, limits otp.Limits) Started {
	return Started{ExpiresIn: int(limits.Lifetime / time.Second), ResendIn: int(limits.ResendAfter / time.Second), Txn: t.ID}
}

// Challenge adds the WWW-Authenticate challenge of a 401.
func Challenge(e *Error, challenge string) *Error {
	e.Header = http.Header{}
	e.Header.Set("WWW-Authenticate", challenge) // one spelling, canonical

	return e
}
