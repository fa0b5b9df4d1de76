package limits

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

func TestCheckArguments(t *testing.T) {
	schema := loadSchema(t)
	cfg := Defaults()
	cases := []struct {
		name, query string
		vars        map[string]any
		want, arg   string
	}{
		{"Plain", `{ search(text: "abc", first: 1) { siren } }`, nil, "", ""},
		{"AtDefaultBound", `{ search(text: "` + strings.Repeat("é", 64) + `", first: 1) { siren } }`, nil, "", ""},
		{"ErrTooLong", `{ search(text: "` + strings.Repeat("a", 65) + `", first: 1) { siren } }`, nil, CodeBadUserInput, "text"},
		{"ErrNullByteLiteral", `{ search(text: "a\u0000b", first: 1) { siren } }`, nil, CodeBadUserInput, "text"},
		{"ErrNullByteVariable", `query($t: String!) { search(text: $t, first: 1) { siren } }`, map[string]any{"t": "a\x00b"}, CodeBadUserInput, "text"},
		{"ErrInvalidUTF8Variable", `query($t: String!) { search(text: $t, first: 1) { siren } }`, map[string]any{"t": "a\xffb"}, CodeBadUserInput, "text"},
		{"ErrHugeIDInFragment", `{ ...F } fragment F on Query { pole(id: "` + strings.Repeat("x", 900000) + `") { id } }`, nil, CodeBadUserInput, "id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQueryWithRules(schema, c.query, rules.NewDefaultRules())
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			vars := c.vars
			if vars == nil {
				vars = map[string]any{}
			}
			err := CheckArguments(cfg, doc, doc.Operations[0], vars)
			if code(err) != c.want {
				t.Fatalf("got %v, want %s", err, c.want)
			}
			if err != nil {
				if err.Extensions["argument"] != c.arg || !strings.Contains(err.Message, c.arg) {
					t.Fatalf("does not name the argument %s: %v %v", c.arg, err.Message, err.Extensions)
				}
				if len(err.Message) > 200 {
					t.Fatalf("echoes the input: %d bytes", len(err.Message))
				}
			}
		})
	}
	cfg.StringLengths = map[string]int{"text": 3}
	doc, _ := gqlparser.LoadQueryWithRules(schema, `{ search(text: "abcd", first: 1) { siren } }`, rules.NewDefaultRules())
	if err := CheckArguments(cfg, doc, doc.Operations[0], nil); code(err) != CodeBadUserInput || err.Extensions["value"] != 3 {
		t.Fatalf("a bound by name: %v", err)
	}
}

func TestCheckParams(t *testing.T) {
	cfg := Defaults()
	deep := map[string]any{}
	cur := deep
	for range 20 {
		next := map[string]any{}
		cur["a"] = next
		cur = next
	}
	for name, c := range map[string]struct {
		op   string
		vars map[string]any
		want string
	}{
		"Plain": {"Dashboard", map[string]any{"pole": "aerospace-valley", "n": 3, "l": []any{"a", "b"}}, ""},
		// A company's answer to a campaign: 2,000 assessments (about 130 kB).
		"Answer": {"Answer", map[string]any{"assessments": func() []any {
			l := make([]any, 2000)
			for i := range l {
				l[i] = map[string]any{"employeeRef": "E000001", "skillCode": "100003", "level": 3}
			}
			return l
		}()}, ""},
		"ErrLongName":   {strings.Repeat("A", 500000), nil, CodeBadUserInput},
		"ErrNullInName": {"A\x00", nil, CodeBadUserInput},
		"ErrDeep":       {"", deep, CodeBadUserInput},
		"ErrLarge":      {"", map[string]any{"x": strings.Repeat("a", 1100000)}, CodeBadUserInput},
		"ErrManyStrings": {"", map[string]any{"l": func() []any {
			l := make([]any, 200000)
			for i := range l {
				l[i] = "abcd"
			}
			return l
		}()}, CodeBadUserInput},
	} {
		t.Run(name, func(t *testing.T) {
			err := CheckParams(cfg, c.op, c.vars)
			if code(err) != c.want {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if err != nil && len(err.Message) > 200 {
				t.Fatalf("echoes: %d bytes", len(err.Message))
			}
		})
	}
}

func TestShortenMessage(t *testing.T) {
	long := strings.Repeat("x", 100000)
	for _, msg := range []string{
		`Unknown operation named "` + long + `".`,
		`Int cannot represent non-integer value: "` + long + `"`,
		"json request body could not be decoded: body:" + long,
	} {
		got := ShortenMessage(msg)
		if len(got) > 3*maxMessage || strings.Contains(got, strings.Repeat("x", excerptLen+1)) {
			t.Fatalf("%d bytes: %.100s", len(got), got)
		}
	}
	if got := ShortenMessage(`Cannot query field "polez" on type "Query".`); got != `Cannot query field "polez" on type "Query".` {
		t.Fatalf("a short message changed: %s", got)
	}
}
