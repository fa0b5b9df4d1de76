package limits

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
)

// testSDL is a small schema in gpec's style: Relay connections named
// …Connection with first/after, plain lists, a default page size, a mutation.
const testSDL = `
type Query {
  pole(id: ID!): Pole
  poles(first: Int, after: String): PoleConnection!
  companies(first: Int, after: String): CompanyConnection!
  roles: [Role!]!
  search(text: String!, first: Int): [Company!]!
}
type Mutation { revokeToken(id: ID!): Boolean }
type Pole {
  id: ID!
  name: String
  members(first: Int = 50, after: String): CompanyConnection!
}
type PoleConnection { edges: [PoleEdge!]! nodes: [Pole!]! pageInfo: PageInfo! totalCount: Int! }
type PoleEdge { cursor: String! node: Pole! }
type CompanyConnection { edges: [CompanyEdge!]! nodes: [Company!]! pageInfo: PageInfo! }
type CompanyEdge { cursor: String! node: Company! }
type Company {
  siren: ID!
  name: String
  sites(first: Int, after: String): SiteConnection!
  poles(first: Int, after: String): PoleConnection!
}
type SiteConnection { nodes: [Site!]! pageInfo: PageInfo! }
type Site { siret: ID! name: String }
type Role { code: ID! skills: [Skill!]! }
type Skill { code: ID! name: String }
type PageInfo { hasNextPage: Boolean! endCursor: String }
`

func loadSchema(t testing.TB) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "test.graphqls", Input: testSDL})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func code(err *gqlerror.Error) string {
	if err == nil {
		return ""
	}
	c, _ := err.Extensions["code"].(string)
	return c
}

// nested returns a query descending depth levels through
// companies > poles > members > poles … each with first: 1.
func nested(depth int) string {
	var b strings.Builder
	b.WriteString("{ companies(first: 1) { nodes { siren ")
	open := 2
	for i := 0; open < depth; i++ {
		if i%2 == 0 {
			b.WriteString("poles(first: 1) { nodes { id ")
		} else {
			b.WriteString("members(first: 1) { nodes { siren ")
		}
		open += 2
	}
	b.WriteString(strings.Repeat("} ", open) + "}")
	return b.String()
}

// introspectionQuery is the one internal/graphiql's GraphiQL sends (graphql-js
// getIntrospectionQuery, TypeRef nine ofType deep): 15 levels.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}`

