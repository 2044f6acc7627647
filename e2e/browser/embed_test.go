package browser

// The embed at the integrator's level (issue 15): the error callback when
// the widget does not show (an unregistered origin, an unknown entity, a
// bad nonce, the network, this page's CSP, a timeout), KYCVS.ready and the
// onload parameter, getResult/isExpired, no leak when a framework removes
// the element, the hidden form field, the theme, and <kycvs-check> in plain
// HTML, React and Vue. Every identifier here starts with "embed".

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/domdebugger"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/seed"
)

// embedHost serves the test pages on an origin of its own, registered for
// the env's entities; the same server as 127.0.0.1 is an origin that is not.
type embedHost struct {
	e            *env
	Origin       string // registered: http://localhost:port
	Unregistered string // http://127.0.0.1:port
	mu           sync.Mutex
	posted       url.Values // the last form posted to /submit
}

func embedEnv(t *testing.T, o envOpts) (*env, *embedHost) {
	t.Helper()
	e := newEnv(t, o)
	ln := listen(t, "127.0.0.1:0")
	h := &embedHost{e: e, Origin: "http://localhost:" + portOf(ln), Unregistered: "http://127.0.0.1:" + portOf(ln)}
	e.s.Exec("UPDATE entities SET origins = origins || ' ' || ?", h.Origin)
	serve(t, ln, h)
	return e, h
}

// embedRecorder records every kycvs:* event that bubbles to the document
// and whether ?onload= ran with the loader.
const embedRecorder = `<script>
window.events = [];
for (const k of ["shown", "ready", "result", "error", "expired"])
  document.addEventListener("kycvs:" + k, ev => events.push({type: k, detail: ev.detail, id: ev.target.id}));
window.embedLoaded = k => { window.loadedWith = (k === window.KYCVS) };
</script>`

