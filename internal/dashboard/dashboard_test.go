package dashboard_test

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gpec-project/gpec/internal/dashboard"
)

func get(t *testing.T, h http.Handler, method, path string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestPageAndAssets(t *testing.T) {
	h := dashboard.Handler("/dashboard/", "/graphql")
	rec := get(t, h, http.MethodGet, "/dashboard/", nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("index: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	csp := rec.Header().Get("Content-Security-Policy")
	for _, part := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, part) {
			t.Fatalf("CSP %q lacks %q", csp, part)
		}
	}
	if strings.Contains(csp, "unsafe") || strings.Contains(csp, "http") {
		t.Fatalf("CSP allows more than the page's origin: %q", csp)
	}
	page := rec.Body.String()
	// Closed networks: the page names no other host, and runs no inline script.
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") || strings.Contains(page, "//cdn") {
		t.Fatalf("the page refers to another host:\n%s", page)
	}
	if regexp.MustCompile(`<script(?: type="module")?>`).MatchString(page) || strings.Contains(page, "style=") {
		t.Fatal("the page has an inline script or style, which its CSP forbids")
	}
	urls := regexp.MustCompile(`(?:src|href)="(/dashboard/assets/[^"?]+)\?v=([0-9a-f]+)"`).FindAllStringSubmatch(page, -1)
	if len(urls) < 4 {
		t.Fatalf("the page loads %d versioned assets: %v", len(urls), urls)
	}
	for _, u := range urls {
		rec := get(t, h, http.MethodGet, u[1]+"?v="+u[2], map[string]string{"Accept-Encoding": "gzip"})
		if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Fatalf("%s: %d, Cache-Control %q", u[1], rec.Code, rec.Header().Get("Cache-Control"))
		}
		if rec.Header().Get("Content-Encoding") == "gzip" {
			if _, err := gzip.NewReader(rec.Body); err != nil {
				t.Fatalf("%s: bad gzip: %v", u[1], err)
			}
		}
	}
	// Unversioned (the ES modules' imports of each other): revalidated.
	rec = get(t, h, http.MethodGet, "/dashboard/assets/views.js", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-cache" || rec.Header().Get("ETag") == "" {
		t.Fatalf("views.js: %d %v", rec.Code, rec.Header())
	}
	if rec := get(t, h, http.MethodGet, "/dashboard/assets/nope.js", nil); rec.Code != http.StatusNotFound {
		t.Fatalf("unknown asset: %d", rec.Code)
	}
	if rec := get(t, h, http.MethodGet, "/dashboard/other", nil); rec.Code != http.StatusNotFound {
		t.Fatalf("unknown path: %d", rec.Code)
	}
	if rec := get(t, h, http.MethodPost, "/dashboard/", nil); rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", rec.Code)
	}
}

// The shipped contours: the 96 metropolitan departments and 13 regions,
// with INSEE codes and names, and their licence alongside.
func TestContours(t *testing.T) {
	h := dashboard.Handler("/dashboard/", "")
	for file, want := range map[string]int{"departements.geojson": 96, "regions.geojson": 13} {
		rec := get(t, h, http.MethodGet, "/dashboard/assets/"+file, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", file, rec.Code)
		}
		var fc struct {
			Features []struct {
				Properties struct{ Code, Nom string }
				Geometry   struct{ Type string }
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &fc); err != nil {
			t.Fatal(err)
		}
		codes := map[string]bool{}
		for _, f := range fc.Features {
			if f.Properties.Code == "" || f.Properties.Nom == "" || (f.Geometry.Type != "Polygon" && f.Geometry.Type != "MultiPolygon") {
				t.Fatalf("%s: feature %+v", file, f)
			}
			codes[f.Properties.Code] = true
		}
		if len(codes) != want {
			t.Fatalf("%s: %d territories, want %d", file, len(codes), want)
		}
		if rec.Body.Len() > 300<<10 {
			t.Fatalf("%s: %d bytes; keep the shipped contours small", file, rec.Body.Len())
		}
	}
	rec := get(t, h, http.MethodGet, "/dashboard/assets/PROVENANCE.md", nil)
	body, _ := io.ReadAll(rec.Body)
	if !strings.Contains(string(body), "Licence Ouverte") || !strings.Contains(string(body), "GEOFLA") {
		t.Fatal("the contours' provenance does not name their licence and source")
	}
}
