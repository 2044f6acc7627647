package browser

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/kycvs/kycvs/worker/seed"
)

// passenger is one of the demo page's three: who, and on which number.
type passenger struct {
	who   seed.Person
	other bool // registered on another number than the first passenger's
}

// familyStart opens the 3-passenger demo page in lang and fills in the
// travellers form.
func familyStart(t *testing.T, e *env, lang string, ps []passenger) *page {
	t.Helper()
	p := open(t, e.Demo+"/family?lang="+lang)
	p.waitIn(`document.body.dataset.state === "travellers"`)
	p.typeIn("#fmobile", ps[0].who.Mobile)
	for i, x := range ps {
		k := string(rune('1' + i))
		p.typeIn("#tname-"+k, x.who.Name)
		if x.other {
			p.click("#tother-" + k)
			p.waitIn(`!document.getElementById("tmobile-field-` + k + `").hidden`)
			p.typeIn("#tmobile-"+k, x.who.Mobile)
		}
	}
	return p
}

// showWidget scrolls the host page so the widget's top is at the top of
// the screenshot.
func showWidget(p *page) {
	evalHost[bool](p, `document.getElementById("kycvs").scrollIntoView(); true`)
}

// The 3-passenger demo page in every language: the person names three
// travellers (in English, one of them on another number: two codes; in
// Urdu, all on the shared number: one code), consents on a screen listing
// all three, and the host's callback gets one array, in the travellers'
// order, whose every token the demo's server then verifies alone with its
// passenger's nonce.
func TestFamilyCheck(t *testing.T) {
	for _, c := range []struct {
		lang string
		ps   []passenger
	}{
		{"en", []passenger{
			{who: person(t, seed.SharedMobile, "Sunita Devi")},
			{who: person(t, "9876500001", "Ramesh Kumar"), other: true},
			{who: person(t, seed.SharedMobile, "मोहन लाल")},
		}},
		{"ur", []passenger{
			{who: person(t, seed.SharedMobile, "محمد عارف")},
			{who: person(t, seed.SharedMobile, "সুমন দাস")},
			{who: person(t, seed.SharedMobile, "मोहन लाल")},
		}},
		{"hi", []passenger{
			{who: person(t, seed.SharedMobile, "मोहन लाल")},
			{who: person(t, seed.SharedMobile, "Sunita Devi")},
			{who: person(t, seed.SharedMobile, "محمد عارف")},
		}},
		{"bn", []passenger{
			{who: person(t, seed.SharedMobile, "সুমন দাস")},
			{who: person(t, "9876500001", "Ramesh Kumar"), other: true},
			{who: person(t, seed.SharedMobile, "Sunita Devi")},
		}},
	} {
		t.Run(c.lang, func(t *testing.T) {
			e := newEnv(t, envOpts{})
			p := familyStart(t, e, c.lang, c.ps)
			showWidget(p)
			p.screenshot(c.lang + "-family-1-travellers")
			evalHost[bool](p, `document.getElementById("kycvs").scrollIntoView({block: "end"}); true`)
			p.screenshot(c.lang + "-family-1b-travellers-end")

			mobiles := []string{}
			for _, x := range c.ps {
				if len(mobiles) == 0 || (x.other && x.who.Mobile != mobiles[0]) {
					mobiles = append(mobiles, x.who.Mobile)
				}
			}
			before := map[string]int{}
			for _, m := range mobiles {
				before[m] = len(e.otps(m))
			}
			p.click("#fsend")
			p.waitIn(`document.body.dataset.state === "codes"`)
			for k, m := range mobiles {
				code := e.waitOTP(m, before[m])
				if n := len(e.otps(m)) - before[m]; n != 1 {
					t.Errorf("%d codes sent to %s, want 1", n, m)
				}
				p.typeIn("#fcode-"+string(rune('0'+k)), code)
			}
			if n := evalIn[int](p, `document.querySelectorAll("#code-fields input").length`); n != len(mobiles) {
				t.Errorf("%d code fields, want %d", n, len(mobiles))
			}
			// Every input of the family's screens has a label with text.
			unlabelled := evalIn[[]string](p, `[...document.querySelectorAll("#travellers input, #codes input, #agree input")].filter(i => !i.labels.length || !i.labels[0].textContent.trim()).map(i => i.id)`)
			if len(unlabelled) > 0 {
				t.Errorf("inputs without a label: %v", unlabelled)
			}
			showWidget(p)
			p.screenshot(c.lang + "-family-2-codes")
			p.click("#fcontinue")
			p.waitIn(`document.body.dataset.state === "agree"`)
			listed := evalIn[[]string](p, `[...document.querySelectorAll("#agree-list .who")].map(e => e.textContent.replace(/[\u2068\u2069]/g, ""))`)
			if len(listed) != len(c.ps) {
				t.Fatalf("consent lists %v", listed)
			}
			for i, x := range c.ps {
				if listed[i] != x.who.Name {
					t.Errorf("consent lists %q as traveller %d, want %q", listed[i], i+1, x.who.Name)
				}
			}
			showWidget(p)
			p.screenshot(c.lang + "-family-3-consent")
			if n := len(hostFamilyResults(p)); n != 0 {
				t.Fatalf("host got results before consent")
			}
			p.click("#fconsent")
			p.click("#fverify")
			p.waitIn(`document.body.dataset.state === "done"`)
			p.waitHost(`(window.demoEvents || []).some(e => e.type === "servers")`)
			showWidget(p)
			p.screenshot(c.lang + "-family-4-done")

			rs := hostFamilyResults(p)
			if len(rs) != 1 || len(rs[0]) != len(c.ps) {
				t.Fatalf("host results %v, want one array of %d", rs, len(c.ps))
			}
			servers := evalHost[[]struct {
				Passenger int    `json:"passenger"`
				OK        bool   `json:"ok"`
				Status    int    `json:"status"`
				Error     string `json:"error"`
			}](p, `window.demoEvents.filter(e => e.type === "server")`)
			if len(servers) != len(c.ps) {
				t.Fatalf("%d server checks, want %d", len(servers), len(c.ps))
			}
			for i, x := range c.ps {
				r := rs[0][i]
				if r.Status != int(x.who.Status) || r.Token == "" || r.Error != "" {
					t.Errorf("traveller %d (%s): host got %+v, want status %d", i+1, x.who.Name, r, x.who.Status)
				}
				s := servers[i]
				if s.Passenger != i || !s.OK || s.Status != int(x.who.Status) {
					t.Errorf("traveller %d: the demo server said %+v", i+1, s)
				}
			}
			done := evalIn[[]string](p, `[...document.querySelectorAll("#done-list li")].map(e => e.textContent)`)
			if len(done) != len(c.ps) {
				t.Errorf("done screen lists %v", done)
			}
			if dir := evalIn[string](p, `document.documentElement.dir`); (dir == "rtl") != (c.lang == "ur") {
				t.Errorf("dir %q", dir)
			}
		})
	}
}

