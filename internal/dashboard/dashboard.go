package dashboard

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// AssetDir is where, under the handler's base path, the page's files are.
const AssetDir = "assets/"

//go:embed web/index.html.tmpl
var indexSource string

//go:embed web/*.js web/*.css vendor/*.js vendor/LICENSE.* geo/*.geojson geo/PROVENANCE.md
var files embed.FS

// asset is one served file.
type asset struct {
	contentType string
	body        []byte
	hash        string // hex of a SHA-256 prefix of body: the URL's "v" and the ETag

	gzipOnce sync.Once
	gzipped  []byte // nil when gzip does not make it smaller
}

// assets are the served files by base name.
var assets = loadAssets()

func loadAssets() map[string]*asset {
	m := map[string]*asset{}
	for _, dir := range []string{"web", "vendor", "geo"} {
		entries, err := fs.ReadDir(files, dir)
		if err != nil {
			panic("dashboard: reading embedded " + dir + ": " + err.Error())
		}
		for _, e := range entries {
			if e.Name() == "index.html.tmpl" {
				continue
			}
			body, err := fs.ReadFile(files, dir+"/"+e.Name())
			if err != nil {
				panic("dashboard: reading embedded " + e.Name() + ": " + err.Error())
			}
			if _, dup := m[e.Name()]; dup {
				panic("dashboard: two embedded files named " + e.Name())
			}
			sum := sha256.Sum256(body)
			m[e.Name()] = &asset{contentType: contentType(e.Name()), body: body, hash: hex.EncodeToString(sum[:8])}
		}
	}
	return m
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".geojson":
		return "application/geo+json"
	case ".md":
		return "text/markdown; charset=utf-8"
	default:
		return "text/plain; charset=utf-8"
	}
}

// gzipBody is the gzip encoding of the asset, computed once, or nil when
// it would not be smaller.
func (a *asset) gzipBody() []byte {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(a.body); err != nil {
			return
		}
		if err := zw.Close(); err != nil {
			return
		}
		if buf.Len() < len(a.body) {
			a.gzipped = buf.Bytes()
		}
	})
	return a.gzipped
}

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
		versions[name] = a.hash
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
	return h.prefix + name + "?v=" + a.hash, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	var a *asset
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
	hd.Set("Content-Type", a.contentType)
	hd.Add("Vary", "Accept-Encoding")
	if r.URL.Query().Get("v") == a.hash {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hd.Set("Cache-Control", "no-cache")
	}
	body, etag := a.body, `"`+a.hash+`"`
	if gz := a.gzipBody(); gz != nil && acceptsGzip(r) {
		body, etag = gz, `"`+a.hash+`-gzip"`
		hd.Set("Content-Encoding", "gzip")
	}
	hd.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip tells whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				continue
			}
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
