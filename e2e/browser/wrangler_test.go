package browser

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs/demo"
	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/seed"
)

// TestWranglerFlow runs the whole embed against the real Worker in wrangler
// dev (workerd, local D1, Workers Static Assets serving site/dist with its
// _headers): the flow in each language, the host server's check, and
// KYCVS.verify (whose cross-origin worker needs the assets' CORS header).
// The other tests use the same handler natively, where the test can alter
// responses in transit and shorten the OTP timers.
func TestWranglerFlow(t *testing.T) {
	needE2E(t)
	if os.Getenv("KYCVS_E2E_WRANGLER") == "0" {
		t.Skip("KYCVS_E2E_WRANGLER=0")
	}
	demoLn := listen(t, "127.0.0.1:0")
	demoOrigin := "http://localhost:" + portOf(demoLn)
	s := harness.Workerd(t, harness.Options{Entities: []seed.Entity{
		{ID: "ent_e2e_rail", DisplayName: "Bharat Rail", Purpose: "Boarding a long-distance train", Origins: []string{demoOrigin}},
		{ID: "ent_e2e_hotel", DisplayName: "Hotel Sagar", Purpose: "Hotel check-in", Origins: []string{demoOrigin}},
	}})
	// Workers Static Assets: the module as application/wasm (streaming
	// compilation), hashed files immutable and CORS-readable (_headers), the
	// pre-compressed siblings not uploaded (.assetsignore).
	wasmPath := widgetAssets(t)["kycvs.wasm"]
	for path, want := range map[string]int{wasmPath: 200, "/embed.js": 200, wasmPath + ".br": 404} {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want && !(want == 404 && resp.StatusCode >= 400) {
			t.Fatalf("GET %s: %s, want %d", path, resp.Status, want)
		}
		if path == wasmPath {
			h := resp.Header
			if h.Get("Content-Type") != "application/wasm" || h.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(h.Get("Cache-Control"), "immutable") {
				t.Fatalf("GET %s headers: %v", path, h)
			}
		}
	}
	d := demo.New(demo.Config{Service: s.URL, Railway: "ent_e2e_rail", Hotel: "ent_e2e_hotel"})
	serve(t, demoLn, d)

	count := func(mobile string) int { return len(s.For(t).Outbox(mobile)) }
	for i, c := range []struct {
		lang, site string
		who        seed.Person
	}{
		{"en", "railway", person(t, "9876500001", "Ramesh Kumar")},
		{"hi", "hotel", person(t, "9876500002", "Priya Sharma")},
		{"ur", "railway", person(t, "9876500003", "Arjun Singh")},
		{"bn", "hotel", person(t, "9876500004", "সুমন দাস")},
	} {
		t.Run(c.lang, func(t *testing.T) {
			p := open(t, fmt.Sprintf("%s/%s?lang=%s", demoOrigin, c.site, c.lang))
			p.waitIn(`document.body.dataset.state === "start"`)
			p.typeIn("#mobile", c.who.Mobile)
			p.typeIn("#name", c.who.Name)
			n := count(c.who.Mobile)
			p.click("#send")
			deadline := time.Now().Add(15 * time.Second)
			for count(c.who.Mobile) == n && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			code := s.For(t).LastOTP(c.who.Mobile)
			p.waitIn(`document.body.dataset.state === "otp"`)
			p.typeIn("#code", code)
			p.click("#consent")
			p.click("#verify")
			p.waitIn(`document.body.dataset.state === "done"`)
			p.waitHost(`(window.demoEvents || []).some(e => e.type === "server")`)
			p.screenshot(fmt.Sprintf("wrangler-%d-%s-done", i, c.lang))
			if !evalHost[bool](p, `window.demoEvents.find(e => e.type === "server").ok`) {
				t.Fatalf("demo backend refused: %s", evalHost[string](p, `window.demoEvents.find(e => e.type === "server").error`))
			}
			if got := evalHost[int](p, `window.demoEvents.find(e => e.type === "server").status`); got != int(c.who.Status) {
				t.Fatalf("status %d, want %d", got, c.who.Status)
			}
			if c.lang == "en" {
				got := evalHost[int](p, `(async () => { const r = window.demoEvents.find(e => e.type === "result");
					return (await KYCVS.verify(r.token, {entity: document.body.dataset.entity, nonce: document.body.dataset.nonce})).status })()`)
				if got != int(c.who.Status) {
					t.Fatalf("KYCVS.verify under wrangler: status %d", got)
				}
			}
		})
	}
}

func widgetAssets(t *testing.T) map[string]string {
	var m map[string]string
	b, err := os.ReadFile(filepath.Join(root, "worker/assets/manifest/assets.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
