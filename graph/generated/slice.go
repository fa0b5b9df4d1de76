package generated

// This file is written by hand: gqlgen writes generated.go only, and
// graph/internal/seqlists points some of generated.go's lists at
// marshalSlice.

import (
	"context"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gpec-project/gpec/internal/loader"
)

// inlineBudget is how long one element may take to be marshalled in line.
// An element answered from the shared caches, or from what the list's
// resolver read, takes microseconds; one that waits for a loader's batch
// takes at least its window (2 ms).
var inlineBudget = 500 * time.Microsecond

// marshalSlice stands for gqlgen's graphql.MarshalSliceConcurrently, which
// starts a goroutine per element of every list of objects: most of the CPU
// of a page of companies with their sites, or of a role's skills with their
// trainings, went into starting those goroutines and growing their stacks,
// while their fields come from the shared cache without waiting.
//
// marshalSlice remembers, for each field of a parsed query (the query cache
// keeps the document, so a repeated query has the same fields), whether its
// elements answered without waiting the last time: no Load of the
// request's loaders waited for a batch (package loader counts them). If
// they did, it marshals them one after the other in the calling goroutine,
// as long as each neither waits nor takes more than inlineBudget; from the
// first one that does, it marshals the rest concurrently and forgets the
// field. Otherwise it marshals them concurrently as gqlgen does, and
// remembers the field when none waited. A list whose elements wait
// (members with their analytics) therefore keeps a goroutine per element,
// so that their look-ups share one batch; a list whose elements answer
// from memory costs no goroutine.
func marshalSlice(ctx context.Context, length int, workerLimit int64, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	var field *ast.Field
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		field = fc.Field.Field
	}
	if length < 2 || field == nil {
		return graphql.MarshalSliceConcurrently(ctx, length, workerLimit, omitPanicHandler, marshalElement)
	}
	ret := make(graphql.Array, length)
	ctx, waits := loader.WithWaits(ctx)
	if inlineFields.has(field) {
		for i := 0; i < length; i++ {
			start := time.Now()
			marshalOne(ctx, ret, i, omitPanicHandler, marshalElement)
			if (waits.Count() > 0 || time.Since(start) > inlineBudget) && i+1 < length {
				inlineFields.forget(field)
				marshalRest(ctx, ret, i+1, omitPanicHandler, marshalElement)
				break
			}
		}
		return ret
	}
	marshalRest(ctx, ret, 0, omitPanicHandler, marshalElement)
	if waits.Count() == 0 {
		inlineFields.remember(field)
	}
	return ret
}

// marshalOne marshals element i as gqlgen does: in its own field context
// (the path of its errors), a panic turning it into null with an error.
func marshalOne(ctx context.Context, ret graphql.Array, i int, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) {
	idx := i
	childCtx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &idx})
	if !omitPanicHandler {
		defer func() {
			if r := recover(); r != nil {
				graphql.AddError(childCtx, graphql.Recover(childCtx, r))
				ret[i] = graphql.Null
			}
		}()
	}
	ret[i] = marshalElement(childCtx, i)
}

// marshalRest marshals elements from..len(ret)-1 in a goroutine each.
func marshalRest(ctx context.Context, ret graphql.Array, from int, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) {
	var wg sync.WaitGroup
	for i := from; i < len(ret); i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			marshalOne(ctx, ret, i, omitPanicHandler, marshalElement)
		}(i)
	}
	wg.Wait()
}

// fieldSet is the set of query fields whose list elements answered
// without waiting, bounded: past maxFields it starts again (fields of
// documents the query cache dropped would otherwise stay).
type fieldSet struct {
	mu sync.RWMutex
	m  map[*ast.Field]struct{}
}

const maxFields = 10_000

var inlineFields = &fieldSet{m: map[*ast.Field]struct{}{}}

func (s *fieldSet) has(f *ast.Field) bool {
	s.mu.RLock()
	_, ok := s.m[f]
	s.mu.RUnlock()
	return ok
}

func (s *fieldSet) remember(f *ast.Field) {
	s.mu.Lock()
	if len(s.m) >= maxFields {
		s.m = map[*ast.Field]struct{}{}
	}
	s.m[f] = struct{}{}
	s.mu.Unlock()
}

func (s *fieldSet) forget(f *ast.Field) {
	s.mu.Lock()
	delete(s.m, f)
	s.mu.Unlock()
}
