package release

import (
	"container/list"
	"context"
	"sync"

	"github.com/jmoiron/sqlx"

	"github.com/gpec-project/gpec/internal/aggregates"
)

// DefaultCacheCells is the default bound of a Tables cache: the cells it
// holds over every table, about 350 bytes each (measured over the 324
// department tables of the medium dataset's release), so some 35 MB. A
// table of the departments of a region by role family has a few hundred
// cells.
const DefaultCacheCells = 100_000

// Tables keeps assembled tables of published releases in memory, the least
// recently read dropped first once they hold more than their bound of cells.
//
// A release's cells never change (a trigger refuses it); deleting is the
// only change a release sees. So a table read once is the answer for as long
// as its release exists, and existence is what each request still checks:
// the caller passes the release row it has just read (Get), and only a
// PUBLISHED one is cached. A release deleted through another process is thus
// never served (its Get finds nothing), and the key holds the release's
// creation time as well as its id, so that a release that replaced a
// deleted one under the same id (a restored dump, a reset sequence) can
// never be answered with the tables of the one it replaced.
//
// The cached *aggregates.Result is shared by every request reading it:
// callers must not modify it (the GraphQL marshaller and the CSV writer only
// read).
type Tables struct {
	max int

	mu    sync.Mutex
	order *list.List // of *tableEntry, most recently read first
	byKey map[tableKey]*list.Element
	cells int
}

type tableKey struct {
	release int64
	created int64 // the release's created_at, Unix nanoseconds
	level   string
	pLevel  string
	pCode   string
	dim     aggregates.Dimension
	horizon int
}

type tableEntry struct {
	key   tableKey
	res   *aggregates.Result
	cells int
}

// NewTables returns a cache of at most maxCells cells; maxCells <= 0 returns
// nil, which caches nothing (every read is Table's statement).
func NewTables(maxCells int) *Tables {
	if maxCells <= 0 {
		return nil
	}
	return &Tables{max: maxCells, order: list.New(), byKey: map[tableKey]*list.Element{}}
}

// Table answers like the package's Table, from the cache when it can. rel
// must have been read by the caller's request (see Tables).
func (t *Tables) Table(ctx context.Context, db sqlx.QueryerContext, rel *Release, q TableQuery) (*aggregates.Result, error) {
	if t == nil || rel.Status != Published {
		return Table(ctx, db, rel, q)
	}
	// The checks first, whatever the cache holds: the same errors as
	// without it, and a key of normalised arguments.
	if err := q.check(rel); err != nil {
		return nil, err
	}
	k := tableKey{release: rel.ID, created: rel.Created.UnixNano(), level: q.Level,
		pLevel: parentLevel(q.Parent), pCode: parentCode(q.Parent), dim: q.Dimension, horizon: q.Horizon}
	if r := t.get(k); r != nil {
		return r, nil
	}
	r, err := Table(ctx, db, rel, q)
	if err != nil {
		return nil, err
	}
	t.put(k, r)
	return r, nil
}

// Forget drops the tables of release id, e.g. once this process deleted it
// (to free their memory: a deleted release is never served anyway).
func (t *Tables) Forget(id int64) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, e := range t.byKey {
		if k.release == id {
			t.remove(e)
		}
	}
}

// Len returns the number of tables and of cells held.
func (t *Tables) Len() (tables, cells int) {
	if t == nil {
		return 0, 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byKey), t.cells
}

func (t *Tables) get(k tableKey) *aggregates.Result {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.byKey[k]
	if !ok {
		return nil
	}
	t.order.MoveToFront(e)
	return e.Value.(*tableEntry).res
}

func (t *Tables) put(k tableKey, r *aggregates.Result) {
	n := len(r.Cells) + len(r.RowTotals) + len(r.ColumnTotals) + 1
	if n > t.max {
		return // larger than the whole cache: read each time
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.byKey[k]; ok {
		return // a concurrent read of the same table filled it
	}
	t.byKey[k] = t.order.PushFront(&tableEntry{key: k, res: r, cells: n})
	t.cells += n
	for t.cells > t.max {
		t.remove(t.order.Back())
	}
}

func (t *Tables) remove(e *list.Element) {
	te := e.Value.(*tableEntry)
	t.order.Remove(e)
	delete(t.byKey, te.key)
	t.cells -= te.cells
}
