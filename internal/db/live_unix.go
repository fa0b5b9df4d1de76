//go:build unix

package db

import (
	"errors"
	"syscall"
)

// socketIdle peeks, without blocking or consuming, at a pooled connection's
// socket: an idle PostgreSQL connection has nothing to read, so pending
// bytes (an error message before the server hung up) or end of file mean
// the connection is unusable.
func socketIdle(c syscall.Conn) bool {
	rc, err := c.SyscallConn()
	if err != nil {
		return true
	}
	idle := true
	var buf [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, rerr := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case errors.Is(rerr, syscall.EAGAIN), errors.Is(rerr, syscall.EWOULDBLOCK), errors.Is(rerr, syscall.EINTR):
			idle = true
		case rerr != nil, n == 0, n > 0:
			idle = false // reset, end of file, or unexpected bytes
		}
		return true // never wait for the socket to become readable
	})
	if err != nil {
		return false // closed
	}
	return idle
}