// familyResult is one traveller's entry in the array the host gets.
type familyResult struct {
	Status int    `json:"status"`
	Token  string `json:"token"`
	Exp    int64  `json:"exp"`
	Error  string `json:"error"`
}

// hostFamilyResults returns every array the host's callback received.
func hostFamilyResults(p *page) [][]familyResult {
	return evalHost[[][]familyResult](p, `(window.demoEvents || []).filter(e => e.type === "results").map(e => e.results)`)
}

// A name nobody on the number has is that traveller's name_mismatch (for
// the host: not_verified, a registry fact it is not told); the
// others get their tokens, and the host hears about all of them at once.
func TestFamilyNameMismatch(t *testing.T) {
	e := newEnv(t, envOpts{})
	nobody := seed.Person{Mobile: seed.SharedMobile, Name: "Nobody Here"}
	ps := []passenger{{who: person(t, seed.SharedMobile, "Sunita Devi")}, {who: nobody}, {who: person(t, seed.SharedMobile, "সুমন দাস")}}
	p := familyStart(t, e, "en", ps)
	n := len(e.otps(seed.SharedMobile))
	p.click("#fsend")
	p.waitIn(`document.body.dataset.state === "codes"`)
	p.typeIn("#fcode-0", e.waitOTP(seed.SharedMobile, n))
	p.click("#fcontinue")
	p.waitIn(`document.body.dataset.state === "agree"`)
	p.click("#fconsent")
	p.click("#fverify")
	p.waitIn(`document.body.dataset.state === "done"`)
	p.waitHost(`(window.demoEvents || []).some(e => e.type === "servers")`)
	showWidget(p)
	p.screenshot("en-family-5-name-mismatch")
	rs := hostFamilyResults(p)
	if len(rs) != 1 || len(rs[0]) != 3 || rs[0][1].Error != "not_verified" || rs[0][1].Token != "" ||
		rs[0][0].Status != 2 || rs[0][0].Token == "" || rs[0][2].Status != 2 || rs[0][2].Token == "" {
		t.Fatalf("host results %+v", rs)
	}
	if refused := evalIn[int](p, `document.querySelectorAll("#done-list li.refused").length`); refused != 1 {
		t.Errorf("%d travellers shown as refused, want 1", refused)
	}
}

