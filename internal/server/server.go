package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/jmoiron/sqlx"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gpec-project/gpec/graph"
	"github.com/gpec-project/gpec/graph/generated"
	"github.com/gpec-project/gpec/internal/aggregates"
	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/campaign"
	"github.com/gpec-project/gpec/internal/dashboard"
	"github.com/gpec-project/gpec/internal/download"
	"github.com/gpec-project/gpec/internal/gqlhttp"
	"github.com/gpec-project/gpec/internal/graphiql"
	"github.com/gpec-project/gpec/internal/httpjson"
	"github.com/gpec-project/gpec/internal/limits"
	"github.com/gpec-project/gpec/internal/migrate"
	"github.com/gpec-project/gpec/internal/observe"
	"github.com/gpec-project/gpec/internal/project"
	"github.com/gpec-project/gpec/internal/release"
	"github.com/gpec-project/gpec/internal/store"
	"github.com/gpec-project/gpec/internal/training"
)

// Config tunes the service.
type Config struct {
	// AllowList, when set, restricts non-admin callers to these queries
	// (persisted queries of production dashboards).
	AllowList AllowList
	// Production turns introspection off for everyone but admins and hides
	// field suggestions ("did you mean") in validation errors.
	Production bool
	// GraphiQL serves the IDE at "/".
	GraphiQL bool
	// GraphiQLHeaders pre-fills GraphiQL's headers editor (JSON), e.g. a demo token.
	GraphiQLHeaders string
	// GraphiQLQuery is the example shown on first load.
	GraphiQLQuery string
	// GraphiQLExamples are named queries GraphiQL offers as tabs (serve
	// passes those of docs/queries.md, graphiql.DocumentedExamples).
	GraphiQLExamples []graphiql.Example
	// GraphiQLHeaderPresets are named headers GraphiQL offers to switch
	// between, e.g. the demo roles' tokens.
	GraphiQLHeaderPresets []graphiql.HeaderPreset
	// LoaderWait is how long a batch of nested look-ups stays open.
	LoaderWait time.Duration
	// Limits bound every request; zero value: limits.Defaults().
	Limits *limits.Config
	// Auth configures bearer tokens and rate limits; zero value: auth.DefaultConfig().
	Auth *auth.Config
	Log  *slog.Logger
	// ReadDB, when set, serves the GraphQL reads (store, analytics,
	// aggregates) and the CSV endpoints, typically a streaming replica;
	// tokens, imports and readiness's migration check use the primary.
	ReadDB *sqlx.DB
	// AuthDB, when set, is a small pool of the primary kept for token
	// look-ups and /readyz, so that no query, however slow, can starve
	// authentication or make a healthy instance look down.
	AuthDB *sqlx.DB
	// Metrics receives the request and pool metrics; nil makes a registry.
	Metrics *observe.Metrics
	// SeparateMetrics leaves /metrics out of Handler: the caller serves
	// MetricsHandler on a listener of its own.
	SeparateMetrics bool

	// CORSOrigins are the origins (scheme://host[:port], or "*") whose
	// pages may call the API from a browser; none by default.
	CORSOrigins []string
	// DownloadSecret keys the signed download links (see package
	// download); empty: a random key per process. Servers sharing one
	// address need the same secret.
	DownloadSecret []byte
	// DownloadTTL is a signed download link's lifetime; 0: 5 minutes.
	DownloadTTL time.Duration
	// ReleaseCacheCells bounds the cells of the release tables kept in
	// memory (release.Tables); 0: release.DefaultCacheCells; negative: none
	// kept, every table read from the database.
	ReleaseCacheCells int
	// CompanyCacheRows bounds the companies and sites of the companies
	// list's pages kept in memory for the current data version
	// (store.Store.CompanyCacheRows); 0: store.DefaultCompanyCacheRows;
	// negative: none kept, every page read from the database.
	CompanyCacheRows int
}

// Server is gpec's HTTP service.
type Server struct {
	// DB is the primary: tokens, imports, migrations.
	DB *sqlx.DB
	// Read serves the reads (the primary unless Config.ReadDB is set).
	Read *sqlx.DB
	// Store reads through Read.
	Store *store.Store
	// Auth serves token look-ups and readiness (Config.AuthDB, else DB).
	Auth   *sqlx.DB
	engine *analytics.Engine
	// tables keeps the release tables read so far, for GraphQL and the CSV.
	tables *release.Tables
	// kept keeps the territorial aggregates derived from stale cells for
	// the data version, for GraphQL and the spreadsheet.
	kept  *aggregates.Kept
	cfg   Config
	ready func() bool
	auth  *auth.Middleware
	guard *limits.Guard

	signerOnce sync.Once
	links      *download.Signer
}

