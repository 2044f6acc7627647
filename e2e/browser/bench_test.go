package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/kycvs/kycvs"
)

// TestEmbedBench measures the numbers issue 4 asks for; scripts/bench.d/50-embed
// runs it with KYCVS_BENCH=1. It fails when a budget is exceeded.
func TestEmbedBench(t *testing.T) {
	needE2E(t)
	if os.Getenv("KYCVS_BENCH") != "1" {
		t.Skip("benchmark runs with KYCVS_BENCH=1 (scripts/bench)")
	}
	e := newEnv(t, envOpts{})
	e.extra = http.HandlerFunc(benchPage)
	report := &strings.Builder{}
	say := func(format string, args ...any) {
		fmt.Fprintf(report, format+"\n", args...)
	}

	// 1. Bytes until usable: loader, widget page, css, script, worker shim,
	// wasm_exec and the module.
	files := siteFiles(t)
	resp, err := http.Get(e.Service + "/widget?entity=" + e.Railway + "&nonce=abcdefgh12345678&lang=en&wid=w&origin=" + e.Demo)
	if err != nil {
		t.Fatal(err)
	}
	html := readAll(t, resp)
	htmlBr := brotliSize(t, html)
	raw, br, gz := len(html), htmlBr, 0
	for _, name := range []string{"embed.js", "widget.css", "widget.js", "worker.js", "wasm_exec.js", "kycvs.wasm"} {
		f := files[name]
		raw += f.Size
		br += f.Brotli
		gz += f.Gzip
		say("  %-13s raw %8d  gzip %8d  brotli %7d", name, f.Size, f.Gzip, f.Brotli)
	}
	say("  %-13s raw %8d  brotli %7d", "widget html", len(html), htmlBr)
	w := files["kycvs.wasm"]
	say("wasm module: raw %d B, gzip %d B, brotli %d B", w.Size, w.Gzip, w.Brotli)
	say("bytes to usable: raw %d B, brotli %d B (budget 600 KB brotli: %s)", raw, br, verdict(br <= 600*1024))

	// 2. Time to usable and host long tasks, 15 cold loads (fresh browser
	// context each: empty cache, no compiled-module cache).
	const loads = 15
	var ready, longest, shown []float64
	for i := 0; i < loads; i++ {
		r, lt, sh, err := coldLoad(t, e.Demo+"/railway")
		if err != nil {
			// A cold browser context occasionally fails to start in time on
			// this 2-core machine; one retry, then give up.
			t.Logf("load %d: %v; retrying", i, err)
			if r, lt, sh, err = coldLoad(t, e.Demo+"/railway"); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("load %d: ready %.0f ms, longest task %.0f ms", i, r, lt)
		ready = append(ready, r)
		longest = append(longest, lt)
		shown = append(shown, sh)
	}
	say("time to form shown and accepting input (navigation start → onShown in host), %d cold loads: median %.0f ms, min %.0f, max %.0f",
		loads, median(shown), minOf(shown), maxOf(shown))
	say("time to fully usable (navigation start → module ready, onReady in host), %d cold loads: median %.0f ms, min %.0f, max %.0f (budget 250 ms: %s)",
		loads, median(ready), minOf(ready), maxOf(ready), verdict(median(ready) <= 250))
	say("longest host main-thread task during load: median %.0f ms, max %.0f ms (budget < 50 ms: %s)",
		median(longest), maxOf(longest), verdict(maxOf(longest) < 50))

	// 3. Main thread vs Web Worker for the module, on the service origin.
	for _, mode := range []string{"main", "worker"} {
		var blocked, readyMs, compile []float64
		for i := 0; i < 5; i++ {
			res := benchRun(t, e, mode, "")
			blocked = append(blocked, res.Longest)
			readyMs = append(readyMs, res.Ready)
			compile = append(compile, res.Compile)
		}
		say("module on the %-6s thread: ready %.0f ms (of which fetch+compile %.0f ms; median of 5), longest main-thread task median %.0f ms, max %.0f ms",
			mode, median(readyMs), median(compile), median(blocked), maxOf(blocked))
	}

	// 4. Verify cost: the module vs WebCrypto Ed25519 in the same page.
	now := time.Now().Truncate(time.Second)
	tok, err := kycvs.Sign(devKey, &kycvs.Attestation{Issuer: "bench", Audience: e.Railway, Nonce: "bench-nonce-1234", Status: kycvs.FullyVaccinated,
		IssuedAt: now, ExpiresAt: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	res := benchRun(t, e, "worker", tok)
	say("Ed25519 verify: module %.3f ms, WebCrypto %.3f ms per verification (module/WebCrypto = %.1f×); first token verify after ready %.1f ms (incl. worker round trip)",
		res.ModuleVerify, res.WebCryptoVerify, res.ModuleVerify/res.WebCryptoVerify, res.FirstVerify)

	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		say("load average during the run: %s (timings on a busy 2-core machine are noisy)", strings.Join(strings.Fields(string(la))[:3], " "))
	}
	fmt.Print("\n== embed bench\n" + report.String())
	os.WriteFile(filepath.Join(artifacts, "bench.txt"), []byte(report.String()), 0o644)
}

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "OVER"
}

func coldLoad(t *testing.T, url string) (readyMs, longestTask, shownMs float64, _ error) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	if _, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__lt = []; new PerformanceObserver(l => window.__lt.push(...l.getEntries().map(e => e.duration))).observe({type: "longtask", buffered: true});`,
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740), chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	if err := poll(ctx, `(window.demoEvents || []).some(e => e.type === "ready")`, 30*time.Second); err != nil {
		dbg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.demoEvents) + " " + typeof KYCVS + " " + location.href`))
		return 0, 0, 0, fmt.Errorf("%w: %s", err, dbg)
	}
	time.Sleep(200 * time.Millisecond)
	v, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[window.demoEvents.find(e => e.type === "ready").t, Math.max(0, ...window.__lt), window.demoEvents.find(e => e.type === "shown").t]`))
	if err != nil {
		return 0, 0, 0, err
	}
	return v[0], v[1], v[2], nil
}

type benchResult struct {
	Ready, Longest, Compile, ModuleVerify, WebCryptoVerify, FirstVerify float64
}

func benchRun(t *testing.T, e *env, mode, token string) benchResult {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	u := fmt.Sprintf("%s/__test/bench?mode=%s&entity=%s&token=%s", e.Service, mode, e.Railway, token)
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		t.Fatal(err)
	}
	if err := poll(ctx, `window.benchDone === true`, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	r, err := chromedp.Run(ctx, chromedp.Evaluate[benchResult](`window.benchResult`))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs {
		m = min(m, x)
	}
	return m
}

func maxOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func readAll(t *testing.T, resp *http.Response) []byte {
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return []byte(b.String())
}

// siteFile is one file of the site build as its manifest lists it.
type siteFile struct{ Size, Brotli, Gzip int }

// siteFiles reads the site build's manifest (scripts/build-site): each
// file's sizes, raw, gzip and brotli, by logical name.
func siteFiles(t *testing.T) map[string]siteFile {
	t.Helper()
	var mf struct {
		Files map[string]siteFile `json:"files"`
	}
	b, err := os.ReadFile(filepath.Join(root, "site/dist/manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &mf); err != nil {
		t.Fatal(err)
	}
	return mf.Files
}

func brotliSize(t *testing.T, data []byte) int {
	cmd := exec.Command("brotli", "-q", "11", "-c")
	cmd.Stdin = strings.NewReader(string(data))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("brotli: %v", err)
	}
	return len(out)
}

// benchPage loads the module either on the page's main thread or in the
// worker the widget uses, records the page's long tasks meanwhile, and
// (with a token) compares verification cost with WebCrypto.
func benchPage(w http.ResponseWriter, r *http.Request) {
	var assets map[string]string
	b, _ := os.ReadFile(filepath.Join(root, "worker/assets/manifest/assets.json"))
	json.Unmarshal(b, &assets)
	q := r.URL.Query()
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprintf(w, `<!doctype html><meta charset=utf-8><title>bench</title><script>
const cfg = {mode: %q, entity: %q, token: %q, wasmExec: %q, wasm: %q, worker: %q};
const lt = []; new PerformanceObserver(l => lt.push(...l.getEntries().map(e => e.duration))).observe({type: "longtask", buffered: true});
function loadScript(src) { return new Promise((res, rej) => { const s = document.createElement("script"); s.src = src; s.onload = res; s.onerror = rej; document.head.appendChild(s); }); }
let call;
async function start() {
  const t0 = performance.now();
  if (cfg.mode === "main") {
    await loadScript(cfg.wasmExec);
    const go = new Go();
    const r = await WebAssembly.instantiateStreaming(fetch(cfg.wasm), go.importObject);
    window.compileMs = performance.now() - t0;
    go.run(r.instance);
    const mod = newKYCVS({base: location.origin, entity: cfg.entity, nonce: "bench-nonce-1234"});
    call = (m, ...a) => mod[m](...a);
  } else {
    const wk = new Worker(cfg.worker);
    let seq = 0; const pending = new Map();
    await new Promise((res, rej) => { wk.onmessage = ev => { const d = ev.data;
      if ("ready" in d) { window.compileMs = d.compileMs; window.workerReadyMs = d.ms; d.ready ? res() : rej(new Error(d.error)); return; }
      const p = pending.get(d.id); pending.delete(d.id); d.ok ? p.res(d.value) : p.rej(d.error); }; });
    call = (m, ...a) => new Promise((res, rej) => { const id = ++seq; pending.set(id, {res, rej}); wk.postMessage({id, method: m, args: a}); });
    await call("init", {entity: cfg.entity, nonce: "bench-nonce-1234"});
  }
  return performance.now() - t0;
}
(async () => {
  const ready = await start();
  await new Promise(r => setTimeout(r, 100));
  const res = {Ready: ready, Longest: Math.max(0, ...lt), Compile: window.compileMs || 0};
  if (cfg.token) {
    let t = performance.now();
    await call("verify", cfg.token, {entity: cfg.entity, nonce: "bench-nonce-1234"});
    res.FirstVerify = performance.now() - t;
    const kp = await crypto.subtle.generateKey({name: "Ed25519"}, true, ["sign", "verify"]);
    const msg = crypto.getRandomValues(new Uint8Array(180));
    const sig = new Uint8Array(await crypto.subtle.sign("Ed25519", kp.privateKey, msg));
    const pub = new Uint8Array(await crypto.subtle.exportKey("raw", kp.publicKey));
    const N = 300;
    for (let i = 0; i < 20; i++) await crypto.subtle.verify("Ed25519", kp.publicKey, sig, msg);
    t = performance.now();
    for (let i = 0; i < N; i++) if (!await crypto.subtle.verify("Ed25519", kp.publicKey, sig, msg)) throw new Error("webcrypto");
    res.WebCryptoVerify = (performance.now() - t) / N;
    await call("benchVerify", {publicKey: pub, message: msg, signature: sig, iterations: 20});
    const m = await call("benchVerify", {publicKey: pub, message: msg, signature: sig, iterations: N});
    if (!m.ok) throw new Error("module verify failed");
    res.ModuleVerify = m.ms / N;
  }
  window.benchResult = res; window.benchDone = true;
})().catch(e => { window.benchResult = {error: String(e)}; window.benchDone = true; });
</script>`, q.Get("mode"), q.Get("entity"), q.Get("token"), assets["wasm_exec.js"], assets["kycvs.wasm"], assets["worker.js"])
}
