package browser

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/kycvs/kycvs/demo"
	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/keys"
	"github.com/kycvs/kycvs/worker/devenv"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/service"
)

var (
	enabled    = os.Getenv("KYCVS_E2E") == "1"
	root       string // repository root
	devKey     *keys.PrivateKey
	hashKey    []byte
	browserCtx context.Context
	artifacts  string
)

func TestMain(m *testing.M) {
	if !enabled {
		os.Exit(m.Run())
	}
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "browser e2e setup:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return 0, err
	}
	root = filepath.Dir(strings.TrimSpace(string(out)))
	vars, changed, err := devenv.Ensure(root)
	if err != nil {
		return 0, err
	}
	if changed {
		return 0, fmt.Errorf("keys/dev.json changed: run scripts/build-site --dev before the browser tests")
	}
	if devKey, err = keys.ParsePrivateKey(vars["SIGNING_KEY"]); err != nil {
		return 0, fmt.Errorf(".dev.vars SIGNING_KEY: %w", err)
	}
	if hashKey, err = hex.DecodeString(vars["HASH_KEY"]); err != nil {
		return 0, fmt.Errorf(".dev.vars HASH_KEY: %w", err)
	}
	var mf struct {
		WasmTags []string `json:"wasm_tags"`
	}
	b, err := os.ReadFile(filepath.Join(root, "site/dist/manifest.json"))
	if err != nil {
		return 0, fmt.Errorf("site not built: %w (run scripts/build-site --dev)", err)
	}
	json.Unmarshal(b, &mf)
	if !strings.Contains(strings.Join(mf.WasmTags, ","), "kycvs_dev") {
		return 0, fmt.Errorf("site/dist is a production build (no kycvs_dev); the module would refuse dev tokens: run scripts/build-site --dev")
	}
	artifacts = filepath.Join(root, "artifacts", "browser")
	os.MkdirAll(artifacts, 0o755)

	udd, err := os.MkdirTemp("", "kycvs-chromium")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(udd)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(udd),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(360, 740),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	var cancel context.CancelFunc
	browserCtx, cancel = chromedp.NewContext(allocCtx)
	defer cancel()
	if err := chromedp.Do(browserCtx); err != nil {
		return 0, fmt.Errorf("starting chromium: %w", err)
	}
	return m.Run(), nil
}

func chromiumPath() string {
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	return "chromium"
}

func needE2E(t *testing.T) {
	t.Helper()
	if !enabled {
		t.Skip("browser tests run with KYCVS_E2E=1 (scripts/test.d/50-browser)")
	}
}

// env is one test's world: a fresh service (harness.Native: own SQLite, own
// limits) and a demo host on another origin registered for two entities.
type env struct {
	t        *testing.T
	s        *harness.Server
	Service  string // http://127.0.0.1:port
	Demo     string // http://localhost:port
	demo     *demo.Server
	Railway  string
	Hotel    string
	mu       sync.Mutex
	tamper   func(body []byte) []byte // rewrites /v1/otp/verify responses in transit
	extra    http.Handler             // serves /__test/ paths on the service origin
	requests []string
}

type envOpts struct {
	limits        otp.Limits
	tokenLifetime time.Duration
}

func newEnv(t *testing.T, o envOpts) *env {
	t.Helper()
	needE2E(t)
	e := &env{t: t, Railway: "ent_e2e_rail", Hotel: "ent_e2e_hotel"}
	demoLn := listen(t, "127.0.0.1:0")
	e.Demo = "http://localhost:" + portOf(demoLn)
	limits := o.limits
	if limits == (otp.Limits{}) {
		limits = otp.DefaultLimits
	}
	// Signed with the dev key and hashed with the dev HASH_KEY: the module
	// of a --dev site build trusts that key.
	e.s = harness.Native(t, harness.Options{
		Key: devKey, HashKey: hashKey, Listen: true, Wrap: e.serviceHandler,
		Entities: []seed.Entity{
			{ID: e.Railway, DisplayName: "Bharat Rail", Purpose: "Boarding a long-distance train", Origins: []string{e.Demo}},
			{ID: e.Hotel, DisplayName: "Hotel Sagar", Purpose: "Hotel check-in", Origins: []string{e.Demo}},
		},
		Handler: func(d harness.Deps) (http.Handler, error) {
			return service.New(service.Config{Environment: "dev", Issuer: "kycvs-e2e", SigningKey: d.Key, HashKey: d.HashKey,
				Keyset: d.Keyset, ServiceOrigin: d.Origin, Limits: limits, TokenLifetime: o.tokenLifetime}, d.Store, d.Sender)
		},
	})
	e.Service = e.s.URL
	e.demo = demo.New(demo.Config{Service: e.Service, Railway: e.Railway, Hotel: e.Hotel})
	serve(t, demoLn, e.demo)
	return e
}

