// Package pgserver owns gpec's private PostgreSQL cluster for a developer's
// machine and for tests: it finds (or, as root on Debian, installs) the
// server binaries, creates a cluster in a directory, starts it on a port of
// 127.0.0.1, and stops it again. `gpec serve` uses it when DATABASE_URL is
// unset, and `gpec withdb -- CMD…` (EnsureForTests) when no PostgreSQL
// answers for the tests.
//
// Why it exists rather than a docker image or a hosted database: gpec's
// developers and CI often sit on closed networks where only the distribution's
// package mirror is reachable, and a plain `initdb` + `pg_ctl` takes about a
// second and a half.
//
// Why it knows about users: PostgreSQL refuses to run as root, and CI and
// fresh containers run everything as root. As root the binaries run as the
// `postgres` system user (created by the Debian package), or as a system user
// `gpec` created on first use when that is absent. The data directory is
// owned by that user, and every directory above it must be traversable by it:
// directories this package creates are made so; when a directory that already
// existed is private (root's home, usually 0700), the cluster goes to
// /var/lib/gpec/<name>-<hash> instead and <Dir>/data is a symbolic link to it.
// Not as root, everything runs as the current user.
//
// Layout of Options.Dir:
//
//	data/       the cluster (PGDATA), or a link to it; server.log is inside
//	port        the port last used, so that URLs stay stable across runs
//	.lock       flock(2) counting the gpec processes using the cluster
//
// A cluster already running in Dir (another gpec process, or one left behind
// by a run that crashed) is reused rather than restarted, on whatever port it
// listens. Every Server holds a shared lock on Dir/.lock; Stop stops
// PostgreSQL only when no other process holds one, so the last user out stops
// it and a leftover from a crash is adopted and stopped by the next run.
//
// The cluster trusts every connection from 127.0.0.1 and its socket (which
// lives in the data directory): superuser "postgres", no password. It is a
// developer's throwaway, never a production database.
package pgserver
