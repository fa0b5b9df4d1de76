// Package gqlhttp serves GraphQL requests over HTTP (POST with a JSON body,
// GET with a query string) as the GraphQL over HTTP specification says, in
// place of gqlgen's POST and GET transports, whose statuses and bodies
// differ from it:
//
//   - the Accept header chooses the media type of the answer:
//     application/graphql-response+json when the client prefers it to
//     application/json (a higher q, or listed first), application/json
//     otherwise (no Accept, */*, application/*, or nothing the server
//     knows);
//   - a request that is not a GraphQL request (no body, a body that is not
//     JSON, a query, operationName, variables or extensions of the wrong
//     JSON type, no query) answers 400, quoting none of what was sent;
//   - a request error (the document does not parse or validate, a
//     variable does not coerce, a limit of internal/limits refuses it)
//     answers 200 with application/json, where clients read the errors
//     from the body, and 400 with application/graphql-response+json, whose
//     clients read the status; either way without a data entry, since
//     execution never started;
//   - a mutation over GET answers 405 (Allow: POST) and runs nothing;
//   - an executed operation answers 200 with data and errors.
//
// A status asked through internal/limits' SetStatus (429 for a token over
// its budget, 503 during a database outage) still wins, since limits'
// HTTP middleware wraps the response writer.
package gqlhttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The media types of an answer.
const (
	MediaJSON            = "application/json"
	MediaGraphQLResponse = "application/graphql-response+json"
)

// CodeBadRequest is extensions.code of a request that is not a GraphQL
// request (same value as internal/limits' code for other malformed
// requests, so that clients see one code).
const CodeBadRequest = "BAD_REQUEST"

// POST serves application/json POST requests.
type POST struct{}

// GET serves GET requests (queries only).
type GET struct{}

var (
	_ graphql.Transport = POST{}
	_ graphql.Transport = GET{}
)

// Supports tells whether r is a JSON POST.
func (POST) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" || r.Method != http.MethodPost {
		return false
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mediaType == "application/json"
}

// Do answers one POST request.
func (POST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media := Negotiate(r.Header.Get("Accept"))
	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		refuse(w, r, exec, media, http.StatusBadRequest, "the request body could not be read")
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		refuse(w, r, exec, media, http.StatusBadRequest, `the request body is empty: POST a JSON object {"query": "…"}`)
		return
	}
	params := &graphql.RawParams{}
	if msg := decodeParams(body, params); msg != "" {
		refuse(w, r, exec, media, http.StatusBadRequest, msg)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	serve(w, r, exec, media, params, false)
}

// Supports tells whether r is a GET.
func (GET) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == "" && r.Method == http.MethodGet
}

// Do answers one GET request.
func (GET) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media := Negotiate(r.Header.Get("Accept"))
	start := graphql.Now()
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		refuse(w, r, exec, media, http.StatusBadRequest, "the query string is not URL-encoded parameters")
		return
	}
	params := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName"), Headers: r.Header}
	for _, p := range []struct {
		name string
		into *map[string]any
	}{{"variables", &params.Variables}, {"extensions", &params.Extensions}} {
		if v := q.Get(p.name); v != "" {
			if !decodeObject([]byte(v), p.into) {
				refuse(w, r, exec, media, http.StatusBadRequest, fmt.Sprintf("the %s parameter must be a JSON object", p.name))
				return
			}
		}
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	serve(w, r, exec, media, params, true)
}

// serve runs params: request errors without data, else the operation.
func serve(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, media string, params *graphql.RawParams, get bool) {
	if params.Query == "" && params.Extensions["persistedQuery"] == nil {
		refuse(w, r, exec, media, http.StatusBadRequest, "the request has no query")
		return
	}
	ctx := r.Context()
	oc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		status := http.StatusOK
		if media == MediaGraphQLResponse {
			status = http.StatusBadRequest
		}
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs)
		write(w, media, status, requestError{Errors: resp.Errors, Extensions: resp.Extensions})
		return
	}
	if get {
		if op := oc.Doc.Operations.ForName(oc.OperationName); op == nil || op.Operation != ast.Query {
			// internal/limits refuses this before; kept so that GET never
			// runs a mutation whatever the extensions in use.
			w.Header().Set("Allow", "POST")
			refuse(w, r, exec, media, http.StatusMethodNotAllowed, "GET carries queries only; send a mutation with POST")
			return
		}
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	writeResponse(w, media, http.StatusOK, responses(ctx))
}

// writeResponse writes resp with exactly the bytes json.Marshal would,
// without its second pass over the data, which gqlgen wrote as compact
// JSON already: that pass (compacting, and escaping <, >, & and U+2028/9
// as \u003c…) took about a tenth of the CPU of a large answer, such as a
// release table of 300 cells or a page of companies. Data that may not be
// JSON (mayBeInvalid) is checked, and data holding a character json.Marshal
// escapes is escaped as it would (json.HTMLEscape): the answer, or its
// refusal, is the same either way.
func writeResponse(w http.ResponseWriter, media string, status int, resp *graphql.Response) {
	b, ok := appendResponse(nil, resp)
	if !ok {
		write(w, media, status, resp)
		return
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// appendResponse appends json.Marshal(resp) to b, or says it cannot (then
// json.Marshal must).
func appendResponse(b []byte, resp *graphql.Response) ([]byte, bool) {
	if resp == nil || (resp.Data != nil && (len(resp.Data) == 0 || (mayBeInvalid(resp.Data) && !json.Valid(resp.Data)))) {
		return b, false
	}
	data := resp.Data
	if escapes(data) {
		var e bytes.Buffer
		json.HTMLEscape(&e, data)
		data = e.Bytes()
	}
	b = append(b, '{')
	if len(resp.Errors) > 0 {
		errs, err := json.Marshal(resp.Errors)
		if err != nil {
			return b, false
		}
		b = append(append(append(b, `"errors":`...), errs...), ',')
	}
	b = append(b, `"data":`...)
	if resp.Data == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, data...)
	}
	// The fields after data, as json.Marshal writes them.
	rest, err := json.Marshal(struct {
		Label      string         `json:"label,omitempty"`
		Path       ast.Path       `json:"path,omitempty"`
		HasNext    *bool          `json:"hasNext,omitempty"`
		Extensions map[string]any `json:"extensions,omitempty"`
	}{resp.Label, resp.Path, resp.HasNext, resp.Extensions})
	if err != nil {
		return b, false
	}
	if len(rest) > 2 {
		b = append(append(b, ','), rest[1:len(rest)-1]...)
	}
	return append(b, '}'), true
}