func TestDocumentLimits(t *testing.T) {
	cfg := Defaults()
	cases := []struct {
		name  string
		cfg   func(*Config)
		query string
		want  string
	}{
		{"Introspection", nil, introspectionQuery, ""},
		{"ErrIntrospectionDepth", func(c *Config) { c.MaxIntrospectionDepth = 13 }, introspectionQuery, CodeDepthLimit},
		{"IntrospectionUnderDataLimit", func(c *Config) { c.MaxDepth = 2 }, introspectionQuery, ""},
		{"Shallow", nil, nested(10), ""},
		{"Err16Levels", nil, nested(16), CodeDepthLimit},
		{"Err16LevelsNamedSchema", nil, "query __schema " + nested(16), CodeDepthLimit},
		{"Err16LevelsInFragmentNamedSchema", nil, "query { ...__schema }\nfragment __schema on Query " + nested(16), CodeDepthLimit},
		{"ErrDataUnderSchemaField", nil, "{ __schema { types { name } } " + nested(16)[1:], CodeDepthLimit},
		{"ErrDeepNesting", nil, nested(40), CodeDepthLimit},
		{"ErrDepthInFragments", nil, func() string {
			// The operation is two levels deep as written; its fragments
			// add two levels each.
			var b strings.Builder
			b.WriteString("query Q { companies(first: 1) { ...F0 } }\n")
			for i := 0; i < 12; i++ {
				fmt.Fprintf(&b, "fragment F%d on CompanyConnection { nodes { poles(first: 1) { ... on PoleConnection { nodes { members(first: 1) { ...F%d } } } } } }\n", i, i+1)
			}
			b.WriteString("fragment F12 on CompanyConnection { nodes { siren } }")
			return b.String()
		}(), CodeDepthLimit},
		{"ErrSchemaSpoof", nil, "query IntrospectionQuery { __schema { types { fields { type" +
			strings.Repeat(" { ofType", 20) + " { name }" + strings.Repeat(" }", 20) + " } } } }", CodeDepthLimit},
		{"ErrFragmentNamedSchema", nil, "query { ...__schema }\nfragment __schema on Query { " + nested(40)[2:], CodeDepthLimit},
		{"ErrCyclicFragmentsTerminate", nil, "query { companies(first: 1) { ...A } }\n" +
			"fragment A on CompanyConnection { nodes { siren } ...B }\n" +
			"fragment B on CompanyConnection { ...A nodes { name } }", ""},
		{"Err500Aliases", nil, "{" + repeat(500, func(i int) string { return fmt.Sprintf(" a%d: __typename", i) }) + " }", CodeAliasLimit},
		{"Err50000DirectivesTokens", nil, "{ __typename" + strings.Repeat(" @include(if: true)", 50000) + " }", CodeTokenLimit},
		{"Err50000Directives", func(c *Config) { c.MaxTokens = 0 }, "{ __typename" + strings.Repeat(" @include(if: true)", 50000) + " }", CodeDirectiveLimit},
		{"Err10000RepeatedFields", nil, "{" + strings.Repeat(" __typename", 10000) + " }", CodeFieldLimit},
		{"Err2000RepeatedFields", nil, "{" + strings.Repeat(" __typename", 2000) + " }", CodeFieldLimit},
		{"ErrRepeatsThroughFragments", nil, "{ companies(first: 1) { nodes { siren ... on Company { siren } ...S ...T } } }\n" +
			"fragment S on Company {" + strings.Repeat(" siren", 10) + " }\nfragment T on Company { ... on Company {" + strings.Repeat(" siren", 10) + " } }", CodeFieldLimit},
		{"RepeatsUnderLimit", nil, "{ companies(first: 1) { nodes { siren ... on Company { siren } ...S } } }\n" +
			"fragment S on Company {" + strings.Repeat(" siren", 10) + " }", ""},
		{"ErrFragmentBomb", nil, func() string {
			// 2^40 fields once expanded, from 40 lines.
			var b strings.Builder
			b.WriteString("query { ...F40 }\nfragment F0 on Query { __typename }\n")
			for i := 1; i <= 40; i++ {
				fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ... on Query { ...F%d } }\n", i, i-1, i-1)
			}
			return b.String()
		}(), CodeFieldLimit},
		{"SyntaxErrorLeftToGqlgen", nil, "{ companies(first: ", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cc := cfg
			if c.cfg != nil {
				c.cfg(&cc)
			}
			start := time.Now()
			err := CheckQuery(cc, c.query)
			if code(err) != c.want {
				t.Fatalf("got %v (%s), want %s", err, code(err), c.want)
			}
			if err != nil && err.Message == "" {
				t.Fatal("no message")
			}
			if d := time.Since(start); d > time.Second {
				t.Fatalf("took %v", d)
			}
			t.Logf("%s: %v", c.name, err)
		})
	}
}

func repeat(n int, f func(int) string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(f(i))
	}
	return b.String()
}

