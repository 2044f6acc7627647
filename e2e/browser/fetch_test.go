package browser

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
)

// TestTamperedInBrowser alters the service's answer inside Chromium with the
// DevTools Fetch domain on the widget's frame (the request comes from the
// module's worker), so the token is changed after it left the service and
// before the module sees it.
func TestTamperedInBrowser(t *testing.T) {
	e := newEnv(t, envOpts{})
	who := person(t, "9876500005", "Imran Khan")
	p := startFlow(t, e, "hotel", "en", who)
	fctx := p.widget()
	paused := chromedp.Events(fctx, fetch.RequestPaused)
	if _, err := chromedp.Call(fctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: "*/v1/otp/verify", RequestStage: fetch.RequestStageResponse},
	}}); err != nil {
		t.Fatal(err)
	}
	tampered := make(chan string, 1)
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			body, err := chromedp.Call(fctx, fetch.GetResponseBody, fetch.GetResponseBodyParams{RequestID: ev.RequestID})
			if err != nil {
				t.Errorf("getResponseBody: %v", err)
				return
			}
			var v map[string]any
			out := body.Body
			if json.Unmarshal(body.Body, &v) == nil {
				if tok, ok := v["token"].(string); ok {
					b := []byte(tok)
					i := strings.LastIndexByte(tok, '.') + 7
					if b[i] == 'A' { // still base64url: another signature, not a malformed token
						b[i] = 'B'
					} else {
						b[i] = 'A'
					}
					v["token"] = string(b)
					out, _ = json.Marshal(v)
					tampered <- string(b)
				}
			}
			if _, err := chromedp.Call(fctx, fetch.FulfillRequest, fetch.FulfillRequestParams{
				RequestID: ev.RequestID, ResponseCode: ev.ResponseStatusCode, ResponseHeaders: ev.ResponseHeaders, Body: out,
			}); err != nil {
				t.Errorf("fulfillRequest: %v", err)
			}
			return
		}
	}()
	code := sendCode(t, e, p, who.Mobile)
	p.typeIn("#code", code)
	p.click("#consent")
	p.click("#verify")
	select {
	case <-tampered:
	case <-time.After(15 * time.Second):
		t.Fatal("the Fetch domain never paused /v1/otp/verify")
	}
	embedTokenRefused(t, p, "token_signature", "token_malformed")
	time.Sleep(300 * time.Millisecond)
	if n := hostResults(p); n != 0 {
		t.Fatal("host callback got the tampered token")
	}
}
