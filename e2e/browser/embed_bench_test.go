package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestEmbedModuleReadyBench compares, load by load and interleaved (so
// both see the same machine), the widget page as served — its script first
// in the head, async, making the module's worker at once, so that the
// module is fetched and compiled while the page is parsed and styled —
// with the same page whose script is placed as before ("deferred": after
// the stylesheet, the worker made once the page is parsed and styled).
// Both pass through the same proxy on the service origin. Each cold load
// (fresh browser context) frames the widget from a registered host page
// and times navigation start → the widget's "shown" and "ready" messages.
// scripts/bench.d/50-embed runs it with KYCVS_BENCH=1.
func TestEmbedModuleReadyBench(t *testing.T) {
	needE2E(t)
	if os.Getenv("KYCVS_BENCH") != "1" {
		t.Skip("benchmark runs with KYCVS_BENCH=1 (scripts/bench)")
	}
	e, h := embedEnv(t, envOpts{})
	var names map[string]string
	mb, err := os.ReadFile(filepath.Join(root, "worker/assets/manifest/assets.json"))
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(mb, &names)
	strip := regexp.MustCompile(`<script src="[^"]+" async data-worker="[^"]+"></script>\n|<link rel="preload"[^>]*>\n`)
	css := regexp.MustCompile(`<link rel="stylesheet" href="[^"]+">\n`)
	deferred := fmt.Sprintf(`<script src="%s" defer data-worker="%s"></script>
<link rel="preload" href="%s" as="script">
<link rel="preload" href="%s" as="script">
<link rel="preload" href="%s" as="fetch" crossorigin>
`, names["widget.js"], names["worker.js"], names["worker.js"], names["wasm_exec.js"], names["kycvs.wasm"])
	e.extra = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get(e.Service + "/widget?" + r.URL.RawQuery)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		page := string(b)
		if r.URL.Path == "/__test/deferred" {
			page = strip.ReplaceAllString(page, "")
			page = css.ReplaceAllStringFunc(page, func(m string) string { return m + deferred })
			if strings.Count(page, "<script src=") != 1 || !strings.Contains(page, deferred) {
				http.Error(w, "the widget page's head changed: rewrite the bench", http.StatusInternalServerError)
				return
			}
		}
		for _, k := range []string{"Content-Type", "Content-Security-Policy", "Cache-Control"} {
			w.Header().Set(k, resp.Header.Get(k))
		}
		io.WriteString(w, page)
	})
	q := url.Values{"entity": {e.Railway}, "nonce": {"bench-nonce-12345678"}, "lang": {"en"}, "wid": {"ab"}, "origin": {h.Origin}}
	// Both through the same proxy (the page as served, or rewritten), which
	// alone changes nothing else between them.
	variants := map[string]string{"as served": e.Service + "/__test/served?" + q.Encode(), "deferred": e.Service + "/__test/deferred?" + q.Encode()}
	const loads = 15
	got := map[string][][2]float64{}
	for i := 0; i < loads; i++ {
		for _, name := range []string{"as served", "deferred"} {
			if i%2 == 1 { // alternate which goes first
				name = map[string]string{"as served": "deferred", "deferred": "as served"}[name]
			}
			r, err := embedColdFrame(h.Origin+"/frame?src="+url.QueryEscape(variants[name]), 2)
			if err != nil {
				t.Fatalf("%s, load %d: %v", name, i, err)
			}
			got[name] = append(got[name], r)
		}
	}
	report := &strings.Builder{}
	for _, name := range []string{"deferred", "as served"} {
		var shown, ready []float64
		for _, r := range got[name] {
			shown, ready = append(shown, r[0]), append(ready, r[1])
		}
		fmt.Fprintf(report, "widget %-12s (navigation start → message, %d interleaved cold loads): shown median %.0f ms, module ready median %.0f ms (min %.0f, max %.0f)\n",
			name, loads, median(shown), median(ready), minOf(ready), maxOf(ready))
	}
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(report, "load average during the run: %s\n", strings.Join(strings.Fields(string(la))[:3], " "))
	}
	fmt.Print("\n== module ready, interleaved\n" + report.String())
	f, err := os.OpenFile(filepath.Join(artifacts, "bench.txt"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		f.WriteString(report.String())
		f.Close()
	}
}

// embedColdFrame loads url (a host page framing one widget) in a fresh
// browser context and returns when the widget said "shown" and "ready",
// in ms since navigation start; one retry on a browser hiccup.
func embedColdFrame(url string, tries int) ([2]float64, error) {
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		return [2]float64{}, err
	}
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740), chromedp.Navigate(url))
	if err == nil {
		err = poll(ctx, `(window.msgs || []).some(m => m.type === "ready")`, 30*time.Second)
	}
	if err != nil {
		if tries > 1 {
			return embedColdFrame(url, tries-1)
		}
		return [2]float64{}, err
	}
	return chromedp.Run(ctx, chromedp.Evaluate[[2]float64](`[msgs.find(m => m.type === "shown").t, msgs.find(m => m.type === "ready").t]`))
}
