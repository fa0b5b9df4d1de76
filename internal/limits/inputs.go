package limits

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// excerptLen is how much of a client's input an error may quote: enough to
// recognise it, never enough to turn an error into an echo of a large body.
const excerptLen = 40

// DefaultStringLengths bound string arguments and input fields by name;
// the others get MaxStringLength. Identifiers get their own length, a
// search a short phrase (a longer pattern finds nothing more and costs
// more to match), category and NAF codes what the referentials hold. A
// title is free text as the importer takes it, and a download link's url is
// the path and query of a download (a few hundred characters at most).
var DefaultStringLengths = map[string]int{
	"search": 100,
	"siren":  9,
	"siret":  14,
	"title":  1000,
	"url":    2048,
}

// Excerpt returns s cut to n characters (an ellipsis marks the cut), with
// invalid UTF-8 replaced, for quoting a client's input in an error.
func Excerpt(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for k := range s {
		if i == n {
			return s[:k] + "…"
		}
		i++
	}
	return s
}

var (
	quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	// A run without spaces longer than an excerpt: an unquoted echo.
	longWord = regexp.MustCompile(`[^\s"]{41,}`)
)

// maxMessage bounds any error message shown to a client, in characters.
const maxMessage = 300

// ShortenMessage cuts every quoted part of msg longer than a short excerpt
// (parser and validation errors quote the literal, the operation name or
// the variable they refuse) and every longer run without spaces (gqlgen
// quotes an undecodable body whole), then msg itself to a few hundred
// characters: no error echoes what a client sent.
func ShortenMessage(msg string) string {
	msg = quoted.ReplaceAllStringFunc(msg, func(q string) string {
		inner := q[1 : len(q)-1]
		if utf8.RuneCountInString(inner) <= excerptLen {
			return q
		}
		return `"` + Excerpt(inner, excerptLen) + `"`
	})
	msg = longWord.ReplaceAllStringFunc(msg, func(w string) string { return Excerpt(w, excerptLen) })
	return Excerpt(msg, maxMessage)
}

// CheckParams refuses an oversized operationName and variables too large
// or too deeply nested, before anything parses or quotes them.
func CheckParams(cfg Config, operationName string, vars map[string]any) *gqlerror.Error {
	if n := utf8.RuneCountInString(operationName); cfg.MaxOperationNameLength > 0 && n > cfg.MaxOperationNameLength {
		return withLimit(limitError(CodeBadUserInput, "operationName is %d characters long, more than the limit of %d", n, cfg.MaxOperationNameLength),
			"maxOperationNameLength", cfg.MaxOperationNameLength)
	}
	if !utf8.ValidString(operationName) || strings.IndexByte(operationName, 0) >= 0 {
		return limitError(CodeBadUserInput, "operationName must be valid UTF-8 text without null bytes")
	}
	if len(vars) == 0 {
		return nil
	}
	m := varMeasure{maxBytes: cfg.MaxVariablesBytes, maxDepth: cfg.MaxVariablesDepth}
	m.walk(vars, 1)
	switch {
	case m.tooDeep:
		return withLimit(limitError(CodeBadUserInput, "the variables are nested more than %d levels deep", cfg.MaxVariablesDepth),
			"maxVariablesDepth", cfg.MaxVariablesDepth)
	case m.tooBig:
		return withLimit(limitError(CodeBadUserInput, "the variables are larger than %d bytes", cfg.MaxVariablesBytes),
			"maxVariablesBytes", cfg.MaxVariablesBytes)
	}
	return nil
}

// varMeasure approximates the JSON size of decoded variables and their
// depth, stopping at the first limit passed.
type varMeasure struct {
	maxBytes, maxDepth int
	bytes              int
	tooBig, tooDeep    bool
}

func (m *varMeasure) add(n int) {
	m.bytes += n
	if m.maxBytes > 0 && m.bytes > m.maxBytes {
		m.tooBig = true
	}
}

