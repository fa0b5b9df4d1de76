package limits

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/99designs/gqlgen/graphql"
)

// CostLimits runs after validation, when fields know their schema
// definitions and variables are coerced: it enforces the `first` rule on
// connections, the cost limit, and queries-only over GET.
//
// The cost is an estimate of the fields resolved, read off the schema
// alone so that a new connection is covered without configuration:
//
//   - a field whose type's name ends in "Connection" multiplies its
//     selection by its `first` (required, 1..MaxFirst; the schema's default
//     stands in when the query gives none);
//   - a list field inside a connection type (edges, nodes) multiplies by 1,
//     its length being the connection's `first`;
//   - any other list multiplies by its `first` argument if it has one, else
//     by ListEstimate;
//   - every field costs 1 for each time it is resolved, plus its Weight
//     (weights.go: analytics fields, searches): Each for each time it is
//     resolved, Fixed once for each place it is written.
//
// Nested connections multiply: companies(first: 500) { sites(first: 500) }
// resolves up to 250,500 fields.
type CostLimits struct{ cfg Config }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = CostLimits{}

// ExtensionName names the extension in gqlgen's stats.
func (CostLimits) ExtensionName() string { return "GpecCostLimits" }

// Validate accepts any schema; the rules read the operation's definitions.
func (CostLimits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext refuses the operation before execution.
func (c CostLimits) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Operation
	if op == nil {
		return nil
	}
	if method, _ := ctx.Value(methodKey{}).(string); method == "GET" && op.Operation != ast.Query {
		// The transport refuses it too, but only after this point; CSRF-safe
		// GETs must never change anything. 405, as GraphQL over HTTP asks.
		SetStatus(ctx, http.StatusMethodNotAllowed, 0)
		return limitError(CodeBadRequest, "a %s must be sent with POST; GET carries queries only", op.Operation)
	}
	if err := CheckArguments(c.cfg, opCtx.Doc, op, opCtx.Variables); err != nil {
		return err
	}
	cost, err := Cost(c.cfg, opCtx.Doc, op, opCtx.Variables)
	if err != nil {
		return err
	}
	return spend(ctx, c.cfg, cost)
}

// Cost checks the `first` of every connection of op and returns its cost,
// or an error when a `first` is missing or out of range or the cost is
// over cfg.MaxCost. doc must be validated against the schema.
func Cost(cfg Config, doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any) (int64, *gqlerror.Error) {
	weights := cfg.Weights
	if weights == nil {
		weights = DefaultWeights
	}
	w := costWalker{cfg: cfg, doc: doc, vars: vars, weights: weights, frags: map[string]*fragCost{}}
	cost := satAdd(w.set(op.SelectionSet), w.fixed)
	if w.err != nil {
		return cost, w.err
	}
	if cfg.MaxCost > 0 && cost > int64(cfg.MaxCost) {
		return cost, withLimit(limitError(CodeCostLimit, "operation %s has an estimated cost of %s, more than the limit of %d: ask for smaller pages (first), fewer analytics fields or fewer nested connections",
			opName(op), atLeast(cost), cfg.MaxCost), "maxCost", cfg.MaxCost)
	}
	return cost, nil
}

type costWalker struct {
	cfg     Config
	doc     *ast.QueryDocument
	vars    map[string]any
	weights map[string]Weight
	frags   map[string]*fragCost
	fixed   int64 // the Fixed weights met so far
	err     *gqlerror.Error
}

type fragCost struct{ cost, fixed int64 }

// set returns the cost of a selection set resolved once. Cost is linear in
// the number of times a set is resolved, so a fragment's cost is computed
// once and multiplied wherever it is spread.
func (w *costWalker) set(set ast.SelectionSet) int64 {
	var total int64
	for _, sel := range set {
		if w.err != nil {
			return total
		}
		switch sel := sel.(type) {
		case *ast.Field:
			own := int64(1)
			if sel.ObjectDefinition != nil {
				if wt, ok := w.weights[sel.ObjectDefinition.Name+"."+sel.Name]; ok {
					own = satAdd(own, wt.Each)
					w.fixed = satAdd(w.fixed, wt.Fixed)
				}
			}
			total = satAdd(total, satAdd(own, satMul(w.factor(sel), w.set(sel.SelectionSet))))
		case *ast.InlineFragment:
			total = satAdd(total, w.set(sel.SelectionSet))
		case *ast.FragmentSpread:
			total = satAdd(total, w.fragment(sel))
		}
	}
	return total
}

func (w *costWalker) fragment(sp *ast.FragmentSpread) int64 {
	if m, ok := w.frags[sp.Name]; ok {
		// Measured, or in progress (a cycle): zero so far.
		w.fixed = satAdd(w.fixed, m.fixed)
		return m.cost
	}
	def := sp.Definition
	if def == nil {
		def = w.doc.Fragments.ForName(sp.Name)
	}
	if def == nil {
		return 0
	}
	m := &fragCost{}
	w.frags[sp.Name] = m
	before := w.fixed
	m.cost = w.set(def.SelectionSet)
	m.fixed = w.fixed - before
	return m.cost
}

// factor is how many times the field's selection is resolved per
// resolution of the field itself.
func (w *costWalker) factor(f *ast.Field) int64 {
	def := f.Definition
	if def == nil || def.Type == nil || len(f.SelectionSet) == 0 {
		return 1
	}
	parent := ""
	if f.ObjectDefinition != nil {
		parent = f.ObjectDefinition.Name
	}
	hasFirst := def.Arguments.ForName("first") != nil
	switch {
	case strings.HasSuffix(def.Type.Name(), "Connection") && hasFirst:
		return w.first(f, parent, true)
	case def.Type.Elem == nil:
		return 1
	case strings.HasSuffix(parent, "Connection"):
		return 1
	case hasFirst:
		if n := w.first(f, parent, false); n > 0 {
			return n
		}
	}
	return int64(max(w.cfg.ListEstimate, 1))
}

// first reads and checks a field's `first`; 0 when an optional one is absent.
func (w *costWalker) first(f *ast.Field, parent string, required bool) int64 {
	name := parent + "." + f.Name
	hi := w.cfg.MaxFirst
	if hi <= 0 {
		hi = math.MaxInt32
	}
	v, present := f.ArgumentMap(w.vars)["first"]
	n, ok := toInt64(v)
	switch {
	case (!present || v == nil) && !required:
		return 0
	case !present || v == nil:
		w.err = limitError(CodeBadUserInput, "%s is a connection: give it first (1 to %d)", name, hi)
	case !ok || n < 1 || n > int64(hi):
		w.err = limitError(CodeBadUserInput, "%s: first must be between 1 and %d, not %s", name, hi, Excerpt(fmt.Sprint(v), excerptLen))
	default:
		return n
	}
	if w.err.Extensions != nil {
		w.err.Extensions["field"] = name
	}
	return 1
}

func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		return int64(n), n == math.Trunc(n) && math.Abs(n) < 1<<53
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		return i, err == nil
	}
	i, err := strconv.ParseInt(fmt.Sprint(v), 10, 64)
	return i, err == nil
}

func satAdd(a, b int64) int64 { return min(saturation, a+b) }

func satMul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a >= saturation/b {
		return saturation
	}
	return a * b
}
