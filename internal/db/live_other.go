//go:build !unix

package db

import "syscall"

// socketIdle cannot peek without consuming here; lib/pq's own detection
// (a failed query marks the connection bad) applies.
func socketIdle(syscall.Conn) bool { return true }
