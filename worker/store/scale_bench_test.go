//go:build !js

package store_test

// The national-scale numbers of issue 14 (scripts/bench.d/40-scale runs
// these with KYCVS_BENCH=1; they assert only that the work succeeds):
// one registry shard at 10 M beneficiaries and 20 M doses against the
// same at 100 k, and the routing and hot-counter simulations.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kycvs/kycvs/worker/mobile"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/store"
)

func benchSkip(t *testing.T) {
	if os.Getenv("KYCVS_BENCH") != "1" {
		t.Skip("benchmark: set KYCVS_BENCH=1 (scripts/bench does)")
	}
}

// scaleGenerate fills a fresh database at path (the real migrations, through
// store.OpenSQLite) with n beneficiaries (one a mobile), two doses each and
// n/10 OTP transactions, in three INSERT … SELECT statements over recursive
// CTEs: rows are made inside SQLite, in key order, with no Go round trip a
// row. Mobile hashes are spread over the whole key space, like HMACs.
func scaleGenerate(t *testing.T, path string, n int) time.Duration {
	t.Helper()
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Now()
	// Bulk load: the rows are consistent by construction, and a crash only
	// loses a file the bench makes again.
	for _, p := range []string{"PRAGMA foreign_keys = OFF", "PRAGMA journal_mode = OFF", "PRAGMA synchronous = OFF", "PRAGMA cache_size = -1000000"} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	step := math.MaxInt64 / int64(n) // i*step < 2^63: ordered, spread
	hash := `printf('%016x%08x%08x%08x%08x%08x%08x', i * ` + strconv.FormatInt(step, 10) + `,
		(i * 2654435761) % 4294967296, (i * 2246822519) % 4294967296, (i * 3266489917) % 4294967296,
		(i * 668265263) % 4294967296, (i * 374761393) % 4294967296, (i * 1103515245) % 4294967296)`
	series := `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?) `
	for _, q := range []string{
		series + `INSERT INTO beneficiaries (id, mobile_hash, name, name_norm, birth_year, created_at)
			SELECT printf('ben_%010d', i), ` + hash + `, 'Person ' || i, 'person ' || i, 1940 + i % 70, 1700000000 + i FROM n`,
		series + `INSERT INTO doses (id, beneficiary_id, vaccine_id, dose_number, administered_at, centre_id, walk_in, batch)
			SELECT printf('dose_%010d_%d', i, k), printf('ben_%010d', i), 'covishield', k,
			       1620000000 + i % 20000000 + (k - 1) * 7257600, NULL, 0, 'B' || (i % 997)
			FROM n, (SELECT 1 AS k UNION ALL SELECT 2)`,
		series + `INSERT INTO otp_transactions (id, purpose, entity_id, mobile_hash, name_hash, nonce, otp_hash, attempts, max_attempts, created_at, expires_at)
			SELECT printf('txn_%010d', i), 'status', 'ent_railways', ` + hash + `, 'n', 'nonce', 'h', 1, 3,
			       1700000000 + i, 1700000180 + i FROM n WHERE i % 10 = 0`,
	} {
		t1 := time.Now()
		if _, err := db.ExecContext(ctx, q, n); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %s", q[len(series):len(series)+30], time.Since(t1))
	}
	if _, err := db.ExecContext(ctx, `PRAGMA journal_mode = WAL`); err != nil {
		t.Fatal(err)
	}
	return time.Since(t0)
}

type scaleLatency struct{ status, start, verify []time.Duration }

