package generated

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gpec-project/gpec/internal/loader"
)

// A list whose elements answered without waiting is marshalled in the
// calling goroutine the next time; one whose elements wait keeps a
// goroutine per element, so that their look-ups share one batch, and an
// inline list whose element waits hands the rest to goroutines.
func TestMarshalSliceInlineOnlyWhatDoesNotWait(t *testing.T) {
	// The loaders tell the waits; a budget of time would make the test
	// depend on the machine's load.
	defer func(b time.Duration) { inlineBudget = b }(inlineBudget)
	inlineBudget = time.Minute
	var fetches atomic.Int32
	newLoader := func() *loader.Loader[int, int] {
		return loader.New(func(ctx context.Context, keys []int) (map[int]int, error) {
			fetches.Add(1)
			out := map[int]int{}
			for _, k := range keys {
				out[k] = k
			}
			return out, nil
		}, 20*time.Millisecond, 0)
	}
	var running, most atomic.Int32
	element := func(l *loader.Loader[int, int]) func(ctx context.Context, i int) graphql.Marshaler {
		return func(ctx context.Context, i int) graphql.Marshaler {
			n := running.Add(1)
			defer running.Add(-1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			if graphql.GetFieldContext(ctx).Index == nil || *graphql.GetFieldContext(ctx).Index != i {
				t.Errorf("element %d: wrong index in its field context", i)
			}
			if l != nil {
				if _, err := l.Load(ctx, i); err != nil {
					t.Error(err)
				}
				time.Sleep(100 * time.Microsecond) // lets concurrent elements overlap
			}
			return graphql.MarshalInt(i)
		}
	}
	field := &ast.Field{Name: "edges"}
	ctx := graphql.WithFieldContext(context.Background(), &graphql.FieldContext{Field: graphql.CollectedField{Field: field}})
	run := func(l *loader.Loader[int, int]) (int32, int32) {
		fetches.Store(0)
		most.Store(0)
		ret := marshalSlice(ctx, 20, 0, false, element(l))
		for i, v := range ret {
			if v == nil || v == graphql.Null {
				t.Fatalf("element %d not marshalled", i)
			}
		}
		return fetches.Load(), most.Load()
	}

	// Elements waiting for a batch: concurrent, one fetch; not remembered.
	if f, m := run(newLoader()); f != 1 || m < 2 {
		t.Fatalf("waiting elements: %d fetches, at most %d at once; want 1 fetch, concurrent", f, m)
	}
	if f, m := run(newLoader()); f != 1 || m < 2 {
		t.Fatalf("waiting elements, again: %d fetches, at most %d at once", f, m)
	}
	// Elements that do not wait: concurrent the first time, then inline.
	run(nil)
	if _, m := run(nil); m != 1 {
		t.Fatalf("elements answering without waiting: %d at once, want 1 (inline)", m)
	}
	// Inline, and the first element waits: the rest share a second batch.
	if f, m := run(newLoader()); f != 2 || m < 2 {
		t.Fatalf("an inline list whose element waits: %d fetches, at most %d at once; want 2, concurrent", f, m)
	}
	// …and the field is forgotten: concurrent again, one batch.
	if f, _ := run(newLoader()); f != 1 {
		t.Fatalf("after a wait: %d fetches, want 1", f)
	}
}
