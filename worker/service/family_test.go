package service

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/seed"
)

// A family check: one code to a number, a token per traveller on it.

// traveller is one entry of a family check's request.
type traveller struct {
	Name  string `json:"name"`
	Nonce string `json:"nonce"`
}

// travellersOf names people with a nonce each, "<prefix>-<i>".
func travellersOf(prefix string, ps ...seed.Person) []traveller {
	out := make([]traveller, len(ps))
	for i, p := range ps {
		out[i] = traveller{Name: p.Name, Nonce: fmt.Sprintf("%s-nonce-%d", prefix, i)}
	}
	return out
}

func (e *env) startFamily(entity, mobile string, ts []traveller) *response {
	e.t.Helper()
	return e.do("POST", "/v1/otp", map[string]any{"entity": entity, "mobile": mobile, "travellers": ts})
}

func (e *env) verifyFamily(txn, code string, ts []traveller) *response {
	e.t.Helper()
	return e.do("POST", "/v1/otp/verify", map[string]any{"txn": txn, "otp": code, "travellers": ts})
}

// familyFlow starts a family check on mobile, reads the code from the
// outbox and verifies it; it returns the tokens' entries.
func (e *env) familyFlow(entity, mobile string, ts []traveller) []map[string]any {
	e.t.Helper()
	r := e.startFamily(entity, mobile, ts)
	if r.Status != 202 {
		e.t.Fatalf("start: %d %s", r.Status, r.Raw)
	}
	r = e.verifyFamily(r.Str("txn"), e.LastOTP(mobile), ts)
	if r.Status != 200 {
		e.t.Fatalf("verify: %d %s", r.Status, r.Raw)
	}
	toks, _ := r.Body["tokens"].([]any)
	if len(toks) != len(ts) {
		e.t.Fatalf("%d results for %d travellers: %s", len(toks), len(ts), r.Raw)
	}
	out := make([]map[string]any, len(toks))
	for i, x := range toks {
		out[i] = x.(map[string]any)
	}
	return out
}

// checkFamilyToken verifies traveller i's token as the entity's server
// does, alone, with that traveller's nonce, and requires every other
// traveller's nonce to be refused.
func (e *env) checkFamilyToken(entity string, res map[string]any, ts []traveller, i int) *kycvs.Attestation {
	e.t.Helper()
	tok, _ := res["token"].(string)
	if tok == "" || res["error"] != nil {
		e.t.Fatalf("traveller %d (%s): %v", i+1, ts[i].Name, res)
	}
	a, err := kycvs.Verify(tok, e.Keyset, kycvs.Expect{Audience: entity, Nonce: ts[i].Nonce, Now: e.Clock.Now()})
	if err != nil {
		e.t.Fatalf("traveller %d (%s): %v", i+1, ts[i].Name, err)
	}
	if exp, _ := res["expires_at"].(float64); int64(exp) != a.ExpiresAt.Unix() {
		e.t.Errorf("traveller %d: expires_at %v, the token says %d", i+1, res["expires_at"], a.ExpiresAt.Unix())
	}
	for j := range ts {
		if j == i {
			continue
		}
		if _, err := kycvs.Verify(tok, e.Keyset, kycvs.Expect{Audience: entity, Nonce: ts[j].Nonce, Now: e.Clock.Now()}); !errors.Is(err, kycvs.ErrNonce) {
			e.t.Errorf("traveller %d's token with traveller %d's nonce: %v, want ErrNonce", i+1, j+1, err)
		}
	}
	return a
}

func shared() []seed.Person {
	var out []seed.Person
	for _, p := range seed.DemoPeople {
		if p.Mobile == seed.SharedMobile {
			out = append(out, p)
		}
	}
	return out
}

