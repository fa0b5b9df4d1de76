package limits

import (
	"context"
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/99designs/gqlgen/graphql"
)

// DocumentLimits checks a document's shape before gqlgen parses and
// validates it: validation is where hostile documents cost (comparing
// thousands of repeated fields pairwise, walking fragments again and
// again), so the document is parsed here once with the token limit and
// measured with a linear, memoised walk.
type DocumentLimits struct{ cfg Config }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = DocumentLimits{}

// ExtensionName names the extension in gqlgen's stats.
func (DocumentLimits) ExtensionName() string { return "GpecDocumentLimits" }

// Validate accepts any schema: shape limits do not depend on it.
func (DocumentLimits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters refuses the request before parsing and
// validation when the document breaks a limit. A document that does not
// parse is left to gqlgen, which reports its syntax error as usual.
func (d DocumentLimits) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if err := CheckParams(d.cfg, p.OperationName, p.Variables); err != nil {
		return err
	}
	if p.Query == "" {
		return nil // a persisted query: the APQ extension, registered first, fills it in
	}
	return CheckQuery(d.cfg, p.Query)
}

// CheckQuery parses query under cfg.MaxTokens and applies the shape limits.
func CheckQuery(cfg Config, query string) *gqlerror.Error {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, cfg.MaxTokens)
	if err != nil {
		if cfg.MaxTokens > 0 && strings.Contains(err.Error(), "exceeded token limit") {
			return withLimit(limitError(CodeTokenLimit, "the query has more than %d tokens", cfg.MaxTokens), "maxTokens", cfg.MaxTokens)
		}
		return nil
	}
	return CheckDocument(cfg, doc)
}

// CheckDocument applies the shape limits to a parsed (not necessarily
// validated) document.
func CheckDocument(cfg Config, doc *ast.QueryDocument) *gqlerror.Error {
	s := shape{doc: doc, frags: map[string]*fragShape{}}
	// Every node as written: that is what validation walks, used or not.
	for _, op := range doc.Operations {
		s.directives(op.Directives)
		for _, v := range op.VariableDefinitions {
			s.directives(v.Directives)
		}
		s.written(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		s.directives(f.Directives)
		s.written(f.SelectionSet)
	}
	if cfg.MaxDirectivesPerField > 0 && s.maxDirectives > cfg.MaxDirectivesPerField {
		return withLimit(limitError(CodeDirectiveLimit, "a field has %d directives, more than the limit of %d", s.maxDirectives, cfg.MaxDirectivesPerField),
			"maxDirectivesPerField", cfg.MaxDirectivesPerField)
	}
	if cfg.MaxAliases > 0 && s.aliases > cfg.MaxAliases {
		return withLimit(limitError(CodeAliasLimit, "the query has %d aliases, more than the limit of %d", s.aliases, cfg.MaxAliases),
			"maxAliases", cfg.MaxAliases)
	}
	if cfg.MaxFields > 0 && s.fields > cfg.MaxFields {
		return withLimit(limitError(CodeFieldLimit, "the query has %d fields, more than the limit of %d", s.fields, cfg.MaxFields),
			"maxFields", cfg.MaxFields)
	}
	if cfg.MaxRepeatedField > 0 {
		r := repeats{doc: doc, limit: cfg.MaxRepeatedField, frags: map[string]map[string]int{}}
		for _, op := range doc.Operations {
			r.sets(op.SelectionSet)
		}
		for _, f := range doc.Fragments {
			r.sets(f.SelectionSet)
		}
		if r.name != "" {
			return withLimit(limitError(CodeFieldLimit, "%q is selected more than %d times in one selection set (fragments included); select it once",
				Excerpt(r.name, excerptLen), cfg.MaxRepeatedField), "maxRepeatedField", cfg.MaxRepeatedField)
		}
	}
	// Then each operation with its fragments expanded, as it would run.
	for _, op := range doc.Operations {
		depth, fields := s.expanded(op.SelectionSet)
		if cfg.MaxDepth > 0 && depth > int64(cfg.MaxDepth) {
			return withLimit(limitError(CodeDepthLimit, "operation %s is %d levels deep, more than the limit of %d", opName(op), depth, cfg.MaxDepth),
				"maxDepth", cfg.MaxDepth)
		}
		if cfg.MaxIntrospectionDepth > 0 && s.introDepth > int64(cfg.MaxIntrospectionDepth) {
			return withLimit(limitError(CodeDepthLimit, "operation %s reads the schema %d levels deep, more than the limit of %d", opName(op), s.introDepth, cfg.MaxIntrospectionDepth),
				"maxIntrospectionDepth", cfg.MaxIntrospectionDepth)
		}
		if cfg.MaxFields > 0 && fields > int64(cfg.MaxFields) {
			return withLimit(limitError(CodeFieldLimit, "operation %s selects %s fields once its fragments are expanded, more than the limit of %d",
				opName(op), atLeast(fields), cfg.MaxFields), "maxFields", cfg.MaxFields)
		}
	}
	return nil
}

type shape struct {
	doc           *ast.QueryDocument
	frags         map[string]*fragShape
	aliases       int
	fields        int
	maxDirectives int
	// introDepth is the deepest subtree of an introspection field.
	introDepth int64
}

type fragShape struct{ depth, fields int64 }

func (s *shape) directives(d ast.DirectiveList) {
	s.maxDirectives = max(s.maxDirectives, len(d))
}

// written counts nodes once each; recursion follows the syntax tree only,
// whose depth the parser already bounds.
func (s *shape) written(set ast.SelectionSet) {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			s.fields++
			if sel.Alias != "" && sel.Alias != sel.Name {
				s.aliases++
			}
			s.directives(sel.Directives)
			s.written(sel.SelectionSet)
		case *ast.InlineFragment:
			s.directives(sel.Directives)
			s.written(sel.SelectionSet)
		case *ast.FragmentSpread:
			s.directives(sel.Directives)
		}
	}
}

