// Package db owns gpec's connections to PostgreSQL: opening a pool with the
// session limits every gpec connection runs under (statement, lock and
// idle-in-transaction timeouts), its sizing, and the liveness check that
// lets it reconnect by itself after PostgreSQL restarts (live.go).
package db
