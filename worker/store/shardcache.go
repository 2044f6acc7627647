package store

import (
	"sync"
	"time"
)

// DefaultDirectoryTTL is how long an instance keeps a directory row it
// read (an entity, a centre, a vaccine, a supervisor, the centre list),
// with one database or many: 30 seconds. A busy instance, serving hundreds
// of starts a second for the same few entities, reads each entity about
// twice a minute instead of once a start (an OTP start then costs no round
// trip for its entity). A change by an admin command (a new display name
// or origins, a revoked centre or supervisor token, a removed entity)
// takes up to this long to reach every instance; the var
// DIRECTORY_CACHE_SECONDS sets it, 0 turns caching off. Only rows found
// are kept, never "not found" (a new entity works at once, and made-up ids
// or guessed secrets cannot fill the cache).
const DefaultDirectoryTTL = 30 * time.Second

// directoryCacheMax bounds an instance's cache; past it the cache starts
// over (the directory has thousands of rows, not millions).
const directoryCacheMax = 10000

// Directory is an instance's cache of the directory database: one per
// Worker instance (or native process), shared by its requests' Sharded
// stores. It also remembers which bucket a beneficiary id is in (those
// ids are the registry's and carry none), learnt from the rows read by
// mobile, so a later lookup by the id goes to one shard. Safe for
// parallel requests.
type Directory struct {
	TTL time.Duration
	Now func() time.Time // nil: time.Now

	mu    sync.Mutex
	rows  map[string]cached
	ben   map[string]int
	reads int // loads from the database, for tests
}

// Reads returns how many lookups went to the database.
func (d *Directory) Reads() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.reads
}

type cached struct {
	v   any
	exp time.Time
}

// NewDirectory returns a cache keeping rows for ttl (0: not at all).
func NewDirectory(ttl time.Duration) *Directory { return &Directory{TTL: ttl} }

func (d *Directory) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// cachedRow returns the cached value under key, or loads it and keeps it
// when found. A nil Directory or TTL 0 always loads.
func cachedRow[T any](d *Directory, key string, load func() (T, error)) (T, error) {
	if d == nil || d.TTL <= 0 {
		return load()
	}
	now := d.now()
	d.mu.Lock()
	c, ok := d.rows[key]
	d.mu.Unlock()
	if ok && now.Before(c.exp) {
		return c.v.(T), nil
	}
	v, err := load()
	d.mu.Lock()
	d.reads++
	d.mu.Unlock()
	if err != nil {
		return v, err
	}
	d.mu.Lock()
	if d.rows == nil || len(d.rows) >= directoryCacheMax {
		d.rows = map[string]cached{}
	}
	d.rows[key] = cached{v: v, exp: now.Add(d.TTL)}
	d.mu.Unlock()
	return v, nil
}

// learn records that beneficiary id is in bucket b.
func (d *Directory) learn(id string, b int) {
	if d == nil || id == "" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ben == nil || len(d.ben) >= directoryCacheMax {
		d.ben = map[string]int{}
	}
	d.ben[id] = b
}

// bucketOf returns the bucket learnt for beneficiary id.
func (d *Directory) bucketOf(id string) (int, bool) {
	if d == nil {
		return 0, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	b, ok := d.ben[id]
	return b, ok
}

// cachedEntity is cachedRow for an entity, handing out a copy (callers
// may change theirs; the cached row stays as read).
func cachedEntity(d *Directory, key string, load func() (*Entity, error)) (*Entity, error) {
	e, err := cachedRow(d, key, load)
	if err != nil || e == nil {
		return e, err
	}
	c := *e
	return &c, nil
}
