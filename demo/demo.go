// Package demo is a small verifying entity: the host side of the embed, as
// a railway booking page and a hotel check-in page, served from an origin
// other than the service's. Its server does what every entity's server must:
// it issues the nonce, and when the page hands it a token it verifies the
// token itself with the protocol package (never trusting the browser's
// check) and accepts each nonce and each token id once.
//
// It uses the protocol package's helpers for entity servers, as a real
// entity's Go server would: kycvs.KeysetCache for the service's keyset and a
// kycvs.ReplayStore for single use (in memory by default; a real entity
// would use kycvs.SQLReplayStore on its own database, so that all its
// processes share it and a restart forgets nothing). The nonces it issued,
// and for which page, it keeps in memory.
//
// It is for demonstrations and the browser tests.
package demo

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/keys"
)

// Config says where the service is and which registered entities the two
// demo sites are.
type Config struct {
	Service string // service origin, e.g. "http://127.0.0.1:8787"
	Railway string // entity id of the railway site
	Hotel   string // entity id of the hotel site
	// Keyset pins the issuer keys. Nil: keep the service's
	// /.well-known/kycvs/keys.json in a kycvs.KeysetCache (which fetches
	// again when a token names a key id the cached set lacks: that is how
	// rotation reaches entities).
	Keyset *keys.Keyset
	// Replay records the tokens and nonces the server accepted. Nil: a
	// kycvs.MemoryReplayStore remembering each for NonceLifetime.
	Replay kycvs.ReplayStore
	Now    func() time.Time // nil: time.Now
}

// NonceLifetime bounds how long a page may take from load to check.
const NonceLifetime = 15 * time.Minute

type site struct {
	Key, Entity, Title, Heading, Intro, Action string
	// Travellers is how many people the page checks at once (a family
	// check: one nonce each); 0 is one, as a single check.
	Travellers int
}

// nonceState is what the server remembers of a nonce it issued, so that a
// token for a nonce it never issued, or issued to the other page, is
// refused. Whether the nonce was used is the replay store's business.
type nonceState struct {
	site   string
	issued time.Time
}

// Server is the demo backend's http.Handler.
type Server struct {
	cfg     Config
	sites   map[string]*site
	mux     *http.ServeMux
	keysets *kycvs.KeysetCache // nil when cfg.Keyset pins the keys

	mu     sync.Mutex
	nonces map[string]*nonceState
	checks []CheckResult
}

// CheckResult is the outcome of one server-side check, as the page gets it.
type CheckResult struct {
	OK         bool   `json:"ok"`
	Site       string `json:"site"`
	Status     int    `json:"status"`
	StatusName string `json:"status_name,omitempty"`
	// Error is a code: for a refused token kycvs.ErrorCode's (docs/API.md,
	// "Token verdicts": the vocabulary every verifier and the widget use),
	// "internal" for a failure of the demo's own, or the demo's own
	// "unknown_site" and "nonce_unknown". Message is for developers.
	Error   string `json:"error,omitempty"`
	Message string `json:"message,omitempty"`
}

//go:embed static
var static embed.FS

