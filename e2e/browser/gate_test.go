package browser

// The gate pass (issue 12) end to end: the person's /pass page in the shared
// browser makes a pass; a gate device (its own Chromium, whose camera is a
// fake one playing a .y4m file the test writes from the pass page's QR)
// signs in, shows challenges, scans and judges. Every gate runs its own
// browser because the fake camera's file is a browser flag.

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/service"
	"github.com/kycvs/kycvs/worker/store"
)

// gateEnv is the service with two gate venues and one web entity, a clock
// the test can move, and a switch that cuts the service off the network.
type gateEnv struct {
	*env
	VenueA, VenueB, Web string
	TokenA              string
	down                atomic.Bool
}

func gateNewEnv(t *testing.T) *gateEnv {
	t.Helper()
	needE2E(t)
	g := &gateEnv{env: &env{t: t}, VenueA: "ent_gate_phoenix_g2", VenueB: "ent_gate_station_g1", Web: "ent_gate_web_rail",
		TokenA: "kgate_e2e-" + strings.Repeat("a", 40)}
	limits := otp.DefaultLimits
	limits.ResendAfter, limits.PerMobileHour = 0, 1000
	g.s = harness.Native(t, harness.Options{
		Key: devKey, HashKey: hashKey, Listen: true, Wrap: g.wrap,
		Entities: []seed.Entity{
			{ID: g.VenueA, DisplayName: "Phoenix Mall — Gate 2", Purpose: "Entry", Kind: store.KindGate, GateTokenHash: secret.TokenHash(g.TokenA)},
			{ID: g.VenueB, DisplayName: "Central Station — Gate 1", Purpose: "Entry", Kind: store.KindGate, GateTokenHash: secret.TokenHash("kgate_e2e-b")},
			{ID: g.Web, DisplayName: "Bharat Rail", Purpose: "Boarding", Origins: []string{"http://localhost:1"}},
		},
		Handler: func(d harness.Deps) (http.Handler, error) {
			return service.New(service.Config{Environment: "dev", Issuer: "kycvs-e2e", SigningKey: d.Key, HashKey: d.HashKey,
				Keyset: d.Keyset, ServiceOrigin: d.Origin, Limits: limits, Now: d.Now}, d.Store, d.Sender)
		},
	})
	g.Service = g.s.URL
	return g
}

// wrap serves like Workers (static files, then the worker), except while
// the network is cut: then every connection is dropped unanswered.
func (g *gateEnv) wrap(svc http.Handler) http.Handler {
	inner := g.serviceHandler(svc)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g.down.Load() {
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		inner.ServeHTTP(w, r)
	})
}

// gatePass makes a pass on the pass page (lang) for venue and challenge,
// as who, and returns the token and the PNG of the page's QR code.
func (g *gateEnv) gatePass(t *testing.T, lang, venue, challenge string, who seed.Person, shot string) (string, []byte) {
	t.Helper()
	g.env.t = t
	p := open(t, fmt.Sprintf("%s/pass?venue=%s&c=%s&lang=%s", g.Service, venue, challenge, lang))
	p.run(chromedp.WaitVisible(chromedp.CSS("#mobile")))
	n := len(g.otps(who.Mobile))
	p.run(chromedp.SendKeys(chromedp.CSS("#mobile"), who.Mobile), chromedp.SendKeys(chromedp.CSS("#name"), who.Name))
	if shot != "" {
		gateShot(t, p.ctx, "pass-form-"+shot)
	}
	g.gatePassSend(t, p, who.Mobile, n)
	if shot != "" {
		gateShot(t, p.ctx, "pass-shown-"+shot)
	}
	tok := evalHost[string](p, `document.getElementById("pass-qr").dataset.token`)
	return tok, gateDataURL(t, evalHost[string](p, `document.getElementById("pass-qr").toDataURL("image/png")`))
}