// The host's callback gets the array only after the module verified every
// token: the service's answer with two tokens swapped (each still validly
// signed, for the right entity, but carrying the other traveller's nonce)
// or with one token's signature broken reaches the host as an error only.
func TestFamilyTamperedTokensRefused(t *testing.T) {
	for name, rewrite := range map[string]func(toks []any) []any{
		"nonce": func(toks []any) []any { toks[0], toks[2] = toks[2], toks[0]; return toks }, // swapped
		"signature": func(toks []any) []any {
			m := toks[len(toks)-1].(map[string]any)
			b := []byte(m["token"].(string))
			i := bytes.LastIndexByte(b, '.') + 5
			b[i] ^= 1
			m["token"] = string(b)
			return toks
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, envOpts{})
			ps := []passenger{{who: person(t, seed.SharedMobile, "Sunita Devi")}, {who: person(t, seed.SharedMobile, "मोहन लाल")},
				{who: person(t, seed.SharedMobile, "محمد عارف")}}
			p := familyStart(t, e, "en", ps)
			e.setTamper(func(body []byte) []byte {
				var v map[string]any
				if err := json.Unmarshal(body, &v); err != nil || v["tokens"] == nil {
					t.Errorf("service answer %s: %v", body, err)
					return body
				}
				v["tokens"] = rewrite(v["tokens"].([]any))
				b, _ := json.Marshal(v)
				return b
			})
			n := len(e.otps(seed.SharedMobile))
			p.click("#fsend")
			p.waitIn(`document.body.dataset.state === "codes"`)
			p.typeIn("#fcode-0", e.waitOTP(seed.SharedMobile, n))
			p.click("#fcontinue")
			p.waitIn(`document.body.dataset.state === "agree"`)
			p.click("#fconsent")
			p.click("#fverify")
			// A flipped bit may break the base64 (malformed) or the signature.
			embedTokenRefused(t, p, map[string][]string{"nonce": {"token_nonce"}, "signature": {"token_signature", "token_malformed"}}[name]...)
			time.Sleep(300 * time.Millisecond)
			if rs := hostFamilyResults(p); len(rs) != 0 {
				t.Fatalf("host callback got %v", rs)
			}
			if state := evalIn[string](p, `document.body.dataset.state`); state == "done" {
				t.Fatal("widget shows done")
			}
		})
	}
}

// KYCVS.render with travellers: the list is checked before anything is
// framed, every nonce goes to the widget, and one traveller is today's
// one-person check whose result the host gets as an array of one.
func TestFamilyRenderOptions(t *testing.T) {
	e := newEnv(t, envOpts{})
	who := person(t, "9876500002", "Priya Sharma")
	p := open(t, e.Demo+"/railway?lang=en")
	p.waitIn(`document.body.dataset.state === "start"`)
	refused := evalHost[[]string](p, `(() => {
		const el = document.createElement("div"); document.body.append(el);
		const entity = document.body.dataset.entity, out = [];
		for (const o of [{travellers: []}, {travellers: "abc"}, {travellers: [{nonce: "nonce-aaaaaaaa"}], nonce: "nonce-bbbbbbbb"},
			{travellers: [{nonce: "nonce-aaaaaaaa"}, {nonce: "nonce-aaaaaaaa"}]}, {travellers: [{}]},
			{travellers: Array.from({length: 7}, (_, i) => ({nonce: "nonce-aaaaaaa" + i}))}]) {
			try { KYCVS.render(el, Object.assign({entity}, o)); out.push("rendered " + JSON.stringify(o)) } catch (e) { if (!(e instanceof TypeError)) out.push(String(e)) }
		}
		const h = KYCVS.render(el, {entity, travellers: [{nonce: "nonce-aaaaaaaa"}, {nonce: "nonce-bbbbbbbb"}]});
		const q = new URL(el.querySelector("iframe").src).searchParams.getAll("nonce");
		h.remove(); el.remove();
		if (q.join(" ") !== "nonce-aaaaaaaa nonce-bbbbbbbb") out.push("iframe nonces " + q.join(" "));
		return out })()`)
	if len(refused) != 0 {
		t.Fatalf("KYCVS.render: %v", refused)
	}

	// One traveller through travellers: the one-person widget, an array of one.
	evalHost[bool](p, `KYCVS.render(document.getElementById("kycvs"), {entity: document.body.dataset.entity, lang: "en",
		travellers: [{nonce: document.body.dataset.nonce}], onResult: r => window.demoEvents.push({type: "results", results: r})}); true`)
	p.frame = nil
	p.waitIn(`document.body.dataset.state === "start"`)
	p.typeIn("#mobile", who.Mobile)
	p.typeIn("#name", who.Name)
	code := sendCode(t, e, p, who.Mobile)
	p.typeIn("#code", code)
	p.click("#consent")
	p.click("#verify")
	p.waitIn(`document.body.dataset.state === "done"`)
	p.waitHost(`(window.demoEvents || []).some(e => e.type === "results")`)
	rs := hostFamilyResults(p)
	if len(rs) != 1 || len(rs[0]) != 1 || rs[0][0].Status != int(who.Status) || rs[0][0].Token == "" {
		t.Fatalf("host got %+v, want an array of one", rs)
	}
}