// New returns the demo server for cfg.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Replay == nil {
		cfg.Replay = kycvs.NewMemoryReplayStore(&kycvs.ReplayOptions{Retention: NonceLifetime, Now: cfg.Now})
	}
	cfg.Service = strings.TrimRight(cfg.Service, "/")
	s := &Server{
		cfg: cfg,
		sites: map[string]*site{
			"railway": {Key: "railway", Entity: cfg.Railway, Title: "Bharat Rail: book a ticket", Heading: "Book your train ticket",
				Intro: "Travel on this route needs a vaccination status check. Verify below, then confirm the booking.", Action: "Confirm booking"},
			"hotel": {Key: "hotel", Entity: cfg.Hotel, Title: "Hotel Sagar: online check-in", Heading: "Online check-in",
				Intro: "Check in before you arrive. The hotel asks for your vaccination status.", Action: "Complete check-in"},
			"family": {Key: "family", Entity: cfg.Railway, Title: "Bharat Rail: 3 passengers", Heading: "Book for 3 passengers",
				Intro:  "Travel on this route needs a vaccination status check for every passenger. Verify them below, then confirm the booking.",
				Action: "Confirm booking", Travellers: 3},
		},
		mux:    http.NewServeMux(),
		nonces: map[string]*nonceState{},
	}
	if cfg.Keyset == nil {
		s.keysets = kycvs.NewKeysetCache(cfg.Service+kycvs.KeysetPath, nil)
	}
	s.mux.HandleFunc("GET /{$}", s.index)
	s.mux.HandleFunc("GET /railway", s.page)
	s.mux.HandleFunc("GET /hotel", s.page)
	s.mux.HandleFunc("GET /family", s.page)
	s.mux.HandleFunc("POST /api/check", s.check)
	s.mux.HandleFunc("POST /api/nonce", s.newNonce)
	s.mux.Handle("GET /static/", http.FileServerFS(static))
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(w, r)
}

// Checks returns every check the server has answered, oldest first (for tests).
func (s *Server) Checks() []CheckResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CheckResult(nil), s.checks...)
}

// IssueNonce returns a fresh nonce for the named site ("railway", "hotel").
func (s *Server) IssueNonce(siteKey string) string {
	var b [16]byte
	rand.Read(b[:])
	n := base64.RawURLEncoding.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	for k, v := range s.nonces {
		if now.Sub(v.issued) > NonceLifetime {
			delete(s.nonces, k)
		}
	}
	s.nonces[n] = &nonceState{site: siteKey, issued: now}
	return n
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>KYC-VS demo entities</title><link rel="stylesheet" href="/static/demo.css"></head><body><main>
<h1>KYC-VS demo entities</h1><ul><li><a href="/railway">Railway booking</a></li><li><a href="/family">Railway booking, 3 passengers</a></li><li><a href="/hotel">Hotel check-in</a></li></ul>
<p>Languages: add <code>?lang=hi</code>, <code>ur</code> or <code>bn</code>.</p></main></body></html>`)
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	st := s.sites[strings.TrimPrefix(r.URL.Path, "/")]
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = "en"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// The host page's own CSP: the service may be framed and scripted, the
	// verifier worker comes from a blob: URL, nothing inline.
	w.Header().Set("Content-Security-Policy", fmt.Sprintf(
		"default-src 'self'; script-src 'self' %[1]s 'wasm-unsafe-eval'; frame-src %[1]s; worker-src blob:; connect-src 'self' %[1]s; img-src 'self' data:",
		s.cfg.Service))
	// A family page issues one nonce per passenger, exactly as a single
	// page issues one, and verifies each passenger's token alone.
	var nonces []string
	for range max(st.Travellers, 1) {
		nonces = append(nonces, s.IssueNonce(st.Key))
	}
	_ = pageTmpl.Execute(w, map[string]any{
		"Site": st, "Nonce": nonces[0], "Nonces": strings.Join(nonces, " "), "Service": s.cfg.Service, "Lang": lang,
	})
}

// newNonce issues a fresh nonce (and for a family page, fresh nonces: one
// per passenger) when the page starts over.
func (s *Server) newNonce(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Site string `json:"site"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&req); err != nil || s.sites[req.Site] == nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad_request"})
		return
	}
	var nonces []string
	for range max(s.sites[req.Site].Travellers, 1) {
		nonces = append(nonces, s.IssueNonce(req.Site))
	}
	writeJSON(w, http.StatusOK, map[string]any{"nonce": nonces[0], "nonces": nonces})
}

// check is the entity server's side of the protocol: verify the token for
// this entity and this nonce, then consume both.
func (s *Server) check(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Site, Nonce, Token string
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, CheckResult{Error: "bad_request"})
		return
	}
	res, outage := s.verify(r.Context(), req.Site, req.Nonce, req.Token)
	s.mu.Lock()
	s.checks = append(s.checks, res)
	s.mu.Unlock()
	code := http.StatusOK
	switch {
	case outage:
		code = http.StatusServiceUnavailable
	case !res.OK:
		code = http.StatusUnprocessableEntity
	}
	writeJSON(w, code, res)
}