func (m *varMeasure) walk(v any, depth int) {
	if m.tooBig || m.tooDeep {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		if m.maxDepth > 0 && depth > m.maxDepth {
			m.tooDeep = true
			return
		}
		m.add(2)
		for k, x := range v {
			m.add(len(k) + 4)
			m.walk(x, depth+1)
		}
	case []any:
		if m.maxDepth > 0 && depth > m.maxDepth {
			m.tooDeep = true
			return
		}
		m.add(2)
		for _, x := range v {
			m.add(1)
			m.walk(x, depth+1)
		}
	case string:
		m.add(len(v) + 2)
	default:
		m.add(len(fmt.Sprint(v)))
	}
}

// CheckArguments checks every string an operation's fields receive (in
// arguments and input objects, literal or from variables): valid UTF-8,
// no null byte (PostgreSQL refuses both in text, which would otherwise
// surface as an internal error), and no longer than its bound. The error
// names the argument and quotes a short excerpt only.
func CheckArguments(cfg Config, doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any) *gqlerror.Error {
	lengths := cfg.StringLengths
	if lengths == nil {
		lengths = DefaultStringLengths
	}
	a := argChecker{cfg: cfg, lengths: lengths, doc: doc, vars: vars, seen: map[string]bool{}}
	a.set(op.SelectionSet)
	return a.err
}

type argChecker struct {
	cfg     Config
	lengths map[string]int
	doc     *ast.QueryDocument
	vars    map[string]any
	seen    map[string]bool
	err     *gqlerror.Error
}

func (a *argChecker) set(set ast.SelectionSet) {
	for _, sel := range set {
		if a.err != nil {
			return
		}
		switch sel := sel.(type) {
		case *ast.Field:
			if len(sel.Arguments) > 0 {
				field := sel.Name
				if sel.ObjectDefinition != nil {
					field = sel.ObjectDefinition.Name + "." + sel.Name
				}
				for name, v := range sel.ArgumentMap(a.vars) {
					a.value(field, name, name, v)
				}
			}
			a.set(sel.SelectionSet)
		case *ast.InlineFragment:
			a.set(sel.SelectionSet)
		case *ast.FragmentSpread:
			if a.seen[sel.Name] {
				continue
			}
			a.seen[sel.Name] = true
			if def := a.doc.Fragments.ForName(sel.Name); def != nil {
				a.set(def.SelectionSet)
			}
		}
	}
}

// value checks v, the value at path (an argument, or an input field below
// one) whose own name is leaf.
func (a *argChecker) value(field, path, leaf string, v any) {
	if a.err != nil {
		return
	}
	switch v := v.(type) {
	case string:
		a.str(field, path, leaf, v)
	case map[string]any:
		for k, x := range v {
			a.value(field, path+"."+k, k, x)
		}
	case []any:
		for i, x := range v {
			a.value(field, path+"["+strconv.Itoa(i)+"]", leaf, x)
		}
	}
}

func (a *argChecker) str(field, path, leaf, s string) {
	fail := func(format string, args ...any) *gqlerror.Error {
		a.err = limitError(CodeBadUserInput, "argument %s of %s: "+format, append([]any{path, field}, args...)...)
		a.err.Extensions["argument"] = path
		a.err.Extensions["field"] = field
		return a.err
	}
	if !utf8.ValidString(s) {
		fail("not valid UTF-8 text")
		return
	}
	if strings.IndexByte(s, 0) >= 0 {
		fail("contains a null byte")
		return
	}
	limit, ok := a.lengths[leaf]
	if !ok {
		limit = a.cfg.MaxStringLength
	}
	if n := utf8.RuneCountInString(s); limit > 0 && n > limit {
		withLimit(fail("%d characters (%q), more than the limit of %d", n, Excerpt(s, excerptLen), limit), "maxLength", limit)
	}
}
