//go:build !(js && wasm)

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

var server *workerd

// poolSize is GO_POOL_SIZE in wrangler.toml.
const poolSize = 8

func TestMain(m *testing.M) {
	if os.Getenv("KYCVS_E2E") != "1" {
		fmt.Println("pooltest: skipping workerd tests (set KYCVS_E2E=1)")
		os.Exit(m.Run())
	}
	s, err := startPooltest(pooledGlue)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pooltest:", err)
		os.Exit(1)
	}
	server = s
	code := m.Run()
	s.stop()
	os.Exit(code)
}

func needServer(t *testing.T) {
	t.Helper()
	if server == nil {
		t.Skip("workerd test: set KYCVS_E2E=1")
	}
}

var client = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 64},
}

type echoReply struct {
	ID, D1, Env, Ctx, Instance string
	Error, Message             string
}

func postEcho(id string) (int, echoReply, error) {
	req, err := http.NewRequest("POST", server.URL+"/echo", strings.NewReader(`{"id":"`+id+`"}`))
	if err != nil {
		return 0, echoReply{}, err
	}
	req.Header.Set("X-Request-Id", id)
	res, err := client.Do(req)
	if err != nil {
		return 0, echoReply{}, err
	}
	defer res.Body.Close()
	var r echoReply
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		return res.StatusCode, r, fmt.Errorf("decode /echo reply: %w", err)
	}
	return res.StatusCode, r, nil
}

// TestIsolation sends overlapping requests, each with a unique id that travels
// through a D1 call, a sleep, a timer and waitUntil; every reply must report
// its own id from D1, env and ctx.
func TestIsolation(t *testing.T) {
	needServer(t)
	for _, conns := range []int{8, 32} {
		t.Run(fmt.Sprintf("conns=%d", conns), func(t *testing.T) {
			const total = 2000
			var (
				mu        sync.Mutex
				mixups    int
				failures  []string
				instances = map[string]int{}
			)
			ids := make(chan int)
			var wg sync.WaitGroup
			for range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range ids {
						id := fmt.Sprintf("c%d-r%d-%d", conns, i, time.Now().UnixNano())
						status, r, err := postEcho(id)
						mu.Lock()
						switch {
						case err != nil || status != http.StatusOK:
							failures = append(failures, fmt.Sprintf("%s: status %d, err %v, %s %s", id, status, err, r.Error, r.Message))
						case r.ID != id || r.D1 != id || r.Env != id || r.Ctx != id:
							mixups++
							failures = append(failures, fmt.Sprintf("%s: got id=%q d1=%q env=%q ctx=%q", id, r.ID, r.D1, r.Env, r.Ctx))
						default:
							instances[r.Instance]++
						}
						mu.Unlock()
					}
				}()
			}
			for i := range total {
				ids <- i
			}
			close(ids)
			wg.Wait()
			if len(failures) > 0 {
				t.Errorf("%d of %d requests failed (%d mix-ups); first: %s", len(failures), total, mixups, strings.Join(failures[:min(5, len(failures))], "; "))
			}
			if len(instances) < 2 {
				t.Errorf("served by %d instance(s); overlapping requests should need several", len(instances))
			}
			if len(instances) > poolSize {
				t.Errorf("served by %d instances; the pool is bounded to GO_POOL_SIZE = %d", len(instances), poolSize)
			}
			t.Logf("%d requests, %d conns: 0 mix-ups, %d instances", total, conns, len(instances))
		})
	}
	server.checkLog(t)
}