func listen(t *testing.T, addr string) net.Listener {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func portOf(ln net.Listener) string { _, p, _ := net.SplitHostPort(ln.Addr().String()); return p }

func serve(t *testing.T, ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
}

// serviceHandler serves site/dist like Workers Static Assets (an existing
// file wins, with the headers of site/src/_headers) and everything else
// with the worker's handler svc.
func (e *env) serviceHandler(svc http.Handler) http.Handler {
	dist := filepath.Join(root, "site", "dist")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.requests = append(e.requests, r.URL.Path)
		tamper := e.tamper
		e.mu.Unlock()
		if e.extra != nil && strings.HasPrefix(r.URL.Path, "/__test/") {
			e.extra.ServeHTTP(w, r)
			return
		}
		p := filepath.Join(dist, filepath.FromSlash(filepath.Clean("/"+r.URL.Path)))
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && !strings.HasSuffix(p, ".br") && !strings.HasSuffix(p, ".gz") {
			h := w.Header()
			if ct := mime.TypeByExtension(filepath.Ext(p)); ct != "" {
				h.Set("Content-Type", ct)
			}
			if strings.HasPrefix(r.URL.Path, "/a/") {
				h.Set("Cache-Control", "public, max-age=31536000, immutable")
				h.Set("Access-Control-Allow-Origin", "*")
				h.Set("Cross-Origin-Resource-Policy", "cross-origin")
			} else {
				h.Set("Cache-Control", "public, max-age=0, must-revalidate")
				h.Set("Cross-Origin-Resource-Policy", "cross-origin")
			}
			http.ServeFile(w, r, p)
			return
		}
		if tamper != nil && r.URL.Path == "/v1/otp/verify" {
			rec := &recorder{header: http.Header{}, code: 200}
			svc.ServeHTTP(rec, r)
			body := rec.buf.Bytes()
			if rec.code == http.StatusOK {
				body = tamper(body)
			}
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.code)
			w.Write(body)
			return
		}
		svc.ServeHTTP(w, r)
	})
}

type recorder struct {
	header http.Header
	code   int
	buf    bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(c int)           { r.code = c }
func (r *recorder) Write(b []byte) (int, error) { return r.buf.Write(b) }

func (e *env) setTamper(f func([]byte) []byte) {
	e.mu.Lock()
	e.tamper = f
	e.mu.Unlock()
}

// otps returns the codes sent to mobile, newest first.
func (e *env) otps(mobile string) []string {
	var out []string
	for _, m := range e.s.For(e.t).Outbox(mobile) {
		if c := harness.OTPOf(m.Body); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// waitOTP waits until more than n codes were sent to mobile and returns the newest.
func (e *env) waitOTP(mobile string, n int) string {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c := e.otps(mobile); len(c) > n {
			return c[0]
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatalf("no OTP #%d for %s in the outbox", n+1, mobile)
	return ""
}

// --- browser helpers --------------------------------------------------------

type page struct {
	t     *testing.T
	ctx   context.Context // the host tab
	frame context.Context // the widget iframe's target
	wid   string
}

// open loads url in a new 360×740 tab.
func open(t *testing.T, url string) *page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // open the tab before any timeout applies
		t.Fatal(err)
	}
	ctx, cancelT := context.WithTimeout(ctx, 120*time.Second)
	t.Cleanup(cancelT)
	p := &page{t: t, ctx: ctx}
	p.run(chromedp.EmulateViewport(360, 740), chromedp.Navigate(url))
	return p
}

func (p *page) run(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatal(err)
	}
}

func (p *page) in(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.widget(), actions...); err != nil {
		p.t.Fatal(err)
	}
}

// widget returns a chromedp context on the widget's iframe. The widget is
// cross-site, so its DOM lives in another renderer and is reachable only
// through its own target.
func (p *page) widget() context.Context {
	p.t.Helper()
	if p.frame != nil {
		return p.frame
	}
	p.wid = evalHost[string](p, `new Promise(r => { const f = () => { const i = document.querySelector("iframe[data-kycvs-widget]"); i ? r(i.dataset.kycvsWidget) : setTimeout(f, 20) }; f() })`)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		infos, err := chromedp.Targets(p.ctx)
		if err != nil {
			p.t.Fatal(err)
		}
		for _, ti := range infos {
			if ti.Type == "iframe" && strings.Contains(ti.URL, "wid="+p.wid) {
				fctx, cancel := chromedp.NewContext(p.ctx, chromedp.WithTargetID(ti.TargetID))
				p.t.Cleanup(cancel)
				if err := chromedp.Do(fctx); err != nil {
					p.t.Fatal(err)
				}
				p.frame = fctx
				return fctx
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("no iframe target for widget %s", p.wid)
	return nil
}

// evalHost evaluates js (awaiting a Promise) in the host page.
func evalHost[T any](p *page, js string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("host: %s: %v", js, err)
	}
	return v
}

// evalIn evaluates js (awaiting a Promise) in the widget frame.
func evalIn[T any](p *page, js string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.widget(), chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("widget: %s: %v", js, err)
	}
	return v
}

func poll(ctx context.Context, cond string, d time.Duration) error {
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(d)))
	return err
}

// waitIn polls cond (a JS expression) in the widget frame.
func (p *page) waitIn(cond string) {
	p.t.Helper()
	if err := poll(p.widget(), cond, 20*time.Second); err != nil {
		p.t.Fatalf("widget: waiting for %s: %v (state %q, error %q)", cond, err,
			evalIn[string](p, "document.body.dataset.state"), evalIn[string](p, `document.getElementById("error").textContent`))
	}
}

// waitHost polls cond in the host page.
func (p *page) waitHost(cond string) {
	p.t.Helper()
	if err := poll(p.ctx, cond, 20*time.Second); err != nil {
		p.t.Fatalf("host: waiting for %s: %v", cond, err)
	}
}

func (p *page) screenshot(name string) {
	p.t.Helper()
	buf, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(artifacts, name+".png"), buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// typeIn types text into the widget's input sel the way a person does.
func (p *page) typeIn(sel, text string) {
	p.t.Helper()
	p.in(chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text))
}

func (p *page) click(sel string) {
	p.t.Helper()
	p.in(chromedp.Click(chromedp.CSS(sel)))
}

// events returns the host page's recorded widget events (demo.js).
func (p *page) events() []map[string]any {
	return evalHost[[]map[string]any](p, `window.demoEvents || []`)
}

func targets(t *testing.T, p *page) []*target.Info {
	t.Helper()
	infos, err := chromedp.Targets(p.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return infos
}
