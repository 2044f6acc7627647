// Package sms sends the service's text messages: OTPs now, appointment slips
// and dose confirmations for the booking flow. There is one Sender interface
// with two implementations: Outbox (environment "dev": messages go to a table
// that tests and the demo read) and Webhook (an HTTPS SMS gateway).
package sms

import (
	"context"
	"time"

	"github.com/kycvs/kycvs/worker/store"
)

// Message is one SMS. To is the 10-digit Indian mobile (without +91).
type Message struct {
	To   string `json:"to"`
	Body string `json:"body"`
	Kind string `json:"kind"` // "otp", "booking", "dose", …: for the gateway's routing and the outbox
	// ID names the message for de-duplication (the OTP transaction, the
	// dose of a confirmation): a message sent again, by a retry in the
	// sender or by the confirmation queue, carries the same
	// X-KYCVS-Idempotency-Key. Empty: the key is derived from the body.
	ID string `json:"-"`
}

// Sender delivers messages. Send returns once the message is accepted for
// delivery (by the gateway, or stored in the outbox).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Outbox is the dev Sender: it stores messages in the sms_outbox table.
type Outbox struct {
	Store store.Store
	Now   func() time.Time
}

// Send implements Sender.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	now := time.Now()
	if o.Now != nil {
		now = o.Now()
	}
	return o.Store.AddOutbox(ctx, m.To, m.Body, m.Kind, now)
}
