//go:build js && wasm

package main

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime"
	"sync"
	"syscall/js"
	"time"

	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
	"github.com/syumai/workers/cloudflare/d1"
)

// runtimeContext is the glue's per-instance runtime context. It is only
// reachable as globalThis.context while the instance boots, which is when
// package variables are initialised.
var runtimeContext = js.Global().Get("context")

// instanceID tells instances apart in responses, so tests can see reuse.
var instanceID = rand.Uint64()

// signingKey is a fixed test key: the benchmark measures signing, not keys.
var signingKey = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))

// counterRows is how many counter rows the /sign workload spreads over.
const counterRows = 64

var (
	dbOnce sync.Once
	db     *sql.DB
	dbErr  error
)

// instanceDB opens D1 once per instance. The binding object is the same in
// every request's env; each call still runs in the calling request.
func instanceDB(ctx context.Context) (*sql.DB, error) {
	dbOnce.Do(func() {
		c, err := d1.OpenConnector("DB")
		if err != nil {
			dbErr = fmt.Errorf("open d1: %w", err)
			return
		}
		db = sql.OpenDB(c)
		if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`); err != nil {
			dbErr = fmt.Errorf("create counters: %w", err)
			return
		}
		if _, err := db.ExecContext(ctx, `WITH RECURSIVE s(v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM s WHERE v < ?1) INSERT OR IGNORE INTO counters (id, n) SELECT v, 0 FROM s`, counterRows-1); err != nil {
			dbErr = fmt.Errorf("seed counters: %w", err)
		}
	})
	return db, dbErr
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": "internal", "message": err.Error()})
}

// echo carries the request's id through a D1 call opened from this request's
// env, a timer and a context deadline, then reports what it sees afterwards:
// the id D1 returned, the id in env and the id on ctx. A mix-up of instances
// or runtime contexts shows as a mismatch.
func echo(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad_json", "message": err.Error()})
		return
	}
	c, err := d1.OpenConnector("DB")
	if err != nil {
		fail(w, http.StatusInternalServerError, err)
		return
	}
	reqDB := sql.OpenDB(c)
	defer reqDB.Close()
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	var fromD1 string
	if err := reqDB.QueryRowContext(ctx, `SELECT ?1`, in.ID).Scan(&fromD1); err != nil {
		fail(w, http.StatusInternalServerError, fmt.Errorf("d1: %w", err))
		return
	}
	time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
	timer := time.NewTimer(time.Duration(rand.IntN(2000)) * time.Microsecond)
	select {
	case <-timer.C:
	case <-ctx.Done():
		fail(w, http.StatusGatewayTimeout, ctx.Err())
		return
	}
	done := make(chan struct{})
	cloudflare.WaitUntil(func() {
		time.Sleep(time.Millisecond)
		close(done)
	})
	writeJSON(w, http.StatusOK, map[string]any{
		"id":       in.ID,
		"d1":       fromD1,
		"env":      cloudflare.Getenv("KYCVS_TEST_REQUEST_ID"),
		"ctx":      runtimeContext.Get("ctx").Get("requestID").String(),
		"instance": fmt.Sprintf("%016x", instanceID),
	})
}

// sign is the benchmark workload, the same as bench/jsref's /sign. With
// "queries": N it makes N D1 statements in turn, like the service's
// endpoints do (about 5), for a same-work reference of those.
func sign(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ID      int `json:"id"`
		Queries int `json:"queries"` // D1 statements in all, default 1: the extra ones are SELECTs
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad_json", "message": err.Error()})
		return
	}
	db, err := instanceDB(r.Context())
	if err != nil {
		fail(w, http.StatusInternalServerError, err)
		return
	}
	var n int64
	row := (int(uint(in.ID) % counterRows))
	for i := 1; i < min(in.Queries, 16); i++ {
		if err := db.QueryRowContext(r.Context(), `SELECT n FROM counters WHERE id = ?1`, (row+i)%counterRows).Scan(&n); err != nil {
			fail(w, http.StatusInternalServerError, fmt.Errorf("d1: %w", err))
			return
		}
	}
	if err := db.QueryRowContext(r.Context(), `UPDATE counters SET n = n + 1 WHERE id = ?1 RETURNING n`, row).Scan(&n); err != nil {
		fail(w, http.StatusInternalServerError, fmt.Errorf("d1: %w", err))
		return
	}
	payload := make([]byte, 122)
	binary.BigEndian.PutUint64(payload, uint64(n))
	binary.BigEndian.PutUint64(payload[8:], uint64(row))
	sig := ed25519.Sign(signingKey, payload)
	writeJSON(w, http.StatusOK, map[string]any{"n": n, "sig": base64.RawURLEncoding.EncodeToString(sig)})
}

func main() {
	http.HandleFunc("POST /echo", echo)
	http.HandleFunc("POST /sign", sign)
	http.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"hello": "world"})
	})
	http.HandleFunc("GET /mem", func(w http.ResponseWriter, r *http.Request) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		writeJSON(w, http.StatusOK, map[string]any{
			"instance": fmt.Sprintf("%016x", instanceID), "heap_alloc": m.HeapAlloc, "sys": m.Sys,
			"goroutines": runtime.NumGoroutine(), "num_gc": m.NumGC,
		})
	})
	// /gc collects garbage so that js.Value finalizers drop the references
	// they hold, reports the live heap (an unreleased js.Func keeps its
	// closure in syscall/js's table, so leaks show here), then keeps the
	// instance busy a moment, so that concurrent calls reach different
	// instances (see TestMemory).
	http.HandleFunc("GET /gc", func(w http.ResponseWriter, r *http.Request) {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		time.Sleep(200 * time.Millisecond)
		writeJSON(w, http.StatusOK, map[string]any{"instance": fmt.Sprintf("%016x", instanceID), "heap_alloc": m.HeapAlloc})
	})
	http.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) {
		panic("pooltest: deliberate panic")
	})
	workers.Serve(nil)
}
