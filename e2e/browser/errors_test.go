package browser

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/worker/otp"
)

func hostResults(p *page) int {
	return evalHost[int](p, `(window.demoEvents || []).filter(e => e.type === "result").length`)
}

// sendCode submits the start form and returns the code from the outbox.
func sendCode(t *testing.T, e *env, p *page, mobile string) string {
	t.Helper()
	n := len(e.otps(mobile))
	p.click("#send")
	c := e.waitOTP(mobile, n)
	p.waitIn(`document.body.dataset.state === "otp"`)
	return c
}

func wrong(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

func TestWrongOTPThenLocked(t *testing.T) {
	e := newEnv(t, envOpts{})
	who := person(t, "9876500001", "Ramesh Kumar")
	p := startFlow(t, e, "railway", "en", who)
	code := sendCode(t, e, p, who.Mobile)
	p.click("#consent")
	for left := 2; left >= 1; left-- {
		p.typeIn("#code", wrong(code))
		p.click("#verify")
		want := "Wrong code. " + string(rune('0'+left)) + " attempts left."
		p.waitIn(`document.getElementById("error").textContent === ` + jsString(want))
		if inv := evalIn[string](p, `document.getElementById("code").getAttribute("aria-invalid") || ""`); inv != "true" {
			t.Errorf("code input not marked invalid after a wrong code")
		}
		if left == 2 {
			p.screenshot("en-4-wrong-otp")
		}
	}
	p.typeIn("#code", wrong(code))
	p.click("#verify")
	p.waitIn(`document.body.dataset.state === "start" && document.getElementById("error").textContent.startsWith("Too many wrong codes")`)
	p.screenshot("en-5-locked")
	if n := hostResults(p); n != 0 {
		t.Fatalf("host got %d results", n)
	}
}

func TestExpiredTransaction(t *testing.T) {
	lim := otp.DefaultLimits
	lim.Lifetime = 3 * time.Second
	lim.ResendAfter = time.Second
	e := newEnv(t, envOpts{limits: lim})
	who := person(t, "9876500002", "Priya Sharma")
	p := startFlow(t, e, "hotel", "en", who)
	code := sendCode(t, e, p, who.Mobile)
	// The widget counts down itself and says so when the code has expired...
	p.waitIn(`document.body.dataset.otp === "expired" && document.getElementById("error").textContent.includes("expired")`)
	p.screenshot("en-6-expired")
	// ...and the service refuses the code after that.
	p.typeIn("#code", code)
	p.click("#consent")
	p.click("#verify")
	time.Sleep(300 * time.Millisecond)
	p.waitIn(`document.getElementById("error").textContent === "The code has expired. Please ask for a new code." && !document.getElementById("resend").disabled`)
	if n := hostResults(p); n != 0 {
		t.Fatalf("host got %d results", n)
	}
}

func TestResendWaitsForCountdown(t *testing.T) {
	lim := otp.DefaultLimits
	lim.ResendAfter = 3 * time.Second
	e := newEnv(t, envOpts{limits: lim})
	who := person(t, "9876500003", "Arjun Singh")
	p := startFlow(t, e, "railway", "hi", who)
	sendCode(t, e, p, who.Mobile)
	sentAt := time.Now()
	if !evalIn[bool](p, `document.getElementById("resend").disabled`) {
		t.Fatal("resend enabled right after sending")
	}
	timer := evalIn[string](p, `document.getElementById("resend-timer").textContent`)
	if !strings.ContainsAny(timer, "123") {
		t.Fatalf("no countdown shown: %q", timer)
	}
	p.screenshot("hi-4-countdown")
	p.waitIn(`!document.getElementById("resend").disabled`)
	if waited := time.Since(sentAt); waited < 2*time.Second {
		t.Fatalf("resend enabled after %v, want about 3 s", waited)
	}
	n := len(e.otps(who.Mobile))
	p.click("#resend")
	code := e.waitOTP(who.Mobile, n)
	p.waitIn(`document.getElementById("resend").disabled`)
	p.typeIn("#code", code)
	p.click("#consent")
	p.click("#verify")
	p.waitIn(`document.body.dataset.state === "done"`)
	p.waitHost(`(window.demoEvents || []).some(e => e.type === "server" && e.ok)`)
}

// tamperedFlow runs the flow while the test rewrites the token the service
// returns, and checks that the module refuses it and the host hears nothing
// but an error.
func tamperedFlow(t *testing.T, name string, rewrite func(token, nonce string) string) {
	e := newEnv(t, envOpts{})
	who := person(t, "9876500005", "Imran Khan")
	p := startFlow(t, e, "railway", "en", who)
	nonce := evalHost[string](p, `document.body.dataset.nonce`)
	e.setTamper(func(body []byte) []byte {
		var v map[string]any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Errorf("service answer: %v", err)
			return body
		}
		v["token"] = rewrite(v["token"].(string), nonce)
		b, _ := json.Marshal(v)
		return b
	})
	code := sendCode(t, e, p, who.Mobile)
	p.typeIn("#code", code)
	p.click("#consent")
	p.click("#verify")
	// The host hears which check failed (the one vocabulary: token_<check>),
	// the person the widget's words for it.
	embedTokenRefused(t, p, "token_"+name)
	time.Sleep(300 * time.Millisecond)
	if n := hostResults(p); n != 0 {
		t.Fatalf("%s: host callback got the token", name)
	}
	if state := evalIn[string](p, `document.body.dataset.state`); state == "done" {
		t.Fatalf("%s: widget shows done", name)
	}
	p.screenshot("en-7-refused-" + name)
}