// The four people on the shared demo number, one code: four tokens whose
// statuses are the registry's, each bound to its own nonce and carrying its
// own pairwise subject.
func TestFamilySharedMobile(t *testing.T) {
	e := newEnv(t, nil)
	people := shared()
	if len(people) != 4 {
		t.Fatalf("the seed has %d people on %s, want 4", len(people), seed.SharedMobile)
	}
	ts := travellersOf("rail", people...)
	ts[0].Name = "  SUNITA   devi " // typed otherwise than registered
	sms := len(e.Outbox(seed.SharedMobile))
	res := e.familyFlow("ent_railways", seed.SharedMobile, ts)
	if n := len(e.Outbox(seed.SharedMobile)) - sms; n != 1 {
		t.Errorf("%d SMS for a family of four, want 1", n)
	}
	subjects := map[[16]byte]bool{}
	for i, p := range people {
		a := e.checkFamilyToken("ent_railways", res[i], ts, i)
		if a.Status != p.Status {
			t.Errorf("%s: status %v, want %v", p.Name, a.Status, p.Status)
		}
		if a.Subject != kycvs.PairwiseSubject(subjectKey(e), "ent_railways", p.ID) {
			t.Errorf("%s: not the pairwise subject of %s", p.Name, p.ID)
		}
		subjects[a.Subject] = true
	}
	if len(subjects) != 4 {
		t.Errorf("%d distinct subjects, want 4", len(subjects))
	}
	// The transaction kept no name and no nonce, in clear or otherwise
	// readable: one keyed hash of the list.
	for _, row := range e.Query(`SELECT * FROM otp_transactions`) {
		for col, v := range row {
			for _, x := range ts {
				if s, _ := v.(string); s != "" && (strings.Contains(s, strings.TrimSpace(x.Name)) || strings.Contains(s, x.Nonce)) {
					t.Errorf("otp_transactions.%s holds %q", col, s)
				}
			}
		}
		if row["nonce"] != "" || len(row["name_hash"].(string)) != 64 {
			t.Errorf("transaction %v", row)
		}
	}
	// Each token verifies once at the entity's API, with its own nonce.
	for i := range ts {
		r := e.do("POST", "/v1/tokens/verify", map[string]string{"token": res[i]["token"].(string), "nonce": ts[i].Nonce},
			"Authorization", "Bearer "+seed.DemoSecret(e.HashKey, "ent_railways"), "Origin", "")
		if r.Body["valid"] != true || r.Body["status"] != float64(people[i].Status) {
			t.Errorf("traveller %d at /v1/tokens/verify: %s", i+1, r.Raw)
		}
	}
}

// Three travellers on the shared number and one on another: two codes,
// four tokens, each verified with its own nonce.
func TestFamilyTwoNumbers(t *testing.T) {
	e := newEnv(t, nil)
	people := shared()[:3]
	other := seed.DemoPeople[0] // Ramesh Kumar, 9876500001
	all := travellersOf("hotel", append(append([]seed.Person{}, people...), other)...)
	sms := len(e.Outbox(seed.SharedMobile)) + len(e.Outbox(other.Mobile))
	res := append(e.familyFlow("ent_hotel", seed.SharedMobile, all[:3]), e.familyFlow("ent_hotel", other.Mobile, all[3:])...)
	if n := len(e.Outbox(seed.SharedMobile)) + len(e.Outbox(other.Mobile)) - sms; n != 2 {
		t.Errorf("%d SMS, want 2", n)
	}
	for i, p := range append(people, other) {
		if a := e.checkFamilyToken("ent_hotel", res[i], all, i); a.Status != p.Status {
			t.Errorf("%s: status %v, want %v", p.Name, a.Status, p.Status)
		}
	}
}

