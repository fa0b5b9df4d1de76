package loader

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultWait is how long a batch stays open after its latest key. gqlgen
// resolves a list's elements in concurrent goroutines, which ask one after
// the other within microseconds: the batch closes once they stop coming
// (a debounce, not a fixed window, so a long list on a busy machine still
// lands in one batch), and at the latest after maxOpen waits.
const DefaultWait = 2 * time.Millisecond

// maxOpen bounds how many waits a batch may stay open while keys keep coming.
const maxOpen = 20

// Fetch loads many keys at once. Keys absent from the map load as V's zero value.
type Fetch[K comparable, V any] func(ctx context.Context, keys []K) (map[K]V, error)

// PartialError is what a Fetch returns when only some keys failed: each
// key of Errs gets its error, every other key its value from the map. A
// batch mixes the keys of unrelated fields (a past horizon next to a valid
// one), and one field's bad argument must not fail its neighbours.
type PartialError[K comparable] struct{ Errs map[K]error }

func (e *PartialError[K]) Error() string {
	for _, err := range e.Errs {
		return err.Error()
	}
	return "partial failure"
}

// Loader gathers keys asked within a short window and fetches them in one
// call, caching results for its lifetime (one request).
type Loader[K comparable, V any] struct {
	fetch    Fetch[K, V]
	wait     time.Duration
	maxBatch int
	peek     func(ctx context.Context, key K) (V, bool)

	mu      sync.Mutex
	done    map[K]*result[V]
	pending *batch[K, V]
}

type result[V any] struct {
	ready chan struct{}
	val   V
	err   error
}

type batch[K comparable, V any] struct {
	keys    []K
	results map[K]*result[V]
	closed  bool
	opened  time.Time
	last    time.Time
}

// New returns a loader; wait <= 0 means DefaultWait, maxBatch <= 0 no cap.
func New[K comparable, V any](fetch Fetch[K, V], wait time.Duration, maxBatch int) *Loader[K, V] {
	if wait <= 0 {
		wait = DefaultWait
	}
	return &Loader[K, V]{fetch: fetch, wait: wait, maxBatch: maxBatch, done: map[K]*result[V]{}}
}

// WithPeek gives the loader a cache to consult before batching: a key that
// peek knows is answered at once, with no wait and no fetch (data shared
// across requests, such as the referential). It returns l.
func (l *Loader[K, V]) WithPeek(peek func(ctx context.Context, key K) (V, bool)) *Loader[K, V] {
	l.peek = peek
	return l
}

// Prime gives key its value without a fetch, unless the loader already
// holds or awaits key: what a parent's statement read with its own rows
// (a page's sites) then costs its children no batch, no wait and no
// statement. val must not be modified afterwards.
func (l *Loader[K, V]) Prime(key K, val V) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.done[key]; ok {
		return
	}
	r := &result[V]{ready: make(chan struct{}), val: val}
	close(r.ready)
	l.done[key] = r
}

// Prefetch asks for keys in one batch and waits for them, so that the
// Loads of keys that follow answer at once: a list's resolver calls it
// for what each of its elements will ask, when the list's elements are
// marshalled one after the other. Errors are left for those Loads.
func (l *Loader[K, V]) Prefetch(ctx context.Context, keys ...K) {
	if l.peek != nil {
		// Outside the lock: a peek may read the data version.
		missing := keys[:0:0]
		for _, key := range keys {
			if _, ok := l.peek(ctx, key); !ok {
				missing = append(missing, key)
			}
		}
		keys = missing
	}
	var wait []*result[V]
	l.mu.Lock()
	for _, key := range keys {
		r, ok := l.done[key]
		if !ok {
			r = l.enqueue(ctx, key)
		}
		wait = append(wait, r)
	}
	l.mu.Unlock()
	noted := false
	for _, r := range wait {
		if !noted {
			select {
			case <-r.ready:
				continue
			default:
				noteWait(ctx)
				noted = true
			}
		}
		select {
		case <-r.ready:
		case <-ctx.Done():
			return
		}
	}
}

