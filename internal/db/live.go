package db

import (
	"context"
	"database/sql/driver"
	"net"
	"syscall"
	"time"

	"github.com/lib/pq"
)

// pqConn is the set of driver interfaces lib/pq's connection implements and
// database/sql looks for; embedding it keeps them all on the wrapper.
type pqConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.NamedValueChecker
	driver.SessionResetter
	driver.Validator
}

// liveConnector opens lib/pq connections that check their socket before
// being reused from the pool. When PostgreSQL restarts, every idle pooled
// connection is dead but lib/pq only learns it by sending a query, which
// then fails with "terminating connection due to administrator command";
// database/sql retries only on driver.ErrBadConn reported before the query
// is sent. Reporting a dead socket from ResetSession turns those failures
// into silent reconnections (pgx's stdlib driver does the same).
type liveConnector struct {
	pq *pq.Connector
}

type socketSlot struct{ conn net.Conn }

type socketSlotKey struct{}

// recordingDialer is lib/pq's default dialer, which also hands the socket
// to the Connect call that asked for it.
type recordingDialer struct{ d net.Dialer }

func (r recordingDialer) Dial(network, address string) (net.Conn, error) {
	return r.DialContext(context.Background(), network, address)
}

func (r recordingDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return r.DialContext(ctx, network, address)
}

func (r recordingDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	c, err := r.d.DialContext(ctx, network, address)
	if slot, ok := ctx.Value(socketSlotKey{}).(*socketSlot); ok && err == nil {
		slot.conn = c
	}
	return c, err
}

func newLiveConnector(dsn string) (*liveConnector, error) {
	c, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	c.Dialer(recordingDialer{})
	return &liveConnector{pq: c}, nil
}

func (l *liveConnector) Driver() driver.Driver { return l.pq.Driver() }

func (l *liveConnector) Connect(ctx context.Context) (driver.Conn, error) {
	slot := &socketSlot{}
	c, err := l.pq.Connect(context.WithValue(ctx, socketSlotKey{}, slot))
	if err != nil {
		return nil, err
	}
	pc, ok := c.(pqConn)
	sc, isSyscall := slot.conn.(syscall.Conn)
	if !ok || !isSyscall {
		return c, nil // no socket to watch: plain lib/pq behaviour
	}
	return &liveConn{pqConn: pc, socket: sc}, nil
}

type liveConn struct {
	pqConn
	socket syscall.Conn
}

// ResetSession runs when database/sql takes the connection from the pool:
// a socket the server closed or wrote to while idle (its goodbye message
// on shutdown) is reported bad, so that database/sql opens another.
func (c *liveConn) ResetSession(ctx context.Context) error {
	if err := c.pqConn.ResetSession(ctx); err != nil {
		return err
	}
	if !socketIdle(c.socket) {
		return driver.ErrBadConn
	}
	return nil
}
