package loader

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestConcurrentLoadsShareOneFetch(t *testing.T) {
	var calls atomic.Int32
	l := New(func(ctx context.Context, keys []int) (map[int]string, error) {
		calls.Add(1)
		out := map[int]string{}
		for _, k := range keys {
			if k%2 == 0 {
				out[k] = "even"
			}
		}
		return out, nil
	}, 20*time.Millisecond, 0)
	var wg sync.WaitGroup
	got := make([]string, 100)
	for i := range got {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			v, err := l.Load(context.Background(), i%50)
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		}(i)
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("fetch called %d times, want 1", n)
	}
	if got[2] != "even" || got[3] != "" {
		t.Fatalf("got[2]=%q got[3]=%q", got[2], got[3])
	}
	// Cached: no new fetch.
	if v, _ := l.Load(context.Background(), 4); v != "even" || calls.Load() != 1 {
		t.Fatalf("cached load = %q after %d calls", v, calls.Load())
	}
}

func TestMaxBatchSplits(t *testing.T) {
	var calls atomic.Int32
	l := New(func(ctx context.Context, keys []int) (map[int]int, error) {
		calls.Add(1)
		if len(keys) > 10 {
			t.Errorf("batch of %d keys, cap is 10", len(keys))
		}
		return nil, nil
	}, 20*time.Millisecond, 10)
	var wg sync.WaitGroup
	for i := 0; i < 35; i++ {
		wg.Add(1)
		go func(i int) { defer wg.Done(); _, _ = l.Load(context.Background(), i) }(i)
	}
	wg.Wait()
	if n := calls.Load(); n != 4 {
		t.Fatalf("fetch called %d times, want 4", n)
	}
}

func TestErrorsAreNotCached(t *testing.T) {
	fail := true
	l := New(func(ctx context.Context, keys []int) (map[int]int, error) {
		if fail {
			return nil, errors.New("down")
		}
		return map[int]int{1: 1}, nil
	}, time.Millisecond, 0)
	if _, err := l.Load(context.Background(), 1); err == nil {
		t.Fatal("want the fetch error")
	}
	fail = false
	if v, err := l.Load(context.Background(), 1); err != nil || v != 1 {
		t.Fatalf("retry = %v, %v", v, err)
	}
}

// A PartialError fails its own keys only; the other keys of the batch get
// their values, and only the failed keys are fetched again.
func TestPartialErrorFailsOnlyItsKeys(t *testing.T) {
	var fetched [][]int
	var mu sync.Mutex
	l := New(func(ctx context.Context, keys []int) (map[int]int, error) {
		mu.Lock()
		fetched = append(fetched, append([]int(nil), keys...))
		mu.Unlock()
		out, bad := map[int]int{}, map[int]error{}
		for _, k := range keys {
			if k < 0 {
				bad[k] = errors.New("negative")
			} else {
				out[k] = 10 * k
			}
		}
		if len(bad) > 0 {
			return out, &PartialError[int]{Errs: bad}
		}
		return out, nil
	}, 20*time.Millisecond, 0)
	var wg sync.WaitGroup
	got := map[int]error{}
	vals := map[int]int{}
	for _, k := range []int{1, -1, 2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := l.Load(context.Background(), k)
			mu.Lock()
			got[k], vals[k] = err, v
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(fetched) != 1 {
		t.Fatalf("%d fetches, want one batch: %v", len(fetched), fetched)
	}
	if got[1] != nil || got[2] != nil || vals[1] != 10 || vals[2] != 20 {
		t.Fatalf("good keys: %v %v", got, vals)
	}
	if got[-1] == nil || got[-1].Error() != "negative" {
		t.Fatalf("bad key: %v", got[-1])
	}
	if _, err := l.Load(context.Background(), 1); err != nil || len(fetched) != 1 {
		t.Fatalf("a good key was not cached: %v, %d fetches", err, len(fetched))
	}
	if _, err := l.Load(context.Background(), -1); err == nil || len(fetched) != 2 {
		t.Fatalf("a failed key was cached: %v, %d fetches", err, len(fetched))
	}
}

// A primed key answers at once without a fetch; a key already loaded keeps
// its value.
func TestPrimeAnswersWithoutFetch(t *testing.T) {
	var calls atomic.Int32
	l := New(func(ctx context.Context, keys []int) (map[int]string, error) {
		calls.Add(1)
		out := map[int]string{}
		for _, k := range keys {
			out[k] = "fetched"
		}
		return out, nil
	}, time.Hour, 0)
	l.Prime(1, "primed")
	start := time.Now()
	if v, err := l.Load(context.Background(), 1); err != nil || v != "primed" {
		t.Fatalf("got %q, %v", v, err)
	}
	if calls.Load() != 0 || time.Since(start) > time.Minute {
		t.Fatalf("a primed key was fetched")
	}
	l2 := New(func(ctx context.Context, keys []int) (map[int]string, error) {
		return map[int]string{2: "fetched"}, nil
	}, time.Millisecond, 0)
	if v, _ := l2.Load(context.Background(), 2); v != "fetched" {
		t.Fatalf("got %q", v)
	}
	l2.Prime(2, "primed")
	if v, _ := l2.Load(context.Background(), 2); v != "fetched" {
		t.Fatalf("Prime replaced a loaded value: %q", v)
	}
}

// Prefetch asks for its keys in one batch; the Loads after it answer
// without a fetch, and only the waits for a batch are counted.
func TestPrefetchAndWaits(t *testing.T) {
	var calls atomic.Int32
	l := New(func(ctx context.Context, keys []int) (map[int]string, error) {
		calls.Add(1)
		out := map[int]string{}
		for _, k := range keys {
			out[k] = "v"
		}
		return out, nil
	}, time.Millisecond, 0).WithPeek(func(ctx context.Context, k int) (string, bool) {
		return "cached", k < 0
	})
	ctx, outer := WithWaits(context.Background())
	ctx, inner := WithWaits(ctx)
	l.Prefetch(ctx, 1, 2, 3, -1)
	if calls.Load() != 1 || inner.Count() != 1 || outer.Count() != 1 {
		t.Fatalf("prefetch: %d fetches, waits %d/%d; want 1 fetch, one wait seen by both", calls.Load(), inner.Count(), outer.Count())
	}
	for _, k := range []int{1, 2, 3, -1} {
		if v, err := l.Load(ctx, k); err != nil || v == "" {
			t.Fatalf("key %d: %q %v", k, v, err)
		}
	}
	if calls.Load() != 1 || inner.Count() != 1 {
		t.Fatalf("loads after the prefetch: %d fetches, %d waits", calls.Load(), inner.Count())
	}
	if _, err := l.Load(ctx, 4); err != nil || calls.Load() != 2 || inner.Count() != 2 || outer.Count() != 2 {
		t.Fatalf("a new key: %d fetches, waits %d/%d", calls.Load(), inner.Count(), outer.Count())
	}
}
