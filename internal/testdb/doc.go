// Package testdb gives tests a real, throwaway PostgreSQL database: each test
// package migrates one template database once, and each test gets its own
// copy of it, dropped when the test ends. It never mocks the database.
//
// It connects to TEST_DATABASE_URL, or to postgres://postgres@127.0.0.1:5432
// when that is unset; `gpec withdb -- go test ./...` starts a private
// PostgreSQL when none runs.
package testdb