func (h *embedHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	esc := html.EscapeString
	entity, nonce := h.e.Railway, q.Get("nonce")
	head := func(service string) string {
		return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>embed test</title>` + embedRecorder + `<script src="` + esc(service) + `/embed.js?onload=embedLoaded" async></script></head><body>`
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	switch r.URL.Path {
	case "/frame":
		// One widget frame at src, and its messages with their times
		// (embed_bench_test.go).
		fmt.Fprint(w, `<!doctype html><meta charset="utf-8"><script>window.msgs = [];
addEventListener("message", ev => { if (ev.data && ev.data.kycvs === 1) msgs.push({type: ev.data.type, t: performance.now()}) });
</script><iframe src="`+esc(q.Get("src"))+`" style="border:0;width:100%;height:400px"></iframe>`)
	case "/blank":
		fmt.Fprint(w, head(h.e.Service)+`<main id="main"></main>`)
	case "/csp":
		// This page's policy lets the loader in but no frame of the service.
		w.Header().Set("Content-Security-Policy", "default-src 'self' 'unsafe-inline' "+h.e.Service+"; frame-src 'none'")
		fmt.Fprint(w, head(h.e.Service)+`<main id="main"></main>`)
	case "/dead":
		// The loader from a service that then goes away (embedDeadService).
		fmt.Fprint(w, head(q.Get("service"))+`<main id="main"></main>`)
	case "/form":
		fmt.Fprint(w, head(h.e.Service)+`<form id="f" method="post" action="/submit">
<input name="booking" value="PNR-1234">
<div id="w" data-kycvs-entity="`+esc(entity)+`" data-kycvs-nonce="`+esc(nonce)+`" data-kycvs-response-field></div>
<button id="go">Book</button></form>`)
	case "/submit":
		if r.Method != http.MethodPost {
			http.Error(w, "post the form", http.StatusMethodNotAllowed)
			return
		}
		r.ParseForm()
		if len(r.PostForm) > 0 { // the form always has its booking field
			h.mu.Lock()
			h.posted = r.PostForm
			h.mu.Unlock()
		}
		fmt.Fprint(w, `<!doctype html><title>booked</title><p id="booked">booked</p>`)
	case "/element":
		fmt.Fprint(w, head(h.e.Service)+`<kycvs-check id="w" entity="`+esc(entity)+`" nonce="`+esc(nonce)+`" theme="`+esc(q.Get("theme"))+`"></kycvs-check>`)
	case "/react":
		// React 18 from npm (scripts/package.json, tests only). It renders
		// the element before embed.js has defined it, and listens through a
		// ref, as React code does.
		fmt.Fprint(w, head(h.e.Service)+`<div id="root"></div>
<script src="/node/react/umd/react.production.min.js"></script>
<script src="/node/react-dom/umd/react-dom.production.min.js"></script>
<script>
window.fwEvents = [];
const e = React.createElement;
function Check(props) {
  const ref = React.useRef(null);
  React.useEffect(() => {
    const el = ref.current, types = ["kycvs:shown", "kycvs:ready", "kycvs:result", "kycvs:error"];
    const on = ev => fwEvents.push({type: ev.type, detail: ev.detail});
    types.forEach(t => el.addEventListener(t, on));
    return () => types.forEach(t => el.removeEventListener(t, on));
  }, []);
  return e("kycvs-check", {ref, id: "w", entity: props.entity, nonce: props.nonce});
}
function App() {
  const [s, set] = React.useState({show: true, nonce: `+jsString(nonce)+`});
  window.setFw = (show, nonce) => set(old => ({show, nonce: nonce || old.nonce}));
  return s.show ? e(Check, {entity: `+jsString(entity)+`, nonce: s.nonce}) : e("p", null, "none");
}
ReactDOM.createRoot(document.getElementById("root")).render(e(App));
</script>`)
	case "/vue":
		// Vue 3 from npm: a render function, events bound with Vue's own
		// on-props (onKycvs:result is the kycvs:result event).
		fmt.Fprint(w, head(h.e.Service)+`<div id="root"></div>
<script src="/node/vue/dist/vue.global.prod.js"></script>
<script>
window.fwEvents = [];
const {createApp, h, ref} = Vue;
createApp({setup() {
  const show = ref(true), nonce = ref(`+jsString(nonce)+`);
  window.setFw = (s, n) => { show.value = s; if (n) nonce.value = n; };
  const on = ev => fwEvents.push({type: ev.type, detail: ev.detail});
  return () => show.value ? h("kycvs-check", {id: "w", entity: `+jsString(entity)+`, nonce: nonce.value,
    "onKycvs:shown": on, "onKycvs:ready": on, "onKycvs:result": on, "onKycvs:error": on}) : h("p", "none");
}}).mount("#root");
</script>`)
	default:
		if p, ok := strings.CutPrefix(r.URL.Path, "/node/"); ok && (strings.HasPrefix(p, "react") || strings.HasPrefix(p, "vue/")) {
			w.Header().Set("Content-Type", "text/javascript")
			http.ServeFile(w, r, filepath.Join(root, "scripts", "node_modules", filepath.FromSlash(filepath.Clean("/"+p))))
			return
		}
		http.NotFound(w, r)
	}
}

// embedEvents returns the page's recorded events of type typ.
func embedEvents(p *page, typ string) []map[string]any {
	return evalHost[[]map[string]any](p, `events.filter(e => e.type === `+jsString(typ)+`)`)
}

// embedRender renders a widget into a new element from the host page and
// waits for its first error event; it returns {code, fatal} and how long
// the error took.
func embedRenderError(t *testing.T, p *page, opts string) (code string, fatal bool, after time.Duration) {
	t.Helper()
	p.waitHost(`typeof KYCVS === "object"`)
	start := time.Now()
	evalHost[bool](p, `(() => { const el = document.createElement("div"); el.id = "x"; document.getElementById("main").append(el);
		KYCVS.render(el, `+opts+`); return true })()`)
	p.waitHost(`events.some(e => e.type === "error")`)
	after = time.Since(start)
	e := embedEvents(p, "error")[0]["detail"].(map[string]any)
	if n := len(embedEvents(p, "shown")); n != 0 {
		t.Errorf("%d shown events", n)
	}
	return e["code"].(string), e["fatal"] == true, after
}

// A widget that cannot show says why, through the error callback, instead
// of leaving a blank frame: from an unregistered origin, for an unknown
// entity, with a bad nonce, and under a page CSP that forbids the frame.
func TestEmbedLoadErrors(t *testing.T) {
	_, h := embedEnv(t, envOpts{})
	for _, c := range []struct {
		name, page, opts, code string
	}{
		{"unregistered-origin", h.Unregistered + "/blank", `{entity: "ent_e2e_rail", nonce: "abcdefgh12345678", onError: e => window.cb = e}`, "invalid_origin"},
		{"unknown-entity", h.Origin + "/blank", `{entity: "ent_e2e_nobody", nonce: "abcdefgh12345678", onError: e => window.cb = e}`, "unknown_entity"},
		{"bad-nonce", h.Origin + "/blank", `{entity: "ent_e2e_rail", nonce: "abc", onError: e => window.cb = e}`, "invalid_nonce"},
		{"csp", h.Origin + "/csp", `{entity: "ent_e2e_rail", nonce: "abcdefgh12345678", onError: e => window.cb = e}`, "csp_blocked"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := open(t, c.page)
			code, fatal, after := embedRenderError(t, p, c.opts)
			if !slices.Contains(api.HostCodes, code) {
				t.Errorf("%s is not a host code", code)
			}
			if code != c.code || !fatal {
				t.Fatalf("error {%s, fatal %v}, want {%s, fatal}", code, fatal, c.code)
			}
			// Well before the 10 s timeout: the frame's load and a HEAD.
			if after > 6*time.Second {
				t.Errorf("reported after %s", after)
			}
			if cb := evalHost[map[string]any](p, `window.cb`); cb["code"] != c.code || cb["fatal"] != true {
				t.Errorf("onError got %v", cb)
			}
			time.Sleep(500 * time.Millisecond)
			if n := len(embedEvents(p, "error")); n != 1 {
				t.Errorf("%d error events, want one", n)
			}
			p.screenshot("embed-error-" + c.name)
		})
	}
}

// A service that cannot be reached is "network"; one whose widget page
// never arrives (while HEAD answers) is "widget_timeout" after `timeout`.
func TestEmbedDeadService(t *testing.T) {
	_, h := embedEnv(t, envOpts{})
	embedJS, err := os.ReadFile(filepath.Join(root, "site", "dist", "embed.js"))
	if err != nil {
		t.Fatal(err)
	}
	ln := listen(t, "127.0.0.1:0")
	dead := "http://127.0.0.1:" + portOf(ln)
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	serve(t, ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/embed.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write(embedJS)
		case r.URL.Query().Get("entity") == "ent_e2e_hang" && r.Method == http.MethodHead:
			w.Header().Set("Access-Control-Allow-Origin", "*")
		case r.URL.Query().Get("entity") == "ent_e2e_hang":
			select {
			case <-r.Context().Done():
			case <-hang:
			}
		default: // the connection drops: the network
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				c.(*net.TCPConn).SetLinger(0)
				c.Close()
			}
		}
	}))
	for _, c := range []struct{ entity, code string }{{"ent_e2e_rail", "network"}, {"ent_e2e_hang", "widget_timeout"}} {
		p := open(t, h.Origin+"/dead?service="+url.QueryEscape(dead))
		code, fatal, after := embedRenderError(t, p, `{entity: `+jsString(c.entity)+`, nonce: "abcdefgh12345678", timeout: 3000}`)
		if code != c.code || !fatal {
			t.Errorf("%s: {%s, %v}, want {%s, fatal}", c.entity, code, fatal, c.code)
		}
		if c.code == "widget_timeout" && (after < 3*time.Second || after > 8*time.Second) {
			t.Errorf("widget_timeout after %s, want about the 3 s timeout", after)
		}
	}
}

// KYCVS.ready and ?onload=, then mount/unmount 100 times the way a
// framework does (the element simply leaves the document): no widget stays
// in the registry, no frame, and no listener stays on window or document.
func TestEmbedLifecycleNoLeak(t *testing.T) {
	_, h := embedEnv(t, envOpts{})
	p := open(t, h.Origin+"/blank")
	p.waitHost(`window.loadedWith === true`)
	if !evalHost[bool](p, `new Promise(r => { let sync = true; KYCVS.ready(k => r(!sync && k === KYCVS)); sync = false })`) {
		t.Fatal("KYCVS.ready did not call back asynchronously with the loader")
	}
	listeners := func() int {
		n := 0
		for _, expr := range []string{"window", "document"} {
			obj, err := chromedp.Call(p.ctx, runtime.Evaluate, runtime.EvaluateParams{Expression: expr})
			if err != nil {
				t.Fatal(err)
			}
			ls, err := chromedp.Call(p.ctx, domdebugger.GetEventListeners, domdebugger.GetEventListenersParams{ObjectID: obj.Result.ObjectID})
			if err != nil {
				t.Fatal(err)
			}
			n += len(ls.Listeners)
		}
		return n
	}
	// One widget first, so that everything lazily installed is there.
	evalHost[bool](p, `(() => { const el = document.createElement("div"); document.getElementById("main").append(el);
		KYCVS.render(el, {entity: "ent_e2e_rail", nonce: "warmup-nonce-1234"}); return true })()`)
	p.waitHost(`events.some(e => e.type === "shown")`)
	evalHost[bool](p, `document.getElementById("main").replaceChildren(); new Promise(r => setTimeout(() => r(true), 50))`)
	before := listeners()
	got := evalHost[[]int](p, `(async () => {
		const main = document.getElementById("main");
		for (let i = 0; i < 100; i++) {
			const el = document.createElement("div");
			main.append(el);
			KYCVS.render(el, {entity: "ent_e2e_rail", nonce: "leak-nonce-" + String(i).padStart(4, "0")});
			if (i % 10 === 0) await new Promise(r => setTimeout(r, 0));
			el.remove();
		}
		const live = KYCVS.count();
		await new Promise(r => setTimeout(r, 100));
		return [live, KYCVS.count(), document.querySelectorAll("iframe").length];
	})()`)
	after := listeners()
	if got[1] != 0 || got[2] != 0 || after != before {
		t.Fatalf("after 100 mounts and removals: %d widgets live (%d right after), %d iframes, %d listeners on window and document (%d before)",
			got[1], got[0], got[2], after, before)
	}
	// An element rendered before it is attached, while the page changes
	// elsewhere, is kept, and removed once it has come and gone.
	n := evalHost[[]int](p, `(async () => { const a = document.createElement("div");
		KYCVS.render(a, {entity: "ent_e2e_rail", nonce: "detached-nonce-1234"});
		document.getElementById("main").append(document.createElement("p")); await new Promise(r => setTimeout(r, 50));
		const before = KYCVS.count(); document.getElementById("main").append(a); await new Promise(r => setTimeout(r, 50));
		const attached = KYCVS.count(); a.remove(); await new Promise(r => setTimeout(r, 50));
		return [before, attached, KYCVS.count()] })()`)
	if n[0] != 1 || n[1] != 1 || n[2] != 0 {
		t.Fatalf("a widget rendered before its element was attached: live %v, want [1 1 0]", n)
	}
	// An element moved within one task is kept.
	moved := evalHost[int](p, `(async () => { const a = document.createElement("div"), b = document.createElement("section");
		document.getElementById("main").append(a, b); KYCVS.render(a, {entity: "ent_e2e_rail", nonce: "moved-nonce-1234"});
		b.append(a); await new Promise(r => setTimeout(r, 50)); return KYCVS.count() })()`)
	if moved != 1 {
		t.Fatalf("a moved element's widget: %d live, want 1", moved)
	}
}

// The form posts the token in the hidden field; getResult and isExpired
// follow the result, and the field empties when the token expires.
func TestEmbedFormFieldAndResult(t *testing.T) {
	e, h := embedEnv(t, envOpts{tokenLifetime: 6 * time.Second})
	who := person(t, "9876500001", "Ramesh Kumar")
	nonce := "form-nonce-12345678"
	p := open(t, h.Origin+"/form?nonce="+nonce)
	p.waitIn(`document.body.dataset.state === "start"`)
	// The vocabulary in the running widget: it may tell the host exactly
	// the host codes, and has words for each.
	codes := evalIn[[]string](p, `document.body.dataset.codes.split(" ")`)
	missing := evalIn[[]string](p, `(() => { const S = JSON.parse(document.getElementById("kycvs-strings").textContent);
		return document.body.dataset.codes.split(" ").filter(c => !S["err_" + c]) })()`)
	if !slices.Equal(codes, api.HostCodes) || len(missing) != 0 {
		t.Fatalf("the widget's host codes %v (no words for %v), want %v", codes, missing, api.HostCodes)
	}
	if got := evalHost[[]any](p, `[KYCVS.getResult(document.getElementById("w")), KYCVS.isExpired(document.getElementById("w")),
		document.querySelector("input[name=kycvs-response]").value]`); got[0] != nil || got[1] != false || got[2] != "" {
		t.Fatalf("before a result: %v", got)
	}
	embedCheck(t, e, p, who)
	p.waitHost(`events.some(e => e.type === "result")`)
	tok := evalHost[string](p, `KYCVS.getResult(document.getElementById("w")).token`)
	if field := evalHost[string](p, `new FormData(document.getElementById("f")).get("kycvs-response")`); field != tok || tok == "" {
		t.Fatalf("hidden field %q, result token %q", field, tok)
	}
	if evalHost[bool](p, `KYCVS.isExpired(document.getElementById("w"))`) {
		t.Fatal("a fresh token is expired")
	}
	// The host's server gets the token with the form and verifies it.
	evalHost[bool](p, `document.getElementById("f").requestSubmit(document.getElementById("go")); true`)
	var posted url.Values
	for deadline := time.Now().Add(20 * time.Second); posted == nil && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		h.mu.Lock()
		posted = h.posted
		h.mu.Unlock()
	}
	if posted == nil || posted.Get("kycvs-response") != tok || posted.Get("booking") != "PNR-1234" {
		t.Fatalf("posted %#v", posted)
	}
	if _, err := kycvs.Verify(tok, e.s.Keyset, kycvs.Expect{Audience: e.Railway, Nonce: nonce, Now: time.Now()}); err != nil {
		t.Fatalf("the posted token: %v", err)
	}

	// Again, to watch expiry: the field empties, isExpired turns true.
	p = open(t, h.Origin+"/form?nonce=form-nonce-2-12345678")
	p.waitIn(`document.body.dataset.state === "start"`)
	who = person(t, "9876500002", "Priya Sharma") // another number: no resend gap
	embedCheck(t, e, p, who)
	p.waitHost(`events.some(e => e.type === "result")`)
	p.waitHost(`events.some(e => e.type === "expired")`)
	if got := evalHost[[]any](p, `[KYCVS.isExpired(document.getElementById("w")), document.querySelector("input[name=kycvs-response]").value,
		typeof KYCVS.getResult(document.getElementById("w")).token]`); got[0] != true || got[1] != "" || got[2] != "string" {
		t.Fatalf("after expiry: %v", got)
	}
}

// <kycvs-check> unchanged in plain HTML, React and Vue: it renders, its
// events reach the framework's listeners, a new nonce starts it over, and
// removing it (100 times) leaves nothing.
func TestEmbedCustomElement(t *testing.T) {
	e, h := embedEnv(t, envOpts{})
	people := map[string]seed.Person{
		"element": person(t, "9876500001", "Ramesh Kumar"),
		"react":   person(t, "9876500002", "Priya Sharma"),
		"vue":     person(t, "9876500003", "Arjun Singh"),
	}
	for _, fw := range []string{"element", "react", "vue"} {
		t.Run(fw, func(t *testing.T) {
			nonce := fw + "-nonce-12345678"
			p := open(t, h.Origin+"/"+fw+"?nonce="+nonce)
			p.waitIn(`document.body.dataset.state === "start"`)
			who := people[fw]
			embedCheck(t, e, p, who)
			p.waitHost(`events.some(e => e.type === "result" && e.id === "w")`)
			p.screenshot("embed-element-" + fw)
			res := evalHost[map[string]any](p, `document.getElementById("w").getResult()`)
			a, err := kycvs.Verify(res["token"].(string), e.s.Keyset, kycvs.Expect{Audience: e.Railway, Nonce: nonce, Now: time.Now()})
			if err != nil || a.Status != who.Status {
				t.Fatalf("the element's result: %v %v", a, err)
			}
			if fw == "element" {
				return
			}
			// The framework's own listeners saw the events.
			if got := evalHost[[]string](p, `fwEvents.map(e => e.type)`); strings.Join(got, " ") != "kycvs:shown kycvs:ready kycvs:result" {
				t.Fatalf("%s listeners got %v", fw, got)
			}
			// A new nonce from the framework: the check starts over.
			evalHost[bool](p, `setFw(true, "`+fw+`-nonce-2-12345678"); true`)
			p.waitHost(`document.querySelector("#w iframe") && document.querySelector("#w iframe").src.includes("nonce=` + fw + `-nonce-2-12345678")`)
			if evalHost[any](p, `document.getElementById("w").getResult()`) != nil {
				t.Fatal("the result survived a new nonce")
			}
			// Unmount and mount 100 times.
			got := evalHost[[]int](p, `(async () => {
				for (let i = 0; i < 100; i++) {
					setFw(false); await new Promise(r => setTimeout(r, 0));
					setFw(true, "`+fw+`-cycle-" + String(i).padStart(4, "0")); await new Promise(r => setTimeout(r, 0));
				}
				setFw(false); await new Promise(r => setTimeout(r, 100));
				return [KYCVS.count(), document.querySelectorAll("iframe").length, document.querySelectorAll("kycvs-check").length];
			})()`)
			if got[0] != 0 || got[1] != 0 || got[2] != 0 {
				t.Fatalf("after 100 mounts and unmounts: %d widgets live, %d iframes, %d elements", got[0], got[1], got[2])
			}
		})
	}
}

// theme=dark, and auto following prefers-color-scheme: the widget's
// colours, checked in its frame and screenshotted.
func TestEmbedTheme(t *testing.T) {
	_, h := embedEnv(t, envOpts{})
	// The person's preference is the browser's: both the host tab and the
	// widget's frame (another renderer) see it.
	dark := func(p *page) {
		for _, ctx := range []context.Context{p.ctx, p.widget()} {
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	bg := `getComputedStyle(document.body).backgroundColor`
	for _, c := range []struct {
		theme     string
		prefers   bool // the person prefers dark
		wantTheme string
		wantBg    string
	}{
		{"", false, "auto", "rgb(255, 255, 255)"},
		{"", true, "auto", "rgb(13, 17, 23)"},
		{"dark", false, "dark", "rgb(13, 17, 23)"},
		{"light", true, "light", "rgb(255, 255, 255)"},
	} {
		p := open(t, h.Origin+"/element?nonce=theme-nonce-12345678&theme="+c.theme)
		p.waitIn(`document.body.dataset.state === "start"`)
		if c.prefers {
			dark(p)
		}
		if got := evalIn[string](p, `document.documentElement.dataset.theme`); got != c.wantTheme {
			t.Errorf("theme %q: data-theme %q", c.theme, got)
		}
		if got := evalIn[string](p, bg); got != c.wantBg {
			t.Errorf("theme %q, prefers dark %v: background %s, want %s", c.theme, c.prefers, got, c.wantBg)
		}
		p.screenshot(fmt.Sprintf("embed-theme-%s-%v", strings.TrimPrefix(c.wantTheme+"-"+c.theme, "auto-"), c.prefers))
	}
}

// embedTokenRefused waits until the host heard that the module refused the
// service's answer (a fatal token_* code, one of want if given) and the
// widget shows the person its words for that code; it returns the code.
func embedTokenRefused(t *testing.T, p *page, want ...string) string {
	t.Helper()
	p.waitHost(`(window.demoEvents || []).some(e => e.type === "error" && /^token_/.test(e.code) && e.fatal)`)
	code := evalHost[string](p, `window.demoEvents.find(e => e.type === "error" && /^token_/.test(e.code)).code`)
	if len(want) > 0 && !slices.Contains(want, code) {
		t.Fatalf("the host heard %s, want one of %v", code, want)
	}
	p.waitIn(`document.getElementById("error").textContent === JSON.parse(document.getElementById("kycvs-strings").textContent)["err_` + code + `"]`)
	return code
}

// embedCheck goes through the widget as the person who: mobile and name,
// the code from the outbox, consent, verify.
func embedCheck(t *testing.T, e *env, p *page, who seed.Person) {
	t.Helper()
	p.typeIn("#mobile", who.Mobile)
	p.typeIn("#name", who.Name)
	p.typeIn("#code", sendCode(t, e, p, who.Mobile))
	p.click("#consent")
	p.click("#verify")
}
