// Package store reads the core graph from PostgreSQL: one file per aggregate
// (poles, companies and sites, territories, referentials, trainings), each
// with list queries that page in SQL and batch look-ups keyed by = ANY($1),
// and the request-scoped loaders that batch the look-ups of nested fields.
// Analytics live in internal/analytics; writes in internal/importer.
package store

import (
	"sync"

	"github.com/jmoiron/sqlx"
)

// Store reads the core graph.
type Store struct {
	DB *sqlx.DB
	// CompanyCacheRows bounds the companies and sites of the companies
	// pages kept in memory for the current data version (CompaniesPage);
	// 0: DefaultCompanyCacheRows; negative: none kept. Set it before the
	// store's first use.
	CompanyCacheRows int

	once   sync.Once
	shared *sharedCaches
}

// New returns a store over db.
func New(db *sqlx.DB) *Store { return &Store{DB: db} }
