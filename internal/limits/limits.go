package limits

import (
	"time"

	"github.com/99designs/gqlgen/graphql/errcode"
)

// Config holds every limit; zero or negative values disable the one they
// name (MaxBodyBytes and Timeout included).
type Config struct {
	// MaxDepth is the deepest field nesting, fragments expanded, with no
	// exemption for introspection.
	MaxDepth int
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
	// MaxCost bounds the estimated number of fields resolved (see cost.go).
	MaxCost int
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
}

// Defaults fit gpec's dashboards: GraphiQL's introspection query (15 levels
// deep) passes, as do three connections nested through edges { node }
// (about 12 levels), a few dozen aliased panels and moderate pages;
// `first` tops at 500 as the schema promises.
func Defaults() Config {
	return Config{
		MaxDepth:              20,
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
)

func init() {
	// Refusals before execution are protocol errors for gqlgen's
	// transports: 422 (application/json) or 400
	// (application/graphql-response+json) instead of 200, like its own
	// validation failures.
	for _, c := range []string{CodeDepthLimit, CodeAliasLimit, CodeDirectiveLimit, CodeFieldLimit,
		CodeTokenLimit, CodeCostLimit, CodeBadUserInput, CodeBadRequest} {
		errcode.RegisterErrorType(c, errcode.KindProtocol)
	}
}
