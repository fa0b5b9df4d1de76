// Package db owns gpec's connections to PostgreSQL: opening a pool with the
// session limits every gpec connection runs under (statement, lock and
// idle-in-transaction timeouts), and its sizing.
package db