// scaleMeasure times, for random beneficiaries, the status lookup
// (Beneficiaries: what POST /v1/otp/verify reads), an OTP start (StartOTP)
// and an OTP verify (ClaimCode and Beneficiaries: the verify's two
// statements) through store.SQL on the file as OpenSQLite opens it.
func scaleMeasure(t *testing.T, path string, n, samples int) scaleLatency {
	t.Helper()
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// No fsync a commit: what is measured is the B-tree's cost at this
	// size, not this machine's disk flush (D1 makes its writes durable its
	// own way).
	if _, err := db.ExecContext(ctx, `PRAGMA synchronous = NORMAL`); err != nil {
		t.Fatal(err)
	}
	// KYCVS_BENCH_CACHE_MB sizes SQLite's page cache (default: SQLite's
	// 2 MB): with the B-trees' inner pages cached, a lookup at 10 M reads
	// about as many pages from the OS as at 100 k.
	if mb, _ := strconv.Atoi(os.Getenv("KYCVS_BENCH_CACHE_MB")); mb > 0 {
		if _, err := db.ExecContext(ctx, `PRAGMA cache_size = `+strconv.Itoa(-1024*mb)); err != nil {
			t.Fatal(err)
		}
	}
	s := &store.SQL{DB: db}
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	var l scaleLatency
	mh := func() string {
		var h string
		if err := db.QueryRow(`SELECT mobile_hash FROM beneficiaries WHERE id = ?`, fmt.Sprintf("ben_%010d", rng.IntN(n))).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	for range 200 { // warm the page cache a little, as a running shard's is
		if _, err := s.Beneficiaries(ctx, mh()); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	for i := range samples {
		h := mh()
		t0 := time.Now()
		bens, err := s.Beneficiaries(ctx, h)
		l.status = append(l.status, time.Since(t0))
		if err != nil || len(bens) != 1 || bens[0].Doses != 2 {
			t.Fatalf("status of %s: %v %v", h, bens, err)
		}
		sum := sha256.Sum256([]byte(strconv.Itoa(i)))
		tx := &store.OTPTransaction{ID: fmt.Sprintf("txn_bench_%d_%d", now.UnixNano(), i), Purpose: "status", EntityID: "ent_railways", MobileHash: h,
			NameHash: "n", Nonce: "nonce", OTPHash: hex.EncodeToString(sum[:]), Lang: "en", MaxAttempts: 3,
			CreatedAt: now, ExpiresAt: now.Add(3 * time.Minute)}
		limits := []store.Limit{{Key: "ip:198.51.100." + strconv.Itoa(i%250), Window: time.Minute, Max: 1e6},
			{Key: "entity:ent_railways:" + strconv.Itoa(i%otp.SubCounters), Window: time.Hour, Max: 1e6},
			// A sample may draw a number twice: the bench lifts its limits.
			{Key: "resend:" + h, Window: 30 * time.Second, Max: 1e6}, {Key: "mobile:" + h, Window: time.Hour, Max: 1e6}}
		t0 = time.Now()
		refused, _, err := s.StartOTP(ctx, tx, limits)
		l.start = append(l.start, time.Since(t0))
		if err != nil || refused != nil {
			t.Fatalf("start: %v %v", refused, err)
		}
		t0 = time.Now()
		got, err := s.ClaimCode(ctx, tx.ID, "status", tx.OTPHash, now)
		if err != nil || got.UsedAt.IsZero() {
			t.Fatalf("claim: %v %v", got, err)
		}
		if _, err := s.Beneficiaries(ctx, h); err != nil {
			t.Fatal(err)
		}
		l.verify = append(l.verify, time.Since(t0))
	}
	return l
}

func scalePct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p+99)/100 - 1
	return s[max(i, 0)]
}

func scaleMs(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d.Microseconds())/1000) }

