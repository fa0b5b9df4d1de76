package observe

import (
	"database/sql"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MaxOperations bounds the distinct operation names in the metrics: names
// are chosen by clients, and each one is a set of time series in every
// scraper, so the names after the first MaxOperations count as "other".
const MaxOperations = 200

// Operation labels that are not a client's name.
const (
	OpAnonymous = "(anonymous)" // an operation without a name
	OpNone      = "(none)"      // refused before an operation was chosen
	OpOther     = "(other)"     // past MaxOperations
)

// Metrics is gpec's Prometheus registry. Each Server has its own rather
// than the global one, so that tests can build many.
type Metrics struct {
	reg        *prometheus.Registry
	gqlTotal   *prometheus.CounterVec
	gqlSeconds *prometheus.HistogramVec
	httpTotal  *prometheus.CounterVec
	httpSecs   *prometheus.HistogramVec
	inFlight   prometheus.Gauge
	rollups    *prometheus.CounterVec
	rollupSecs prometheus.Gauge
	rollupAt   prometheus.Gauge

	mu  sync.Mutex
	ops map[string]bool
}

// Latency buckets from 5 ms up to the default 30 s request timeout.
var buckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// NewMetrics returns a registry with gpec's request metrics and the Go
// runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), ops: map[string]bool{}}
	m.gqlTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gpec_graphql_requests_total",
		Help: "GraphQL requests by operation name and outcome (ok, or the first error's extensions.code).",
	}, []string{"operation", "outcome"})
	m.gqlSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "gpec_graphql_request_duration_seconds",
		Help:    "GraphQL request latency by operation name and result (ok or error).",
		Buckets: buckets,
	}, []string{"operation", "result"})
	m.httpTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gpec_http_requests_total",
		Help: "HTTP requests by route (graphql, export, aggregates) and status code.",
	}, []string{"route", "code"})
	m.httpSecs = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "gpec_http_request_duration_seconds",
		Help:    "HTTP request latency by route.",
		Buckets: buckets,
	}, []string{"route"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "gpec_http_requests_in_flight",
		Help: "Requests being served (it falls to zero during a graceful shutdown).",
	})
	m.rollups = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gpec_rollup_builds_total",
		Help: "Analytics rollup builds by outcome (ok or error).",
	}, []string{"outcome"})
	m.rollupSecs = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "gpec_rollup_last_build_seconds",
		Help: "Duration of the last successful rollup build.",
	})
	m.rollupAt = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "gpec_rollup_last_success_timestamp_seconds",
		Help: "Unix time of the last successful rollup build (requests compute from the data while rollups are stale).",
	})
	m.reg.MustRegister(m.gqlTotal, m.gqlSeconds, m.httpTotal, m.httpSecs, m.inFlight, m.rollups, m.rollupSecs, m.rollupAt,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// AddDB exports the statistics of a connection pool (open, in use, idle,
// waits, closed for idleness or lifetime) as go_sql_* with db_name=name.
// Adding the same name twice is a no-op.
func (m *Metrics) AddDB(name string, db *sql.DB) {
	_ = m.reg.Register(collectors.NewDBStatsCollector(db, name))
}

// RollupBuilt records a rollup build of duration d that failed with err, or
// succeeded when err is nil.
func (m *Metrics) RollupBuilt(d time.Duration, err error) {
	if err != nil {
		m.rollups.WithLabelValues("error").Inc()
		return
	}
	m.rollups.WithLabelValues("ok").Inc()
	m.rollupSecs.Set(d.Seconds())
	m.rollupAt.SetToCurrentTime()
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

func (m *Metrics) observe(req *Request, status int, d time.Duration) {
	m.httpTotal.WithLabelValues(req.Route, strconv.Itoa(status)).Inc()
	m.httpSecs.WithLabelValues(req.Route).Observe(d.Seconds())
	if req.Route != "graphql" {
		return
	}
	op := m.operationLabel(req)
	m.gqlTotal.WithLabelValues(op, req.Outcome).Inc()
	result := "ok"
	if req.Outcome != "ok" {
		result = "error"
	}
	m.gqlSeconds.WithLabelValues(op, result).Observe(d.Seconds())
}

func (m *Metrics) operationLabel(req *Request) string {
	switch {
	case !req.OperationSet:
		return OpNone
	case req.Operation == "":
		return OpAnonymous
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ops[req.Operation] {
		return req.Operation
	}
	if len(m.ops) >= MaxOperations || len(req.Operation) > 100 {
		return OpOther
	}
	m.ops[req.Operation] = true
	return req.Operation
}
