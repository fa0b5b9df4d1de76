package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// RunOptions tune Run.
type RunOptions struct {
	// Draining is called first when ctx ends: readiness turns false (see
	// Server.SetReady) so that a load balancer stops sending traffic.
	Draining func()
	// DrainDelay is how long the listener stays open after Draining, for
	// load balancers to notice the readiness change (a few seconds behind
	// Kubernetes' endpoints; zero on a single machine).
	DrainDelay time.Duration
	// Grace is how long in-flight requests get to finish once the listener
	// is closed; then their contexts are cancelled. Zero means 20 s.
	Grace time.Duration
	// Unwind is how long cancelled requests get to return (an import rolls
	// back) before Run returns. Zero means 5 s.
	Unwind time.Duration
	// ReadHeaderTimeout bounds slow clients; zero means 10 s.
	ReadHeaderTimeout time.Duration
	Log               *slog.Logger
}

// ErrGraceExpired is returned by Run when requests were still running at
// the end of the grace period and had to be cancelled.
var ErrGraceExpired = errors.New("shutdown grace period expired: in-flight requests were cancelled")

// Run serves h on ln until ctx ends, then shuts down gracefully: readiness
// turns false (Draining), after DrainDelay the listener closes so new
// connections are refused and idle keep-alive connections are closed, and
// requests in flight get Grace to finish. Past Grace, their contexts are
// cancelled — a running import's transaction, bound to its request
// context, is then rolled back whole by database/sql — and Run waits up to
// Unwind for them to return. Run returns nil after a clean shutdown.
func Run(ctx context.Context, ln net.Listener, h http.Handler, o RunOptions) error {
	if o.Grace <= 0 {
		o.Grace = 20 * time.Second
	}
	if o.Unwind <= 0 {
		o.Unwind = 5 * time.Second
	}
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = 10 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	// Requests' contexts derive from base, not from ctx: ending ctx starts
	// the shutdown, it does not cut the requests in flight.
	base, cancelRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRequests()
	var inFlight sync.WaitGroup
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inFlight.Add(1)
			defer inFlight.Done()
			h.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(o.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if o.Draining != nil {
		o.Draining()
	}
	o.Log.Info("shutting down: readiness is false", "drain_delay", o.DrainDelay.String(), "grace", o.Grace.String())
	if o.DrainDelay > 0 {
		time.Sleep(o.DrainDelay)
	}
	sctx, cancel := context.WithTimeout(context.Background(), o.Grace)
	defer cancel()
	err := hs.Shutdown(sctx)
	if err == nil {
		o.Log.Info("shut down: every request finished")
		return nil
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	cancelRequests()
	_ = hs.Close()
	done := make(chan struct{})
	go func() { inFlight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(o.Unwind):
		o.Log.Warn("requests still running after cancellation", "unwind", o.Unwind.String())
	}
	o.Log.Warn("shut down: requests cancelled at the end of the grace period")
	return fmt.Errorf("%w (after %s)", ErrGraceExpired, o.Grace)
}