func TestCost(t *testing.T) {
	schema := loadSchema(t)
	cfg := Defaults()
	cfg.Weights = map[string]Weight{} // the plain model; TestWeights has weights
	cases := []struct {
		name  string
		query string
		vars  map[string]any
		want  string
		cost  int64
	}{
		// companies: 1 + 10 × (nodes: 1 + siren 1) = 21
		{"Simple", "{ companies(first: 10) { nodes { siren } } }", nil, "", 21},
		// roles is a list without first: 1 + 10 × (1 + skills: 1 + 10 × 1) = 121
		{"ListEstimate", "{ roles { code skills { code } } }", nil, "", 1 + 10*(1+1+10*1)},
		{"ListWithFirst", "{ search(text: \"x\", first: 3) { siren } }", nil, "", 4},
		// members defaults to first: 50: 1 + (id 1 + members (1 + 50 × (1 + 1)))
		{"SchemaDefaultFirst", "{ pole(id: \"p\") { id members { nodes { siren } } } }", nil, "", 1 + 1 + 1 + 50*2},
		{"Variables", "query($n: Int) { companies(first: $n) { nodes { siren } } }", map[string]any{"n": 10}, "", 21},
		{"Fragments", "{ companies(first: 10) { ...C } } fragment C on CompanyConnection { nodes { siren } }", nil, "", 21},
		{"ErrFirstHuge", "{ companies(first: 99999999) { nodes { siren } } }", nil, CodeBadUserInput, 0},
		{"ErrFirstNegative", "{ companies(first: -1) { nodes { siren } } }", nil, CodeBadUserInput, 0},
		{"ErrFirstZero", "{ companies(first: 0) { nodes { siren } } }", nil, CodeBadUserInput, 0},
		{"ErrFirstMissing", "{ companies { nodes { siren } } }", nil, CodeBadUserInput, 0},
		{"ErrFirstNull", "{ companies(first: null) { nodes { siren } } }", nil, CodeBadUserInput, 0},
		{"ErrFirstVariable", "query($n: Int) { companies(first: $n) { nodes { siren } } }", map[string]any{"n": 99999999}, CodeBadUserInput, 0},
		{"ErrFirstInFragment", "{ companies(first: 1) { ...C } } fragment C on CompanyConnection { nodes { sites(first: 501) { nodes { siret } } } }", nil, CodeBadUserInput, 0},
		{"ErrCostBomb", "{ companies(first: 500) { nodes { poles(first: 500) { nodes { members(first: 500) { nodes { siren } } } } } } }", nil, CodeCostLimit, 0},
		{"ErrCostBombInFragments", `{ companies(first: 500) { ...A } }
			fragment A on CompanyConnection { nodes { poles(first: 500) { ...B } } }
			fragment B on PoleConnection { edges { node { members(first: 500) { edges { node { siren } } } } } }`, nil, CodeCostLimit, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQueryWithRules(schema, c.query, rules.NewDefaultRules())
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			op := doc.Operations[0]
			vars := c.vars
			if vars == nil {
				vars = map[string]any{}
			}
			cost, err := Cost(cfg, doc, op, vars)
			if code(err) != c.want {
				t.Fatalf("got %v (%s), want %s", err, code(err), c.want)
			}
			if c.want == CodeBadUserInput && !strings.Contains(err.Message, "Connection") && !strings.Contains(err.Message, ".") {
				t.Fatalf("message does not name the field: %s", err.Message)
			}
			if c.want == "" && cost != c.cost {
				t.Fatalf("cost %d, want %d", cost, c.cost)
			}
			t.Logf("cost %d: %v", cost, err)
		})
	}
}

// testSchema is an executable schema without resolvers: enough for
// gqlgen's executor to parse, validate and run the extensions.
type testSchema struct{ schema *ast.Schema }

func (s testSchema) Schema() *ast.Schema { return s.schema }
func (testSchema) Complexity(context.Context, string, string, int, map[string]any) (int, bool) {
	return 0, false
}
func (testSchema) Exec(context.Context) graphql.ResponseHandler {
	return graphql.OneShot(&graphql.Response{Data: []byte(`{}`)})
}

func newExecutor(t testing.TB, cfg Config) *executor.Executor {
	exec := executor.New(testSchema{loadSchema(t)})
	Apply(exec, cfg)
	return exec
}

