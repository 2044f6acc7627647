package service

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kycvs/kycvs/worker/seed"
)

// TestBadInput sends malformed requests and requires a 4xx JSON error with a
// stable code, never a 5xx, and a database unchanged by all of them.
func TestBadInput(t *testing.T) {
	e := newEnv(t, nil)
	secret := seed.DemoSecret(e.HashKey, "ent_railways")
	start := func(entity, mobile, name, nonce string) string {
		return fmt.Sprintf(`{"entity":%q,"mobile":%q,"name":%q,"nonce":%q}`, entity, mobile, name, nonce)
	}
	good := func(field, value string) string {
		m := map[string]string{"entity": "ent_railways", "mobile": "9876500001", "name": "Ramesh Kumar", "nonce": nonce}
		m[field] = value
		return start(m["entity"], m["mobile"], m["name"], m["nonce"])
	}
	omit := func(field string) string {
		s := good(field, "")
		return strings.Replace(s, fmt.Sprintf(`"%s":"",`, field), "", 1)
	}
	big := strings.Repeat("a", 5000)
	cases := []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
		code                     string
	}{
		{"empty body", "POST", "/v1/otp", "", nil, 400, "bad_json"},
		{"null", "POST", "/v1/otp", "null", nil, 400, "missing_field"},
		{"array", "POST", "/v1/otp", "[]", nil, 400, "bad_json"},
		{"string", "POST", "/v1/otp", `"hello"`, nil, 400, "bad_json"},
		{"number", "POST", "/v1/otp", `42`, nil, 400, "bad_json"},
		{"entity number", "POST", "/v1/otp", `{"entity":1,"mobile":"9876500001","name":"a","nonce":"` + nonce + `"}`, nil, 400, "bad_json"},
		{"mobile number", "POST", "/v1/otp", `{"entity":"ent_railways","mobile":9876500001,"name":"a","nonce":"` + nonce + `"}`, nil, 400, "bad_json"},
		{"name array", "POST", "/v1/otp", `{"entity":"ent_railways","mobile":"9876500001","name":["a"],"nonce":"` + nonce + `"}`, nil, 400, "bad_json"},
		{"nonce object", "POST", "/v1/otp", `{"entity":"ent_railways","mobile":"9876500001","name":"a","nonce":{}}`, nil, 400, "bad_json"},
		{"name null", "POST", "/v1/otp", `{"entity":"ent_railways","mobile":"9876500001","name":null,"nonce":"` + nonce + `"}`, nil, 400, "missing_field"},
		{"missing entity", "POST", "/v1/otp", omit("entity"), nil, 400, "missing_field"},
		{"missing mobile", "POST", "/v1/otp", omit("mobile"), nil, 400, "missing_field"},
		{"missing name", "POST", "/v1/otp", omit("name"), nil, 400, "missing_field"},
		{"missing nonce", "POST", "/v1/otp", omit("nonce"), nil, 400, "missing_field"},
		{"unknown field", "POST", "/v1/otp", strings.TrimSuffix(good("name", "a"), "}") + `,"admin":true}`, nil, 400, "unknown_field"},
		{"trailing garbage", "POST", "/v1/otp", good("name", "a") + "x", nil, 400, "bad_json"},
		{"two objects", "POST", "/v1/otp", good("name", "a") + good("name", "b"), nil, 400, "bad_json"},
		{"truncated", "POST", "/v1/otp", good("name", "a")[:30], nil, 400, "bad_json"},
		{"huge body", "POST", "/v1/otp", `{"entity":"` + big + `"}`, nil, 413, "body_too_large"},
		{"huge name", "POST", "/v1/otp", good("name", big), nil, 413, "body_too_large"},
		{"invalid UTF-8", "POST", "/v1/otp", strings.Replace(good("name", "NAME"), "NAME", "Ram\xffesh", 1), nil, 400, "invalid_utf8"},
		{"overlong UTF-8 NUL", "POST", "/v1/otp", strings.Replace(good("name", "NAME"), "NAME", "a\xc0\x80b", 1), nil, 400, "invalid_utf8"},
		{"SQL in entity", "POST", "/v1/otp", good("entity", "ent_railways' OR '1'='1"), nil, 400, "invalid_entity"},
		{"SQL in mobile", "POST", "/v1/otp", good("mobile", "9876500001'; DELETE FROM beneficiaries;--"), nil, 400, "invalid_mobile"},
		{"SQL in nonce", "POST", "/v1/otp", good("nonce", "abcdefgh'); DROP TABLE entities;--"), nil, 400, "invalid_nonce"},
		{"11-digit mobile", "POST", "/v1/otp", good("mobile", "98765000011"), nil, 400, "invalid_mobile"},
		{"9-digit mobile", "POST", "/v1/otp", good("mobile", "987650000"), nil, 400, "invalid_mobile"},
		{"landline with STD code", "POST", "/v1/otp", good("mobile", "01123456789"), nil, 400, "invalid_mobile"},
		{"10-digit landline", "POST", "/v1/otp", good("mobile", "0112345678"), nil, 400, "invalid_mobile"},
		{"mobile starting with 5", "POST", "/v1/otp", good("mobile", "5876500001"), nil, 400, "invalid_mobile"},
		{"foreign country code", "POST", "/v1/otp", good("mobile", "+19876500001"), nil, 400, "invalid_mobile"},
		{"Devanagari digits", "POST", "/v1/otp", good("mobile", "९८७६५००००१"), nil, 400, "invalid_mobile"},
		{"unknown entity", "POST", "/v1/otp", good("entity", "ent_nope"), nil, 403, "unknown_entity"},
		{"entity without prefix", "POST", "/v1/otp", good("entity", "railways"), nil, 400, "invalid_entity"},
		{"short nonce", "POST", "/v1/otp", good("nonce", "abc"), nil, 400, "invalid_nonce"},
		{"long nonce", "POST", "/v1/otp", good("nonce", strings.Repeat("n", 129)), nil, 400, "invalid_nonce"},
		{"blank name", "POST", "/v1/otp", good("name", "   "), nil, 400, "invalid_name"},
		{"NUL in name", "POST", "/v1/otp", strings.Replace(good("name", "NAME"), "NAME", `Ram\u0000esh`, 1), nil, 400, "invalid_name"},
		{"RTL override in name", "POST", "/v1/otp", good("name", "Ram\u202eesh"), nil, 400, "invalid_name"},
		{"newline in name", "POST", "/v1/otp", good("name", "Ram\nesh"), nil, 400, "invalid_name"},
		{"name too long", "POST", "/v1/otp", good("name", strings.Repeat("ক", 101)), nil, 400, "invalid_name"},
		{"unknown lang", "POST", "/v1/otp", strings.TrimSuffix(good("name", "a"), "}") + `,"lang":"xx"}`, nil, 400, "invalid_lang"},
		{"GET", "GET", "/v1/otp", "", nil, 405, "method_not_allowed"},
		{"PUT", "PUT", "/v1/otp", good("name", "a"), nil, 405, "method_not_allowed"},
		{"text/plain", "POST", "/v1/otp", good("name", "a"), []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type"},
		{"form", "POST", "/v1/otp", "entity=ent_railways", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"},
		{"no content type", "POST", "/v1/otp", good("name", "a"), []string{"Content-Type", ""}, 415, "unsupported_media_type"},
		{"foreign origin", "POST", "/v1/otp", good("name", "a"), []string{"Origin", "https://evil.example"}, 403, "origin_not_allowed"},
		{"null origin", "POST", "/v1/otp", good("name", "a"), []string{"Origin", "null"}, 403, "origin_not_allowed"},

		{"verify: missing txn", "POST", "/v1/otp/verify", `{"otp":"123456"}`, nil, 400, "missing_field"},
		{"verify: missing otp", "POST", "/v1/otp/verify", `{"txn":"txn_AAAAAAAAAAAAAAAAAAAAAA"}`, nil, 400, "missing_field"},
		{"verify: 5-digit otp", "POST", "/v1/otp/verify", `{"txn":"txn_AAAAAAAAAAAAAAAAAAAAAA","otp":"12345"}`, nil, 400, "invalid_otp"},
		{"verify: letters", "POST", "/v1/otp/verify", `{"txn":"txn_AAAAAAAAAAAAAAAAAAAAAA","otp":"12345a"}`, nil, 400, "invalid_otp"},
		{"verify: full-width digits", "POST", "/v1/otp/verify", `{"txn":"txn_AAAAAAAAAAAAAAAAAAAAAA","otp":"１２３４５６"}`, nil, 400, "invalid_otp"},
		{"verify: otp number", "POST", "/v1/otp/verify", `{"txn":"txn_AAAAAAAAAAAAAAAAAAAAAA","otp":123456}`, nil, 400, "bad_json"},
		{"verify: SQL in txn", "POST", "/v1/otp/verify", `{"txn":"txn_' OR 1=1 --","otp":"123456"}`, nil, 400, "invalid_txn"},
		{"verify: bad txn", "POST", "/v1/otp/verify", `{"txn":"12","otp":"123456"}`, nil, 400, "invalid_txn"},
		{"verify: unknown txn", "POST", "/v1/otp/verify", `{"txn":"txn_AAAAAAAAAAAAAAAAAAAAAA","otp":"123456"}`, nil, 410, "txn_unknown"},
		{"verify: GET", "GET", "/v1/otp/verify", "", nil, 405, "method_not_allowed"},

		{"tokens: no auth", "POST", "/v1/tokens/verify", `{"token":"x","nonce":"` + nonce + `"}`, []string{"Origin", ""}, 401, "entity_auth"},
		{"tokens: basic auth", "POST", "/v1/tokens/verify", `{"token":"x","nonce":"` + nonce + `"}`, []string{"Origin", "", "Authorization", "Basic YTpi"}, 401, "entity_auth"},
		{"tokens: wrong secret", "POST", "/v1/tokens/verify", `{"token":"x","nonce":"` + nonce + `"}`, []string{"Origin", "", "Authorization", "Bearer kycvs_sk_nope"}, 401, "entity_auth"},
		{"tokens: SQL in secret", "POST", "/v1/tokens/verify", `{"token":"x","nonce":"` + nonce + `"}`, []string{"Origin", "", "Authorization", "Bearer ' OR 1=1 --"}, 401, "entity_auth"},
		{"tokens: missing token", "POST", "/v1/tokens/verify", `{"nonce":"` + nonce + `"}`, []string{"Origin", "", "Authorization", "Bearer " + secret}, 400, "missing_field"},
		{"tokens: huge token", "POST", "/v1/tokens/verify", `{"token":"` + strings.Repeat("k", 600) + `","nonce":"` + nonce + `"}`, []string{"Origin", "", "Authorization", "Bearer " + secret}, 400, "invalid_token"},
		{"tokens: bad nonce", "POST", "/v1/tokens/verify", `{"token":"x","nonce":"a b"}`, []string{"Origin", "", "Authorization", "Bearer " + secret}, 400, "invalid_nonce"},
		{"tokens: from a browser", "POST", "/v1/tokens/verify", `{"token":"x","nonce":"` + nonce + `"}`, []string{"Origin", "https://evil.example", "Authorization", "Bearer " + secret}, 403, "origin_not_allowed"},

		{"unknown path", "POST", "/v1/nope", "{}", nil, 404, "not_found"},
		{"trailing slash", "POST", "/v1/otp/", good("name", "a"), nil, 404, "not_found"},
		{"POST keys.json", "POST", "/.well-known/kycvs/keys.json", "{}", nil, 405, "method_not_allowed"},
		{"POST outbox", "POST", "http://127.0.0.1:8787/dev/outbox", "{}", nil, 405, "method_not_allowed"},
		{"outbox bad number", "GET", "http://127.0.0.1:8787/dev/outbox?to=12", "", nil, 400, "invalid_mobile"},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	before := e.Dump()
	for _, c := range cases {
		r := e.do(c.method, c.path, c.body, c.hdr...)
		if r.Status != c.status || r.Code() != c.code {
			t.Errorf("%s: %d %q, want %d %q (%s)", c.name, r.Status, r.Code(), c.status, c.code, r.Raw)
		}
		if msg, _ := r.Body["message"].(string); msg == "" {
			t.Errorf("%s: no message: %s", c.name, r.Raw)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", c.name)
		}
	}
	if after := e.Dump(); after != before {
		t.Errorf("the database changed")
	}
}
