package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/service"
	"github.com/kycvs/kycvs/worker/store"
)

// benchVars lift the abuse limits: the benchmark sends thousands of OTPs from
// one address.
var benchVars = map[string]string{
	"OTP_RESEND_SECONDS": "0", "OTP_PER_MOBILE_HOUR": "1000000", "OTP_PER_IP_MINUTE": "1000000", "OTP_PER_ENTITY_HOUR": "1000000",
}

// TestBenchReport measures the OTP flow in workerd + D1 and natively on
// SQLite and prints the numbers; scripts/bench.d/30-worker runs it with
// KYCVS_BENCH=1. It asserts only that flows succeed.
func TestBenchReport(t *testing.T) {
	if os.Getenv("KYCVS_BENCH") != "1" {
		t.Skip("benchmark: set KYCVS_BENCH=1 (scripts/bench does)")
	}
	dur := 5 * time.Second
	if s := os.Getenv("KYCVS_BENCH_SECONDS"); s != "" {
		d, err := time.ParseDuration(s + "s")
		if err == nil {
			dur = d
		}
	}
	const people = 2000
	s := harness.Workerd(t, harness.Options{Synthetic: people, Vars: benchVars})
	native := nativeServer(t, people)

	for _, target := range []struct{ name, url string }{{"workerd", s.URL}, {"native", native}} {
		var d []time.Duration
		for range 50 {
			t0 := time.Now()
			resp, err := http.Get(target.url + "/.well-known/kycvs/keys.json")
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			d = append(d, time.Since(t0))
		}
		fmt.Printf("\n%s: GET keys.json (no database) p50 %s p99 %s", target.name, pct(d, 50), pct(d, 99))
	}
	fmt.Printf("\n\nKYC-VS worker benchmark (%s per run; a flow = POST /v1/otp, GET /dev/outbox, POST /v1/otp/verify)\n", dur)
	fmt.Printf("%-8s %-7s %10s %10s %10s %10s %9s\n", "target", "clients", "otp p50", "otp p99", "verify p50", "verify p99", "flows/s")
	for _, target := range []struct{ name, url string }{{"workerd", s.URL}, {"native", native}} {
		for _, clients := range []int{1, 8} {
			r := runFlows(t, target.url, clients, dur, people)
			fmt.Printf("%-8s %-7d %10s %10s %10s %10s %9.1f\n", target.name, clients,
				pct(r.otp, 50), pct(r.otp, 99), pct(r.verify, 50), pct(r.verify, 99), float64(r.flows)/r.elapsed.Seconds())
			if r.flows == 0 || r.errors > 0 {
				t.Errorf("%s, %d clients: %d flows, %d errors (first: %v)", target.name, clients, r.flows, r.errors, r.firstErr)
			}
		}
	}
}

// nativeServer serves the same handler natively on SQLite, over HTTP.
func nativeServer(t *testing.T, people int) string {
	s := harness.Native(t, harness.Options{Synthetic: people, Listen: true, Handler: func(d harness.Deps) (http.Handler, error) {
		lim := otp.DefaultLimits
		lim.ResendAfter, lim.PerMobileHour, lim.PerIPMinute, lim.PerEntityHour = 0, 1e6, 1e6, 1e6
		return service.New(service.Config{Environment: "dev", Issuer: "bench", SigningKey: d.Key, HashKey: d.HashKey, Keyset: d.Keyset,
			ServiceOrigin: d.Origin, Limits: lim}, d.Store, d.Sender)
	}})
	return s.URL
}

type result struct {
	otp, verify   []time.Duration
	flows, errors int
	elapsed       time.Duration
	firstErr      error
}

func pct(d []time.Duration, p int) string {
	if len(d) == 0 {
		return "-"
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return fmt.Sprintf("%.1fms", float64(s[i].Microseconds())/1000)
}

func runFlows(t *testing.T, base string, clients int, dur time.Duration, people int) result {
	// One person per mobile: the OTP is read back from the outbox by
	// number, so two clients must never share a number.
	var persons []seed.Person
	seen := map[string]bool{}
	for _, p := range seed.Synthetic(people) {
		if !seen[p.Mobile] {
			seen[p.Mobile] = true
			persons = append(persons, p)
		}
	}
	persons = persons[:len(persons)/clients*clients]
	var mu sync.Mutex
	var res result
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	post := func(path string, body any, out any) (time.Duration, error) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		t0 := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(t0)
		if resp.StatusCode/100 != 2 {
			return d, fmt.Errorf("POST %s: %d %s", path, resp.StatusCode, raw)
		}
		return d, json.Unmarshal(raw, out)
	}
	lastOTP := func(mobile string) (string, error) {
		resp, err := hc.Get(base + "/dev/outbox?limit=1&to=" + mobile)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		var ob struct{ Messages []store.OutboxMessage }
		if err := json.NewDecoder(resp.Body).Decode(&ob); err != nil || len(ob.Messages) == 0 {
			return "", fmt.Errorf("outbox for %s: %v", mobile, err)
		}
		return harness.OTPOf(ob.Messages[0].Body), nil
	}
	start := time.Now()
	deadline := start.Add(dur)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := c; time.Now().Before(deadline); i += clients {
				p := persons[i%len(persons)]
				var st struct{ Txn string }
				d1, err := post("/v1/otp", map[string]string{"entity": "ent_railways", "mobile": p.Mobile, "name": p.Name, "nonce": "bench-nonce-0001"}, &st)
				var code string
				if err == nil {
					code, err = lastOTP(p.Mobile)
				}
				var d2 time.Duration
				if err == nil {
					var v struct{ Token string }
					d2, err = post("/v1/otp/verify", map[string]string{"txn": st.Txn, "otp": code}, &v)
				}
				mu.Lock()
				if err != nil {
					res.errors++
					if res.firstErr == nil {
						res.firstErr = err
					}
				} else {
					res.flows++
					res.otp = append(res.otp, d1)
					res.verify = append(res.verify, d2)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}
