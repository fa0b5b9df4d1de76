package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/jmoiron/sqlx"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gpec-project/gpec/graph"
	"github.com/gpec-project/gpec/graph/generated"
	"github.com/gpec-project/gpec/internal/analytics"
	"github.com/gpec-project/gpec/internal/auth"
	"github.com/gpec-project/gpec/internal/campaign"
	"github.com/gpec-project/gpec/internal/graphiql"
	"github.com/gpec-project/gpec/internal/httpjson"
	"github.com/gpec-project/gpec/internal/limits"
	"github.com/gpec-project/gpec/internal/migrate"
	"github.com/gpec-project/gpec/internal/observe"
	"github.com/gpec-project/gpec/internal/project"
	"github.com/gpec-project/gpec/internal/store"
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
	// Metrics receives the request and pool metrics; nil makes a registry.
	Metrics *observe.Metrics
	// SeparateMetrics leaves /metrics out of Handler: the caller serves
	// MetricsHandler on a listener of its own.
	SeparateMetrics bool
}

// Server is gpec's HTTP service.
type Server struct {
	// DB is the primary: tokens, imports, migrations.
	DB *sqlx.DB
	// Read serves the reads (the primary unless Config.ReadDB is set).
	Read *sqlx.DB
	// Store reads through Read.
	Store  *store.Store
	engine *analytics.Engine
	cfg    Config
	ready  func() bool
	auth   *auth.Middleware
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
	return &Server{DB: db, Read: read, Store: store.New(read), engine: &analytics.Engine{DB: read}, cfg: cfg}
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
	res := resolvers{Resolver: &graph.Resolver{Store: s.Store}, primary: &graph.Resolver{Store: store.New(s.DB)}}
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: res}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
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
	srv.SetErrorPresenter(limits.ErrorPresenter(presentError(s.cfg.Log)))
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
	s.auth = auth.NewMiddleware(s.DB, *s.cfg.Auth)
	// Outermost the request log and metrics, so that refusals are seen;
	// then the body and time limits, so that they also bound the token
	// look-up; the principal is noted once authenticated.
	observed := func(route string, h http.Handler) http.Handler {
		return observe.Middleware(route, s.cfg.Metrics, s.cfg.Log, h)
	}
	authed := func(h http.Handler) http.Handler { return s.withRequest(s.auth.Handler(notePrincipal(h))) }
	mux.Handle("/graphql", observed("graphql", limits.HTTPMiddleware(*s.cfg.Limits, authed(gql))))
	// Exports stream for as long as they need: no request timeout.
	mux.Handle("/export/", observed("export", authed(http.HandlerFunc(s.exportKind))))
	mux.Handle("/aggregates.csv", observed("aggregates", limits.HTTPMiddleware(*s.cfg.Limits, authed(http.HandlerFunc(s.aggregatesCSV)))))
	if !s.cfg.SeparateMetrics {
		mux.Handle("/metrics", s.MetricsHandler())
	}
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		httpjson.Write(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	mux.HandleFunc("/readyz", s.readyz)
	if s.cfg.GraphiQL {
		mux.Handle("/", graphiql.Handler(graphiql.Options{
			Title:          "gpec — GraphiQL",
			Endpoint:       "/graphql",
			DefaultQuery:   s.cfg.GraphiQLQuery,
			DefaultHeaders: s.cfg.GraphiQLHeaders,
		}))
	}
	return mux
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
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if s.ready != nil && !s.ready() {
		httpjson.Write(w, http.StatusServiceUnavailable, map[string]any{"status": "shutting down"})
		return
	}
	if err := s.DB.PingContext(ctx); err != nil {
		httpjson.Write(w, http.StatusServiceUnavailable, map[string]any{"status": "database unreachable"})
		return
	}
	if s.Read != s.DB {
		if err := s.Read.PingContext(ctx); err != nil {
			httpjson.Write(w, http.StatusServiceUnavailable, map[string]any{"status": "read replica unreachable"})
			return
		}
	}
	if n, err := migrate.Pending(ctx, s.DB.DB); err != nil || n > 0 {
		httpjson.Write(w, http.StatusServiceUnavailable, map[string]any{"status": "migrations pending", "pending": n})
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"status": "ready"})
}
