package service

// The dev SMS outbox: what a gateway would have sent, for people running
// the demo and for tests. Only in ENVIRONMENT=dev (New routes it then) and
// only on a loopback host.

import (
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/mobile"
	"github.com/kycvs/kycvs/worker/store"
)

// outbox lists the dev SMS outbox: GET /dev/outbox[?to=<mobile>&limit=N].
// Only on a loopback host: it holds every code in clear, so even a dev
// deployment that is reachable from elsewhere must not show it.
func (h *Handler) outbox(d *api.Deps, w http.ResponseWriter, r *http.Request) {
	if !onLoopback(r) {
		api.WriteError(w, r, api.E("not_found"))
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		api.WriteError(w, r, api.Ef("method_not_allowed", "use GET"))
		return
	}
	q := r.URL.Query()
	to := ""
	if s := q.Get("to"); s != "" {
		d, err := mobile.Parse(s)
		if err != nil {
			api.WriteError(w, r, api.Ef("invalid_mobile", "to must be an Indian mobile number"))
			return
		}
		to = d
	}
	limit := 50
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 && n <= 500 {
		limit = n
	}
	msgs, err := d.Store.Outbox(r.Context(), to, limit)
	if err != nil {
		api.WriteError(w, r, err)
		return
	}
	api.SecurityHeaders(w.Header())
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		writeOutboxHTML(w, msgs)
		return
	}
	api.WriteJSON(w, http.StatusOK, struct {
		Messages []store.OutboxMessage `json:"messages"`
	}{msgs})
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
