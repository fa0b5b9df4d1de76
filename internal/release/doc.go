// Package release owns observatory releases (DESIGN.md, "Statistical
// secrecy (releases for observatories)"): fixed tables of the territorial
// aggregates at a reference date D, protected as a whole, that observatories
// read instead of live data. It builds them (Create, Build), stores them
// (migration 0007: releases, release_cells, release_employment), audits them
// (Audit), and serves their tables (Table, Employment) in the shape of the
// live aggregates.
//
// # What a release holds
//
// France, every region and every department with at least one site; for each
// territory its total (dimension none, value "": the same cell for every
// dimension) and its cells in every other dimension of package aggregates;
// at the horizons year(D)+1, +3 and +5, with the retirement age of the
// GPEC_RELEASE_RETIREMENT_AGE setting (64 by default); every measure; and
// the employment indicators of year(D)−1. The cells are computed by
// aggregates.ReleaseCellsSQL, the statement the live aggregates' rollups are
// built from, extended with the contributors and the two largest
// contributions of each cell; every statement runs in one REPEATABLE READ
// snapshot. A (territory, dimension, value) present at one horizon is
// stored at every horizon (zeros where it has no figures there), so that no
// cell's presence depends on the horizon.
//
// The stored figures are the true ones; readers null those of hidden cells.
// A trigger refuses every change to a release that is not BUILDING, and
// every update of its cells: deleting is the only change a release sees.
//
// # Protection
//
// Primary secrecy (secrecy.ReleasePrimary) counts contributors: companies
// with an active employee in the cell at D (a company with only a declared
// need contributes nothing). The secrecy pattern is keyed by (territory,
// dimension, value): the headcount, which the rules protect, does not depend
// on the horizon, so one pattern holds at every horizon and in every table
// the cell appears in. Secondary suppression and the audit are those of
// secrecy.Linked, over the relations listed in linked (build.go): the
// territory tree, each partitioning dimension's sum, the grand domains' sums
// of their role families, and the inequalities of the overlapping
// dimensions.
//
// Build audits the release as stored (the same code as `gpec release audit`)
// and publishes it only when the audit passes; otherwise it is FAILED, with
// the audit's first violations kept as its failure.
//
// # Reading
//
// Table assembles one table from the stored cells in one statement; Tables
// keeps the tables read so far in memory (bounded, least recently read
// dropped first), since a published release's tables never change: each
// request still reads the release's row, so a deleted release is never
// served (see Tables).
//
// Employment indicators have their own rule (EmploymentRule: at least 5
// companies, no share of 0, 1, 1/n or (n−1)/n) and a secondary rule between
// a territory and its parts (employment.go).
package release