// gatePassSend sends the filled form of pass page p, enters the code that
// then comes to mobile (the n+1-th there) and consents: the pass is shown.
func (g *gateEnv) gatePassSend(t *testing.T, p *page, mobile string, n int) {
	t.Helper()
	p.run(chromedp.Click(chromedp.CSS("#send")))
	code := g.waitOTP(mobile, n)
	if err := poll(p.ctx, `document.body.dataset.screen === "otp"`, 20*time.Second); err != nil {
		t.Fatalf("no code screen: %v (error %q)", err, evalHost[string](p, `document.getElementById("error").textContent`))
	}
	p.run(chromedp.SendKeys(chromedp.CSS("#otp-input"), code), chromedp.Click(chromedp.CSS("#consent")), chromedp.Click(chromedp.CSS("#verify")))
	if err := poll(p.ctx, `document.body.dataset.screen === "shown"`, 20*time.Second); err != nil {
		t.Fatalf("no pass: %v (error %q)", err, evalHost[string](p, `document.getElementById("error").textContent`))
	}
}

// gateQR draws text as a QR code with the pages' own encoder (for tokens
// no pass page shows: tampered, or issued to a web entity).
func (g *gateEnv) gateQR(t *testing.T, text string) []byte {
	t.Helper()
	p := open(t, g.Service+"/pass?venue="+g.VenueA)
	p.run(chromedp.WaitVisible(chromedp.CSS("#challenge")))
	return gateDataURL(t, evalHost[string](p, `(() => { const q = qrcode(0, "L"); q.addData(`+jsString(text)+`, "Byte"); q.make();
	  const n = q.getModuleCount(), px = 4, s = px * (n + 8), c = document.createElement("canvas"); c.width = c.height = s;
	  const g = c.getContext("2d"); g.fillStyle = "#fff"; g.fillRect(0, 0, s, s); g.fillStyle = "#000";
	  for (let r = 0; r < n; r++) for (let k = 0; k < n; k++) if (q.isDark(r, k)) g.fillRect((k + 4) * px, (r + 4) * px, px, px);
	  return c.toDataURL("image/png"); })()`))
}

