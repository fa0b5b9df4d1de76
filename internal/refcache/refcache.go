// Package refcache keeps look-ups of rarely written data (the ROME
// referential, territories, trainings: Map) and whole answers (the pages
// of the companies list: LRU) across requests, for as long as the data
// they were read from is unchanged. Unchanged means the same
// data_version (migrations 0005 and 0006: every statement writing those
// tables increments it in its own transaction), which each request reads
// once before it uses the cache: a request never sees values older than the
// version it read, and an import empties the cache for the requests after
// its commit.
package refcache

import (
	"sync"
	"sync/atomic"
)

// Cache is a set of Maps sharing one data version.
type Cache struct {
	mu sync.Mutex
	// version is written under mu, read without it by sync's fast path:
	// every cached field of every request asks for it, and a lock taken
	// hundreds of times per request serialises the requests on it.
	version atomic.Int64
	maps    []interface{ clear() }
}

// New returns an empty cache.
func New() *Cache {
	c := &Cache{}
	c.version.Store(-1)
	return c
}

// sync empties every map when version is not the cache's, and tells whether
// the cache now holds version. An older version (a lagging read replica)
// leaves the cache alone and is not served.
func (c *Cache) sync(version int64) bool {
	if version == c.version.Load() {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch cur := c.version.Load(); {
	case version == cur:
		return true
	case version > cur:
		for _, m := range c.maps {
			m.clear()
		}
		c.version.Store(version)
		return true
	}
	return false
}

// Map caches one look-up (a loader's fetch) of a Cache.
type Map[K comparable, V any] struct {
	c   *Cache
	max int

	mu sync.RWMutex
	m  map[K]V
}

// NewMap adds a map to c holding at most max keys (then it stops caching
// new keys until the next version: a bound on memory, not an eviction).
func NewMap[K comparable, V any](c *Cache, max int) *Map[K, V] {
	m := &Map[K, V]{c: c, max: max, m: map[K]V{}}
	c.mu.Lock()
	c.maps = append(c.maps, m)
	c.mu.Unlock()
	return m
}

func (m *Map[K, V]) clear() {
	m.mu.Lock()
	m.m = map[K]V{}
	m.mu.Unlock()
}

// Get returns the value of key cached for version.
func (m *Map[K, V]) Get(version int64, key K) (V, bool) {
	var zero V
	if !m.c.sync(version) {
		return zero, false
	}
	m.mu.RLock()
	v, ok := m.m[key]
	m.mu.RUnlock()
	return v, ok
}

// Put caches the values fetched for keys, read at version or later; a key
// absent from vals is cached as V's zero value (not found is an answer
// too). Values must never be modified afterwards: every request shares them.
func (m *Map[K, V]) Put(version int64, keys []K, vals map[K]V) {
	if !m.c.sync(version) {
		return
	}
	// Under the cache's lock, so that no newer version can empty the maps
	// between the check and the writes (values read for an older version
	// would then outlive it).
	m.c.mu.Lock()
	defer m.c.mu.Unlock()
	if m.c.version.Load() != version {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		if len(m.m) >= m.max {
			return
		}
		m.m[k] = vals[k]
	}
}
