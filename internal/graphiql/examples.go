package graphiql

//go:generate cp ../../docs/queries.md queries.md

import (
	_ "embed"
	"regexp"
	"strconv"
	"strings"
)

// Example is a query GraphiQL offers as a tab.
type Example struct {
	// Name is the tab's title (GraphiQL shows the operation name).
	Name string `json:"name"`
	// Query is the tab's text.
	Query string `json:"query"`
	// Variables is the tab's variables (JSON), if any.
	Variables string `json:"variables,omitempty"`
}

// HeaderPreset is a named content of the headers editor, e.g. a demo role's
// token, offered in a menu above GraphiQL.
type HeaderPreset struct {
	Name    string `json:"name"`
	Headers string `json:"headers"`
}

// queriesMD is a copy of docs/queries.md (the binary cannot read the
// repository); `go generate ./internal/graphiql` refreshes it and a test
// fails when it is stale.
//
//go:embed queries.md
var queriesMD string

// QueriesDoc is the path of the documented queries in the repository.
const QueriesDoc = "docs/queries.md"

// DocumentedExamples are the queries of docs/queries.md, one tab each.
func DocumentedExamples() []Example { return ParseExamples(queriesMD) }

var (
	sectionRe = regexp.MustCompile(`^##\s+(\d+)\.\s+(.*)$`)
	anonRe    = regexp.MustCompile(`^\s*\{`)
	wordRe    = regexp.MustCompile(`[A-Za-z0-9]+`)
)

// ParseExamples finds the ```graphql blocks of numbered sections ("## 3.
// The pole strategy…") of a Markdown text. Each becomes a tab titled by an
// operation name made from its section ("Q3_ThePoleStrategy"; "…_2" for a
// section's second block) unless it names itself, with the section's title
// as a comment on top; a block declaring variables gets them all null.
func ParseExamples(md string) []Example {
	var out []Example
	var num, title string
	count := 0
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if m := sectionRe.FindStringSubmatch(line); m != nil {
			num, title, count = m[1], strings.TrimSpace(m[2]), 0
			continue
		}
		if strings.HasPrefix(line, "## ") {
			num, title = "", ""
			continue
		}
		if strings.TrimSpace(line) != "```graphql" || num == "" {
			continue
		}
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			body = append(body, lines[i])
		}
		count++
		q := strings.Join(body, "\n")
		name := operationName(num, title, count)
		if anonRe.MatchString(q) {
			q = "query " + name + " " + strings.TrimLeft(q, " \t")
		} else if n := declaredName(q); n != "" {
			name = n
		}
		out = append(out, Example{
			Name:      name,
			Query:     "# " + num + ". " + title + " (docs/queries.md)\n" + q + "\n",
			Variables: nullVariables(q),
		})
	}
	return out
}

// operationName makes a GraphQL name of a section: Q, its number, and the
// first words of its title in CamelCase.
func operationName(num, title string, n int) string {
	var b strings.Builder
	b.WriteString("Q" + num + "_")
	words := wordRe.FindAllString(strings.NewReplacer("'s", "", "’s", "").Replace(title), -1)
	if len(words) > 5 {
		words = words[:5]
	}
	for _, w := range words {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	if n > 1 {
		b.WriteString("_" + strconv.Itoa(n))
	}
	return b.String()
}

var (
	namedRe = regexp.MustCompile(`^\s*(?:query|mutation)\s+([_A-Za-z][_0-9A-Za-z]*)`)
	varRe   = regexp.MustCompile(`\$([_A-Za-z][_0-9A-Za-z]*)\s*:`)
)

func declaredName(q string) string {
	if m := namedRe.FindStringSubmatch(q); m != nil {
		return m[1]
	}
	return ""
}

// nullVariables is {"v": null, …} for the variables an operation declares
// in its first line, "" when it declares none.
func nullVariables(q string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(q), "{")
	vars := varRe.FindAllStringSubmatch(first, -1)
	if len(vars) == 0 {
		return ""
	}
	parts := make([]string, len(vars))
	for i, v := range vars {
		parts[i] = strconv.Quote(v[1]) + ": null"
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
