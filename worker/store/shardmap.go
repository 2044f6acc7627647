package store

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Buckets is the number of virtual buckets the registry is split into: the
// first 12 bits of a keyed mobile hash. A bucket is the unit a shard holds
// and a move carries; 4,096 of them spread 1.1 billion people over up to
// a few hundred D1 databases with each bucket ≈ 0.02 % of the registry.
const Buckets = 4096

// DirectoryBinding is the D1 binding that holds the directory (entities,
// centres, vaccines, supervisors), the dev outbox, and every bucket unless
// SHARDS says otherwise: the one binding of a one-database deployment.
const DirectoryBinding = "DB"

// Bucket returns the bucket of a keyed mobile hash (lowercase hex): its
// first 3 hex digits, 12 bits. A value that is not such a hash (a test's
// hand-written row) is in bucket 0, as SQL sees it too (rangesCond).
func Bucket(hexHash string) int {
	if len(hexHash) >= 3 {
		if b, ok := hex3(hexHash[:3]); ok {
			return b
		}
	}
	return 0
}

// keyBucket is the bucket of a rate counter key that names no number: the
// first 12 bits of its SHA-256, so such keys spread over every bucket and
// the same key always lands in the same one.
func keyBucket(key string) int {
	h := sha256.Sum256([]byte(key))
	return int(h[0])<<4 | int(h[1])>>4
}

// BucketHex is bucket b as the 3 lowercase hex digits ids carry.
func BucketHex(b int) string { return fmt.Sprintf("%03x", b&(Buckets-1)) }

// BucketPrefix is the bucket of mobileHash as ids carry it: what a new id
// of a row in that number's shard starts with after its prefix
// (secret.NewIDFor, the OTP engine's transaction ids).
func BucketPrefix(mobileHash string) string { return BucketHex(Bucket(mobileHash)) }

func hex3(s string) (int, bool) {
	n := 0
	for i := range 3 {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			n = n<<4 | int(c-'0')
		case c >= 'a' && c <= 'f':
			n = n<<4 | int(c-'a'+10)
		default:
			return 0, false
		}
	}
	return n, true
}

// The random part's length of each id kind that carries a bucket. An id of
// that kind is prefix + 3 hex digits (its bucket) + the random part; an
// older id (made before sharding, or by the seed) is prefix + the random
// part alone, or any other text, and carries none.
var idRandom = map[string]int{"txn_": 22, "apt_": 16, "dose_": 16}

// IDBucket returns the bucket an id carries: false for ids that carry none
// (those route by a lookup instead: see Sharded).
func IDBucket(id string) (int, bool) {
	p, rest, ok := strings.Cut(id, "_")
	if !ok {
		return 0, false
	}
	n, kind := idRandom[p+"_"]
	if !kind || len(rest) != n+3 {
		return 0, false
	}
	return hex3(rest[:3])
}

// Move phases of a bucket moving from its owner to another shard
// (cmd/kycvs-shards, docs in ShardMap).
const (
	MoveCopy    = "copy"    // the owner serves everything; the tool copies the bucket over
	MoveFrozen  = "frozen"  // reads from the owner; writes to the bucket refused (503) while the tool syncs
	MoveFlipped = "flipped" // the new shard serves everything; reads fall back to the old owner
)

// Move is a bucket on its way from its owner (the ranges) to To.
type Move struct {
	To    string `json:"to"`
	Phase string `json:"phase"`
}

// ShardMap maps every bucket to the D1 binding (natively: the SQLite file)
// that holds its rows. It is configuration, the var SHARDS: ranges of
// buckets (inclusive, 3 lowercase hex digits) each with its binding, and
// moves in progress, separated by spaces (it sits in wrangler.toml and in
// environment variables, so it has no quotes):
//
//	SHARDS = "000-3ff=DB 400-7ff=DB_1 800-bff=DB_2 c00-fff=DB_3 0a0>DB_1:copy"
//
// Ranges must cover 000-fff exactly once. Unset, every bucket is in DB.
// The directory is always in DB, which is the first binding whether or
// not it holds buckets.
//
// A move changes a bucket's owner with every lookup answering (the tool,
// cmd/kycvs-shards, does the copying; each phase is a configuration the
// operator deploys and lets propagate before the next; MoveBucket):
//
//  1. copy ("0a0>DB_1:copy"): the owner still serves the bucket; the tool
//     copies the bucket's rows to the new shard.
//  2. frozen: reads still come from the owner; writes to this one bucket
//     (1/4096 of numbers) answer 503 with Retry-After. Once every instance
//     runs this map, the tool copies the bucket again (rows changed or
//     gone since the warm copy), so the new shard equals the owner.
//  3. flipped: the new shard serves the bucket; a read it cannot answer
//     falls back to the old owner (dual read), so an instance still on the
//     frozen map, and any row the copy missed, still find their rows.
//  4. done: the bucket joins the new shard's ranges and the move is
//     dropped; then the tool deletes the bucket's rows from the old owner.
//
// Writes never run in two shards at once: in the phases where two shards
// hold the bucket, at most one of them accepts writes (an instance on the
// previous map is either reading only or writing to the same shard).
type ShardMap struct {
	// Bindings are the binding names in order: DB first, then the others
	// by name.
	Bindings []string
	owner    [Buckets]uint16
	moves    map[int]move
}

