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
//	.lock       flock(2) serialising starts and stops between processes
//	.owner      flock(2) of the one process that owns the cluster, and its pid
//	.users      flock(2), shared, of every process using the cluster
//
// One process at a time owns the cluster: the one that started it, or that
// adopted one left running. Only the owner starts PostgreSQL, and only the
// owner stops it, when no other process uses it. Every other process is a
// guest: it connects to the running cluster, waits (Options.Wait) when it
// answers slowly, and never stops or restarts it, because a cluster that
// is slow to answer is usually busy serving someone (a large import, a
// checkpoint) and stopping it would break that process. When the owner ends
// while guests still use the cluster it leaves it running; the ownership
// passes to the next process that starts or stops, so the last user out
// stops it, and a leftover from a crash is adopted (and, when it does not
// answer and nobody uses it, restarted) by the next run. The locks are
// flock(2): a process that dies releases them.
//
// The cluster trusts every connection from 127.0.0.1 and its socket (which
// lives in the data directory): superuser "postgres", no password. It is a
// developer's throwaway, never a production database.
package pgserver