// A name nobody on the number has is that traveller's name_mismatch; the
// others get their tokens, and the code is used.
func TestFamilyNameMismatch(t *testing.T) {
	e := newEnv(t, nil)
	people := shared()
	ts := travellersOf("rail", people[0], seed.Person{Name: "Mohan Lal"}, people[3]) // मोहन लाल is registered in Devanagari
	r := e.startFamily("ent_railways", seed.SharedMobile, ts)
	code := e.LastOTP(seed.SharedMobile)
	v := e.verifyFamily(r.Str("txn"), code, ts)
	if v.Status != 200 {
		t.Fatalf("%d %s", v.Status, v.Raw)
	}
	toks := v.Body["tokens"].([]any)
	mismatch := toks[1].(map[string]any)
	if mismatch["error"] != "name_mismatch" || mismatch["message"] == "" || mismatch["token"] != nil || mismatch["expires_at"] != nil {
		t.Errorf("traveller 2: %v", mismatch)
	}
	for _, i := range []int{0, 2} {
		want := people[0].Status
		if i == 2 {
			want = people[3].Status
		}
		if a := e.checkFamilyToken("ent_railways", toks[i].(map[string]any), ts, i); a.Status != want {
			t.Errorf("traveller %d: %v", i+1, a.Status)
		}
	}
	if r := e.verifyFamily(r.Str("txn"), code, ts); r.Status != 410 || r.Code() != "otp_used" {
		t.Errorf("again: %d %s", r.Status, r.Raw)
	}

	// Nobody at all on the number: every traveller is name_mismatch, in
	// the same 200 (the person proved the number).
	e.Clock.Add(31 * time.Second)
	ts = travellersOf("rail", seed.Person{Name: "Nobody Here"}, seed.Person{Name: "Nor Here"})
	for i, x := range e.familyFlow("ent_railways", seed.UnregisteredMobile, ts) {
		if x["error"] != "name_mismatch" {
			t.Errorf("unregistered number, traveller %d: %v", i+1, x)
		}
	}
}

// A family's code verified as a single check's is refused, and spent: the
// caller broke the protocol.
func TestFamilyCodeWithoutTravellers(t *testing.T) {
	e := newEnv(t, nil)
	ts := travellersOf("rail", shared()[:2]...)
	r := e.startFamily("ent_railways", seed.SharedMobile, ts)
	code := e.LastOTP(seed.SharedMobile)
	if v := e.verify(r.Str("txn"), code); v.Status != 409 || v.Code() != "travellers_mismatch" {
		t.Fatalf("without travellers: %d %s", v.Status, v.Raw)
	}
	if v := e.verifyFamily(r.Str("txn"), code, ts); v.Status != 410 || v.Code() != "otp_used" {
		t.Fatalf("then with them: %d %s", v.Status, v.Raw)
	}
}

// One code to a number for a family of six is one send from the number's
// limits (30 s between codes, five an hour): the family is checked in
// full, and the number still has four sends left this hour.
func TestFamilyOfSixWithinLimits(t *testing.T) {
	six := familyOfSix("9876500060")
	e := startEnv(t, harness.Options{People: six}, nil)
	ts := travellersOf("rail", six...)
	res := e.familyFlow("ent_railways", six[0].Mobile, ts)
	for i, p := range six {
		if a := e.checkFamilyToken("ent_railways", res[i], ts, i); a.Status != p.Status {
			t.Errorf("%s: %v, want %v", p.Name, a.Status, p.Status)
		}
	}
	if r := e.startFamily("ent_railways", six[0].Mobile, ts); r.Status != 429 {
		t.Errorf("a second code within 30 s: %d %s", r.Status, r.Raw)
	}
	for i := range 4 {
		e.Clock.Add(30 * time.Second)
		if r := e.startFamily("ent_railways", six[0].Mobile, ts); r.Status != 202 {
			t.Fatalf("send %d of 5 this hour: %d %s", i+2, r.Status, r.Raw)
		}
	}
	e.Clock.Add(30 * time.Second)
	if r := e.startFamily("ent_railways", six[0].Mobile, ts); r.Status != 429 {
		t.Errorf("a sixth send this hour: %d %s", r.Status, r.Raw)
	}
}

// familyOfSix is six people on mobile, in four scripts, every status.
func familyOfSix(mobile string) []seed.Person {
	return []seed.Person{
		{ID: "ben_six_1", Mobile: mobile, Name: "Kamala Iyer", Vaccine: "covishield", Doses: 2, Status: kycvs.FullyVaccinated},
		{ID: "ben_six_2", Mobile: mobile, Name: "Raghav Iyer", Vaccine: "covishield", Doses: 1, Status: kycvs.PartiallyVaccinated},
		{ID: "ben_six_3", Mobile: mobile, Name: "सीता देवी", Status: kycvs.NotVaccinated},
		{ID: "ben_six_4", Mobile: mobile, Name: "عائشہ بانو", Vaccine: "covaxin", Doses: 2, Status: kycvs.FullyVaccinated},
		{ID: "ben_six_5", Mobile: mobile, Name: "অনিতা বসু", Vaccine: "sputnik_light", Doses: 1, Status: kycvs.FullyVaccinated},
		{ID: "ben_six_6", Mobile: mobile, Name: "Meera Iyer", Vaccine: "zycov_d", Doses: 2, Status: kycvs.PartiallyVaccinated},
	}
}

