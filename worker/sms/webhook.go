package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Webhook sends messages by POSTing JSON to an SMS gateway. The body is
// signed so the gateway can refuse messages that did not come from us:
//
//	X-KYCVS-Timestamp: <unix seconds>
//	X-KYCVS-Signature: v1=<hex HMAC-SHA256(Secret, timestamp || "." || body)>
//
// A failed attempt (network error, timeout or 5xx) is retried once; a 4xx is
// not, since sending the same request again cannot fix it. The gateway should
// de-duplicate on X-KYCVS-Idempotency-Key, which stays the same for the retry.
type Webhook struct {
	URL    string
	Secret []byte
	// Do sends a request: http.DefaultClient.Do natively, the Workers fetch
	// binding in the worker. A function rather than an *http.Client because
	// referencing http.Client links net/http's whole transport (TLS, x509:
	// +1.1 MB gzipped) into the worker's wasm.
	Do      func(*http.Request) (*http.Response, error)
	Timeout time.Duration // per attempt; zero: 5 s
	Now     func() time.Time
}

// Format keeps the secret out of logs in every verb.
func (w *Webhook) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "sms.Webhook{URL: %s, Secret: REDACTED}", w.URL)
}

// Sign returns the X-KYCVS-Signature value for body sent at timestamp ts.
func Sign(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// Send implements Sender.
func (w *Webhook) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(struct {
		To string `json:"to"`
		Message
	}{To: "+91" + m.To, Message: m})
	if err != nil {
		return fmt.Errorf("encoding SMS: %w", err)
	}
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	sig := Sign(w.Secret, ts, body)
	idem := sha256.Sum256(append([]byte(ts), body...))
	if m.ID != "" {
		idem = sha256.Sum256([]byte("kycvs/v1/sms\x00" + m.ID))
	}
	var last error
	for attempt := range 2 {
		retry, err := w.post(ctx, body, ts, sig, hex.EncodeToString(idem[:16]))
		if err == nil {
			return nil
		}
		last = fmt.Errorf("SMS gateway attempt %d: %w", attempt+1, err)
		if !retry || ctx.Err() != nil {
			break
		}
	}
	return last
}

func (w *Webhook) post(ctx context.Context, body []byte, ts, sig, idem string) (retry bool, err error) {
	timeout := w.Timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-KYCVS-Timestamp", ts)
	req.Header.Set("X-KYCVS-Signature", sig)
	req.Header.Set("X-KYCVS-Idempotency-Key", idem)
	if w.Do == nil {
		return false, errors.New("webhook sender has no Do function")
	}
	// Wait for Do or the timeout, whichever comes first: the Workers fetch
	// binding ignores the request's context, so a hanging gateway would
	// otherwise hang the person's request.
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := w.Do(req)
		done <- result{resp, err}
	}()
	var resp *http.Response
	select {
	case res := <-done:
		if res.err != nil {
			return true, res.err
		}
		resp = res.resp
	case <-ctx.Done():
		go func() {
			if res := <-done; res.resp != nil {
				res.resp.Body.Close()
			}
		}()
		return true, fmt.Errorf("no answer: %w", ctx.Err())
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode >= 500:
		return true, fmt.Errorf("status %d", resp.StatusCode)
	default:
		return false, fmt.Errorf("status %d", resp.StatusCode)
	}
}
