package refcache

import (
	"sync"
	"testing"
)

func TestLRUVersions(t *testing.T) {
	c := New()
	l := NewLRU[string, int](c, 10)
	if _, ok := l.Get(1, "a"); ok {
		t.Fatal("an empty cache answered")
	}
	l.Put(1, "a", 10, 1)
	if v, ok := l.Get(1, "a"); !ok || v != 10 {
		t.Fatalf("Get(1, a) = %d, %v", v, ok)
	}
	// A newer version empties it, and a value read for an older one is not kept.
	if _, ok := l.Get(2, "a"); ok {
		t.Fatal("version 2 saw a value of version 1")
	}
	l.Put(1, "b", 1, 1)
	if _, ok := l.Get(2, "b"); ok {
		t.Fatal("a value of version 1 was cached under version 2")
	}
	// An older version is not served.
	l.Put(2, "a", 20, 1)
	if _, ok := l.Get(1, "a"); ok {
		t.Fatal("version 1 was served version 2's value")
	}
	// A Map of the same Cache empties with it.
	m := NewMap[string, int](c, 10)
	m.Put(2, []string{"x"}, map[string]int{"x": 1})
	if _, ok := m.Get(3, "x"); ok {
		t.Fatal("the map kept version 2")
	}
	if n, w := l.Len(); n != 0 || w != 0 {
		t.Fatalf("after version 3: %d values of weight %d", n, w)
	}
}

func TestLRUBound(t *testing.T) {
	c := New()
	l := NewLRU[string, int](c, 10)
	l.Put(1, "a", 1, 4)
	l.Put(1, "b", 2, 4)
	l.Get(1, "a") // a is now the most recently read: b goes first
	l.Put(1, "c", 3, 4)
	if _, ok := l.Get(1, "b"); ok {
		t.Fatal("the least recently read value was kept past the bound")
	}
	for k, want := range map[string]int{"a": 1, "c": 3} {
		if v, ok := l.Get(1, k); !ok || v != want {
			t.Fatalf("%s: %d, %v", k, v, ok)
		}
	}
	if n, w := l.Len(); n != 2 || w != 8 {
		t.Fatalf("%d values of weight %d, want 2 of 8", n, w)
	}
	// Heavier than the bound: not cached, nothing dropped.
	l.Put(1, "d", 4, 11)
	if _, ok := l.Get(1, "d"); ok {
		t.Fatal("a value heavier than the bound was cached")
	}
	if n, _ := l.Len(); n != 2 {
		t.Fatalf("%d values after a refused Put", n)
	}
	// Weight 0 counts 1: a bound of 1 holds one value.
	one := NewLRU[int, int](c, 1)
	for i := range 5 {
		one.Put(1, i, i, 0)
		if n, w := one.Len(); n != 1 || w != 1 {
			t.Fatalf("bound 1 after %d: %d values of weight %d", i, n, w)
		}
		if v, ok := one.Get(1, i); !ok || v != i {
			t.Fatalf("bound 1: %d not the one held", i)
		}
	}
	// A bound of 0 caches nothing.
	if none := NewLRU[int, int](c, 0); none != nil {
		t.Fatal("NewLRU(0) is not nil")
	}
	var none *LRU[int, int]
	none.Put(1, 1, 1, 1)
	if _, ok := none.Get(1, 1); ok {
		t.Fatal("a nil LRU answered")
	}
}

func TestLRUConcurrent(t *testing.T) {
	c := New()
	l := NewLRU[int, int](c, 50)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				v := int64(i / 100)
				l.Put(v, g*1000+i%100, int(v), 1+i%7)
				if got, ok := l.Get(v, g*1000+i%100); ok && int64(got) < v {
					t.Errorf("version %d read a value of version %d", v, got)
				}
				if _, w := l.Len(); w > 50 {
					t.Errorf("weight %d over the bound", w)
				}
			}
		}()
	}
	wg.Wait()
}
