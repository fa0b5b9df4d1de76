package refcache

import (
	"container/list"
	"sync"
)

// LRU caches whole answers (a page of a list, say) of a Cache's data
// version, like Map, but bounded by a total weight that the caller gives
// each value (its rows, say): once full, the least recently read values are
// dropped to make room. Like a Map, it is emptied when the Cache moves to a
// newer version.
type LRU[K comparable, V any] struct {
	c   *Cache
	max int

	mu     sync.Mutex
	order  *list.List // of *lruEntry[K, V], most recently read first
	byKey  map[K]*list.Element
	weight int
}

type lruEntry[K comparable, V any] struct {
	key    K
	val    V
	weight int
}

// NewLRU adds to c a cache of values weighing at most max in all; max <= 0
// returns nil, which caches nothing (Get misses, Put does nothing).
func NewLRU[K comparable, V any](c *Cache, max int) *LRU[K, V] {
	if max <= 0 {
		return nil
	}
	l := &LRU[K, V]{c: c, max: max, order: list.New(), byKey: map[K]*list.Element{}}
	c.mu.Lock()
	c.maps = append(c.maps, l)
	c.mu.Unlock()
	return l
}

func (l *LRU[K, V]) clear() {
	l.mu.Lock()
	l.order.Init()
	l.byKey = map[K]*list.Element{}
	l.weight = 0
	l.mu.Unlock()
}

// Get returns the value of key cached for version, and marks it the most
// recently read.
func (l *LRU[K, V]) Get(version int64, key K) (V, bool) {
	var zero V
	if l == nil || !l.c.sync(version) {
		return zero, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.byKey[key]
	if !ok {
		return zero, false
	}
	l.order.MoveToFront(e)
	return e.Value.(*lruEntry[K, V]).val, true
}

// Put caches val for key, read at version or later, counting weight (at
// least 1) against the bound; a value heavier than the whole bound is not
// cached. val must never be modified afterwards: every request shares it.
func (l *LRU[K, V]) Put(version int64, key K, val V, weight int) {
	if l == nil {
		return
	}
	weight = max(weight, 1)
	if weight > l.max || !l.c.sync(version) {
		return
	}
	// Under the cache's lock, as Map.Put: no newer version may empty the
	// cache between the check and the write.
	l.c.mu.Lock()
	defer l.c.mu.Unlock()
	if l.c.version.Load() != version {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.byKey[key]; ok {
		// A concurrent request read the same answer first.
		l.order.MoveToFront(e)
		return
	}
	l.byKey[key] = l.order.PushFront(&lruEntry[K, V]{key: key, val: val, weight: weight})
	l.weight += weight
	for l.weight > l.max {
		l.remove(l.order.Back())
	}
}

func (l *LRU[K, V]) remove(e *list.Element) {
	le := e.Value.(*lruEntry[K, V])
	l.order.Remove(e)
	delete(l.byKey, le.key)
	l.weight -= le.weight
}

// Len returns the number of values held and their total weight.
func (l *LRU[K, V]) Len() (values, weight int) {
	if l == nil {
		return 0, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.byKey), l.weight
}
