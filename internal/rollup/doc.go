// Package rollup owns the pre-aggregated rollups of the analytics: which
// rollups exist (rollup_runs), whether one may answer a request, and their
// building and refreshing.
//
// A rollup is keyed by DESIGN.md's parameters (asOf, horizon H, retirement
// age A), with essential links only (includeOptional = false). It holds what
// the slow requests need at national scale: each pole's skill and role
// figures, its members' company-scope role gaps and its (department, skill)
// opportunities (package analytics), and every territorial aggregate cell
// without a pole scope with what secrecy needs of it (package aggregates).
// Those packages own the SQL that fills and reads their tables; this one
// only runs it, as Builders. The pole figures with includeProjects go to a
// second run of the same key (ProjectsRun, FreshWithProjects), built in the
// same transaction: stale and replaced with the first.
//
// # Correct after imports
//
// Every statement writing a table the figures read increments
// data_version.version in the writer's transaction (migration 0005). A
// rollup is built in one REPEATABLE READ transaction and records the version
// of its snapshot; Fresh returns it only while the current version is the
// same. So an import that commits makes every rollup stale at once, in the
// same commit, and requests fall back to computing from the data until the
// Refresher has rebuilt them: a rollup is never used for data it was not
// computed from. The answers of both paths are the same; the tests of
// analytics and aggregates compare them on random data.
//
// # When rollups are built
//
// The Refresher builds the keys of DefaultKeys — today's date, the default
// retirement age, and the horizons a pole would ask for (the years of
// declared needs from this year on and this year + 3), and each campaign's
// reference date at its horizons and at year + 3 (a pole's campaign figures
// and its trend over its campaigns; the latest campaigns first, at most
// Refresher.MaxCampaignKeys) — when they are missing or stale: at start,
// after imports, and when the date changes (the server polls). A build
// drops the rollups of earlier dates, except campaigns' reference dates. `gpec rollup` does it once, for cron jobs and benchmarks. A
// PostgreSQL advisory lock lets one instance build at a time.
package rollup
