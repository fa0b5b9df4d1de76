package graphiql

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	return do(t, h, http.MethodGet, target, header...)
}

func do(t *testing.T, h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var (
	tagRe  = regexp.MustCompile(`(?is)<(script|link)\b[^>]*>`)
	attrRe = regexp.MustCompile(`(?i)\b(src|href)="([^"]*)"`)
)

// references returns the src and href values of the page's script and link
// tags.
func references(page string) []string {
	var refs []string
	for _, tag := range tagRe.FindAllString(page, -1) {
		for _, m := range attrRe.FindAllStringSubmatch(tag, -1) {
			refs = append(refs, m[2])
		}
	}
	return refs
}

func TestIndexLoadsLocalAssetsOnly(t *testing.T) {
	h := Handler(Options{Endpoint: "/graphql"})
	rec := get(t, h, "/")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / = %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	page := rec.Body.String()
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Errorf("index page mentions an absolute URL:\n%s", page)
	}

	refs := references(page)
	want := map[string]bool{
		"graphiql.min.css": false, "page.css": false, "react.production.min.js": false,
		"react-dom.production.min.js": false, "graphiql.min.js": false, "init.js": false,
	}
	for _, ref := range refs {
		if ref == "data:," { // the empty favicon
			continue
		}
		if !strings.HasPrefix(ref, AssetPrefix) {
			t.Errorf("index refers to %q, outside %s", ref, AssetPrefix)
			continue
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(ref, AssetPrefix), "?")
		if _, ok := want[name]; ok {
			want[name] = true
		}
		if r := get(t, h, ref); r.Code != http.StatusOK {
			t.Errorf("GET %s (referred to by the index) = %d", ref, r.Code)
		}
	}
	for name, seen := range want {
		if !seen {
			t.Errorf("index does not load %s; refs: %q", name, refs)
		}
	}

	csp := rec.Header().Get("Content-Security-Policy")
	for _, directive := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'"} {
		if !strings.Contains(csp, directive+";") {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, directive)
		}
	}
	if strings.Contains(csp, "http") || strings.Contains(csp, "*") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("Content-Security-Policy %q allows more than this origin", csp)
	}
	// The bootstrap is web/init.js, so scripts need no inline allowance.
	_, scriptSrc, _ := strings.Cut(csp, "script-src")
	if scriptSrc, _, _ = strings.Cut(scriptSrc, ";"); strings.TrimSpace(scriptSrc) != "'self'" {
		t.Errorf("script-src is %q, want only 'self'", scriptSrc)
	}
	// The only inline <script> is the JSON options, which is not executed.
	for _, tag := range tagRe.FindAllString(page, -1) {
		if strings.HasPrefix(strings.ToLower(tag), "<script") && !strings.Contains(tag, "src=") &&
			!strings.Contains(tag, `type="application/json"`) {
			t.Errorf("inline executable script: %s", tag)
		}
	}

	if head := do(t, h, http.MethodHead, "/"); head.Code != http.StatusOK || head.Body.Len() != 0 {
		t.Errorf("HEAD / = %d with %d bytes", head.Code, head.Body.Len())
	}
}

func TestAssetsServedWithTypeAndCaching(t *testing.T) {
	h := Handler(Options{})
	cases := []struct {
		name, contentType string
		minSize           int
		marker            string
	}{
		{"graphiql.min.js", "text/javascript; charset=utf-8", 500_000, "GraphiQL"},
		{"graphiql.min.css", "text/css; charset=utf-8", 100_000, ".graphiql-container"},
		{"react.production.min.js", "text/javascript; charset=utf-8", 5_000, "react.production.min.js"},
		{"react-dom.production.min.js", "text/javascript; charset=utf-8", 100_000, "react-dom.production.min.js"},
		{"init.js", "text/javascript; charset=utf-8", 500, "graphiql-options"},
		{"page.css", "text/css; charset=utf-8", 50, "#graphiql"},
		{"LICENSE.graphiql", "text/plain; charset=utf-8", 500, "MIT License"},
		{"LICENSE.react", "text/plain; charset=utf-8", 500, "MIT License"},
		{"LICENSE.react-dom", "text/plain; charset=utf-8", 500, "MIT License"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url, err := h.(*handler).assetURL(c.name)
			if err != nil {
				t.Fatal(err)
			}
			rec := get(t, h, url)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s = %d", url, rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); ct != c.contentType {
				t.Errorf("Content-Type = %q, want %q", ct, c.contentType)
			}
			if n := rec.Body.Len(); n < c.minSize {
				t.Errorf("size = %d bytes, want at least %d", n, c.minSize)
			}
			if !strings.Contains(rec.Body.String(), c.marker) {
				t.Errorf("body lacks %q", c.marker)
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
				t.Errorf("versioned URL: Cache-Control = %q", cc)
			}
			etag := rec.Header().Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no X-Content-Type-Options: nosniff")
			}

			// An unversioned (or stale) URL must be revalidated.
			plain := get(t, h, AssetPrefix+c.name+"?v=stale")
			if cc := plain.Header().Get("Cache-Control"); plain.Code != http.StatusOK || cc != "no-cache" {
				t.Errorf("stale URL: %d, Cache-Control = %q", plain.Code, cc)
			}
			if r := get(t, h, url, "If-None-Match", etag); r.Code != http.StatusNotModified {
				t.Errorf("If-None-Match %s = %d, want 304", etag, r.Code)
			}

			gz := get(t, h, url, "Accept-Encoding", "gzip, deflate, br")
			if gz.Header().Get("Content-Encoding") == "gzip" {
				zr, err := gzip.NewReader(gz.Body)
				if err != nil {
					t.Fatal(err)
				}
				plainBody, err := io.ReadAll(zr)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(plainBody, rec.Body.Bytes()) {
					t.Error("gzip body does not decode to the asset")
				}
				if gz.Header().Get("ETag") == etag {
					t.Error("gzip and identity encodings share an ETag")
				}
			} else if c.minSize > 10_000 {
				t.Error("a large asset was not gzipped for a client that accepts gzip")
			}
			if v := gz.Header().Get("Vary"); v != "Accept-Encoding" {
				t.Errorf("Vary = %q", v)
			}
			if r := get(t, h, url, "Accept-Encoding", "gzip;q=0"); r.Header().Get("Content-Encoding") != "" {
				t.Error("gzipped although the client refused gzip")
			}
		})
	}
}

