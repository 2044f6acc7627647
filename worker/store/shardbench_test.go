package store

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/kycvs/kycvs/worker/mobile"
)

// TestShardsRouting is the routing simulation scripts/bench.d/35-worker-shards
// prints: consecutive mobile numbers (the worst case for a weak hash) through
// the keyed mobile hash into 4,096 buckets and 256 shards: rows per shard,
// max/mean. KYCVS_BENCH_HASHES sets how many (default 100 million).
func TestShardsRouting(t *testing.T) {
	if os.Getenv("KYCVS_BENCH") != "1" {
		t.Skip("benchmark: set KYCVS_BENCH=1 (scripts/bench does)")
	}
	n := 100_000_000
	if v, err := strconv.Atoi(os.Getenv("KYCVS_BENCH_HASHES")); err == nil && v > 0 {
		n = v
	}
	m := EvenShardMap(256)
	key := []byte("a routing simulation key, 32 by.")
	workers := runtime.GOMAXPROCS(0)
	perWorker := make([][Buckets]int64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				perWorker[w][Bucket(mobile.Hash(key, strconv.Itoa(6_000_000_000+i)))]++
			}
		})
	}
	wg.Wait()
	shards := make([]int64, len(m.Bindings))
	var bmax int64
	for b := range Buckets {
		var c int64
		for w := range workers {
			c += perWorker[w][b]
		}
		bmax = max(bmax, c)
		shards[m.Owner(b)] += c
	}
	var smax, smin int64 = 0, int64(n)
	for _, c := range shards {
		smax, smin = max(smax, c), min(smin, c)
	}
	mean := float64(n) / float64(len(shards))
	fmt.Printf("\nrouting: %d consecutive mobiles → 4,096 buckets → 256 shards: per shard max %d min %d mean %.0f (max/mean %.4f); per bucket max/mean %.4f\n",
		n, smax, smin, mean, float64(smax)/mean, float64(bmax)/(float64(n)/Buckets))
	if float64(smax)/mean > 1.05 {
		t.Errorf("shards uneven: max/mean %.3f", float64(smax)/mean)
	}
}
