package server

import (
	"context"
	"encoding/json"
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
	"github.com/gpec-project/gpec/internal/graphiql"
	"github.com/gpec-project/gpec/internal/limits"
	"github.com/gpec-project/gpec/internal/migrate"
	"github.com/gpec-project/gpec/internal/store"
)

// Config tunes the service.
type Config struct {
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
}

// Server is gpec's HTTP service.
type Server struct {
	DB     *sqlx.DB
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
	return &Server{DB: db, Store: store.New(db), engine: &analytics.Engine{DB: db}, cfg: cfg}
}

// SetReady installs an extra readiness condition (false while shutting down).
func (s *Server) SetReady(f func() bool) { s.ready = f }

// GraphQL returns the bare GraphQL handler.
func (s *Server) GraphQL() http.Handler {
	res := &graph.Resolver{Store: s.Store}
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: res}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: 512 << 20, MaxMemory: 32 << 20})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	// Persisted queries first: the limits must see the query they stand for.
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
	mux := http.NewServeMux()
	gql := s.GraphQL()
	s.auth = auth.NewMiddleware(s.DB, *s.cfg.Auth)
	// Outermost the body and time limits, so that they also bound the token look-up.
	mux.Handle("/graphql", limits.HTTPMiddleware(*s.cfg.Limits, s.withRequest(s.auth.Handler(gql))))
	mux.Handle("/export/", s.withRequest(s.auth.Handler(http.HandlerFunc(s.exportKind))))
	mux.Handle("/aggregates.csv", limits.HTTPMiddleware(*s.cfg.Limits, s.withRequest(s.auth.Handler(http.HandlerFunc(s.aggregatesCSV)))))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
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

// withRequest gives each request an id and its own loaders.
func (s *Server) withRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newRequestID()
		w.Header().Set("X-Request-Id", id)
		ctx := withRequestID(r.Context(), id)
		ctx = store.WithLoaders(ctx, s.Store.NewLoaders(s.cfg.LoaderWait))
		ctx = analytics.WithLoaders(ctx, s.engine.NewLoaders(s.cfg.LoaderWait))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if s.ready != nil && !s.ready() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "shutting down"})
		return
	}
	if err := s.DB.PingContext(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "database unreachable"})
		return
	}
	if n, err := migrate.Pending(ctx, s.DB.DB); err != nil || n > 0 {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "migrations pending", "pending": n})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready"})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