// options extracts and decodes the page's JSON options.
func options(t *testing.T, page string) pageConfig {
	t.Helper()
	const open = `<script id="graphiql-options" type="application/json">`
	_, rest, ok := strings.Cut(page, open)
	if !ok {
		t.Fatalf("no options script in:\n%s", page)
	}
	body, _, ok := strings.Cut(rest, "</script>")
	if !ok {
		t.Fatal("options script not closed")
	}
	var cfg pageConfig
	if err := json.Unmarshal([]byte(body), &cfg); err != nil {
		t.Fatalf("options are not JSON: %v\n%s", err, body)
	}
	return cfg
}

func TestOptionsEmbeddedEscaped(t *testing.T) {
	opts := Options{
		Title:          `gpec </title><script>alert("t")</script>`,
		Endpoint:       "/api/graphql",
		DefaultQuery:   "# </script><script>alert('q')</script> <!-- & \u2028\n{ nodes { id } }\n",
		DefaultHeaders: `{"Authorization": "Bearer </script><script>alert(1)</script>"}`,
		PersistHeaders: true,
	}
	rec := get(t, Handler(opts), "/")
	page := rec.Body.String()

	if strings.Contains(page, "<script>alert") {
		t.Errorf("an option broke out of its context:\n%s", page)
	}
	if opens, closes := strings.Count(page, "<script"), strings.Count(page, "</script>"); opens != 5 || closes != 5 {
		t.Errorf("page has %d <script and %d </script>, want 5 each:\n%s", opens, closes, page)
	}
	if !strings.Contains(page, "<title>gpec &lt;/title&gt;&lt;script&gt;") {
		t.Errorf("title not HTML-escaped:\n%s", page)
	}

	got := options(t, page)
	want := pageConfig{
		Endpoint:       opts.Endpoint,
		DefaultQuery:   opts.DefaultQuery,
		DefaultHeaders: opts.DefaultHeaders,
		PersistHeaders: true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("options decode to %+v, want %+v", got, want)
	}
}

func TestDefaults(t *testing.T) {
	page := get(t, Handler(Options{}), "/").Body.String()
	if !strings.Contains(page, "<title>GraphiQL</title>") {
		t.Error("default title missing")
	}
	if got := options(t, page); !reflect.DeepEqual(got, pageConfig{Endpoint: "/graphql"}) {
		t.Errorf("default options = %+v", got)
	}
}

func TestUnknownPaths(t *testing.T) {
	h := Handler(Options{})
	for _, p := range []string{
		AssetPrefix + "nope.js",
		AssetPrefix + "README.md", // in the source tree, not embedded
		AssetPrefix,
		AssetPrefix + "assets/graphiql.min.js",
		AssetPrefix + "graphiql.min.js/",
		"/graphiql/",
		"/graphiql",
		"/favicon.ico",
		"/index.html",
	} {
		if rec := get(t, h, p); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, rec.Code)
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	h := Handler(Options{})
	for _, p := range []string{"/", AssetPrefix + "init.js"} {
		rec := do(t, h, http.MethodPost, p)
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("POST %s = %d, Allow %q", p, rec.Code, rec.Header().Get("Allow"))
		}
	}
}

func TestBasePath(t *testing.T) {
	h := Handler(Options{BasePath: "/playground"})
	rec := get(t, h, "/playground/")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /playground/ = %d", rec.Code)
	}
	for _, ref := range references(rec.Body.String()) {
		if ref == "data:," {
			continue
		}
		if !strings.HasPrefix(ref, "/playground/"+AssetDir) {
			t.Errorf("ref %q is not under the base path", ref)
		}
		if r := get(t, h, ref); r.Code != http.StatusOK {
			t.Errorf("GET %s = %d", ref, r.Code)
		}
	}
	if r := get(t, h, "/"); r.Code != http.StatusNotFound {
		t.Errorf("GET / with BasePath /playground/ = %d, want 404", r.Code)
	}
}

func TestCrossOriginEndpointInCSP(t *testing.T) {
	rec := get(t, Handler(Options{Endpoint: "https://api.internal:8443/graphql"}), "/")
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "connect-src 'self' https://api.internal:8443;") {
		t.Errorf("Content-Security-Policy %q does not allow the endpoint's origin", csp)
	}
	if !strings.Contains(csp, "script-src 'self';") {
		t.Errorf("Content-Security-Policy %q: script-src changed", csp)
	}
}