// TestBenchScaleShard: one SQLite shard at 100 k and at KYCVS_BENCH_SHARD
// beneficiaries (default 10 M; 2 doses each), generated through the real
// migrations. Prints size on disk, bytes per row by table (dbstat) and the
// p50/p99 of the status lookup, OTP start and OTP verify. The files go to
// KYCVS_BENCH_DIR (default a temp dir; set it to keep the 10 M file for
// another run).
func TestBenchScaleShard(t *testing.T) {
	benchSkip(t)
	big := 10_000_000
	if s := os.Getenv("KYCVS_BENCH_SHARD"); s != "" {
		big, _ = strconv.Atoi(s)
	}
	dir := os.Getenv("KYCVS_BENCH_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	const samples = 5000
	cache := "SQLite's default 2 MB page cache"
	if mb := os.Getenv("KYCVS_BENCH_CACHE_MB"); mb != "" {
		cache = mb + " MB page cache"
	}
	fmt.Printf("\none registry shard (SQLite via store.OpenSQLite, modernc; %s; %d samples each; warm OS page cache)\n", cache, samples)
	fmt.Printf("%-12s %9s %10s %12s %12s %12s %12s %12s %12s\n", "beneficiaries", "generate", "size", "status p50", "status p99",
		"start p50", "start p99", "verify p50", "verify p99")
	var base scaleLatency
	for _, n := range []int{100_000, big} {
		path := filepath.Join(dir, fmt.Sprintf("shard-%d.sqlite", n))
		gen := time.Duration(0)
		if _, err := os.Stat(path); err != nil {
			gen = scaleGenerate(t, path, n)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		l := scaleMeasure(t, path, n, samples)
		fmt.Printf("%-13d %9s %7.2f GB %12s %12s %12s %12s %12s %12s\n", n, gen.Round(time.Second), float64(fi.Size())/1e9,
			scaleMs(scalePct(l.status, 50)), scaleMs(scalePct(l.status, 99)), scaleMs(scalePct(l.start, 50)), scaleMs(scalePct(l.start, 99)),
			scaleMs(scalePct(l.verify, 50)), scaleMs(scalePct(l.verify, 99)))
		if n == 100_000 {
			base = l
		} else {
			for _, c := range []struct {
				name string
				a, b []time.Duration
			}{{"status", base.status, l.status}, {"start", base.start, l.start}, {"verify", base.verify, l.verify}} {
				fmt.Printf("  %s at %d vs 100 k: p50 %.2f×, p99 %.2f×\n", c.name, n,
					float64(scalePct(c.b, 50))/float64(scalePct(c.a, 50)), float64(scalePct(c.b, 99))/float64(scalePct(c.a, 99)))
			}
		}
		scaleRowSizes(t, path, n)
	}
}

// scaleRowSizes prints each table's bytes per row, its indexes included
// (SQLite's dbstat: pages as stored, so B-tree fill counts).
func scaleRowSizes(t *testing.T, path string, n int) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT coalesce(i.tbl_name, s.name), sum(s.pgsize) FROM dbstat s LEFT JOIN sqlite_schema i ON i.name = s.name
		GROUP BY 1 ORDER BY 2 DESC`)
	if err != nil {
		t.Logf("dbstat: %v", err)
		return
	}
	defer rows.Close()
	counts := map[string]float64{}
	for _, table := range []string{"beneficiaries", "doses", "otp_transactions"} {
		var c float64
		if err := db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&c); err != nil {
			t.Fatal(err)
		}
		counts[table] = c
	}
	for rows.Next() {
		var name string
		var bytes int64
		if err := rows.Scan(&name, &bytes); err != nil {
			t.Fatal(err)
		}
		if c := counts[name]; c > 0 {
			fmt.Printf("  %-17s %8.1f MB %6.0f B/row (with its indexes)\n", name, float64(bytes)/1e6, float64(bytes)/c)
		}
	}
}

// benchMobileHash is mobile.Hash on a reused HMAC (checked equal above).
func benchMobileHash(m hash.Hash, digits string) string {
	m.Reset()
	m.Write([]byte("kycvs/v1/mobile\x00"))
	m.Write([]byte(digits))
	return hex.EncodeToString(m.Sum(nil))
}

// TestBenchScaleRouting: 100 M mobiles (KYCVS_BENCH_MOBILES) hashed with
// the real keyed hash (mobile.Hash), the first 12 bits a bucket (4,096),
// buckets dealt to 256 shards; prints max/mean per bucket and per shard.
// Then Zipf-distributed entity traffic at 5,000 starts/s over the split
// entity counters (otp.SubCounter): the hottest counter row's writes per
// second, in one database and with the counters in each of 256 shards.
func TestBenchScaleRouting(t *testing.T) {
	benchSkip(t)
	total := 100_000_000
	if s := os.Getenv("KYCVS_BENCH_MOBILES"); s != "" {
		total, _ = strconv.Atoi(s)
	}
	const buckets, shards = 4096, 256
	key := []byte("0123456789abcdef0123456789abcdef")
	workers := 2
	counts := make([][buckets]int64, workers)
	var wg sync.WaitGroup
	t0 := time.Now()
	if h, want := benchMobileHash(hmac.New(sha256.New, key), "6000000000"), mobile.Hash(key, "6000000000"); h != want {
		t.Fatalf("the bench's hash %s is not mobile.Hash's %s", h, want)
	}
	for w := range workers {
		wg.Go(func() {
			m := hmac.New(sha256.New, key) // mobile.Hash, without a new HMAC per number
			for i := w; i < total; i += workers {
				// Distinct valid Indian mobiles: 6000000000 upwards.
				h := benchMobileHash(m, strconv.Itoa(6_000_000_000+i))
				b, _ := strconv.ParseUint(h[:3], 16, 16)
				counts[w][b]++
			}
		})
	}
	wg.Wait()
	var perBucket [buckets]int64
	var perShard [shards]int64
	for w := range workers {
		for b, c := range counts[w] {
			perBucket[b] += c
			perShard[b%shards] += c
		}
	}
	maxMean := func(c []int64) (float64, float64, float64) {
		mean := float64(total) / float64(len(c))
		return float64(slices.Max(c)) / mean, float64(slices.Min(c)) / mean, mean
	}
	bm, bmin, bmean := maxMean(perBucket[:])
	sm, smin, smean := maxMean(perShard[:])
	fmt.Printf("\nrouting %d mobiles (mobile.Hash, HMAC-SHA256; %s): 4096 buckets mean %.0f, max/mean %.4f, min/mean %.4f; "+
		"256 shards (bucket %% 256) mean %.0f, max/mean %.4f, min/mean %.4f\n",
		total, time.Since(t0).Round(time.Second), bmean, bm, bmin, smean, sm, smin)

	// Zipf entity traffic: 1,000 entities, exponent 1.1 (a few large
	// verifiers — railways, airlines — and a long tail).
	const starts, entities = 5000.0, 1000
	rng := rand.New(rand.NewPCG(7, 7))
	z := rand.NewZipf(rng, 1.1, 1, entities-1)
	const events = 5_000_000
	rows := map[string]int{}
	shardRows := map[string]int{}
	perEntity := make([]int, entities)
	for range events {
		e := int(z.Uint64())
		perEntity[e]++
		k, _ := otp.SubCounter("entity:ent_"+strconv.Itoa(e), 10_000_000, byte(rng.IntN(256))) // the number's hash byte: uniform
		rows[k]++
		shardRows[k+"@"+strconv.Itoa(rng.IntN(shards))]++ // the mobile's shard: uniform
	}
	hot := func(m map[string]int) (string, float64) {
		var top string
		n := 0
		for k, c := range m {
			if c > n {
				top, n = k, c
			}
		}
		return top, float64(n) / events * starts
	}
	k1, r1 := hot(rows)
	k2, r2 := hot(shardRows)
	fmt.Printf("entity traffic, Zipf(1.1) over %d entities at %.0f starts/s: top entity %.1f%% (%.0f starts/s), %d sub-counters each\n",
		entities, starts, 100*float64(slices.Max(perEntity))/events, float64(slices.Max(perEntity))/events*starts, otp.SubCounters)
	fmt.Printf("  hottest counter row, one database: %s %.0f writes/s; counters in 256 shards: %s %.1f writes/s\n", k1, r1, k2, r2)
	fmt.Printf("  (unsplit, that entity's one row would take %.0f writes/s; the per-IP row is capped by its own limit, 120/min = 2 writes/s)\n",
		float64(slices.Max(perEntity))/events*starts)
}
