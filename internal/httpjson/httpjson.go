// Package httpjson writes the JSON bodies of gpec's plain HTTP answers, and
// errors in the GraphQL shape ({"errors":[{"message","extensions":{"code"}}]}),
// so that clients parse one format whether a request was refused by a
// middleware, an endpoint or the GraphQL layer.
package httpjson

import (
	"encoding/json"
	"net/http"
)

// Write answers v as JSON with the status.
func Write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type extensions struct {
	Code string `json:"code"`
}

type item struct {
	Message    string     `json:"message"`
	Extensions extensions `json:"extensions"`
}

// Error answers one error with its code, in the GraphQL shape.
func Error(w http.ResponseWriter, status int, code, message string) {
	Write(w, status, struct {
		Errors []item `json:"errors"`
	}{[]item{{message, extensions{code}}}})
}

// ErrorWith answers one error with its code and more extensions (a limit's
// name, value and retry delay).
func ErrorWith(w http.ResponseWriter, status int, code, message string, ext map[string]any) {
	e := map[string]any{"code": code}
	for k, v := range ext {
		e[k] = v
	}
	Write(w, status, map[string]any{"errors": []map[string]any{{"message": message, "extensions": e}}})
}