// saturation caps expanded counts: fragments can multiply a document
// exponentially (each fragment spreading the next twice), and anything past
// this is over every limit anyway.
const saturation = int64(1) << 40

// expanded returns the depth and the field count of set with fragments
// expanded. Each fragment is measured once and memoised, so the walk is
// linear in the document whatever the expansion's size; a fragment met
// again while being measured (a cycle, which validation rejects later)
// counts as empty so that the walk ends.
func (s *shape) expanded(set ast.SelectionSet) (depth, fields int64) {
	for _, sel := range set {
		var d, f int64
		switch sel := sel.(type) {
		case *ast.Field:
			cd, cf := s.expanded(sel.SelectionSet)
			d, f = 1+cd, 1+cf
			if sel.Name == "__schema" || sel.Name == "__type" {
				// Its own limit: introspection types only below it.
				s.introDepth = max(s.introDepth, d)
				d = 1
			}
		case *ast.InlineFragment:
			d, f = s.expanded(sel.SelectionSet)
		case *ast.FragmentSpread:
			d, f = s.fragment(sel.Name)
		}
		depth = max(depth, d)
		fields = min(saturation, fields+f)
	}
	return depth, fields
}

func (s *shape) fragment(name string) (int64, int64) {
	if m, ok := s.frags[name]; ok {
		return m.depth, m.fields // measured, or in progress (a cycle): zero so far
	}
	def := s.doc.Fragments.ForName(name)
	if def == nil {
		return 0, 0 // unknown fragment: validation will say so
	}
	m := &fragShape{}
	s.frags[name] = m
	m.depth, m.fields = s.expanded(def.SelectionSet)
	return m.depth, m.fields
}

func opName(op *ast.OperationDefinition) string {
	if op.Name == "" {
		return "(anonymous)"
	}
	return Excerpt(op.Name, excerptLen)
}

func atLeast(n int64) string {
	if n >= saturation {
		return fmt.Sprintf("more than %d", saturation)
	}
	return fmt.Sprint(n)
}

func limitError(code, format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	err.Extensions = map[string]any{"code": code}
	return err
}

// withLimit names the limit a refusal applies, and its value, in the
// error's extensions, so that clients and the edge need not parse messages.
func withLimit(err *gqlerror.Error, name string, value any) *gqlerror.Error {
	err.Extensions["limit"] = name
	err.Extensions["value"] = value
	return err
}

// repeats finds a response name selected more than limit times in one
// selection set, counting the fields that inline fragments and fragment
// spreads bring into it: validation compares every pair of fields sharing a
// response name (OverlappingFieldsCanBeMerged), so 2,000 repetitions of
// __typename cost it a quarter of a second, while no useful query repeats
// a name more than a few times.
type repeats struct {
	doc   *ast.QueryDocument
	limit int
	frags map[string]map[string]int
	name  string // the first offender
}

// sets checks set and every selection set below it, each once as written.
func (r *repeats) sets(set ast.SelectionSet) {
	if r.name != "" {
		return
	}
	r.collect(set, map[string]int{})
	r.below(set)
}

// below visits the selection sets of the fields at set's level, inline
// fragments included (their own fields were collected with set's).
func (r *repeats) below(set ast.SelectionSet) {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			r.sets(sel.SelectionSet)
		case *ast.InlineFragment:
			r.below(sel.SelectionSet)
		}
	}
}

// collect adds to counts the response names set brings to its level, and
// stops at the first name over the limit, so its work is bounded by the
// limit times the distinct names.
func (r *repeats) collect(set ast.SelectionSet, counts map[string]int) {
	for _, sel := range set {
		if r.name != "" {
			return
		}
		switch sel := sel.(type) {
		case *ast.Field:
			r.add(counts, responseName(sel), 1)
		case *ast.InlineFragment:
			r.collect(sel.SelectionSet, counts)
		case *ast.FragmentSpread:
			for name, n := range r.fragment(sel.Name) {
				r.add(counts, name, n)
			}
		}
	}
}

func (r *repeats) add(counts map[string]int, name string, n int) {
	counts[name] += n
	if counts[name] > r.limit && r.name == "" {
		r.name = name
	}
}

// fragment returns the names a fragment brings to the level it is spread
// at, memoised; a fragment met again while being collected (a cycle) brings
// nothing more.
func (r *repeats) fragment(name string) map[string]int {
	if m, ok := r.frags[name]; ok {
		return m
	}
	m := map[string]int{}
	r.frags[name] = m
	if def := r.doc.Fragments.ForName(name); def != nil {
		r.collect(def.SelectionSet, m)
	}
	return m
}

func responseName(f *ast.Field) string {
	if f.Alias != "" {
		return f.Alias
	}
	return f.Name
}