// New assembles the service over db.
func New(db *sqlx.DB, cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Limits == nil {
		l := limits.Defaults()
		cfg.Limits = &l
	}
	if cfg.Auth == nil {
		a := auth.DefaultConfig()
		cfg.Auth = &a
	}
	read := cfg.ReadDB
	if read == nil {
		read = db
	}
	if cfg.Metrics == nil {
		cfg.Metrics = observe.NewMetrics()
	}
	cfg.Metrics.AddDB("primary", db.DB)
	if read != db {
		cfg.Metrics.AddDB("read", read.DB)
	}
	authDB := cfg.AuthDB
	if authDB == nil {
		authDB = db
	} else {
		cfg.Metrics.AddDB("auth", authDB.DB)
	}
	st := newStore(read, cfg)
	engine := &analytics.Engine{DB: read, Version: st.DataVersion, Points: analytics.NewPointCache(analytics.DefaultPointRows),
		Derived: analytics.NewDerivedCache(analytics.DefaultDerivedRows)}
	s := &Server{DB: db, Read: read, Auth: authDB, Store: st, engine: engine, cfg: cfg,
		kept: aggregates.NewKept(aggregates.DefaultKeptCells, st.DataVersion)}
	switch {
	case cfg.ReleaseCacheCells == 0:
		s.tables = release.NewTables(release.DefaultCacheCells)
	case cfg.ReleaseCacheCells > 0:
		s.tables = release.NewTables(cfg.ReleaseCacheCells)
	}
	ac := *cfg.Auth
	if read == db {
		// The token check reads the data version the store's cache needs,
		// in the same statement: one statement fewer per request.
		ac.WithDataVersion = store.WithDataVersion
	}
	s.auth = auth.NewMiddleware(authDB, ac)
	s.guard = limits.NewGuard(*cfg.Limits, callerKey)
	return s
}

// newStore returns the store of the reads over db with cfg's caches.
func newStore(db *sqlx.DB, cfg Config) *store.Store {
	st := store.New(db)
	st.CompanyCacheRows = cfg.CompanyCacheRows
	return st
}

// primaryStore returns the store of the mutations, which keeps no pages of
// the companies list: a mutation's request read its data version before
// it wrote, so a page cached for that version could miss its own write.
// (No mutation's answer reaches the list today.)
func primaryStore(db *sqlx.DB) *store.Store {
	st := store.New(db)
	st.CompanyCacheRows = -1
	return st
}

// callerKey names the caller the per-token limits apply to.
func callerKey(r *http.Request) string {
	if p := auth.FromContext(r.Context()); p.Authenticated() {
		return "token:" + strconv.FormatInt(p.TokenID, 10)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + host
}

// MetricsHandler serves the Prometheus metrics (see Config.SeparateMetrics).
func (s *Server) MetricsHandler() http.Handler { return s.cfg.Metrics.Handler() }

// resolvers answers queries from the read pool and mutations (imports)
// from the primary: a replica refuses writes.
type resolvers struct {
	*graph.Resolver
	primary *graph.Resolver
}

func (r resolvers) Mutation() generated.MutationResolver { return r.primary.Mutation() }

// SetReady installs an extra readiness condition (false while shutting down).
func (s *Server) SetReady(f func() bool) { s.ready = f }

// GraphQL returns the bare GraphQL handler.
func (s *Server) GraphQL() http.Handler {
	lim := s.cfg.Limits
	res := resolvers{
		Resolver: &graph.Resolver{Store: s.Store, ReleaseTables: s.tables, Aggregates: s.kept, MaxAnswerRows: lim.MaxAnswerRows, MaxEnrolmentRows: lim.MaxEnrolmentRows},
		primary:  &graph.Resolver{Store: primaryStore(s.DB), ReleaseTables: s.tables, Aggregates: s.kept, MaxAnswerRows: lim.MaxAnswerRows, MaxEnrolmentRows: lim.MaxEnrolmentRows},
	}
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: res}))
	srv.AddTransport(transport.Options{})
	// GraphQL over HTTP's statuses and bodies (package gqlhttp), not gqlgen's.
	srv.AddTransport(gqlhttp.GET{})
	srv.AddTransport(gqlhttp.POST{})
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: 512 << 20, MaxMemory: 32 << 20})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	// First, so that it sees every response, refusals included.
	srv.Use(observe.GraphQL{})
	// Persisted queries first: the limits must see the query they stand for.
	if s.cfg.AllowList != nil {
		// Before the APQ extension: an allow-listed hash needs no prior registration.
		srv.Use(allowListOnly{list: s.cfg.AllowList})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	limits.Apply(srv, *s.cfg.Limits)
	srv.Use(introspection{production: s.cfg.Production})
	srv.SetDisableSuggestion(s.cfg.Production)
	srv.SetErrorPresenter(limits.ErrorPresenter(presentError(s.cfg.Log, s.cfg.Production)))
	srv.SetRecoverFunc(recoverPanic(s.cfg.Log))
	return srv
}

// Handler returns the whole HTTP service.
func (s *Server) Handler() http.Handler {
	return s.routes(s.GraphQL())
}

