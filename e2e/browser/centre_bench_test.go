package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/kycvs/kycvs/worker/booking"
)

// TestCentreBench measures /centre for issue 11's closing note
// (scripts/bench.d/70-centre runs it with KYCVS_BENCH=1): the bytes a cold
// load fetches (brotli, as Workers Static Assets and the edge send them)
// and navigation → interactive on localhost, median of 15 cold loads (a
// fresh browser context each: empty cache), to the sign-in screen and,
// signed in, to today's list. Interactive is the page's own
// performance.mark("kycvs-ready"): the first screen shown and its
// handlers attached.
func TestCentreBench(t *testing.T) {
	needE2E(t)
	if os.Getenv("KYCVS_BENCH") != "1" {
		t.Skip("benchmark runs with KYCVS_BENCH=1 (scripts/bench)")
	}
	w := centreNewWorld(t)
	for _, p := range centrePeople {
		w.book(t, p)
	}

	files := siteFiles(t)
	resp, err := http.Get(w.Service + "/centre?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	html := readAll(t, resp)
	raw, br := len(html), brotliSize(t, html)
	report := &strings.Builder{}
	fmt.Fprintf(report, "  %-18s raw %7d  brotli %6d\n", "/centre html (en)", len(html), br)
	for _, name := range []string{"common/page.css", "centre/centre.css", "common/page.js", "centre/centre.js"} {
		f := files[name]
		if f.Size == 0 {
			t.Fatalf("%s is not in site/dist (scripts/build-site --dev)", name)
		}
		raw += f.Size
		br += f.Brotli
		fmt.Fprintf(report, "  %-18s raw %7d  brotli %6d\n", name, f.Size, f.Brotli)
	}
	fmt.Fprintf(report, "/centre page weight: raw %d B, brotli %d B (HTML + 2 scripts + 2 styles; no wasm)\n", raw, br)

	cookie := centreBenchSession(t, w)
	u, _ := url.Parse(w.Service)
	// The two kinds of load interleaved, so the machine's other work falls
	// on both alike.
	runs := []struct {
		name, cookie string
		ms           []float64
	}{{name: "sign-in screen"}, {name: "today's list (8 appointments), signed in", cookie: cookie}}
	for i := 0; i < 15; i++ {
		for k := range runs {
			v, err := centreColdLoad(w.Service+"/centre?lang=en", u.Hostname(), runs[k].cookie)
			if err != nil {
				t.Fatalf("%s, load %d: %v", runs[k].name, i, err)
			}
			runs[k].ms = append(runs[k].ms, v)
		}
	}
	for _, run := range runs {
		fmt.Fprintf(report, "navigation → interactive, %s: median %.0f ms (min %.0f, max %.0f) over 15 cold loads\n",
			run.name, median(run.ms), minOf(run.ms), maxOf(run.ms))
	}
	fmt.Print(report.String())
}

// centreBenchSession signs the supervisor in through the API and returns
// the session cookie's value.
func centreBenchSession(t *testing.T, w *centreWorld) string {
	t.Helper()
	s := w.s.For(t)
	r := s.Do("POST", "/v1/centre/sign-in", "", map[string]string{"mobile": w.supervisor})
	r = s.Do("POST", "/v1/centre/session", "", map[string]string{"txn": r.Str("txn"), "otp": s.LastOTP(w.supervisor)})
	for _, line := range r.Header.Values("Set-Cookie") {
		if c, err := http.ParseSetCookie(line); err == nil && c.Name == booking.CookieName(w.s.Origin) {
			return c.Value
		}
	}
	t.Fatalf("no session cookie: %s", r.Raw)
	return ""
}

// centreColdLoad loads url in a fresh browser context (with the session
// cookie if given) and returns the page's kycvs-ready mark, ms after
// navigation start.
func centreColdLoad(url, host, cookie string) (float64, error) {
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		return 0, err
	}
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	if cookie != "" {
		if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: booking.CookieName("http://" + host),
			Value: cookie, Domain: host, Path: "/", HTTPOnly: new(true), SameSite: network.CookieSameSiteStrict}); err != nil {
			return 0, err
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740), chromedp.Navigate(url)); err != nil {
		return 0, err
	}
	if err := poll(ctx, `performance.getEntriesByName("kycvs-ready").length > 0`, 30*time.Second); err != nil {
		return 0, err
	}
	want := "s-signin"
	if cookie != "" {
		want = "s-today"
	}
	v, err := chromedp.Run(ctx, chromedp.Evaluate[[]any](`[performance.getEntriesByName("kycvs-ready")[0].startTime, document.body.dataset.screen]`))
	if err != nil {
		return 0, err
	}
	if v[1] != want {
		return 0, fmt.Errorf("ready on %v, want %s", v[1], want)
	}
	return v[0].(float64), nil
}
