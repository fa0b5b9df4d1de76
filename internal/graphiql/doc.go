// Package graphiql owns gpec's in-browser GraphQL IDE: the index page that
// starts GraphiQL against gpec's GraphQL endpoint, and every file that page
// loads (GraphiQL, React and ReactDOM, and gpec's own bootstrap script and
// page style).
//
// All of those files are embedded in the binary with go:embed and served by
// Handler itself, because gpec runs on closed networks: a playground that
// loads its scripts from a CDN shows a blank page there. The index page
// refers to no other host, and its Content-Security-Policy forbids it to.
// The vendored files in assets/ are the packages' published UMD builds,
// unmodified; assets/README.md says which versions and how to refresh them.
package graphiql
