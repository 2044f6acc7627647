package store

import (
	"sync"
	"time"
)

// DirectoryTTL is how long a DirectoryCache keeps an entity: the longest an
// instance goes on using an entity row after it changed (a new display
// name, origins, language; a removed entity still starts codes). A minute
// keeps that short for the people who change a registration, while a busy
// instance, serving hundreds of starts a second for the same few entities,
// reads each entity about once a minute instead of once a start.
// Secrets are not cached (EntityBySecretHash reads every time), so
// rotating or removing an entity's secret takes effect at once.
const DirectoryTTL = time.Minute

// directoryMax bounds the entities one instance keeps: entities are few
// (registered by hand), so this only matters for an instance fed many
// made-up ids — which are not found and so never cached anyway.
const directoryMax = 4096

// DirectoryCache keeps entity rows for DirectoryTTL, shared by the requests
// of one instance (one Go process, or one Go instance in workerd); safe for
// parallel use. Lookups of unknown ids are not cached: an entity
// registered a moment ago works at once.
type DirectoryCache struct {
	// Now is the clock (nil: time.Now); tests move it.
	Now func() time.Time

	mu       sync.Mutex
	entities map[string]cachedEntity
	reads    int // database reads, for tests
}

type cachedEntity struct {
	e  *Entity
	at time.Time
}

// NewDirectoryCache returns an empty cache.
func NewDirectoryCache() *DirectoryCache { return &DirectoryCache{} }

func (c *DirectoryCache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// entity returns the cached entity id, or read's answer (cached if found).
// Two requests missing at once both read; the later answer wins.
func (c *DirectoryCache) entity(id string, read func() (*Entity, error)) (*Entity, error) {
	now := c.now()
	c.mu.Lock()
	ce, ok := c.entities[id]
	c.mu.Unlock()
	if ok && now.Sub(ce.at) < DirectoryTTL && !now.Before(ce.at) {
		e := *ce.e // callers may change their copy
		return &e, nil
	}
	e, err := read()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	if err != nil {
		delete(c.entities, id)
		return nil, err
	}
	if c.entities == nil || len(c.entities) >= directoryMax {
		c.entities = map[string]cachedEntity{}
	}
	kept := *e
	c.entities[id] = cachedEntity{e: &kept, at: now}
	return e, nil
}

// Reads returns how many lookups went to the database.
func (c *DirectoryCache) Reads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}