// Load returns the value for key, batched with the other keys asked meanwhile.
func (l *Loader[K, V]) Load(ctx context.Context, key K) (V, error) {
	if l.peek != nil {
		if v, ok := l.peek(ctx, key); ok {
			return v, nil
		}
	}
	l.mu.Lock()
	r, ok := l.done[key]
	if !ok {
		r = l.enqueue(ctx, key)
	}
	l.mu.Unlock()
	select {
	case <-r.ready:
		return r.val, r.err
	default:
	}
	noteWait(ctx)
	select {
	case <-r.ready:
		return r.val, r.err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

// Waits counts the Loads that had to wait for a batch under a context
// (see WithWaits), and under its descendants.
type Waits struct {
	n      atomic.Int64
	parent *Waits
}

// Count returns the waits so far.
func (w *Waits) Count() int64 { return w.n.Load() }

type waitsKey struct{}

// WithWaits returns ctx counting, in the returned Waits, the Loads under it
// that wait for a batch (and still in the Waits of an enclosing WithWaits):
// what answered from a cache or a primed value does not count. The list
// marshalling of graph/generated uses it to tell whether a list's elements
// answer without waiting.
func WithWaits(ctx context.Context) (context.Context, *Waits) {
	parent, _ := ctx.Value(waitsKey{}).(*Waits)
	w := &Waits{parent: parent}
	return context.WithValue(ctx, waitsKey{}, w), w
}

func noteWait(ctx context.Context) {
	w, _ := ctx.Value(waitsKey{}).(*Waits)
	for ; w != nil; w = w.parent {
		w.n.Add(1)
	}
}

// enqueue adds key to the pending batch, under l.mu.
func (l *Loader[K, V]) enqueue(ctx context.Context, key K) *result[V] {
	r := &result[V]{ready: make(chan struct{})}
	l.done[key] = r
	now := time.Now()
	if l.pending == nil {
		l.pending = &batch[K, V]{results: map[K]*result[V]{}, opened: now}
		go l.dispatchAfter(ctx, l.pending)
	}
	b := l.pending
	b.last = now
	b.keys = append(b.keys, key)
	b.results[key] = r
	if l.maxBatch > 0 && len(b.keys) >= l.maxBatch {
		l.pending = nil
		b.closed = true
		go l.run(ctx, b)
	}
	return r
}

func (l *Loader[K, V]) dispatchAfter(ctx context.Context, b *batch[K, V]) {
	sleep := l.wait
	for {
		time.Sleep(sleep)
		l.mu.Lock()
		if b.closed {
			l.mu.Unlock()
			return
		}
		idle := time.Since(b.last)
		if idle >= l.wait || time.Since(b.opened) >= maxOpen*l.wait {
			break
		}
		sleep = l.wait - idle
		l.mu.Unlock()
	}
	b.closed = true
	if l.pending == b {
		l.pending = nil
	}
	l.mu.Unlock()
	l.run(ctx, b)
}

func (l *Loader[K, V]) run(ctx context.Context, b *batch[K, V]) {
	vals, err := l.fetch(ctx, b.keys)
	errOf := func(K) error { return err }
	var partial *PartialError[K]
	if errors.As(err, &partial) {
		errOf = func(k K) error { return partial.Errs[k] }
	}
	if err != nil {
		// A failed key is not cached: a later Load of the same key
		// retries. Forgotten before the waiters wake, so that a waiter's
		// own retry cannot find the failure still there.
		l.mu.Lock()
		for k := range b.results {
			if errOf(k) != nil {
				delete(l.done, k)
			}
		}
		l.mu.Unlock()
	}
	for k, r := range b.results {
		if kerr := errOf(k); kerr != nil {
			r.err = kerr
		} else {
			r.val = vals[k]
		}
		close(r.ready)
	}
}