type move struct {
	to    uint16
	phase string
}

// SingleShard is the map of a one-database deployment: every bucket in DB.
func SingleShard() *ShardMap { return &ShardMap{Bindings: []string{DirectoryBinding}} }

// ParseShardMap reads the SHARDS var; "" is SingleShard.
func ParseShardMap(s string) (*ShardMap, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' })
	if len(fields) == 0 {
		return SingleShard(), nil
	}
	type rng struct{ r, b string }
	var ranges []rng
	moves := map[string]Move{}
	for _, f := range fields {
		if k, rest, ok := strings.Cut(f, ">"); ok {
			to, phase, _ := strings.Cut(rest, ":")
			if _, dup := moves[k]; dup {
				return nil, fmt.Errorf("SHARDS: bucket %s moves twice", k)
			}
			moves[k] = Move{To: to, Phase: phase}
			continue
		}
		r, b, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("SHARDS: %q is neither lo-hi=BINDING nor bucket>BINDING:phase", f)
		}
		if !isBindingName(b) {
			return nil, fmt.Errorf("SHARDS: range %s: %q is not a binding name", r, b)
		}
		ranges = append(ranges, rng{r, b})
	}
	names := map[string]bool{DirectoryBinding: true}
	for _, r := range ranges {
		names[r.b] = true
	}
	m := &ShardMap{Bindings: []string{DirectoryBinding}}
	for n := range names {
		if n != DirectoryBinding {
			m.Bindings = append(m.Bindings, n)
		}
	}
	sort.Strings(m.Bindings[1:])
	if len(m.Bindings) > 1<<16-1 {
		return nil, errors.New("SHARDS: too many bindings")
	}
	index := map[string]uint16{}
	for i, n := range m.Bindings {
		index[n] = uint16(i)
	}
	var seen [Buckets]bool
	for _, r := range ranges {
		lo, hi, err := bucketRange(r.r)
		if err != nil {
			return nil, fmt.Errorf("SHARDS: %w", err)
		}
		for k := lo; k <= hi; k++ {
			if seen[k] {
				return nil, fmt.Errorf("SHARDS: bucket %s is in two ranges", BucketHex(k))
			}
			seen[k], m.owner[k] = true, index[r.b]
		}
	}
	for k, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("SHARDS: bucket %s is in no range (ranges must cover 000-fff)", BucketHex(k))
		}
	}
	for k, mv := range moves {
		b, ok := hex3(k + "   ")
		to, known := index[mv.To]
		switch {
		case len(k) != 3 || !ok:
			return nil, fmt.Errorf("SHARDS: move %q: not a bucket (3 hex digits)", k)
		case !known:
			return nil, fmt.Errorf("SHARDS: move %s: %q is not a binding of the ranges", k, mv.To)
		case to == m.owner[b]:
			return nil, fmt.Errorf("SHARDS: move %s: already in %s", k, mv.To)
		case mv.Phase != MoveCopy && mv.Phase != MoveFrozen && mv.Phase != MoveFlipped:
			return nil, fmt.Errorf("SHARDS: move %s: phase %q is not copy, frozen or flipped", k, mv.Phase)
		}
		if m.moves == nil {
			m.moves = map[int]move{}
		}
		m.moves[b] = move{to: to, phase: mv.Phase}
	}
	return m, nil
}

func bucketRange(r string) (int, int, error) {
	a, b, ok := strings.Cut(r, "-")
	if !ok {
		b = a
	}
	lo, ok1 := hex3(a + "   ")
	hi, ok2 := hex3(b + "   ")
	if len(a) != 3 || len(b) != 3 || !ok1 || !ok2 || lo > hi {
		return 0, 0, fmt.Errorf("range %q is not lo-hi in 3 lowercase hex digits", r)
	}
	return lo, hi, nil
}