// verify checks token for the page siteKey and the nonce that page was given,
// and records the use. outage reports a refusal that is the server's own
// failure (no keyset, a failed replay store), not the token's.
func (s *Server) verify(ctx context.Context, siteKey, nonce, token string) (res CheckResult, outage bool) {
	res = CheckResult{Site: siteKey}
	st := s.sites[siteKey]
	if st == nil {
		res.Error = "unknown_site"
		return res, false
	}
	now := s.cfg.Now()
	s.mu.Lock()
	ns := s.nonces[nonce]
	nonceOK := ns != nil && ns.site == siteKey && now.Sub(ns.issued) <= NonceLifetime
	s.mu.Unlock()
	if !nonceOK {
		res.Error = "nonce_unknown"
		return res, false
	}
	expect := kycvs.Expect{Audience: st.Entity, Nonce: nonce, Now: now}
	var a *kycvs.Attestation
	var err error
	if s.keysets != nil {
		a, err = s.keysets.Verify(ctx, token, expect)
	} else {
		a, err = kycvs.Verify(token, s.cfg.Keyset, expect)
	}
	if err == nil {
		err = s.cfg.Replay.Use(ctx, a)
	}
	if err != nil {
		res.Error, res.Message = kycvs.ErrorCode(err), err.Error()
		switch res.Error {
		case "":
			res.Error = "internal"
			return res, true
		case "keyset_unavailable":
			return res, true
		}
		return res, false
	}
	res.OK, res.Status, res.StatusName = true, int(a.Status), a.Status.String()
	return res, false
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Site.Title}}</title>
<link rel="stylesheet" href="/static/demo.css">
<script src="{{.Service}}/embed.js" async></script>
<script src="/static/demo.js" defer></script>
</head>
<body class="site-{{.Site.Key}}" data-site="{{.Site.Key}}" data-entity="{{.Site.Entity}}" data-nonce="{{.Nonce}}" data-nonces="{{.Nonces}}">
<header class="brand"><strong>{{if eq .Site.Key "hotel"}}Hotel Sagar{{else}}Bharat Rail{{end}}</strong> <span>demo entity</span></header>
<main>
<h1>{{.Site.Heading}}</h1>
{{if eq .Site.Key "railway"}}
<dl class="trip"><dt>Train</dt><dd>12951 Mumbai Rajdhani</dd><dt>From</dt><dd>Mumbai Central</dd><dt>To</dt><dd>New Delhi</dd><dt>Class</dt><dd>3A, 1 passenger</dd></dl>
{{else if eq .Site.Key "family"}}
<dl class="trip"><dt>Train</dt><dd>12301 Howrah Rajdhani</dd><dt>From</dt><dd>Howrah</dd><dt>To</dt><dd>New Delhi</dd><dt>Class</dt><dd>2A, 3 passengers</dd></dl>
{{else}}
<dl class="trip"><dt>Booking</dt><dd>HS-40217</dd><dt>Stay</dt><dd>2 nights, deluxe room</dd><dt>Guests</dt><dd>1 adult</dd></dl>
{{end}}
<p>{{.Site.Intro}}</p>
<div id="kycvs" data-kycvs-entity="{{.Site.Entity}}" {{if .Site.Travellers}}data-kycvs-nonces="{{.Nonces}}"{{else}}data-kycvs-nonce="{{.Nonce}}"{{end}} data-kycvs-lang="{{.Lang}}"
 data-kycvs-callback="demoResult" data-kycvs-error-callback="demoError" data-kycvs-expired-callback="demoExpired" data-kycvs-shown-callback="demoShown" data-kycvs-ready-callback="demoReady"></div>
<p id="outcome" role="status" aria-live="polite"></p>
{{if .Site.Travellers}}<ul id="passengers"></ul>{{end}}
<button id="confirm" type="button" disabled>{{.Site.Action}}</button>
</main>
</body>
</html>
`))