// TestPanic panics in one request's handler while others are in flight: only
// that request fails, with a 5xx JSON error, and later requests succeed.
func TestPanic(t *testing.T) {
	needServer(t)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for c := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				id := fmt.Sprintf("panic-bystander-%d-%d", c, i)
				status, r, err := postEcho(id)
				if err != nil || status != http.StatusOK || r.ID != id || r.Ctx != id {
					errs <- fmt.Errorf("bystander %s: status %d, err %v, reply %+v", id, status, err, r)
				}
			}
		}()
	}
	for range 3 {
		res, err := client.Get(server.URL + "/panic")
		if err != nil {
			t.Fatalf("GET /panic: %v", err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var e struct{ Error string }
		if res.StatusCode < 500 || json.Unmarshal(body, &e) != nil || e.Error == "" {
			t.Errorf("GET /panic: status %d body %q; want 5xx JSON error", res.StatusCode, body)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := range 20 {
		id := fmt.Sprintf("after-panic-%d", i)
		if status, r, err := postEcho(id); err != nil || status != http.StatusOK || r.ID != id {
			t.Errorf("after panic: %s: status %d, err %v, reply %+v", id, status, err, r)
		}
	}
	server.checkLog(t)
}

// poolStats is the glue's poolStats (worker/glue/worker.mjs), served by
// entry.mjs at /__pool.
type poolStats struct {
	Live      int
	Instances []struct {
		JSValues    int
		MemoryBytes int64
	}
}

// getPoolStats first has every instance collect garbage (pool size 8:
// eight concurrent /gc calls, each holding its instance), so that the count
// of JS values excludes those only awaiting finalizers.
func getPoolStats(t *testing.T) (maxValues int, maxMemory int64, maxHeap uint64) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range poolSize {
		wg.Go(func() {
			res, err := client.Get(server.URL + "/gc")
			if err != nil {
				return
			}
			defer res.Body.Close()
			var gc struct {
				HeapAlloc uint64 `json:"heap_alloc"`
			}
			if json.NewDecoder(res.Body).Decode(&gc) == nil {
				mu.Lock()
				maxHeap = max(maxHeap, gc.HeapAlloc)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res, err := client.Get(server.URL + "/__pool")
	if err != nil {
		t.Fatalf("GET /__pool: %v", err)
	}
	defer res.Body.Close()
	var s poolStats
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
		t.Fatalf("GET /__pool: %v", err)
	}
	for _, inst := range s.Instances {
		maxValues = max(maxValues, inst.JSValues)
		maxMemory = max(maxMemory, inst.MemoryBytes)
	}
	return maxValues, maxMemory, maxHeap
}

// TestMemory checks that memory does not grow without bound: after a
// warm-up, two equal batches of /sign requests at 8 connections.
//
// The leaks this guards against (stream, promise and executor callbacks
// never released) keep the callback's closure in syscall/js's table of the
// instance that made it (a stream's with its 16 KiB buffer). So the exact
// checks are per instance, after a garbage collection: the live Go heap, the
// JS values Go holds (glue's poolStats) and the linear memory must stay flat.
// workerd's RSS is reported and only must not grow much faster in the second
// batch than in the first: local workerd's own RSS rises by tens of MiB per
// thousand requests even for the plain JS reference worker (bench/jsref), so
// it cannot tell a leak in the Go instances apart.
func TestMemory(t *testing.T) {
	needServer(t)
	const batch = 4000
	load := func(n int) {
		t.Helper()
		if err := signLoad(n, 8); err != nil {
			t.Fatal(err)
		}
	}
	load(2000)
	v0, m0, h0 := getPoolStats(t)
	r0 := server.rss()
	load(batch)
	v1, m1, h1 := getPoolStats(t)
	r1 := server.rss()
	load(batch)
	v2, m2, h2 := getPoolStats(t)
	r2 := server.rss()
	const mib = 1 << 20
	t.Logf("JS values held by Go (max per instance): %d, %d, %d; wasm memory (max): %.1f, %.1f, %.1f MiB",
		v0, v1, v2, float64(m0)/mib, float64(m1)/mib, float64(m2)/mib)
	t.Logf("Go live heap after GC (max per instance): %d, %d, %d KiB", h0>>10, h1>>10, h2>>10)
	t.Logf("workerd RSS: %.1f MiB after warm-up, %+.1f MiB after %d requests, %+.1f MiB after %d more",
		float64(r0)/mib, float64(r1-r0)/mib, batch, float64(r2-r1)/mib, batch)
	if v0 == 0 || r0 == 0 {
		t.Fatal("no pool stats or no workerd RSS")
	}
	if v2 > v1+50 {
		t.Errorf("JS values held by a Go instance grew from %d to %d over %d requests: a callback leak", v1, v2, batch)
	}
	// A leaked js.Func keeps its closure in syscall/js's table: measured,
	// one unreleased promise callback per request adds 87 KiB per instance
	// per batch (a stream's, with its buffer, 16 KiB per request); without
	// leaks the live heap after GC is the same to the KiB.
	if h2 > h1+32<<10 {
		t.Errorf("a Go instance's live heap grew from %d to %d KiB over %d requests: a leak", h1>>10, h2>>10, batch)
	}
	if m2 > m1+4*mib {
		t.Errorf("a Go instance's memory grew from %d to %d bytes over %d requests", m1, m2, batch)
	}
	// Loose on purpose: workerd's own RSS is noisy batch to batch; this only
	// catches growth that accelerates.
	if r2-r1 > 2*(r1-r0)+32*mib {
		t.Errorf("workerd RSS grew much faster in the second batch (%+.1f MiB) than in the first (%+.1f MiB)", float64(r2-r1)/mib, float64(r1-r0)/mib)
	}
	server.checkLog(t)
}

func signLoad(total, conns int) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res, err := client.Post(server.URL+"/sign", "application/json", bytes.NewReader([]byte(fmt.Sprintf(`{"id":%d}`, i))))
				if err == nil {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != http.StatusOK {
						err = fmt.Errorf("POST /sign: status %d", res.StatusCode)
					}
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range total {
		next <- i
	}
	close(next)
	wg.Wait()
	return firstErr
}
