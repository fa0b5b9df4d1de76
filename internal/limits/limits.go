package limits

import (
	"time"

	"github.com/99designs/gqlgen/graphql/errcode"
)

// Config holds every limit; zero or negative values disable the one they
// name (MaxBodyBytes and Timeout included).
type Config struct {
	// MaxDepth is the deepest field nesting, fragments expanded. The
	// subtree of an introspection field (__schema, __type) counts as one
	// level here and is bounded by MaxIntrospectionDepth instead: only
	// introspection types live under it, never the data's cycles.
	MaxDepth int
	// MaxIntrospectionDepth bounds the depth under __schema and __type
	// (GraphiQL's introspection query needs 14).
	MaxIntrospectionDepth int
	// MaxAliases is the number of aliased fields in the document.
	MaxAliases int
	// MaxDirectivesPerField bounds the directives on any one field,
	// fragment, spread, operation or variable.
	MaxDirectivesPerField int
	// MaxFields bounds the field selections, both as written and with
	// fragments expanded for each operation.
	MaxFields int
	// MaxRepeatedField bounds how many times one response name may be
	// selected in one selection set, fragments included (see repeats).
	MaxRepeatedField int
	// MaxTokens bounds the lexer tokens of the document.
	MaxTokens int
	// MaxCost bounds the estimated cost of one operation (see cost.go).
	MaxCost int
	// Weights is the cost of the fields that do more work than reading a
	// row (analytics), by "Type.field"; nil means DefaultWeights.
	Weights map[string]Weight
	// MaxFirst is the largest `first` a connection accepts (smallest is 1).
	MaxFirst int
	// ListEstimate is the cost factor of a list field without `first`.
	ListEstimate int
	// MaxBodyBytes bounds a JSON request body (and a GET query string).
	MaxBodyBytes int64
	// MaxUploadBytes bounds a multipart/form-data body (file uploads);
	// zero means MaxBodyBytes.
	MaxUploadBytes int64
	// Timeout is the deadline of one request's context.
	Timeout time.Duration

	// Inputs (inputs.go).

	// MaxStringLength bounds every string argument and input field that
	// StringLengths does not name.
	MaxStringLength int
	// StringLengths bounds string arguments and input fields by name
	// (search, siren, siret…); nil means DefaultStringLengths.
	StringLengths map[string]int
	// MaxVariablesBytes bounds the variables of a request, measured as
	// their JSON text; MaxVariablesDepth their nesting (objects and lists).
	// By default the variables may take the whole body: a company's answer
	// to a campaign carries its rows there (200 needs and 2,000
	// assessments are about 130 kB).
	MaxVariablesBytes int
	MaxVariablesDepth int
	// MaxOperationNameLength bounds operationName.
	MaxOperationNameLength int

	// Writes: the rows one mutation may write, besides the body and
	// variables limits that bound its size. 0 disables the bound.

	// MaxAnswerRows bounds the needs and assessments of one answerCampaign.
	MaxAnswerRows int
	// MaxEnrolmentRows bounds the enrolments of one writeEnrolments.
	MaxEnrolmentRows int

	// Per token (guard.go): the key is the token (or the client address
	// of an anonymous caller).

	// CostPerSecond is the sustained cost a token may spend per second;
	// it may spend up to max(MaxCost, CostPerSecond) at once.
	CostPerSecond float64
	// MaxInFlight bounds a token's requests running at once.
	MaxInFlight int
}

// Defaults fit gpec's dashboards: the deepest query of README.md and
// docs/queries.md is 9 levels (a pole's members' sites' territories'
// parents), so 12 leaves a margin of three while a 16-level walk through
// the pole > members > company > poles cycle is refused; GraphiQL's
// introspection query passes under MaxIntrospectionDepth. A few dozen
// aliased panels and moderate pages pass; `first` tops at 500 as the
// schema promises. A token may run 4 requests at once (a dashboard's
// panels) and spend 50,000 cost units per second, about half a second of
// one core (see cost.go): two busy tokens cannot take the 2 cores of a
// small server.
func Defaults() Config {
	return Config{
		MaxDepth:              12,
		MaxIntrospectionDepth: 15,
		MaxAliases:            100,
		MaxDirectivesPerField: 5,
		MaxFields:             2000,
		MaxRepeatedField:      20,
		MaxTokens:             15000,
		MaxCost:               250000,
		MaxFirst:              500,
		ListEstimate:          10,
		MaxBodyBytes:          1 << 20,
		MaxUploadBytes:        512 << 20,
		Timeout:               30 * time.Second,

		MaxStringLength:        64,
		MaxVariablesBytes:      1 << 20,
		MaxVariablesDepth:      8,
		MaxOperationNameLength: 100,

		// A member's answer of 200 needs and 2,000 assessments is about
		// 130 kB; 20,000 rows is the largest SME's whole skills matrix.
		// A session's enrolments are counted in dozens; 5,000 covers a
		// pole's yearly plan written at once.
		MaxAnswerRows:    20_000,
		MaxEnrolmentRows: 5_000,

		CostPerSecond: 50000,
		MaxInFlight:   4,
	}
}

// Codes sent in extensions.code.
const (
	CodeDepthLimit     = "DEPTH_LIMIT"
	CodeAliasLimit     = "ALIAS_LIMIT"
	CodeDirectiveLimit = "DIRECTIVE_LIMIT"
	CodeFieldLimit     = "FIELD_LIMIT"
	CodeTokenLimit     = "TOKEN_LIMIT"
	CodeCostLimit      = "COST_LIMIT"
	// CodeBadUserInput: an argument the client chose is out of range
	// (a connection's `first`).
	CodeBadUserInput = "BAD_USER_INPUT"
	// CodeBadRequest: the HTTP request is not one gpec serves (batch,
	// content type, method, mutation over GET).
	CodeBadRequest = "BAD_REQUEST"
	// CodePayloadTooLarge: body or query string over MaxBodyBytes (HTTP 413).
	CodePayloadTooLarge = "PAYLOAD_TOO_LARGE"
	// CodeTimeout: the request ran past Timeout (or a statement past
	// PostgreSQL's statement_timeout).
	CodeTimeout = "TIMEOUT"
	// CodeRateLimited: a per-token limit (requests per second, cost per
	// second, requests in flight) refused the request: HTTP 429 with
	// Retry-After, and extensions limit, value and retryAfter (seconds).
	CodeRateLimited = "RATE_LIMITED"
)

func init() {
	// Refusals before execution are protocol errors, like gqlgen's own
	// validation failures, for gqlgen's transports (422 or 400). gpec's
	// transport (internal/gqlhttp) answers every request error alike: 200
	// with application/json, 400 with application/graphql-response+json.
	for _, c := range []string{CodeDepthLimit, CodeAliasLimit, CodeDirectiveLimit, CodeFieldLimit,
		CodeTokenLimit, CodeCostLimit, CodeBadUserInput, CodeBadRequest} {
		errcode.RegisterErrorType(c, errcode.KindProtocol)
	}
}