func TestTamperedTokenRefused(t *testing.T) {
	tamperedFlow(t, "signature", func(tok, _ string) string {
		b := []byte(tok)
		i := bytes.LastIndexByte(b, '.') + 5
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	})
}

// resign returns a validly signed token with one field changed: the module
// must check audience and nonce, not only the signature.
func resign(t *testing.T, edit func(a *kycvs.Attestation)) func(string, string) string {
	return func(_ string, nonce string) string {
		now := time.Now().Truncate(time.Second)
		a := &kycvs.Attestation{Issuer: "kycvs-e2e", Audience: "ent_e2e_rail", Nonce: nonce, Status: kycvs.FullyVaccinated,
			IssuedAt: now, ExpiresAt: now.Add(time.Minute)}
		edit(a)
		tok, err := kycvs.Sign(devKey, a)
		if err != nil {
			t.Error(err)
		}
		return tok
	}
}

func TestTokenForOtherEntityRefused(t *testing.T) {
	tamperedFlow(t, "audience", resign(t, func(a *kycvs.Attestation) { a.Audience = "ent_e2e_hotel" }))
}

func TestTokenForOtherNonceRefused(t *testing.T) {
	tamperedFlow(t, "nonce", resign(t, func(a *kycvs.Attestation) { a.Nonce = "some-other-nonce-123" }))
}

func jsString(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestNameMismatchAndRateLimit(t *testing.T) {
	lim := otp.DefaultLimits
	lim.ResendAfter = 0
	lim.PerMobileHour = 2
	e := newEnv(t, envOpts{limits: lim})
	who := person(t, "9876500001", "Ramesh Kumar")
	p := open(t, e.Demo+"/railway?lang=en")
	p.waitIn(`document.body.dataset.state === "start"`)
	p.typeIn("#mobile", who.Mobile)
	p.typeIn("#name", "Somebody Else")
	code := sendCode(t, e, p, who.Mobile)
	p.typeIn("#code", code)
	p.click("#consent")
	p.click("#verify")
	p.waitIn(`document.body.dataset.state === "start" && document.getElementById("error").textContent.startsWith("The name does not match")`)
	if id := evalIn[string](p, `document.activeElement.id`); id != "name" {
		t.Errorf("focus after a name mismatch on %q, want the name field", id)
	}
	p.screenshot("en-9-name-mismatch")

	// Second code to this number: allowed; third: over the hourly limit.
	sendCode(t, e, p, who.Mobile)
	p.click("#resend")
	p.waitIn(`/^Too many requests. Please try again in \d+ min\.$/.test(document.getElementById("error").textContent)`)
	if !evalIn[bool](p, `document.getElementById("resend").disabled`) {
		t.Error("resend enabled while rate limited")
	}
	p.screenshot("en-10-rate-limited")
	if n := hostResults(p); n != 0 {
		t.Fatalf("host got %d results", n)
	}
}
