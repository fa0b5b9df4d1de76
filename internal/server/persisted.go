package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gpec-project/gpec/internal/auth"
)

// AllowList maps the SHA-256 (hex) of each allowed query to its text.
type AllowList map[string]string

// LoadAllowList reads every *.graphql file of dir: in allow-list mode these
// are the only documents non-admin callers may run (production dashboards
// ship their queries; nothing else reaches the executor).
func LoadAllowList(dir string) (AllowList, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.graphql"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *.graphql file in %s for the persisted-query allow-list", dir)
	}
	sort.Strings(files)
	out := AllowList{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out[queryHash(string(b))] = string(b)
	}
	return out, nil
}

func queryHash(q string) string {
	h := sha256.Sum256([]byte(q))
	return hex.EncodeToString(h[:])
}

// allowListOnly is the extension of allow-list mode. A request names its
// query by the persisted-query hash (the APQ protocol clients already
// speak) or sends the exact text of an allowed query; admins are exempt.
type allowListOnly struct{ list AllowList }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = allowListOnly{}

func (allowListOnly) ExtensionName() string                   { return "GpecAllowList" }
func (allowListOnly) Validate(graphql.ExecutableSchema) error { return nil }

func (a allowListOnly) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	if auth.FromContext(ctx).IsAdmin() {
		return nil
	}
	if raw.Query != "" {
		if _, ok := a.list[queryHash(raw.Query)]; ok {
			return nil
		}
		return refusal("PERSISTED_QUERY_NOT_ALLOWED", "this server runs only its allow-listed queries; send one of them (or its sha256Hash)")
	}
	hash := ""
	if pq, ok := raw.Extensions["persistedQuery"].(map[string]any); ok {
		hash, _ = pq["sha256Hash"].(string)
	}
	q, ok := a.list[strings.ToLower(hash)]
	if !ok {
		return refusal("PERSISTED_QUERY_NOT_FOUND", "no allow-listed query has this sha256Hash")
	}
	raw.Query = q
	return nil
}

func refusal(code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
}
