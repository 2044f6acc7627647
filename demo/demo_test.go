package demo

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/keys"
)

func TestCheckSingleUse(t *testing.T) {
	sk, err := keys.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	ks := &keys.Keyset{}
	if err := ks.Add(sk.Public(), time.Now().Add(-time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	s := New(Config{Service: "http://svc.test", Railway: "ent_rail", Hotel: "ent_hotel", Keyset: ks})
	sign := func(aud, nonce string) string {
		now := time.Now().Truncate(time.Second)
		a := &kycvs.Attestation{Issuer: "test", Audience: aud, Nonce: nonce, Status: kycvs.PartiallyVaccinated, IssuedAt: now, ExpiresAt: now.Add(time.Minute)}
		a.TokenID[0] = byte(len(nonce)) ^ aud[4]
		tok, err := kycvs.Sign(sk, a)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	post := func(site, nonce, token string) CheckResult {
		b, _ := json.Marshal(map[string]string{"site": site, "nonce": nonce, "token": token})
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("POST", "/api/check", bytes.NewReader(b)))
		var res CheckResult
		json.NewDecoder(w.Body).Decode(&res)
		return res
	}

	n := s.IssueNonce("railway")
	if r := post("railway", n, sign("ent_hotel", n)); r.OK {
		t.Fatal("accepted a token for another entity")
	}
	if r := post("railway", n, sign("ent_rail", "other-nonce")); r.OK {
		t.Fatal("accepted a token for another nonce")
	}
	if r := post("hotel", n, sign("ent_hotel", n)); r.OK {
		t.Fatal("accepted a railway nonce on the hotel site")
	}
	tok := sign("ent_rail", n)
	if r := post("railway", n, tok); !r.OK || r.Status != 1 {
		t.Fatalf("good token refused: %+v", r)
	}
	if r := post("railway", n, tok); r.OK {
		t.Fatal("accepted the same token twice")
	}
	if r := post("railway", "never-issued", tok); r.OK {
		t.Fatal("accepted an unknown nonce")
	}
}

func TestPages(t *testing.T) {
	s := New(Config{Service: "http://127.0.0.1:8787", Railway: "ent_rail", Hotel: "ent_hotel"})
	for _, p := range []string{"/railway", "/hotel?lang=ur"} {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", p, nil))
		body := w.Body.String()
		if w.Code != http.StatusOK || !strings.Contains(body, `src="http://127.0.0.1:8787/embed.js"`) || !strings.Contains(body, "data-kycvs-nonce=") {
			t.Errorf("%s: %d %s", p, w.Code, body)
		}
	}
}