func TestExtensionsInExecutor(t *testing.T) {
	exec := newExecutor(t, Defaults())
	get := context.WithValue(context.Background(), methodKey{}, "GET")
	post := context.WithValue(context.Background(), methodKey{}, "POST")
	cases := []struct {
		name  string
		ctx   context.Context
		query string
		want  string
	}{
		{"Query", get, "{ companies(first: 5) { nodes { siren name } } }", ""},
		{"MutationOverPOST", post, `mutation { revokeToken(id: "1") }`, ""},
		{"ErrMutationOverGET", get, `mutation { revokeToken(id: "1") }`, CodeBadRequest},
		{"ErrDepth", post, nested(40), CodeDepthLimit},
		{"ErrFirst", post, "{ companies(first: 99999999) { nodes { siren } } }", CodeBadUserInput},
		{"ErrCostBomb", post, "{ companies(first: 500) { nodes { poles(first: 500) { nodes { members(first: 500) { nodes { siren } } } } } } }", CodeCostLimit},
		{"Err10000RepeatedFields", post, "{" + strings.Repeat(" __typename", 10000) + " }", CodeFieldLimit},
		{"ErrTokens", post, "{ __typename" + strings.Repeat(" @include(if: true)", 50000) + " }", CodeTokenLimit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, errs := exec.CreateOperationContext(graphql.StartOperationTrace(c.ctx), &graphql.RawParams{Query: c.query, Variables: map[string]any{}})
			var got string
			if len(errs) > 0 {
				got = code(errs[0])
			}
			if got != c.want {
				t.Fatalf("got %v, want %s", errs, c.want)
			}
			if d := time.Since(start); d > time.Second {
				t.Fatalf("took %v: not rejected cheaply", d)
			}
		})
	}
}

// Under the limits, validation stays cheap: MaxRepeatedField is what keeps
// its pairwise comparison of same-named fields small.
func TestLimitsKeepValidationCheap(t *testing.T) {
	exec := newExecutor(t, Defaults())
	q := "{" + repeat(90, func(i int) string {
		return fmt.Sprintf(" a%d: companies(first: 1) { nodes {%s } }", i, strings.Repeat(" siren", 20))
	}) + " }"
	start := time.Now()
	if _, errs := exec.CreateOperationContext(graphql.StartOperationTrace(context.Background()), &graphql.RawParams{Query: q}); errs != nil {
		t.Fatal(errs)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("validating %d bytes took %v", len(q), d)
	}
}

func TestWeights(t *testing.T) {
	schema := loadSchema(t)
	cfg := Defaults()
	cfg.Weights = map[string]Weight{"Company.sites": {Fixed: 1000, Each: 10}}
	// Per company: nodes 1 + sites (1 + 10 + 2 × (nodes 1 + siret 1)) = 16;
	// companies 1 + 10 × 16 = 161; Fixed once per written sites.
	one := "companies(first: 10) { nodes { sites(first: 2) { nodes { siret } } } }"
	for name, c := range map[string]struct {
		query string
		cost  int64
	}{
		"Once":                {"{ " + one + " }", 161 + 1000},
		"TwoAliases":          {"{ a: " + one + " b: " + one + " }", 2*161 + 2*1000},
		"FragmentTwice":       {"{ a: companies(first: 10) { ...S } b: companies(first: 10) { ...S } } fragment S on CompanyConnection { nodes { sites(first: 2) { nodes { siret } } } }", 2*161 + 2*1000},
		"NotMultipliedByPage": {"{ companies(first: 100) { nodes { sites(first: 2) { nodes { siret } } } } }", 1 + 100*16 + 1000},
	} {
		t.Run(name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQueryWithRules(schema, c.query, rules.NewDefaultRules())
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			cost, err := Cost(cfg, doc, doc.Operations[0], map[string]any{})
			if err != nil || cost != c.cost {
				t.Fatalf("cost %d (%v), want %d", cost, err, c.cost)
			}
		})
	}
	// 100 aliased analytics fields with different arguments are refused.
	cfg.Weights = map[string]Weight{"Company.sites": {Fixed: 15000}}
	q := "{ companies(first: 1) { nodes {" + repeat(100, func(i int) string {
		return fmt.Sprintf(" a%d: sites(first: %d) { nodes { siret } }", i, i+1)
	}) + " } } }"
	doc, errs := gqlparser.LoadQueryWithRules(schema, q, rules.NewDefaultRules())
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if _, err := Cost(cfg, doc, doc.Operations[0], map[string]any{}); code(err) != CodeCostLimit || err.Extensions["limit"] != "maxCost" {
		t.Fatalf("100 aliased analytics fields: %v", err)
	}
}