// TestFamilyBadInput: every refused family request is a 4xx JSON error with
// a stable code that changed nothing and sent nothing: not the database,
// not the limits, not a code's attempts. The verifications name the right
// code, so only the refusal stands between them and tokens.
func TestFamilyBadInput(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Limits.ResendAfter = 0 })
	people := shared()
	ts := travellersOf("rail", people[:3]...)
	txn := e.startFamily("ent_railways", seed.SharedMobile, ts).Str("txn")
	code := e.LastOTP(seed.SharedMobile)
	single := e.start("ent_railways", seed.DemoPeople[0].Mobile, seed.DemoPeople[0].Name, nonce).Str("txn")
	singleCode := e.LastOTP(seed.DemoPeople[0].Mobile)

	with := func(edit func([]traveller) []traveller) []traveller {
		return edit(append([]traveller(nil), ts...))
	}
	seven := make([]traveller, 7)
	for i := range seven {
		seven[i] = traveller{Name: fmt.Sprintf("Person %c", 'A'+i), Nonce: fmt.Sprintf("seven-nonce-%d", i)}
	}
	start := func(extra map[string]any) map[string]any {
		m := map[string]any{"entity": "ent_railways", "mobile": seed.SharedMobile, "travellers": ts}
		for k, v := range extra {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	verify := func(id, c string, tr any) map[string]any {
		return map[string]any{"txn": id, "otp": c, "travellers": tr}
	}
	cases := []struct {
		name   string
		path   string
		body   any
		status int
		code   string
	}{
		{"more than 6", "/v1/otp", start(map[string]any{"travellers": seven}), 400, "too_many_travellers"},
		{"the same name twice", "/v1/otp", start(map[string]any{"travellers": with(func(x []traveller) []traveller { x[2].Name = x[0].Name; return x })}), 400, "duplicate_name"},
		{"the same name, typed otherwise", "/v1/otp", start(map[string]any{"travellers": with(func(x []traveller) []traveller { x[2].Name = " sunita  DEVI"; return x })}), 400, "duplicate_name"},
		{"the same nonce twice", "/v1/otp", start(map[string]any{"travellers": with(func(x []traveller) []traveller { x[1].Nonce = x[0].Nonce; return x })}), 400, "duplicate_nonce"},
		{"a missing nonce", "/v1/otp", start(map[string]any{"travellers": []map[string]string{{"name": "Sunita Devi", "nonce": "rail-nonce-0"}, {"name": "मोहन लाल"}}}), 400, "missing_field"},
		{"an empty nonce", "/v1/otp", start(map[string]any{"travellers": with(func(x []traveller) []traveller { x[1].Nonce = ""; return x })}), 400, "missing_field"},
		{"a malformed nonce", "/v1/otp", start(map[string]any{"travellers": with(func(x []traveller) []traveller { x[1].Nonce = "short"; return x })}), 400, "invalid_nonce"},
		{"a missing name", "/v1/otp", start(map[string]any{"travellers": []map[string]string{{"nonce": "rail-nonce-0"}}}), 400, "missing_field"},
		{"a name with an RTL override", "/v1/otp", start(map[string]any{"travellers": with(func(x []traveller) []traveller { x[1].Name = "Mo\u202ehan"; return x })}), 400, "invalid_name"},
		{"no travellers", "/v1/otp", start(map[string]any{"travellers": []traveller{}}), 400, "invalid_travellers"},
		{"travellers and a name", "/v1/otp", start(map[string]any{"name": "Sunita Devi"}), 400, "invalid_travellers"},
		{"travellers and a nonce", "/v1/otp", start(map[string]any{"nonce": nonce}), 400, "invalid_travellers"},
		{"travellers an object", "/v1/otp", start(map[string]any{"travellers": map[string]string{"name": "x", "nonce": nonce}}), 400, "bad_json"},
		{"a traveller a string", "/v1/otp", start(map[string]any{"travellers": []string{"Sunita Devi"}}), 400, "bad_json"},
		{"a traveller with another field", "/v1/otp", start(map[string]any{"travellers": []map[string]string{{"name": "Sunita Devi", "nonce": nonce, "mobile": "9876500001"}}}), 400, "unknown_field"},
		{"travellers without a mobile", "/v1/otp", start(map[string]any{"mobile": nil}), 400, "missing_field"},
		{"travellers on a bad mobile", "/v1/otp", start(map[string]any{"mobile": "12345"}), 400, "invalid_mobile"},
		{"travellers for an unknown entity", "/v1/otp", start(map[string]any{"entity": "ent_nope"}), 403, "unknown_entity"},

		{"verify: another nonce list", "/v1/otp/verify", verify(txn, code, with(func(x []traveller) []traveller { x[2].Nonce = "rail-nonce-9"; return x })), 409, "travellers_mismatch"},
		{"verify: the nonces in another order", "/v1/otp/verify", verify(txn, code, with(func(x []traveller) []traveller { x[0].Nonce, x[1].Nonce = x[1].Nonce, x[0].Nonce; return x })), 409, "travellers_mismatch"},
		{"verify: the travellers in another order", "/v1/otp/verify", verify(txn, code, with(func(x []traveller) []traveller { x[0], x[1] = x[1], x[0]; return x })), 409, "travellers_mismatch"},
		{"verify: a traveller fewer", "/v1/otp/verify", verify(txn, code, ts[:2]), 409, "travellers_mismatch"},
		{"verify: a traveller more", "/v1/otp/verify", verify(txn, code, append(append([]traveller(nil), ts...), traveller{Name: people[3].Name, Nonce: "rail-nonce-3"})), 409, "travellers_mismatch"},
		{"verify: another name", "/v1/otp/verify", verify(txn, code, with(func(x []traveller) []traveller { x[1].Name = people[3].Name; return x })), 409, "travellers_mismatch"},
		{"verify: a single check's code with travellers", "/v1/otp/verify", verify(single, singleCode, []traveller{{seed.DemoPeople[0].Name, nonce}}), 409, "travellers_mismatch"},
		{"verify: more than 6", "/v1/otp/verify", verify(txn, code, seven), 400, "too_many_travellers"},
		{"verify: the same nonce twice", "/v1/otp/verify", verify(txn, code, with(func(x []traveller) []traveller { x[2].Nonce = x[1].Nonce; return x })), 400, "duplicate_nonce"},
		{"verify: the same name twice", "/v1/otp/verify", verify(txn, code, with(func(x []traveller) []traveller { x[2].Name = x[1].Name; return x })), 400, "duplicate_name"},
		{"verify: a missing nonce", "/v1/otp/verify", verify(txn, code, []map[string]string{{"name": "Sunita Devi"}}), 400, "missing_field"},
		{"verify: no travellers", "/v1/otp/verify", verify(txn, code, []traveller{}), 400, "invalid_travellers"},
		{"verify: a bad code", "/v1/otp/verify", verify(txn, "12345", ts), 400, "invalid_otp"},
		{"verify: a bad txn", "/v1/otp/verify", verify("txn_' OR 1=1", code, ts), 400, "invalid_txn"},
	}
	before := e.Dump()
	for _, c := range cases {
		r := e.do("POST", c.path, c.body)
		if r.Status != c.status || r.Code() != c.code {
			t.Errorf("%s: %d %q, want %d %q (%s)", c.name, r.Status, r.Code(), c.status, c.code, r.Raw)
		}
		if msg, _ := r.Body["message"].(string); msg == "" {
			t.Errorf("%s: no message: %s", c.name, r.Raw)
		}
	}
	if after := e.Dump(); after != before {
		t.Errorf("the database changed")
	}
	// Nothing was spent: the right request still gets every token.
	if r := e.verifyFamily(txn, code, ts); r.Status != 200 || len(r.Body["tokens"].([]any)) != 3 {
		t.Errorf("the family's code after the refusals: %d %s", r.Status, r.Raw)
	}
	if r := e.verify(single, singleCode); r.Status != 200 {
		t.Errorf("the single check's code after the refusals: %d %s", r.Status, r.Raw)
	}
}
