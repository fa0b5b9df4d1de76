package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gpec-project/gpec/internal/access"
	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/domain"
	"github.com/gpec-project/gpec/internal/httpjson"
	"github.com/gpec-project/gpec/internal/ident"
	"github.com/gpec-project/gpec/internal/limits"
	"github.com/gpec-project/gpec/internal/release"
)

// aggregatesCSV serves GET /aggregates.csv and /aggregates.xlsx: the
// territorialAggregates query as a spreadsheet, same cells, same
// suppression, same access rules. Parameters: level, parent (level:code),
// dimension, asOf, horizon, retirementAge, includeOptional, orderBy,
// descending, first, and format (csv, excel, excel-fr, xlsx; see
// csvio.Format).
func (s *Server) aggregatesCSV(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		httpjson.Error(w, http.StatusMethodNotAllowed, "BAD_REQUEST", "use GET")
		return
	}
	if !s.spendOn(w, r, "Query.territorialAggregates") {
		return
	}
	format, err := downloadFormat(r)
	var q aggregates.Query
	if err == nil {
		q, err = aggregatesQuery(r)
	}
	if err == nil {
		err = access.Aggregates(r.Context(), &q.Parent, &q.Scope.PoleID, &q.Enforce)
		if errors.Is(err, access.ErrReleasesOnly) {
			err = release.ObservatoryForbidden(r.Context(), s.Read)
		}
	}
	var res *aggregates.Result
	if err == nil {
		res, err = aggregates.ComputeKept(r.Context(), s.Read, q, s.kept)
	}
	if err != nil {
		s.writeDomainError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", format.ContentType())
	w.Header().Set("Content-Disposition", aggregates.ContentDispositionAs(q, format.Ext()))
	if err := aggregates.WriteTable(w, format, q.Dimension, res); err != nil {
		s.cfg.Log.ErrorContext(r.Context(), "aggregates csv", "request_id", RequestID(r.Context()), "err", err.Error())
	}
}

func aggregatesQuery(r *http.Request) (aggregates.Query, error) {
	v := r.URL.Query()
	q := aggregates.Query{Level: v.Get("level"), Dimension: aggregates.Dimension(v.Get("dimension")), AsOf: domain.Today()}
	var err error
	if p := v.Get("parent"); p != "" {
		level, code, ok := strings.Cut(p, ":")
		if !ok || ident.TerritoryCode(level, code) != nil {
			return q, domain.Invalid("parent", "parent is level:code, e.g. region:76")
		}
		q.Parent = &domain.TerritoryKey{Level: level, Code: code}
	}
	if a := v.Get("asOf"); a != "" {
		if q.AsOf, err = time.Parse("2006-01-02", a); err != nil {
			return q, domain.Invalid("asOf", "asOf is a date YYYY-MM-DD")
		}
	}
	ints := map[string]*int{"horizon": &q.Horizon, "retirementAge": &q.RetirementAge, "first": &q.First}
	for name, dst := range ints {
		if s := v.Get(name); s != "" {
			if *dst, err = strconv.Atoi(s); err != nil {
				return q, domain.Invalid(name, "%s must be a whole number", name)
			}
		}
	}
	if q.Horizon == 0 {
		return q, domain.Invalid("horizon", "horizon (a year) is required")
	}
	q.IncludeOptional = v.Get("includeOptional") == "true"
	q.OrderBy = aggregates.Measure(v.Get("orderBy"))
	q.Descending = v.Get("descending") != "false"
	return q, nil
}

// writeDomainError answers a non-GraphQL endpoint's error with the same codes.
func (s *Server) writeDomainError(w http.ResponseWriter, r *http.Request, err error) {
	code := domain.ErrorCode(err)
	status := map[string]int{domain.CodeInvalid: 400, domain.CodeUnauthenticated: 401, domain.CodeForbidden: 403, domain.CodeNotFound: 404}[code]
	msg := limits.ShortenMessage(err.Error())
	if limits.IsUnavailable(err) {
		w.Header().Set("Retry-After", strconv.Itoa(int(limits.UnavailableRetry.Seconds())))
		httpjson.Error(w, http.StatusServiceUnavailable, limits.CodeUnavailable, "the database is unavailable; retry in a few seconds")
		return
	}
	if status == 0 {
		status, msg = 500, "internal error (request "+RequestID(r.Context())+")"
		s.cfg.Log.ErrorContext(r.Context(), "internal error", "request_id", RequestID(r.Context()), "err", err.Error())
	}
	httpjson.Error(w, status, code, msg)
}
