package refcache

import (
	"sync"
	"testing"
)

func TestVersions(t *testing.T) {
	c := New()
	m := NewMap[string, int](c, 3)
	if _, ok := m.Get(1, "a"); ok {
		t.Fatal("an empty cache answered")
	}
	m.Put(1, []string{"a", "b"}, map[string]int{"a": 10})
	if v, ok := m.Get(1, "a"); !ok || v != 10 {
		t.Fatalf("Get(1, a) = %d, %v", v, ok)
	}
	if v, ok := m.Get(1, "b"); !ok || v != 0 {
		t.Fatalf("a key fetched and not found is cached as the zero value: got %d, %v", v, ok)
	}
	// A newer version empties the cache.
	if _, ok := m.Get(2, "a"); ok {
		t.Fatal("version 2 saw a value of version 1")
	}
	// A value read for an older version is not kept.
	m.Put(1, []string{"c"}, map[string]int{"c": 3})
	if _, ok := m.Get(2, "c"); ok {
		t.Fatal("a value of version 1 was cached under version 2")
	}
	// An older version (a lagging replica) is not served.
	m.Put(2, []string{"a"}, map[string]int{"a": 20})
	if _, ok := m.Get(1, "a"); ok {
		t.Fatal("version 1 was served version 2's value")
	}
	// The bound.
	m.Put(2, []string{"b", "c", "d", "e"}, map[string]int{"b": 1, "c": 2, "d": 3, "e": 4})
	if _, ok := m.Get(2, "e"); ok {
		t.Fatal("more keys than the bound were cached")
	}
}

func TestConcurrent(t *testing.T) {
	c := New()
	m := NewMap[int, int](c, 1000)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				v := int64(i / 100)
				m.Put(v, []int{g}, map[int]int{g: int(v)})
				// Never older than the version asked (newer is a fresh read).
				if got, ok := m.Get(v, g); ok && int64(got) < v {
					t.Errorf("version %d read a value of version %d", v, got)
				}
			}
		}()
	}
	wg.Wait()
}
