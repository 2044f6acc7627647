package store

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestShardMapParse(t *testing.T) {
	m, err := ParseShardMap("000-3ff=DB 400-7ff=DB_1 800-bff=DB_2 c00-fff=DB_3")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(m.Bindings, " ") != "DB DB_1 DB_2 DB_3" || m.Single() {
		t.Fatalf("bindings %v", m.Bindings)
	}
	for b, want := range map[int]int{0: 0, 0x3ff: 0, 0x400: 1, 0xbff: 2, 0xc00: 3, 0xfff: 3} {
		if got := m.Owner(b); got != want {
			t.Errorf("owner of %03x: %d, want %d", b, got, want)
		}
	}
	if again, err := ParseShardMap(m.String()); err != nil || again.String() != m.String() {
		t.Errorf("String does not round-trip: %s: %v", m, err)
	}
	if EvenShardMap(4).String() != m.String() {
		t.Errorf("EvenShardMap(4) = %s", EvenShardMap(4))
	}
	if one, _ := ParseShardMap(""); !one.Single() || one.Bindings[0] != "DB" {
		t.Errorf("unset SHARDS: %v", one.Bindings)
	}
	// The directory's binding is always there, even owning no bucket.
	if m, err := ParseShardMap("000-fff=REG"); err != nil || strings.Join(m.Bindings, " ") != "DB REG" || m.Owner(5) != 1 {
		t.Errorf("a map without DB's buckets: %v %v", m, err)
	}
	for _, bad := range []string{
		"000-3ff=DB",               // a gap
		"000-fff=DB 100-1ff=DB_1",  // an overlap
		"000-fff=db",               // not a binding name
		"000-FFF=DB",               // uppercase
		"fff-000=DB",               // backwards
		"000-fff",                  // no binding
		"000-fff=DB 0a0>DB:copy",   // to its owner
		"000-fff=DB 0a0>DB_9:copy", // unknown binding
		"000-7ff=DB 800-fff=DB_1 0a0>DB_1:later",
		"000-7ff=DB 800-fff=DB_1 0a0>DB_1:copy 0a0>DB_1:frozen",
		"000-7ff=DB 800-fff=DB_1 0a>DB_1:copy",
	} {
		if _, err := ParseShardMap(bad); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

// The phases of a move: who is read and who is written.
func TestShardMapMovePhases(t *testing.T) {
	m := EvenShardMap(2) // 000-7ff DB, 800-fff DB_1
	for _, c := range []struct {
		phase   string
		readers []int
		writer  int // -1: frozen
	}{
		{"", []int{0}, 0},
		{MoveCopy, []int{0}, 0},
		{MoveFrozen, []int{0}, -1},
		{MoveFlipped, []int{1, 0}, 1},
		{"done", []int{1}, 1},
	} {
		mm, err := m.WithMove(0x0a0, "DB_1", c.phase)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := ParseShardMap(mm.String()); err != nil || again.String() != mm.String() {
			t.Errorf("%s: %s does not parse back: %v", c.phase, mm, err)
		}
		w, ok := mm.Writer(0x0a0)
		if !ok {
			w = -1
		}
		if r := mm.Readers(0x0a0); len(r) != len(c.readers) || r[0] != c.readers[0] || w != c.writer {
			t.Errorf("%s: readers %v writer %d, want %v %d", c.phase, r, w, c.readers, c.writer)
		}
		if r := mm.Readers(0x0a1); len(r) != 1 || r[0] != 0 {
			t.Errorf("%s: the next bucket moved too: %v", c.phase, r)
		}
	}
}

func TestBuckets(t *testing.T) {
	if Bucket("0a1f") != 0x0a1 || Bucket("fff0") != 0xfff || BucketHex(0xa) != "00a" || BucketPrefix("abc123") != "abc" {
		t.Fatal("hex buckets")
	}
	// What is not a hash is in bucket 0; keys naming no number spread by
	// their hash, always to the same bucket.
	if Bucket("x") != 0 || Bucket("") != 0 || Bucket("ABC") != 0 {
		t.Fatal("non-hex mobile hashes")
	}
	if a, b := byKey("ip:192.0.2.1").bucket, byKey("ip:192.0.2.1").bucket; a != b || a != keyBucket("ip:192.0.2.1") || byKey("ip:192.0.2.2").bucket == a {
		t.Fatalf("key buckets %d %d", a, b)
	}
	if byKey("0a1f0e9d").bucket != 0x0a1 {
		t.Fatal("token ids")
	}
	for id, want := range map[string]int{"apt_0a1AAAAAAAAAAAAAAAA": 0x0a1, "dose_fffAAAAAAAAAAAAAAAA": 0xfff, "txn_123AAAAAAAAAAAAAAAAAAAAAA": 0x123} {
		if b, ok := IDBucket(id); !ok || b != want {
			t.Errorf("%s: %d %v", id, b, ok)
		}
	}
	for _, id := range []string{"apt_AAAAAAAAAAAAAAAA", "dose_ben_demo_01_1", "ben_demo_01", "txn_0a1AAAA", "apt_0G1AAAAAAAAAAAAAAAA", ""} {
		if _, ok := IDBucket(id); ok {
			t.Errorf("%s: a bucket", id)
		}
	}
	// Limit keys: a number's go with the number, others by their hash.
	mh := strings.Repeat("ab", 32)
	if byKey("mobile:"+mh).bucket != 0xaba || byKey("resend:"+mh).bucket != 0xaba || byKey("reschedule:apt_0a1AAAAAAAAAAAAAAAA").bucket != 0x0a1 {
		t.Error("number keys")
	}
	if !numberKey("booking:"+mh) || numberKey("entity:ent_x:3") || numberKey("ip:1.2.3.4") {
		t.Error("numberKey")
	}
}

// The directory cache keeps rows found for its TTL, and nothing not found.
func TestDirectoryCache(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	d := &Directory{TTL: 30 * time.Second, Now: func() time.Time { return now }}
	loads := 0
	load := func(v string, err error) func() (string, error) {
		return func() (string, error) { loads++; return v, err }
	}
	for range 3 {
		if v, err := cachedRow(d, "entity:a", load("A", nil)); v != "A" || err != nil {
			t.Fatal(v, err)
		}
	}
	if loads != 1 {
		t.Fatalf("%d loads within the TTL", loads)
	}
	now = now.Add(31 * time.Second)
	cachedRow(d, "entity:a", load("A2", nil))
	if v, _ := cachedRow(d, "entity:a", load("A3", nil)); v != "A2" || loads != 2 {
		t.Fatalf("after the TTL: %q, %d loads", v, loads)
	}
	for range 2 {
		if _, err := cachedRow(d, "entity:gone", load("", ErrNotFound)); !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
	}
	if loads != 4 {
		t.Fatalf("not found was cached: %d loads", loads)
	}
	off := NewDirectory(0)
	cachedRow(off, "k", load("x", nil))
	cachedRow(off, "k", load("x", nil))
	if loads != 6 {
		t.Fatalf("TTL 0 cached: %d loads", loads)
	}
}