func gateDataURL(t *testing.T, u string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(u, "data:image/png;base64,"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// gateY4M writes the fake camera's video: 640×480 at 30 frames/s, the QR
// image centred for qrFrames, then white for blankFrames; Chromium loops
// it, so the pass keeps entering the camera's view.
func gateY4M(path string, qrPNG []byte, qrFrames, blankFrames int) error {
	const w, h = 640, 480
	var qr image.Image
	if qrPNG != nil {
		var err error
		if qr, err = png.Decode(bytes.NewReader(qrPNG)); err != nil {
			return err
		}
	}
	white := bytes.Repeat([]byte{235}, w*h)
	with := append([]byte(nil), white...)
	if qr != nil {
		b := qr.Bounds()
		scale := 1.0
		if m := max(b.Dx(), b.Dy()); m > 440 {
			scale = 440 / float64(m)
		}
		qw, qh := int(float64(b.Dx())*scale), int(float64(b.Dy())*scale)
		x0, y0 := (w-qw)/2, (h-qh)/2
		for y := 0; y < qh; y++ {
			for x := 0; x < qw; x++ {
				r, gg, bb, _ := qr.At(b.Min.X+int(float64(x)/scale), b.Min.Y+int(float64(y)/scale)).RGBA()
				lum := (299*r + 587*gg + 114*bb) / 1000 >> 8
				with[(y0+y)*w+x0+x] = byte(16 + lum*219/255)
			}
		}
	}
	chroma := bytes.Repeat([]byte{128}, w*h/2)
	var out bytes.Buffer
	out.WriteString(fmt.Sprintf("YUV4MPEG2 W%d H%d F30:1 Ip A1:1 C420jpeg\n", w, h))
	frame := func(y []byte) { out.WriteString("FRAME\n"); out.Write(y); out.Write(chroma) }
	for range qrFrames {
		frame(with)
	}
	for range blankFrames {
		frame(white)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, out.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// gateDevice is a gate: its own Chromium with a fake camera.
type gateDevice struct {
	t   *testing.T
	g   *gateEnv
	ctx context.Context
	cam string
}

// gateOpen starts a gate device and signs it in (the sign-in link) in lang.
func (g *gateEnv) gateOpen(t *testing.T, lang string) *gateDevice {
	t.Helper()
	dir := t.TempDir()
	d := &gateDevice{t: t, g: g, cam: filepath.Join(dir, "camera.y4m")}
	if err := gateY4M(d.cam, nil, 2, 0); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", d.cam),
		chromedp.WindowSize(360, 740),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	ctx, cancelT := context.WithTimeout(ctx, 150*time.Second)
	t.Cleanup(cancelT)
	d.ctx = ctx
	d.run(chromedp.EmulateViewport(360, 740), chromedp.Navigate(g.Service+"/gate?lang="+lang+"#token="+g.TokenA))
	d.wait(`document.body.dataset.screen === "ready" && !!document.getElementById("challenge-code").dataset.code`)
	if h := d.eval(`location.hash`); h != "" {
		t.Errorf("the sign-in token stays in the address bar: %q", h)
	}
	return d
}

func (d *gateDevice) run(actions ...chromedp.Action[chromedp.Void]) {
	d.t.Helper()
	if err := chromedp.Do(d.ctx, actions...); err != nil {
		d.t.Fatal(err)
	}
}

func (d *gateDevice) eval(js string) string {
	d.t.Helper()
	v, err := chromedp.Run(d.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		d.t.Fatalf("gate: %s: %v", js, err)
	}
	return v
}

func (d *gateDevice) wait(cond string) {
	d.t.Helper()
	if err := poll(d.ctx, cond, 45*time.Second); err != nil {
		d.t.Fatalf("gate: waiting for %s: %v (screen %q)", cond, err, d.eval(`document.body.dataset.screen || ""`))
	}
}

// challenge is the code the gate shows now.
func (d *gateDevice) challenge() string {
	return d.eval(`document.getElementById("challenge-code").dataset.code`)
}

// shift moves the gate's clock (Date.now, the only one its page and its
// module use) by s seconds: the test's hook, nothing in the page has one.
func (d *gateDevice) shift(s int) {
	d.eval(fmt.Sprintf(`(() => { if (!window.__real) { window.__real = Date.now.bind(Date); window.__shift = 0;
	  Date.now = () => window.__real() + window.__shift; } window.__shift += %d; return "" })()`, s*1000))
}

// scan puts the QR in front of the camera and returns the next verdict:
// its kind (full, partial, none, invalid), the reason's string key, and the
// words on screen.
func (d *gateDevice) scan(qrPNG []byte) (kind, reason, words string) {
	d.t.Helper()
	if err := gateY4M(d.cam, qrPNG, 30, 15); err != nil {
		d.t.Fatal(err)
	}
	if d.eval(`String(document.getElementById("start").hidden)`) == "false" {
		d.run(chromedp.Click(chromedp.CSS("#start")))
	}
	return d.verdict()
}

func (d *gateDevice) verdict() (kind, reason, words string) {
	d.t.Helper()
	d.wait(`!!document.body.dataset.verdict`)
	return d.eval(`document.body.dataset.verdict`), d.eval(`document.body.dataset.reason || ""`),
		d.eval(`document.getElementById("verdict-title").textContent + " — " + document.getElementById("verdict-reason").textContent`)
}

// next waits for the gate to be ready for the next person.
func (d *gateDevice) next() {
	d.wait(`!document.body.dataset.verdict && document.body.dataset.screen === "ready"`)
}

func gateShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(artifacts, "gate")
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGateVerdicts: the three statuses, each on a gate in another language,
// and the same pass scanned twice.
func TestGateVerdicts(t *testing.T) {
	g := gateNewEnv(t)
	for _, tc := range []struct {
		lang, kind string
		who        seed.Person
	}{
		{"en", "full", person(t, "9876500001", "Ramesh Kumar")},
		{"hi", "partial", person(t, "9876500002", "Priya Sharma")},
		{"ur", "none", person(t, "9876500003", "Arjun Singh")},
	} {
		t.Run(tc.lang+"/"+tc.kind, func(t *testing.T) {
			d := g.gateOpen(t, tc.lang)
			gateShot(t, d.ctx, "gate-ready-"+tc.lang)
			_, qr := g.gatePass(t, tc.lang, g.VenueA, d.challenge(), tc.who, tc.lang)
			kind, reason, words := d.scan(qr)
			if kind != tc.kind || reason != "" {
				t.Fatalf("verdict %s %s (%s), want %s", kind, reason, words, tc.kind)
			}
			gateShot(t, d.ctx, "gate-verdict-"+tc.kind+"-"+tc.lang)
			if tc.lang != "en" {
				return
			}
			// The same pass again, once it has left the camera and come back.
			d.next()
			kind, reason, words = d.verdict()
			if kind != "invalid" || reason != "r_replay" || !strings.Contains(words, "already used") {
				t.Fatalf("second scan: %s %s (%s)", kind, reason, words)
			}
			gateShot(t, d.ctx, "gate-verdict-replay-en")
		})
	}
}

// TestGateRefusals: passes the gate must refuse, each with its reason.
func TestGateRefusals(t *testing.T) {
	g := gateNewEnv(t)
	flip := func(tok string) string {
		b := []byte(tok)
		i := strings.LastIndexByte(tok, '.') + 20 // inside the signature
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	cases := []struct {
		name, lang, reason, words string
		make                      func(t *testing.T, d *gateDevice) []byte
	}{
		{"another venue", "bn", "r_audience", "অন্য স্থানের", func(t *testing.T, d *gateDevice) []byte {
			_, qr := g.gatePass(t, "bn", g.VenueB, d.challenge(), person(t, "9876500005", "Imran Khan"), "bn")
			return qr
		}},
		{"one flipped character", "en", "r_signature", "altered or forged", func(t *testing.T, d *gateDevice) []byte {
			tok, _ := g.gatePass(t, "en", g.VenueA, d.challenge(), person(t, "9876500006", "अनीता गुप्ता"), "")
			return g.gateQR(t, flip(tok))
		}},
		{"a web entity's token", "en", "r_audience", "another venue", func(t *testing.T, d *gateDevice) []byte {
			who := person(t, "9876500008", "زینب فاطمہ")
			s := g.s.For(t)
			r := s.Do("POST", "/v1/otp", "", map[string]any{"entity": g.Web, "mobile": who.Mobile, "name": who.Name, "nonce": d.challenge()})
			r = s.Do("POST", "/v1/otp/verify", "", map[string]any{"txn": r.Str("txn"), "otp": s.LastOTP(who.Mobile)})
			if r.Str("token") == "" {
				t.Fatalf("no token: %v", r.Body)
			}
			return g.gateQR(t, r.Str("token"))
		}},
		{"challenge older than two minutes", "en", "r_old_challenge", "older than 2 minutes", func(t *testing.T, d *gateDevice) []byte {
			// The gate showed c 200 s ago: its clock goes back 200 s (c is
			// taken off the screen then), and forward again.
			c := d.challenge()
			d.shift(-200)
			d.wait(`document.getElementById("challenge-code").dataset.code !== ` + jsString(c))
			d.shift(200)
			_, qr := g.gatePass(t, "en", g.VenueA, c, person(t, "9876500007", "ফাতেমা বেগম"), "")
			return qr
		}},
		{"expired pass", "en", "r_expired", "expired", func(t *testing.T, d *gateDevice) []byte {
			_, qr := g.gatePass(t, "en", g.VenueA, d.challenge(), person(t, "9876500001", "Ramesh Kumar"), "")
			d.shift(180) // a screenshot shown three minutes later
			return qr
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := g.gateOpen(t, tc.lang)
			if tc.lang == "bn" {
				gateShot(t, d.ctx, "gate-ready-bn")
			}
			kind, reason, words := d.scan(tc.make(t, d))
			if kind != "invalid" || reason != tc.reason || !strings.Contains(words, tc.words) {
				t.Fatalf("verdict %s %s (%s), want invalid %s with %q", kind, reason, words, tc.reason, tc.words)
			}
			gateShot(t, d.ctx, "gate-refused-"+tc.reason+"-"+tc.lang)
		})
	}
}

// TestGateOffline: after its first load the gate keeps verifying with the
// network cut (DevTools offline, and the service itself unreachable), even
// across a reload: the service worker serves the page, scripts and module.
func TestGateOffline(t *testing.T) {
	g := gateNewEnv(t)
	d := g.gateOpen(t, "en")
	d.wait(`document.body.dataset.offlineReady === "1"`)
	// Installable: Chromium finds nothing missing (manifest, icon, service
	// worker).
	inst, err := chromedp.Call(d.ctx, cdppage.GetInstallabilityErrors, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range inst.InstallabilityErrors {
		t.Errorf("not installable: %s %v", e.ErrorID, e.ErrorArguments)
	}
	_, qr := g.gatePass(t, "en", g.VenueA, d.challenge(), person(t, "9876500001", "Ramesh Kumar"), "")

	g.down.Store(true)
	t.Cleanup(func() { g.down.Store(false) })
	off := true
	if _, err := chromedp.Call(d.ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(d.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		EmulateOfflineServiceWorker: &off, MatchedNetworkConditions: []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(d.ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", strings.TrimPrefix(g.Service, "http://"), time.Second); err == nil {
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		fmt.Fprintf(c, "GET /gate HTTP/1.1\r\nHost: x\r\n\r\n")
		if n, _ := c.Read(make([]byte, 1)); n > 0 {
			t.Fatal("the service still answers with the network cut")
		}
		c.Close()
	}
	d.run(chromedp.Navigate(g.Service + "/gate?lang=en"))
	d.wait(`document.body.dataset.screen === "ready" && !!document.getElementById("challenge-code").dataset.code`)
	kind, reason, words := d.scan(qr)
	if kind != "full" {
		t.Fatalf("offline verdict %s %s (%s)", kind, reason, words)
	}
	gateShot(t, d.ctx, "gate-offline-verdict-en")
	d.next()
	if k := d.eval(`document.getElementById("keys").textContent`); !strings.Contains(k, "Keys updated") || !strings.Contains(k, "Offline") {
		t.Errorf("keys line offline: %q", k)
	}
	// A day and more without the network: the gate says its keys are old.
	d.shift(25 * 3600)
	d.eval(`(dispatchEvent(new Event("offline")), "")`)
	d.wait(`document.getElementById("keys").textContent.includes("older than a day")`)
	d.next() // the pass still in front of the camera comes back (expired now)
	gateShot(t, d.ctx, "gate-keys-old-en")
}

// TestGatePassTypedCode: a venue's link without a challenge (a printed
// poster) asks for the code shown at the gate, read as the gate writes it.
func TestGatePassTypedCode(t *testing.T) {
	g := gateNewEnv(t)
	p := open(t, g.Service+"/pass?lang=en&venue="+g.VenueA)
	p.run(chromedp.WaitVisible(chromedp.CSS("#challenge")), chromedp.SendKeys(chromedp.CSS("#challenge"), "k7qm-4x"+kb.Enter))
	p.waitHost(`document.getElementById("error").textContent.includes("8 letters") && document.activeElement.id === "challenge"`)
	p.run(chromedp.SendKeys(chromedp.CSS("#challenge"), "po"+kb.Enter))
	p.waitHost(`document.body.dataset.screen === "start" && document.activeElement.id === "mobile"`)
	// O is read as 0: the module now binds the pass to K7QM4XP0.
	who := person(t, "9876500003", "Arjun Singh")
	p.run(chromedp.SendKeys(chromedp.CSS("#mobile"), who.Mobile), chromedp.SendKeys(chromedp.CSS("#name"), who.Name+kb.Enter))
	code := g.waitOTP(who.Mobile, 0)
	p.run(chromedp.WaitVisible(chromedp.CSS("#otp-input")), chromedp.SendKeys(chromedp.CSS("#otp-input"), code), chromedp.Click(chromedp.CSS("#consent")),
		chromedp.Click(chromedp.CSS("#verify")))
	p.waitHost(`document.body.dataset.screen === "shown"`)
	tok := evalHost[string](p, `document.getElementById("pass-qr").dataset.token`)
	if _, err := kycvs.Verify(tok, g.s.Keyset, kycvs.Expect{Audience: g.VenueA, Nonce: "K7QM4XP0"}); err != nil {
		t.Fatalf("pass for the typed code: %v", err)
	}
}

// TestGatePassPageRefuses: the pass page refuses an unknown venue, a web
// entity, and a malformed challenge, with a clear message and nothing to
// fill in.
func TestGatePassPageRefuses(t *testing.T) {
	g := gateNewEnv(t)
	for _, tc := range []struct {
		name, query string
		status      int
		words       string
	}{
		{"unknown venue", "venue=ent_nowhere&c=K7QM4XPA", http.StatusNotFound, "not registered"},
		{"web entity", "venue=" + g.Web + "&c=K7QM4XPA", http.StatusNotFound, "not registered"},
		{"malformed challenge", "venue=" + g.VenueA + "&c=K7QM4XP%21", http.StatusBadRequest, "not valid"},
		{"lowercase challenge", "venue=" + g.VenueA + "&c=k7qm4xpa", http.StatusBadRequest, "not valid"},
		{"no venue", "c=K7QM4XPA", http.StatusNotFound, "not registered"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Get(g.Service + "/pass?" + tc.query + "&lang=en")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("HTTP %d, want %d", resp.StatusCode, tc.status)
			}
			p := open(t, g.Service+"/pass?"+tc.query+"&lang=en")
			msg := evalHost[string](p, `document.getElementById("refusal") ? document.getElementById("refusal").textContent : ""`)
			if !strings.Contains(msg, tc.words) || evalHost[bool](p, `!!document.getElementById("mobile")`) {
				t.Fatalf("message %q, or a form to fill in", msg)
			}
			if tc.name == "unknown venue" || tc.name == "malformed challenge" {
				gateShot(t, p.ctx, "pass-refused-"+strings.ReplaceAll(tc.name, " ", "-"))
			}
		})
	}
}

// TestGateWrangler runs a gate check against the real Worker in wrangler
// dev (workerd, local D1 with migration 0007, Workers Static Assets): a
// pass for a fully vaccinated person, its lifetime, the verdict, and the
// pass page refusing a web entity.
func TestGateWrangler(t *testing.T) {
	needE2E(t)
	if os.Getenv("KYCVS_E2E_WRANGLER") == "0" {
		t.Skip("KYCVS_E2E_WRANGLER=0")
	}
	g := &gateEnv{env: &env{t: t}, VenueA: "ent_gate_phoenix_g2", Web: "ent_gate_web_rail", TokenA: "kgate_e2e-" + strings.Repeat("w", 40)}
	g.s = harness.Workerd(t, harness.Options{Entities: []seed.Entity{
		{ID: g.VenueA, DisplayName: "Phoenix Mall — Gate 2", Purpose: "Entry", Kind: store.KindGate, GateTokenHash: secret.TokenHash(g.TokenA)},
		{ID: g.Web, DisplayName: "Bharat Rail", Purpose: "Boarding", Origins: []string{"http://localhost:1"}},
	}})
	g.Service = g.s.URL
	d := g.gateOpen(t, "en")
	c := d.challenge()
	tok, qr := g.gatePass(t, "en", g.VenueA, c, person(t, "9876500001", "Ramesh Kumar"), "")
	a, err := kycvs.Verify(tok, g.s.Keyset, kycvs.Expect{Audience: g.VenueA, Nonce: c})
	if err != nil || a.ExpiresAt.Sub(a.IssuedAt) != 120*time.Second {
		t.Fatalf("pass %v, lifetime %v", err, a.ExpiresAt.Sub(a.IssuedAt))
	}
	if kind, reason, words := d.scan(qr); kind != "full" {
		t.Fatalf("verdict %s %s (%s)", kind, reason, words)
	}
	resp, err := http.Get(g.Service + "/pass?venue=" + g.Web + "&c=" + c)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a web entity's pass page: %s", resp.Status)
	}
}