// String is the map in SHARDS form (ranges merged, moves last), for the
// tool to print the configuration of each phase.
func (m *ShardMap) String() string {
	var parts []string
	for lo := 0; lo < Buckets; {
		hi := lo
		for hi+1 < Buckets && m.owner[hi+1] == m.owner[lo] {
			hi++
		}
		parts = append(parts, BucketHex(lo)+"-"+BucketHex(hi)+"="+m.Bindings[m.owner[lo]])
		lo = hi + 1
	}
	var moves []string
	for b, mv := range m.moves {
		moves = append(moves, BucketHex(b)+">"+m.Bindings[mv.to]+":"+mv.phase)
	}
	sort.Strings(moves)
	return strings.Join(append(parts, moves...), " ")
}

// Single reports whether the map has one binding: every route is DB.
func (m *ShardMap) Single() bool { return len(m.Bindings) == 1 }

// Owner returns the binding index that owns bucket b by its ranges.
func (m *ShardMap) Owner(b int) int { return int(m.owner[b&(Buckets-1)]) }

// Readers returns the shards to read bucket b from, in order: the owner;
// in a flipped move the new shard, then the old owner.
func (m *ShardMap) Readers(b int) []int {
	b &= Buckets - 1
	own := int(m.owner[b])
	if mv, ok := m.moves[b]; ok && mv.phase == MoveFlipped {
		return []int{int(mv.to), own}
	}
	return []int{own}
}

// Writer returns the shard that takes writes to bucket b, or false while
// the bucket is frozen by a move.
func (m *ShardMap) Writer(b int) (int, bool) {
	b &= Buckets - 1
	mv, ok := m.moves[b]
	switch {
	case !ok || mv.phase == MoveCopy:
		return int(m.owner[b]), true
	case mv.phase == MoveFlipped:
		return int(mv.to), true
	}
	return 0, false
}

// WithMove returns a copy of m with bucket b moving to binding to in
// phase ("" drops the move; done moves b into to's ranges).
func (m *ShardMap) WithMove(b int, to, phase string) (*ShardMap, error) {
	c := &ShardMap{Bindings: m.Bindings, owner: m.owner, moves: map[int]move{}}
	for k, v := range m.moves {
		c.moves[k] = v
	}
	idx := -1
	for i, n := range m.Bindings {
		if n == to {
			idx = i
		}
	}
	if idx < 0 {
		return nil, fmt.Errorf("no binding %q in the map", to)
	}
	switch phase {
	case "":
		delete(c.moves, b)
	case "done":
		delete(c.moves, b)
		c.owner[b] = uint16(idx)
	case MoveCopy, MoveFrozen, MoveFlipped:
		c.moves[b] = move{to: uint16(idx), phase: phase}
	default:
		return nil, fmt.Errorf("phase %q", phase)
	}
	return c, nil
}

// BucketsOf returns the buckets binding i owns by its ranges, as
// inclusive [lo, hi] pairs: what a shard's rows are checked against.
func (m *ShardMap) BucketsOf(i int) [][2]int {
	var out [][2]int
	for lo := 0; lo < Buckets; lo++ {
		if int(m.owner[lo]) != i {
			continue
		}
		hi := lo
		for hi+1 < Buckets && int(m.owner[hi+1]) == i {
			hi++
		}
		out = append(out, [2]int{lo, hi})
		lo = hi
	}
	return out
}

// EvenShardMap returns the map of n bindings (DB, DB_1 … DB_{n-1}), each
// owning an equal run of buckets: the test and bench configurations.
func EvenShardMap(n int) *ShardMap {
	if n <= 1 {
		return SingleShard()
	}
	var parts []string
	for i := range n {
		lo, hi := i*Buckets/n, (i+1)*Buckets/n-1
		parts = append(parts, BucketHex(lo)+"-"+BucketHex(hi)+"="+ShardBinding(i))
	}
	m, err := ParseShardMap(strings.Join(parts, " "))
	if err != nil {
		panic(err)
	}
	return m
}

// ShardBinding is the binding name of shard i in EvenShardMap: DB, DB_1, …
func ShardBinding(i int) string {
	if i == 0 {
		return DirectoryBinding
	}
	return "DB_" + strconv.Itoa(i)
}
