package dashboard

import (
	"bytes"
	"embed"
	"encoding/json"
	"github.com/gpec-project/gpec/internal/webasset"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

// AssetDir is where, under the handler's base path, the page's files are.
const AssetDir = "assets/"

//go:embed web/index.html.tmpl
var indexSource string

//go:embed web/*.js web/*.css vendor/*.js vendor/LICENSE.* geo/*.geojson geo/PROVENANCE.md
var files embed.FS

// assets are the served files by base name (the page template is not one).
var assets = webasset.Load("dashboard", files, []string{"web", "vendor", "geo"},
	func(name string) bool { return name == "index.html.tmpl" })

// CSP allows the page its own origin only: its scripts, styles, the
// contours it fetches and the GraphQL endpoint. No inline script or style
// (the page sets none: its configuration is a JSON data block), no frame.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

type handler struct {
	base   string // ends in "/"
	prefix string // base + AssetDir
	index  []byte
}

// Handler serves the dashboard page at base (e.g. "/dashboard/", ending in
// "/") and its embedded files under base+AssetDir, 404 for any other path;
// mount it for that subtree without stripping the prefix. endpoint is the
// GraphQL URL path the page calls ("/graphql" when empty).
//
// File URLs carry their content hash (?v=…): requested with the current
// hash they are cacheable for a year, otherwise revalidated by ETag.
func Handler(base, endpoint string) http.Handler {
	if !strings.HasPrefix(base, "/") {
		base = "/" + base
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	if endpoint == "" {
		endpoint = "/graphql"
	}
	h := &handler{base: base, prefix: base + AssetDir}
	versions := map[string]string{}
	for name, a := range assets {
		versions[name] = a.Hash
	}
	cfg, err := json.Marshal(map[string]any{"endpoint": endpoint, "assets": h.prefix, "versions": versions})
	if err != nil {
		panic("dashboard: page configuration: " + err.Error())
	}
	tmpl := template.Must(template.New("index").Funcs(template.FuncMap{"asset": h.assetURL}).Parse(indexSource))
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, struct{ Config string }{string(cfg)}); err != nil {
		// The template and its data are this package's own: a bug.
		panic("dashboard: rendering the index page: " + err.Error())
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

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	var a *webasset.Asset
	switch {
	case p == h.base:
	case strings.HasPrefix(p, h.prefix):
		if a = assets[strings.TrimPrefix(p, h.prefix)]; a == nil {
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
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("Referrer-Policy", "no-referrer")
	if a == nil {
		hd.Set("Content-Type", "text/html; charset=utf-8")
		hd.Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.index))
		return
	}
	webasset.Serve(w, r, a)
}
