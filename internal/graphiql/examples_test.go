package graphiql

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestQueriesCopyUpToDate fails when the embedded copy of docs/queries.md
// is stale: GraphiQL would offer other queries than the documented ones.
func TestQueriesCopyUpToDate(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(QueriesDoc)))
	if err != nil {
		t.Fatal(err)
	}
	if string(doc) != queriesMD {
		t.Fatalf("internal/graphiql/queries.md differs from %s: run `go generate ./internal/graphiql` and commit the result", QueriesDoc)
	}
}

func TestParseExamples(t *testing.T) {
	md := "# Title\n\n## Before you start\n\n```graphql\n{ ignored }\n```\n\n" +
		"## 1. A pole's gaps, at 2029\n\ntext\n\n```graphql\n{\n  pole(id: \"x\") { name }\n}\n```\n\n```json\n{}\n```\n\n```graphql\n{ second }\n```\n\n" +
		"## 2. Paging\n\n```graphql\nquery Page($after: String, $first: Int) {\n  poles(after: $after) { totalCount }\n}\n```\n\n## Errors\n\n```graphql\n{ notAnExample }\n```\n"
	got := ParseExamples(md)
	want := []Example{
		{Name: "Q1_APoleGapsAt2029", Query: "# 1. A pole's gaps, at 2029 (docs/queries.md)\nquery Q1_APoleGapsAt2029 {\n  pole(id: \"x\") { name }\n}\n"},
		{Name: "Q1_APoleGapsAt2029_2", Query: "# 1. A pole's gaps, at 2029 (docs/queries.md)\nquery Q1_APoleGapsAt2029_2 { second }\n"},
		{Name: "Page", Query: "# 2. Paging (docs/queries.md)\nquery Page($after: String, $first: Int) {\n  poles(after: $after) { totalCount }\n}\n",
			Variables: `{"after": null, "first": null}`},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d examples: %+v", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("example %d:\ngot  %+v\nwant %+v", i, got[i], want[i])
		}
	}
	// Every documented query is offered, each with a distinct name.
	ex := DocumentedExamples()
	names := map[string]bool{}
	for _, e := range ex {
		if names[e.Name] {
			t.Errorf("two tabs named %s", e.Name)
		}
		names[e.Name] = true
	}
	if n := strings.Count(queriesMD, "```graphql"); len(ex) < n-1 || len(ex) == 0 {
		t.Errorf("%d examples for %d graphql blocks", len(ex), n)
	}
}

// TestInitScript runs web/init.js under Node with a stub page, React and
// GraphiQL, and checks the props it gives GraphiQL: the documented
// examples as tabs, a ?query= link first and as the query, and header
// presets re-rendering GraphiQL with their headers.
func TestInitScript(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	page := get(t, Handler(Options{
		DefaultQuery:   "{ default }",
		DefaultHeaders: `{"Authorization": "Bearer A"}`,
		Examples:       []Example{{Name: "Q1", Query: "query Q1 { one }"}, {Name: "P", Query: "query P($a: Int) { two }", Variables: `{"a": null}`}},
		HeaderPresets:  []HeaderPreset{{Name: "admin", Headers: `{"Authorization": "Bearer A"}`}, {Name: "observatory", Headers: `{"Authorization": "Bearer O"}`}},
	}), "/").Body.String()
	cfg := between(page, `<script id="graphiql-options" type="application/json">`, `</script>`)
	script, err := files.ReadFile("web/init.js")
	if err != nil {
		t.Fatal(err)
	}
	harness := `
const cfgText = ` + jsString(cfg) + `;
function el(id) {
  return { id: id, textContent: id === 'graphiql-options' ? cfgText : '', children: [], classList: { add() {} },
    replaceChildren(...c) { this.children = c; }, appendChild(c) { this.children.push(c); },
    setAttribute() {}, addEventListener(ev, f) { this['on' + ev] = f; } };
}
const root = el('graphiql');
const made = [];
globalThis.document = { getElementById: (id) => id === 'graphiql' ? root : el(id), createElement: (tag) => { const e = el(tag); made.push(e); return e; } };
const renders = [];
globalThis.window = { location: { search: process.argv[2], pathname: '/' }, history: { replaceState(s, t, u) { window.lastURL = u; } } };
globalThis.React = { createElement: (type, props) => ({ type, props }) };
globalThis.ReactDOM = { createRoot: () => ({ render: (e) => renders.push(e.props) }) };
globalThis.GraphiQL = function GraphiQL() {};
window.React = React; window.ReactDOM = ReactDOM; window.GraphiQL = GraphiQL;
` + string(script) + `
const select = made.find((e) => e.id === 'select');
select.value = '1';
select.onchange();
const first = renders[0];
first.onEditQuery('{ edited }');
console.log(JSON.stringify({ first: { defaultTabs: first.defaultTabs, query: first.query || null, variables: first.variables || null, headers: first.headers || null },
  second: { headers: renders[1] && renders[1].headers }, url: window.lastURL }));
`
	dir := t.TempDir()
	path := filepath.Join(dir, "harness.js")
	if err := os.WriteFile(path, []byte(harness), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(search string) map[string]any {
		out, err := exec.Command(node, path, search).CombinedOutput()
		if err != nil {
			t.Fatalf("node: %v\n%s", err, out)
		}
		var v map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return v
	}
	tabQueries := func(v map[string]any) []string {
		var q []string
		for _, tab := range v["first"].(map[string]any)["defaultTabs"].([]any) {
			q = append(q, tab.(map[string]any)["query"].(string))
		}
		return q
	}

	plain := run("")
	if got := strings.Join(tabQueries(plain), " | "); got != "{ default } | query Q1 { one } | query P($a: Int) { two }" {
		t.Errorf("tabs without a link: %s", got)
	}
	if plain["first"].(map[string]any)["query"] != nil {
		t.Errorf("query prop without a link: %v", plain["first"])
	}
	if h := plain["second"].(map[string]any)["headers"]; h != `{"Authorization": "Bearer O"}` {
		t.Errorf("choosing the observatory preset gave headers %v", h)
	}
	if plain["url"] != "/?query=%7B+edited+%7D" {
		t.Errorf("the address bar after an edit: %v", plain["url"])
	}

	linked := run("?query=" + strings.ReplaceAll("{ linked }", " ", "%20") + "&variables=%7B%22a%22%3A1%7D")
	tabs := tabQueries(linked)
	if tabs[0] != "{ linked }" || len(tabs) != 3 || linked["first"].(map[string]any)["query"] != "{ linked }" ||
		linked["first"].(map[string]any)["variables"] != `{"a":1}` {
		t.Errorf("with a link: %v", linked["first"])
	}
}

func between(s, from, to string) string {
	_, after, _ := strings.Cut(s, from)
	v, _, _ := strings.Cut(after, to)
	return v
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
