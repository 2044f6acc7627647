//go:build !(js && wasm)

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/internal/wrangler"
	"github.com/kycvs/kycvs/worker/seed"
)

// sample is one load run: latencies of successful requests, and failures.
type sample struct {
	lat      []time.Duration
	errs     int
	firstErr error
	elapsed  time.Duration
}

func (s *sample) add(o sample) {
	s.lat = append(s.lat, o.lat...)
	s.errs += o.errs
	if s.firstErr == nil {
		s.firstErr = o.firstErr
	}
	s.elapsed += o.elapsed
}

func (s sample) pct(p int) time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	l := slices.Clone(s.lat)
	slices.Sort(l)
	return l[min(len(l)-1, (len(l)*p+99)/100-1)]
}

func (s sample) rps() float64 { return float64(len(s.lat)) / s.elapsed.Seconds() }

// load runs conns closed-loop clients for dur (or until do has been called
// limit times, if limit > 0); do(i) makes request i.
func load(conns int, dur time.Duration, limit int, do func(i int) error) sample {
	var (
		mu   sync.Mutex
		s    sample
		next int
		wg   sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(dur)
	for range conns {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if limit > 0 && i >= limit {
					return
				}
				t0 := time.Now()
				err := do(i)
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					s.errs++
					if s.firstErr == nil {
						s.firstErr = err
					}
				} else {
					s.lat = append(s.lat, d)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	s.elapsed = time.Since(start)
	return s
}

var benchClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

func call(method, url string, body []byte, out any) error {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := benchClient.Do(req)
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, url, res.StatusCode, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64)
}

// TestPerfReport prints the pooled glue's numbers against the plain JS
// reference worker (bench/jsref) and the generated glue, interleaved (each
// round runs every target in turn), then workerd's RSS over 20,000 requests,
// then the real worker's /v1/otp and /v1/otp/verify against the JS
// reference. scripts/bench.d/60-perf runs it; it asserts only that requests
// succeed.
func TestPerfReport(t *testing.T) {
	if os.Getenv("KYCVS_BENCH") != "1" {
		t.Skip("benchmark: set KYCVS_BENCH=1 (scripts/bench does)")
	}
	needServer(t)
	dur := 4 * time.Second
	if s, err := strconv.Atoi(os.Getenv("KYCVS_BENCH_SECONDS")); err == nil && s > 0 {
		dur = time.Duration(s) * time.Second
	}
	const rounds = 3
	root, err := wrangler.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	js, err := startConfig(root, filepath.Join(root, "bench", "jsref", "wrangler.toml"))
	if err != nil {
		t.Fatal(err)
	}
	defer js.stop()
	shipped, err := startPooltest(shippedGlue)
	if err != nil {
		t.Fatal(err)
	}
	defer shipped.stop()

	targets := []struct {
		name string
		s    *workerd
	}{{"JS", js}, {"Go pooled", server}, {"Go shipped", shipped}}
	type key struct {
		path   string
		conns  int
		target string
	}
	results := map[key]*sample{}
	paths := []string{"/hello", "/sign", "/sign q=5"}
	request := func(base, p string, i int) error {
		switch p {
		case "/hello":
			return call("GET", base+p, nil, nil)
		case "/sign q=5":
			return call("POST", base+"/sign", []byte(`{"queries":5,"id":`+strconv.Itoa(i)+`}`), nil)
		}
		return call("POST", base+p, []byte(`{"id":`+strconv.Itoa(i)+`}`), nil)
	}
	for _, p := range paths {
		for _, conns := range []int{1, 8} {
			for range rounds {
				for _, tg := range targets {
					k := key{p, conns, tg.name}
					if results[k] == nil {
						results[k] = &sample{}
					}
					d := dur
					if tg.name == "Go shipped" {
						d = dur / 2 // slow and only a baseline
					}
					results[k].add(load(conns, d, 0, func(i int) error { return request(tg.s.URL, p, i) }))
				}
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nPooled Go instances vs the plain JS Worker (same work), wrangler 4.86.0 local, %d interleaved rounds of %s\n", rounds, dur)
	fmt.Fprintf(&b, "%-9s %-5s | %-22s | %-38s | %-22s\n", "path", "conns", "JS p50/p99 ms, rps", "Go pooled p50/p99 ms, rps (p50 ×, rps ×)", "Go shipped p50/p99, rps")
	for _, p := range paths {
		for _, conns := range []int{1, 8} {
			j, g, s := results[key{p, conns, "JS"}], results[key{p, conns, "Go pooled"}], results[key{p, conns, "Go shipped"}]
			fmt.Fprintf(&b, "%-9s %-5d | %6s/%6s %7.0f | %6s/%6s %7.0f (%.2f×, %.2f×) | %6s/%6s %6.0f\n", p, conns,
				ms(j.pct(50)), ms(j.pct(99)), j.rps(),
				ms(g.pct(50)), ms(g.pct(99)), g.rps(), float64(g.pct(50))/float64(j.pct(50)), g.rps()/j.rps(),
				ms(s.pct(50)), ms(s.pct(99)), s.rps())
			for _, x := range []*sample{j, g, s} {
				if x.errs > 0 {
					t.Errorf("%s %d conns: %d errors, first: %v", p, conns, x.errs, x.firstErr)
				}
			}
		}
	}

	const mib = 1 << 20
	fmt.Fprintf(&b, "\nworkerd RSS over 20,000 POST /sign at 8 connections (after the runs above)\n")
	for _, tg := range targets[:2] {
		r0 := tg.s.rss()
		s := load(8, time.Hour, 20000, func(i int) error {
			return call("POST", tg.s.URL+"/sign", []byte(`{"id":`+strconv.Itoa(i)+`}`), nil)
		})
		r1 := tg.s.rss()
		fmt.Fprintf(&b, "%-10s %7.1f MiB -> %7.1f MiB (%+.1f MiB, %d requests, %d errors)\n", tg.name, float64(r0)/mib, float64(r1)/mib, float64(r1-r0)/mib, len(s.lat), s.errs)
		if s.errs > 0 {
			log := tg.s.Log()
			t.Errorf("RSS run %s: %d errors, first: %v\nworkerd log (end):\n%s", tg.name, s.errs, s.firstErr, log[max(0, len(log)-3000):])
		}
	}
	v, m, _ := getPoolStats(t)
	fmt.Fprintf(&b, "Go pooled instances after that: at most %d JS values held by Go, %.1f MiB wasm memory each\n", v, float64(m)/mib)
	fmt.Print(b.String())
	shipped.stop()

	if os.Getenv("KYCVS_BENCH_SERVICE") != "0" {
		realWorker(t, js, dur, rounds)
	}
}

// realWorker benchmarks the service (scripts/build-worker, now the pooled
// glue) on /v1/otp and /v1/otp/verify, interleaved with the JS reference's
// /sign with 5 D1 statements (4 SELECTs, the UPDATE … RETURNING) and an
// Ed25519 signature: about the D1 round trips of those endpoints, though not
// the same work (the service also hashes, normalises names, writes the
// outbox), so the ratio is approximate.
func realWorker(t *testing.T, js *workerd, dur time.Duration, rounds int) {
	const people = 4000
	t0 := time.Now()
	s := harness.Workerd(t, harness.Options{Synthetic: people, Vars: map[string]string{
		"OTP_RESEND_SECONDS": "0", "OTP_PER_MOBILE_HOUR": "1000000", "OTP_PER_IP_MINUTE": "1000000", "OTP_PER_ENTITY_HOUR": "1000000",
	}})
	t.Logf("service started in %s", time.Since(t0).Round(time.Millisecond))
	var persons []seed.Person
	seen := map[string]bool{}
	for _, p := range seed.Synthetic(people) {
		if !seen[p.Mobile] {
			seen[p.Mobile] = true
			persons = append(persons, p)
		}
	}
	type txn struct{ id, mobile, otp string }
	var b strings.Builder
	fmt.Fprintf(&b, "\nThe service with pooled glue vs the JS reference's /sign with 5 D1 statements, %d interleaved rounds of %s\n", rounds, dur)
	fmt.Fprintf(&b, "%-19s %-5s | %-20s | %-38s\n", "endpoint", "conns", "p50/p99 ms, rps", "JS /sign q=5 p50/p99 ms, rps (ratio p50, rps)")
	for _, conns := range []int{1, 8} {
		var otpS, verS, jsS sample
		for range rounds {
			jsS.add(load(conns, dur, 0, func(i int) error {
				return call("POST", js.URL+"/sign", []byte(`{"queries":5,"id":`+strconv.Itoa(i)+`}`), nil)
			}))
			// Each person at most once per round, so the newest OTP in
			// the outbox belongs to this round's transaction.
			txns := make([]txn, len(persons))
			o := load(conns, dur, len(persons), func(i int) error {
				p := persons[i]
				body, _ := json.Marshal(map[string]string{"entity": "ent_railways", "mobile": p.Mobile, "name": p.Name, "nonce": "bench-nonce-0001"})
				var r struct{ Txn string }
				if err := call("POST", s.URL+"/v1/otp", body, &r); err != nil {
					return err
				}
				txns[i] = txn{id: r.Txn, mobile: p.Mobile}
				return nil
			})
			otpS.add(o)
			t.Logf("%d conns: %d OTPs sent (%d errors)", conns, len(o.lat), o.errs)
			var ready []txn
			for _, tx := range txns {
				if tx.id == "" {
					continue
				}
				var ob struct {
					Messages []struct{ Body string }
				}
				if err := call("GET", s.URL+"/dev/outbox?limit=1&to="+tx.mobile, nil, &ob); err != nil || len(ob.Messages) == 0 {
					t.Errorf("outbox for %s: %v", tx.mobile, err)
					continue
				}
				if tx.otp = harness.OTPOf(ob.Messages[0].Body); tx.otp != "" {
					ready = append(ready, tx)
				}
			}
			verS.add(load(conns, dur, len(ready), func(i int) error {
				body, _ := json.Marshal(map[string]string{"txn": ready[i].id, "otp": ready[i].otp})
				var r struct{ Token string }
				if err := call("POST", s.URL+"/v1/otp/verify", body, &r); err != nil {
					return err
				}
				if r.Token == "" {
					return fmt.Errorf("verify %s: no token", ready[i].id)
				}
				return nil
			}))
		}
		for _, e := range []struct {
			name string
			s    sample
		}{{"POST /v1/otp", otpS}, {"POST /v1/otp/verify", verS}} {
			fmt.Fprintf(&b, "%-19s %-5d | %6s/%6s %6.0f | %6s/%6s %6.0f (%.2f×, %.2f×)\n", e.name, conns,
				ms(e.s.pct(50)), ms(e.s.pct(99)), e.s.rps(), ms(jsS.pct(50)), ms(jsS.pct(99)), jsS.rps(),
				float64(e.s.pct(50))/float64(jsS.pct(50)), e.s.rps()/jsS.rps())
			if e.s.errs > 0 {
				t.Errorf("%s %d conns: %d errors, first: %v", e.name, conns, e.s.errs, e.s.firstErr)
			}
		}
	}
	fmt.Print(b.String())
}
