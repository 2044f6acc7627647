package e2e

import (
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/store"
)

// TestShardsBenchReport measures full flows at 8 clients in workerd with
// the registry on 1 and on 4 local D1 bindings (wrangler.toml [env.dev]
// and [env.shards4]) and prints them; scripts/bench.d/35-worker-shards runs
// it with KYCVS_BENCH=1. It asserts only that flows succeed.
func TestShardsBenchReport(t *testing.T) {
	if os.Getenv("KYCVS_BENCH") != "1" {
		t.Skip("benchmark: set KYCVS_BENCH=1 (scripts/bench does)")
	}
	dur := 5 * time.Second
	if d, err := time.ParseDuration(os.Getenv("KYCVS_BENCH_SECONDS") + "s"); err == nil {
		dur = d
	}
	const people = 2000
	fmt.Printf("\nKYC-VS sharded registry in workerd (%s per run; a flow = POST /v1/otp, GET /dev/outbox, POST /v1/otp/verify)\n", dur)
	fmt.Printf("%-8s %-7s %10s %10s %10s %10s %9s\n", "shards", "clients", "otp p50", "otp p99", "verify p50", "verify p99", "flows/s")
	var console []string
	for _, n := range []int{1, 4} {
		s := harness.Workerd(t, harness.Options{Synthetic: people, Vars: benchVars, Shards: n})
		for _, clients := range []int{1, 8} {
			r := runFlows(t, s.URL, clients, dur, people)
			fmt.Printf("%-8d %-7d %10s %10s %10s %10s %9.1f\n", n, clients,
				pct(r.otp, 50), pct(r.otp, 99), pct(r.verify, 50), pct(r.verify, 99), float64(r.flows)/r.elapsed.Seconds())
			if r.flows == 0 || r.errors > 0 {
				t.Errorf("%d shards, %d clients: %d flows, %d errors (first: %v)", n, clients, r.flows, r.errors, r.firstErr)
			}
		}
		// A centre's day: with several shards, every shard is asked at once.
		tok := "kycvs_vct_shards-bench-token-0000000000000000000000"
		s.Exec(store.CentreTokenSQL("ctr_delhi_aiims", secret.TokenHash(tok), time.Now().Add(time.Hour)))
		var d []time.Duration
		for range 50 {
			t0 := time.Now()
			if r := s.Do("GET", "/v1/centre/appointments", tok, nil); r.Status != http.StatusOK {
				t.Fatalf("centre day: %d %s", r.Status, r.Raw)
			}
			d = append(d, time.Since(t0))
		}
		console = append(console, fmt.Sprintf("%d shards: GET /v1/centre/appointments (a centre's day and doses) p50 %s p99 %s", n, pct(d, 50), pct(d, 99)))
	}
	for _, l := range console {
		fmt.Println(l)
	}
}
