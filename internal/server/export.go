package server

import (
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gpec-project/gpec/internal/access"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/export"
	"github.com/gpec-project/gpec/internal/httpjson"
)

// exportKind serves GET /export/{kind}.csv (or .xlsx): one kind in its
// import format, for administrators (a company's or a pole's extract is a
// GraphQL query); `format` as for /aggregates.csv.
func (s *Server) exportKind(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		httpjson.Error(w, http.StatusMethodNotAllowed, "BAD_REQUEST", "use GET")
		return
	}
	if err := access.Admin(r.Context()); err != nil {
		s.writeDomainError(w, r, err)
		return
	}
	format, err := downloadFormat(r)
	if err != nil {
		s.writeDomainError(w, r, err)
		return
	}
	kind := strings.TrimPrefix(r.URL.Path, "/export/")
	if ext := path.Ext(kind); ext == ".csv" || ext == ".xlsx" {
		kind = strings.TrimSuffix(kind, ext)
	}
	known := false
	for _, k := range export.Kinds() {
		known = known || k == kind
	}
	if !known {
		httpjson.Error(w, http.StatusNotFound, domain.CodeNotFound, fmt.Sprintf("no export kind %q; kinds: %s", kind, strings.Join(export.Kinds(), ", ")))
		return
	}
	w.Header().Set("Content-Type", format.ContentType())
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="gpec-%s-%s%s"`, kind, time.Now().UTC().Format("2006-01-02"), format.Ext()))
	if err := export.ExportKindAs(r.Context(), s.Read, kind, format, w); err != nil && !errors.Is(err, r.Context().Err()) {
		// Headers are gone already: log, and cut the body so the client sees a failure.
		s.cfg.Log.ErrorContext(r.Context(), "export failed", "request_id", RequestID(r.Context()), "kind", kind, "err", err.Error())
		panic(http.ErrAbortHandler)
	}
}