// mayBeInvalid tells whether data may not be JSON: gqlgen's marshallers
// write JSON, but for a float that is not a number (NaN, +Inf, -Inf:
// MarshalFloat's %g), which json.Marshal refuses. Only data holding NaN or
// Inf, which also a label may (Informatique), is checked whole.
func mayBeInvalid(data []byte) bool {
	return bytes.Contains(data, []byte("NaN")) || bytes.Contains(data, []byte("Inf"))
}

// escapes tells whether json.Marshal would escape a byte of compact JSON
// data: <, > and & (HTML-safe escaping), and U+2028 and U+2029, whose UTF-8
// encodings start with E2 80.
func escapes(data []byte) bool {
	return bytes.IndexByte(data, '<') >= 0 || bytes.IndexByte(data, '>') >= 0 || bytes.IndexByte(data, '&') >= 0 ||
		bytes.Contains(data, []byte("\xe2\x80\xa8")) || bytes.Contains(data, []byte("\xe2\x80\xa9"))
}

// requestError is the answer to a request error: no data entry.
type requestError struct {
	Errors     gqlerror.List  `json:"errors"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

func write(w http.ResponseWriter, media string, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only a resolver's value that JSON cannot hold; never the request.
		errorAnswer(w, media, http.StatusInternalServerError, "INTERNAL", "the answer could not be encoded")
		return
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func errorAnswer(w http.ResponseWriter, media string, status int, code, msg string) {
	write(w, media, status, requestError{Errors: gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}}})
}

// refuse answers a request the transport refuses itself, through the
// executor so that the response interceptors (the request log's outcome)
// and the error presenter see it like any other.
func refuse(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, media string, status int, msg string) {
	resp := exec.DispatchError(r.Context(), gqlerror.List{{Message: msg, Extensions: map[string]any{"code": CodeBadRequest}}})
	write(w, media, status, requestError{Errors: resp.Errors, Extensions: resp.Extensions})
}

// decodeParams reads a POST body into p, or says why it is not a GraphQL
// request, naming the parameter but never quoting the body.
func decodeParams(body []byte, p *graphql.RawParams) string {
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&fields); err != nil || dec.More() {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return "the request body must be a JSON object, not a JSON " + typeErr.Value
		}
		return `the request body is not valid JSON: POST a JSON object {"query": "…"}`
	}
	str := func(name string, into *string) string {
		raw, ok := fields[name]
		if !ok || string(raw) == "null" {
			return ""
		}
		if json.Unmarshal(raw, into) != nil {
			return fmt.Sprintf("the %s parameter must be a string, not a JSON %s", name, jsonKind(raw))
		}
		return ""
	}
	obj := func(name string, into *map[string]any) string {
		raw, ok := fields[name]
		if !ok || string(raw) == "null" {
			return ""
		}
		if !decodeObject(raw, into) {
			return fmt.Sprintf("the %s parameter must be a JSON object, not a JSON %s", name, jsonKind(raw))
		}
		return ""
	}
	for _, msg := range []string{
		str("query", &p.Query), str("operationName", &p.OperationName),
		obj("variables", &p.Variables), obj("extensions", &p.Extensions),
	} {
		if msg != "" {
			return msg
		}
	}
	return ""
}

// decodeObject decodes a JSON object, numbers kept as json.Number as
// gqlgen's transports do (an Int argument must not go through float64).
func decodeObject(raw []byte, into *map[string]any) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(into); err != nil || dec.More() || *into == nil {
		*into = nil
		return false
	}
	return true
}

// jsonKind names the JSON type of a valid value by its first byte.
func jsonKind(raw []byte) string {
	switch b := bytes.TrimSpace(raw); {
	case len(b) == 0:
		return "value"
	case b[0] == '{':
		return "object"
	case b[0] == '[':
		return "array"
	case b[0] == '"':
		return "string"
	case b[0] == 't' || b[0] == 'f':
		return "boolean"
	default:
		return "number"
	}
}

// Negotiate picks the answer's media type from an Accept header: the one
// of the two GraphQL media types with the higher quality, the first listed
// on a tie; application/json when neither is listed (no header, */*,
// application/*, or only types the server does not serve: the
// specification lets a server answer its default then).
func Negotiate(accept string) string {
	best, bestQ := MediaJSON, -1.0
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q <= 0 || q <= bestQ {
			continue
		}
		switch mediaType {
		case MediaJSON, MediaGraphQLResponse:
			best, bestQ = mediaType, q
		case "*/*", "application/*":
			best, bestQ = MediaJSON, q
		}
	}
	return best
}
