package graphiql

import (
	"bytes"
	"embed"
	"github.com/gpec-project/gpec/internal/webasset"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// AssetDir is where, under Options.BasePath, Handler serves the page's
// files; with the default BasePath they are at AssetPrefix.
const AssetDir = "graphiql/assets/"

// AssetPrefix is the URL path of the page's files when Handler is mounted
// at "/" (the default BasePath).
const AssetPrefix = "/" + AssetDir

// Options configures the GraphiQL page.
type Options struct {
	// Title is the page title; "GraphiQL" when empty.
	Title string
	// Endpoint is the URL GraphiQL POSTs its requests to, normally a path
	// on the same origin; "/graphql" when empty. An absolute http(s) URL
	// of another origin is allowed, and added to the page's connect-src.
	Endpoint string
	// DefaultQuery is shown in the query editor on a first visit.
	DefaultQuery string
	// DefaultHeaders is the text pre-filled in GraphiQL's headers editor,
	// a JSON object such as {"Authorization": "Bearer …"}.
	DefaultHeaders string
	// PersistHeaders makes GraphiQL keep what users type in the headers
	// editor (tokens included) in the browser's localStorage. Off by
	// default, so every visit starts from DefaultHeaders.
	PersistHeaders bool
	// Examples are offered as tabs on a first visit (GraphiQL keeps the
	// tabs of later visits in the browser).
	Examples []Example
	// HeaderPresets are offered in a menu above GraphiQL; choosing one
	// replaces the headers editor's content (e.g. the demo roles' tokens).
	HeaderPresets []HeaderPreset
	// BasePath is the URL path the index page is served at, ending in "/";
	// the page's files are under BasePath+AssetDir. "/" when empty. Mount
	// Handler for that whole subtree without stripping the prefix, e.g.
	// mux.Handle("/playground/", Handler(Options{BasePath: "/playground/"})).
	BasePath string
}

//go:embed index.html.tmpl
var indexSource string

//go:embed assets/*.js assets/*.css assets/LICENSE.* web/*.js web/*.css
var files embed.FS

// assets are the served files by name (their base name in the embedded FS).
var assets = webasset.Load("graphiql", files, []string{"assets", "web"}, nil)

// pageConfig is what the index page hands to web/init.js, as JSON.
type pageConfig struct {
	Endpoint       string         `json:"endpoint"`
	DefaultQuery   string         `json:"defaultQuery,omitempty"`
	DefaultHeaders string         `json:"defaultHeaders,omitempty"`
	PersistHeaders bool           `json:"persistHeaders"`
	Examples       []Example      `json:"examples,omitempty"`
	HeaderPresets  []HeaderPreset `json:"headerPresets,omitempty"`
}

type handler struct {
	base   string // ends in "/"
	prefix string // base + AssetDir
	index  []byte
	csp    string
}

// Handler serves the GraphiQL index page at opts.BasePath ("/" by default)
// and its embedded files under BasePath+AssetDir, and answers 404 to any
// other path, so it can be mounted as the catch-all "/" of a mux. Only GET
// and HEAD are allowed.
//
// The files' URLs carry their content hash (?v=…); requested with the
// current hash they are cacheable for a year, otherwise they must be
// revalidated with their ETag.
func Handler(opts Options) http.Handler {
	if opts.Title == "" {
		opts.Title = "GraphiQL"
	}
	if opts.Endpoint == "" {
		opts.Endpoint = "/graphql"
	}
	base := opts.BasePath
	if base == "" {
		base = "/"
	}
	if !strings.HasPrefix(base, "/") {
		base = "/" + base
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	h := &handler{base: base, prefix: base + AssetDir}
	h.csp = contentSecurityPolicy(opts.Endpoint)

	tmpl := template.Must(template.New("index").Funcs(template.FuncMap{
		"asset": h.assetURL,
	}).Parse(indexSource))
	var buf bytes.Buffer
	err := tmpl.Execute(&buf, struct {
		Title  string
		Config pageConfig
	}{
		Title: opts.Title,
		Config: pageConfig{
			Endpoint:       opts.Endpoint,
			DefaultQuery:   opts.DefaultQuery,
			DefaultHeaders: opts.DefaultHeaders,
			PersistHeaders: opts.PersistHeaders,
			Examples:       opts.Examples,
			HeaderPresets:  opts.HeaderPresets,
		},
	})
	if err != nil {
		// The template and its data are this package's own: a bug.
		panic("graphiql: rendering the index page: " + err.Error())
	}
	h.index = buf.Bytes()
	return h
}

// assetURL is the versioned URL of an embedded file, for the template.
func (h *handler) assetURL(name string) (string, error) {
	a, ok := assets[name]
	if !ok {
		return "", fs.ErrNotExist
	}
	return h.prefix + name + "?v=" + a.Hash, nil
}

// contentSecurityPolicy allows the page its own origin only (plus data:
// URLs for the fonts and images inlined in graphiql.min.css, inline styles
// that GraphiQL's components inject at run time, and the endpoint's origin
// when it is another one).
func contentSecurityPolicy(endpoint string) string {
	connect := "'self'"
	if u, err := url.Parse(endpoint); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		connect += " " + u.Scheme + "://" + u.Host
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	var a *webasset.Asset
	switch {
	case p == h.base:
	case strings.HasPrefix(p, h.prefix):
		a = assets[strings.TrimPrefix(p, h.prefix)]
		if a == nil {
			http.NotFound(w, r)
			return
		}
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if a == nil {
		h.serveIndex(w, r)
		return
	}
	webasset.Serve(w, r, a)
}

func (h *handler) serveIndex(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("Referrer-Policy", "no-referrer")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.index))
}