// routes serves gql and the other endpoints.
func (s *Server) routes(gql http.Handler) http.Handler {
	mux := http.NewServeMux()
	// Outermost the request log and metrics, so that refusals are seen;
	// then the body and time limits, so that they also bound the token
	// look-up; the principal is noted once authenticated, then the
	// per-token limits apply.
	observed := func(route string, h http.Handler) http.Handler {
		return observe.Middleware(route, s.cfg.Metrics, s.cfg.Log, h)
	}
	authed := func(h http.Handler) http.Handler {
		return s.withRequest(s.auth.Handler(notePrincipal(s.guard.Handler(h))))
	}
	links := s.signer()
	mux.Handle("/graphql", observed("graphql", limits.HTTPMiddleware(*s.cfg.Limits, authed(withSigner(links, gql)))))
	// Exports stream for as long as they need: no request timeout. The
	// downloads also accept a signed link instead of a token.
	exportH := http.HandlerFunc(s.exportKind)
	mux.Handle("/export/", observed("export", s.withSigned(exportH, authed(exportH))))
	aggH := http.HandlerFunc(s.aggregatesCSV)
	mux.Handle("/aggregates.csv", observed("aggregates", limits.HTTPMiddleware(*s.cfg.Limits, s.withSigned(aggH, authed(aggH)))))
	mux.Handle("/aggregates.xlsx", observed("aggregates", limits.HTTPMiddleware(*s.cfg.Limits, s.withSigned(aggH, authed(aggH)))))
	mux.Handle("/templates/", observed("templates", http.HandlerFunc(s.templates)))
	mux.Handle("/schema.graphql", observed("schema", authed(http.HandlerFunc(s.schemaSDL))))
	mux.Handle("/releases/", observed("releases", limits.HTTPMiddleware(*s.cfg.Limits, authed(http.HandlerFunc(s.releaseCSV)))))
	if !s.cfg.SeparateMetrics {
		mux.Handle("/metrics", s.MetricsHandler())
	}
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		httpjson.Write(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	mux.HandleFunc("/readyz", s.readyz)
	// The dashboard is static: it reads data through /graphql with the
	// user's token, so it needs no authentication of its own.
	mux.Handle("/dashboard/", dashboard.Handler("/dashboard/", "/graphql"))
	if s.cfg.GraphiQL {
		mux.Handle("/", graphiql.Handler(graphiql.Options{
			Title:          "gpec — GraphiQL",
			Endpoint:       "/graphql",
			DefaultQuery:   s.cfg.GraphiQLQuery,
			DefaultHeaders: s.cfg.GraphiQLHeaders,
			Examples:       s.cfg.GraphiQLExamples,
			HeaderPresets:  s.cfg.GraphiQLHeaderPresets,
		}))
	}
	return cors(s.cfg.CORSOrigins, mux)
}

// withSigner lets the downloadLink mutation sign links.
func withSigner(links *download.Signer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(download.WithSigner(r.Context(), links)))
	})
}

// notePrincipal tells the request log who is asking: the token id and
// role, never the token.
func notePrincipal(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if req := observe.FromContext(r.Context()); req != nil {
			p := auth.FromContext(r.Context())
			req.TokenID, req.Role = p.TokenID, p.Role.String()
		}
		next.ServeHTTP(w, r)
	})
}

// withRequest gives each request its own loaders.
func (s *Server) withRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := store.WithLoaders(r.Context(), s.Store.NewLoaders(s.cfg.LoaderWait))
		ctx = analytics.WithLoaders(ctx, s.engine.NewLoaders(s.cfg.LoaderWait))
		ctx = campaign.WithLoaders(ctx, campaign.NewLoaders(&campaign.Service{DB: s.Read, Engine: s.engine}, s.cfg.LoaderWait))
		ctx = project.WithLoaders(ctx, project.NewLoaders(&project.Service{DB: s.Read, Engine: s.engine}, s.cfg.LoaderWait))
		ctx = training.WithLoaders(ctx, training.NewLoaders(&training.Service{DB: s.Read}, s.cfg.LoaderWait))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// readyz answers 200 when the instance can serve: the database answers
// (through the auth pool, which queries cannot fill) and no migration is
// pending. An error while counting migrations is an outage, never "all
// pending": a load balancer must not mistake one for the other.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if s.ready != nil && !s.ready() {
		httpjson.Write(w, http.StatusServiceUnavailable, map[string]any{"status": "shutting down"})
		return
	}
	unreachable := func(what string) {
		w.Header().Set("Retry-After", strconv.Itoa(int(limits.UnavailableRetry.Seconds())))
		httpjson.Write(w, http.StatusServiceUnavailable, map[string]any{"status": what})
	}
	if err := s.Auth.PingContext(ctx); err != nil {
		unreachable("database unreachable")
		return
	}
	if s.Read != s.DB {
		if err := s.Read.PingContext(ctx); err != nil {
			unreachable("read replica unreachable")
			return
		}
	}
	n, err := migrate.Pending(ctx, s.Auth.DB)
	if err != nil {
		unreachable("database unreachable")
		return
	}
	if n > 0 {
		httpjson.Write(w, http.StatusServiceUnavailable, map[string]any{"status": "migrations pending", "pending": n})
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"status": "ready"})
}
