package page

import (
	"errors"
	"testing"

	"github.com/gpec-project/gpec/internal/domain"
)

func intp(i int) *int       { return &i }
func strp(s string) *string { return &s }

func TestParse(t *testing.T) {
	a, err := Parse(nil, nil)
	if err != nil || a != (Args{Offset: 0, Limit: DefaultFirst}) {
		t.Fatalf("defaults: %+v %v", a, err)
	}
	a, err = Parse(intp(10), strp(Cursor(30)))
	if err != nil || a != (Args{Offset: 30, Limit: 10}) {
		t.Fatalf("after: %+v %v", a, err)
	}
	for name, c := range map[string]struct {
		first *int
		after *string
	}{
		"FirstZero":     {intp(0), nil},
		"FirstNegative": {intp(-1), nil},
		"FirstTooLarge": {intp(MaxFirst + 1), nil},
		"NotBase64":     {nil, strp("!!")},
		"ForeignCursor": {nil, strp("b2Zmc2V0OjEw")}, // base64 of "offset:10"
		"NegativePos":   {nil, strp(Cursor(-3))},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(c.first, c.after)
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.CodeInvalid {
				t.Fatalf("got %v, want BAD_USER_INPUT", err)
			}
		})
	}
}

func TestBuild(t *testing.T) {
	c := Build(Args{Offset: 2, Limit: 2}, []string{"c", "d"}, 5)
	if c.TotalCount != 5 || len(c.Edges) != 2 || !c.PageInfo.HasNextPage || !c.PageInfo.HasPreviousPage {
		t.Fatalf("%+v %+v", c, c.PageInfo)
	}
	if *c.PageInfo.EndCursor != Cursor(4) || c.Edges[0].Cursor != Cursor(3) || c.Edges[1].Node != "d" {
		t.Fatalf("cursors %v %v", *c.PageInfo.EndCursor, c.Edges[0].Cursor)
	}
	// The next page starts right after the end cursor.
	next, _ := Parse(intp(2), c.PageInfo.EndCursor)
	if next.Offset != 4 {
		t.Fatalf("next offset %d", next.Offset)
	}
	last := Build(next, []string{"e"}, 5)
	if last.PageInfo.HasNextPage {
		t.Fatal("last page says there is a next")
	}
	empty := Build(Args{Limit: 10}, []string(nil), 0)
	if empty.PageInfo.StartCursor != nil || empty.PageInfo.HasNextPage || len(empty.Edges) != 0 {
		t.Fatalf("empty: %+v", empty.PageInfo)
	}
}
