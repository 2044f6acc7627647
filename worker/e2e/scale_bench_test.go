package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kycvs/kycvs/internal/harness"
)

// TestBenchScaleColdStart measures the cold start of one Go instance in
// workerd (scripts/bench.d/30-worker runs it with KYCVS_BENCH=1; it
// asserts only that requests succeed). The glue (worker/glue) boots an
// instance when a request finds none idle and the pool is not full: with
// k-1 instances idle, k simultaneous requests boot exactly one, and the
// slowest of them carries the boot. Readiness already booted the first.
func TestBenchScaleColdStart(t *testing.T) {
	if os.Getenv("KYCVS_BENCH") != "1" {
		t.Skip("benchmark: set KYCVS_BENCH=1 (scripts/bench does)")
	}
	s := harness.Workerd(t, harness.Options{Vars: map[string]string{"GO_POOL_SIZE": "8"}})
	get := func() time.Duration {
		t0 := time.Now()
		resp, err := http.Get(s.URL + "/.well-known/kycvs/keys.json")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return time.Since(t0)
	}
	var warm []time.Duration
	for range 30 {
		warm = append(warm, get())
	}
	var boots []time.Duration
	for k := 2; k <= 8; k++ {
		var mu sync.Mutex
		var lat []time.Duration
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range k {
			wg.Go(func() {
				<-start
				d := get()
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			})
		}
		close(start)
		wg.Wait()
		boots = append(boots, slices.Max(lat))
		// Let the pool settle: every instance idle again.
		time.Sleep(200 * time.Millisecond)
	}
	fmt.Printf("\nGo instance cold start in workerd (GET keys.json, no database): warm request p50 %s; "+
		"request that boots an instance: min %s, p50 %s, max %s (%d boots)\n",
		pct(warm, 50), pct(boots, 0), pct(boots, 50), pct(boots, 100), len(boots))
}
