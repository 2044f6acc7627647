// Package gate is /gate: a venue's entry device (a phone or tablet at a
// mall, station or airport gate). It shows a fresh challenge every 30 s as a
// QR link to the person's /pass page, scans the pass the person's phone then
// shows, and verifies it with the browser module, offline (SPEC.md, gate
// profile). The worker renders a static shell and the service worker that
// keeps the page usable without a network; everything a device knows (its
// venue, its challenges, the token ids it has seen) stays on the device.
//
// A device signs in once, online, with its gate token (kycvs-admin gate
// add): POST /v1/gate/session answers the venue the token belongs to. The
// token is 256 random bits stored only as secret.TokenHash, like every
// bearer token of the service. Why a token and not the venue id alone: the
// id is printed in every challenge QR, so anyone could set up a "gate" under
// a venue's name; the token ties a device to the venue its administrator
// registered, and re-registering the gate (a new token) signs every old
// device out at its next online start, without a visit to each one.
package gate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html"
	"net/http"

	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/assets"
	"github.com/kycvs/kycvs/worker/page"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/store"
)

// Routes are the gate's routes, for service.New.
func Routes() []api.Route {
	return []api.Route{
		{Pattern: "/gate", Raw: servePage},
		{Pattern: "/gate/sw.js", Raw: serveSW},
		{Pattern: "/v1/gate/session", Methods: map[string]api.Endpoint{http.MethodPost: session}},
	}
}

// scriptKeys are the strings gate.js uses (the page's other strings are
// rendered here).
var scriptKeys = []string{
	"checking", "loading", "err_gate_auth", "err_network", "err_generic", "signed_out", "renews_in", "qr_alt",
	"scanning", "camera_error", "keys_age", "keys_old", "keys_never", "offline", "module_error",
	"v_0", "v_1", "v_2", "v_invalid", "r_signature", "r_audience", "r_nonce", "r_old_challenge", "r_expired",
	"r_not_yet_valid", "r_unknown_key", "r_malformed", "r_replay", "r_lifetime",
}

// precache are the logical assets the service worker keeps for offline
// use: everything the page needs until a verdict.
var precache = []string{
	"common/page.css", "common/page.js", "gate/gate.css", "gate/gate.js", "gate/jsqr.js", "pass/qrcode.js", "pass/module.js",
	"gate/manifest.webmanifest", "worker.js", "wasm_exec.js", "kycvs.wasm",
}

func allowGet(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	api.WriteError(w, r, api.Ef("method_not_allowed", "use GET"))
	return false
}

func servePage(_ *api.Deps, w http.ResponseWriter, r *http.Request) {
	if !allowGet(w, r) {
		return
	}
	l := Strings.Pick(r)
	t := func(k string) string { return html.EscapeString(Strings.T(l.Tag, k)) }
	js := map[string]string{}
	for _, k := range scriptKeys {
		js[k] = Strings.T(l.Tag, k)
	}
	body := `<main id="gate">
<section data-screen id="boot">
<h1>` + t("title") + `</h1>
<p id="boot-state" role="status">` + t("loading") + `</p>
</section>
<section data-screen id="signin" hidden>
<h1>` + t("signin_heading") + `</h1>
<p>` + t("signin_help") + `</p>
<form id="signin-form" novalidate>
<label for="token">` + t("token_label") + `</label>
<input id="token" name="token" type="password" autocomplete="off" spellcheck="false" autocapitalize="off" maxlength="100" required>
<button type="submit">` + t("signin") + `</button>
</form>
<p id="signin-error" class="error" role="alert"></p>
</section>
<section data-screen id="ready" hidden>
<h1 id="venue"></h1>
<p id="keys" role="status"></p>
<div class="challenge">
<p class="scan-here">` + t("scan_here") + `</p>
<canvas id="challenge-qr" role="img" width="264" height="264"></canvas>
<p class="code"><span>` + t("code_label") + `</span> <strong id="challenge-code" dir="ltr"></strong></p>
<p id="challenge-timer" class="timer"></p>
</div>
<div class="scanner">
<video id="camera" muted playsinline aria-hidden="true" hidden></video>
<button id="start" type="button">` + t("start") + `</button>
<p id="scan-state" role="status"></p>
</div>
<button id="sign-out" type="button" class="link">` + t("sign_out") + `</button>
</section>
<section data-screen id="verdict" hidden>
<h1 id="verdict-title" tabindex="-1"></h1>
<p id="verdict-reason"></p>
<button id="next" type="button">` + t("next") + `</button>
</section>
</main>
<div id="announce" class="visually-hidden" role="alert" aria-live="assertive"></div>`
	page.Write(w, r, http.StatusOK, page.Doc{
		Lang:    l,
		Title:   Strings.T(l.Tag, "title"),
		Styles:  []string{"common/page.css", "gate/gate.css"},
		Scripts: []string{"common/page.js", "pass/qrcode.js", "pass/module.js", "gate/gate.js"},
		Body:    body,
		Strings: js,
		// jsQR is loaded only where the browser has no BarcodeDetector.
		Data:     map[string]string{"worker": assets.Path("worker.js"), "jsqr": assets.Path("gate/jsqr.js")},
		Camera:   true,
		Manifest: "gate/manifest.webmanifest",
		Switcher: Strings.Langs(),
	})
}

// serveSW serves the service worker at a stable address whose content
// changes with every deploy (it names the hashed files), so a device picks
// up a new version at its next online start. Its logic is the hashed
// gate/sw.js; this file only hands it the list. Service-Worker-Allowed lets
// it control /gate itself, which is not under /gate/.
func serveSW(_ *api.Deps, w http.ResponseWriter, r *http.Request) {
	if !allowGet(w, r) {
		return
	}
	files := []string{"/gate", "/.well-known/kycvs/keys.json"}
	for _, a := range precache {
		files = append(files, assets.Path(a))
	}
	list, _ := json.Marshal(files)
	sum := sha256.Sum256(list)
	src := "// The gate's service worker (worker/pages/gate): the files to keep, then the logic.\n" +
		"self.KYCVS_GATE = {version: " + string(mustJSON(hex.EncodeToString(sum[:6]))) + ", files: " + string(list) + "};\n" +
		"importScripts(" + string(mustJSON(assets.Path("gate/sw.js"))) + ");\n"
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Service-Worker-Allowed", "/gate")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; connect-src 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write([]byte(src))
	}
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

type sessionRequest struct {
	Token string `json:"token"`
}

// sessionAnswer is POST /v1/gate/session's answer: the venue the device
// now checks for.
type sessionAnswer struct {
	Name  string `json:"name"`
	Venue string `json:"venue"`
}

// session signs a gate device in: the venue whose gate token this is.
func session(d *api.Deps, r *http.Request, body []byte) (int, any, error) {
	var req sessionRequest
	if err := api.Decode(body, &req); err != nil {
		return 0, nil, err
	}
	if err := api.Required([2]string{"token", req.Token}); err != nil {
		return 0, nil, err
	}
	if len(req.Token) > 100 {
		return 0, nil, api.E("gate_auth")
	}
	e, err := d.Store.GateByTokenHash(r.Context(), secret.TokenHash(req.Token))
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil, api.E("gate_auth")
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, sessionAnswer{Name: e.DisplayName, Venue: e.ID}, nil
}
