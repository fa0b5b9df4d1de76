package server

import (
	"bytes"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/gpec-project/gpec/graph/generated"
	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/csvio"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/download"
	"github.com/gpec-project/gpec/internal/httpjson"
	"github.com/gpec-project/gpec/internal/importer"
)

// downloadFormat is a download's format: the path's extension (.xlsx) or
// the `format` parameter (csv, excel, excel-fr, xlsx); ".csv" and no
// parameter give the CSV of before, for programs.
func downloadFormat(r *http.Request) (csvio.Format, error) {
	v := r.URL.Query().Get("format")
	if strings.HasSuffix(r.URL.Path, ".xlsx") {
		if v != "" && v != string(csvio.FormatXLSX) {
			return "", domain.Invalid("format", "an .xlsx path is an XLSX workbook: leave format out")
		}
		return csvio.FormatXLSX, nil
	}
	f, ok := csvio.ParseFormat(v)
	if !ok {
		return "", domain.Invalid("format", "format is one of %v", csvio.Formats)
	}
	return f, nil
}

// isDownload tells whether a path is a file a signed link may point at.
func isDownload(p string) bool {
	switch {
	case p == "/aggregates.csv", p == "/aggregates.xlsx":
		return true
	case strings.HasPrefix(p, "/export/"):
		ext := path.Ext(p)
		return ext == ".csv" || ext == ".xlsx"
	}
	return false
}

// templates serves GET /templates/{kind}.csv|xlsx: an empty file of a kind
// with its header and the import guide's example rows; /templates/all.xlsx
// is one workbook with a sheet per kind. They hold only the
// format, so they need no token: links in the guide and on web pages work.
func (s *Server) templates(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		httpjson.Error(w, http.StatusMethodNotAllowed, "BAD_REQUEST", "use GET")
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/templates/")
	kind := strings.TrimSuffix(strings.TrimSuffix(name, ".csv"), ".xlsx")
	f, err := downloadFormat(r)
	if err == nil && kind == name {
		err = domain.Invalid("kind", "ask /templates/KIND.csv or /templates/KIND.xlsx")
	}
	if err != nil {
		s.writeDomainError(w, r, err)
		return
	}
	write := func(b *bytes.Buffer) error { return importer.WriteTemplate(b, kind, f) }
	switch _, _, ok := importer.Template(kind); {
	case kind == importer.AllKinds && f == csvio.FormatXLSX:
		write = func(b *bytes.Buffer) error { return importer.WriteWorkbookTemplate(b) }
	case !ok:
		httpjson.Error(w, http.StatusNotFound, domain.CodeNotFound, fmt.Sprintf("no file kind %q; kinds: %s (and all.xlsx, every kind in one workbook)", kind, strings.Join(importer.Kinds(), ", ")))
		return
	}
	// Templates are made once: the route needs no token, so it must cost
	// nothing to repeat.
	key := kind + "." + string(f)
	body, ok := templateCache.Load(key)
	if !ok {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			s.writeDomainError(w, r, err)
			return
		}
		body, _ = templateCache.LoadOrStore(key, b.Bytes())
	}
	w.Header().Set("Content-Type", f.ContentType())
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s%s"`, kind, f.Ext()))
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body.([]byte)))
}

// templateCache holds the templates made, by kind and format (a few dozen).
var templateCache sync.Map

// schemaSDL serves GET /schema.graphql: the schema in SDL, for code
// generators. It is introspection by another road, so the same rule holds:
// in production, administrators only.
func (s *Server) schemaSDL(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		httpjson.Error(w, http.StatusMethodNotAllowed, "BAD_REQUEST", "use GET")
		return
	}
	p := auth.FromContext(r.Context())
	if err := p.RequireAuthenticated(); err != nil {
		s.writeDomainError(w, r, err)
		return
	}
	if s.cfg.Production && !p.IsAdmin() {
		s.writeDomainError(w, r, domain.Errorf(domain.CodeForbidden, "the schema is reserved to administrators in production"))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="schema.graphql"`)
	w.Header().Set("Cache-Control", "private, no-cache")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(schemaText()))
}

var (
	sdlOnce sync.Once
	sdl     []byte
)

// schemaText is the served schema, formatted once from the executable
// schema (the same gqlgen serves), descriptions included.
func schemaText() []byte {
	sdlOnce.Do(func() {
		var b bytes.Buffer
		formatter.NewFormatter(&b, formatter.WithComments()).FormatSchema(generated.NewExecutableSchema(generated.Config{}).Schema())
		sdl = b.Bytes()
	})
	return sdl
}

// cors answers browsers of the allowed origins: preflights (OPTIONS with
// Access-Control-Request-Method) get the methods and headers the API uses,
// and every response to an allowed Origin names it. Credentials are bearer
// tokens in a header, never cookies, so Allow-Credentials is not sent. With
// no origin configured nothing is added, and browsers keep pages of other
// origins out.
func cors(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	allowed := map[string]bool{}
	any := false
	for _, o := range origins {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		if o == "*" {
			any = true
		}
		allowed[o] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		h := w.Header()
		h.Add("Vary", "Origin")
		if origin == "" || !(any || allowed[origin]) {
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", "Content-Disposition, Retry-After, X-Request-Id")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, X-Request-Id, Apollo-Require-Preflight")
			h.Set("Access-Control-Max-Age", strconv.Itoa(int((10 * time.Minute).Seconds())))
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// signer is the server's download-link signer.
func (s *Server) signer() *download.Signer {
	s.signerOnce.Do(func() {
		s.links = download.NewSigner(s.cfg.DownloadSecret, s.cfg.DownloadTTL, isDownload)
	})
	return s.links
}

// withSigned serves a download route: a request with a signed link acts as
// the link's token, any other goes through authed.
func (s *Server) withSigned(download, authed http.Handler) http.Handler {
	// The request log names the link's token like any other's, and the
	// token's limits (in-flight cap, cost budget) apply as to any request.
	return s.signer().Middleware(s.DB, notePrincipal(s.guard.Handler(download)), authed, s.writeDomainError)
}
