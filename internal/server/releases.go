package server

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gpec-project/gpec/internal/access"
	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/httpjson"
	"github.com/gpec-project/gpec/internal/ident"
	"github.com/gpec-project/gpec/internal/release"
)

// releaseCSV serves GET /releases/{id}.csv: one table of a release as
// /aggregates.csv writes it (same columns). Parameters: level, parent
// (level:code), dimension, horizon. A release has no asOf, retirement age or
// ordering of the reader's choice: those parameters are refused, naming the
// release's own.
func (s *Server) releaseCSV(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		httpjson.Error(w, http.StatusMethodNotAllowed, "BAD_REQUEST", "use GET")
		return
	}
	res, q, rel, err := s.releaseTable(r)
	if err != nil {
		s.writeDomainError(w, r, err)
		return
	}
	name := "gpec-release-" + strconv.FormatInt(rel.ID, 10) + "_" + rel.ReferenceDate.Format("2006-01-02") + "_" + q.Level
	if q.Parent != nil {
		name += "-of-" + q.Parent.Level + "-" + q.Parent.Code
	}
	if q.Dimension != "" && q.Dimension != aggregates.DimensionNone {
		name += "_by-" + strings.ReplaceAll(string(q.Dimension), "_", "-")
	}
	name += "_" + strconv.Itoa(q.Horizon) + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	if err := aggregates.WriteCSV(w, q.Dimension, res); err != nil {
		s.cfg.Log.ErrorContext(r.Context(), "release csv", "request_id", RequestID(r.Context()), "err", err.Error())
	}
}

func (s *Server) releaseTable(r *http.Request) (*aggregates.Result, release.TableQuery, *release.Release, error) {
	var q release.TableQuery
	publishedOnly, err := access.Releases(r.Context())
	if err != nil {
		return nil, q, nil, err
	}
	idText, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/releases/"), ".csv")
	if !ok {
		return nil, q, nil, domain.Errorf(domain.CodeNotFound, "a release's table is at /releases/{id}.csv")
	}
	id, err := release.ParseID(idText)
	if err != nil {
		return nil, q, nil, err
	}
	rel, err := release.Get(r.Context(), s.Read, id)
	if err != nil {
		return nil, q, nil, err
	}
	if rel == nil || (publishedOnly && rel.Status != release.Published) {
		return nil, q, nil, domain.Errorf(domain.CodeNotFound, "no release %d", id)
	}
	v := r.URL.Query()
	for _, p := range []string{"asOf", "retirementAge", "includeOptional", "orderBy", "descending", "first"} {
		if v.Has(p) {
			return nil, q, nil, domain.Invalid(p, "%s is fixed: reference date %s, horizons %v, retirement age %d, essential links; %s is not a parameter of a release",
				rel.Name(), rel.ReferenceDate.Format("2006-01-02"), rel.Horizons(), rel.RetirementAge, p)
		}
	}
	q.Level, q.Dimension = v.Get("level"), aggregates.Dimension(v.Get("dimension"))
	if p := v.Get("parent"); p != "" {
		level, code, ok := strings.Cut(p, ":")
		if !ok || ident.TerritoryCode(level, code) != nil {
			return nil, q, nil, domain.Invalid("parent", "parent is level:code, e.g. region:76")
		}
		q.Parent = &domain.TerritoryKey{Level: level, Code: code}
	}
	if q.Horizon, err = strconv.Atoi(v.Get("horizon")); err != nil {
		return nil, q, nil, domain.Invalid("horizon", "horizon is required: one of %v (%s)", rel.Horizons(), rel.Name())
	}
	if err := access.ReleaseTable(r.Context(), &q.Parent); err != nil {
		return nil, q, nil, err
	}
	// rel was read just above: a deleted release is never served from s.tables.
	res, err := s.tables.Table(r.Context(), s.Read, rel, q)
	return res, q, rel, err
}
