package page

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/gpec-project/gpec/internal/domain"
)

// Bounds of `first` on every connection.
const (
	MaxFirst     = 500
	DefaultFirst = 50
)

// Args is a validated page request: rows Offset+1 .. Offset+Limit of an ordered set.
type Args struct {
	Offset int
	Limit  int
}

// Parse validates first/after. The cursor is opaque to clients; inside it
// is the position of the last row seen, so pages are stable for a given order.
func Parse(first *int, after *string) (Args, error) {
	a := Args{Limit: DefaultFirst}
	if first != nil {
		if *first < 1 || *first > MaxFirst {
			return a, domain.Invalid("first", "first must be between 1 and %d, got %d", MaxFirst, *first)
		}
		a.Limit = *first
	}
	if after != nil && *after != "" {
		off, ok := decode(*after)
		if !ok {
			return a, domain.Invalid("after", "after is not a cursor this API returned")
		}
		a.Offset = off
	}
	return a, nil
}

const prefix = "pos:"

// Cursor encodes the 1-based position of a row.
func Cursor(pos int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + strconv.Itoa(pos)))
}

func decode(c string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), prefix) {
		return 0, false
	}
	n, err := strconv.Atoi(string(b[len(prefix):]))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// Info is a connection's pageInfo.
type Info struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

// Edge pairs a node with its cursor.
type Edge[T any] struct {
	Cursor string
	Node   T
}

// Connection is one page of an ordered set.
type Connection[T any] struct {
	Edges      []*Edge[T]
	PageInfo   *Info
	TotalCount int
}

// Build makes a connection of the rows of one page, given the total count.
func Build[T any](a Args, rows []T, total int) *Connection[T] {
	c := &Connection[T]{TotalCount: total, PageInfo: &Info{}, Edges: make([]*Edge[T], len(rows))}
	for i, r := range rows {
		c.Edges[i] = &Edge[T]{Cursor: Cursor(a.Offset + i + 1), Node: r}
	}
	if len(rows) > 0 {
		c.PageInfo.StartCursor = &c.Edges[0].Cursor
		c.PageInfo.EndCursor = &c.Edges[len(rows)-1].Cursor
	}
	c.PageInfo.HasPreviousPage = a.Offset > 0
	c.PageInfo.HasNextPage = a.Offset+len(rows) < total
	return c
}
