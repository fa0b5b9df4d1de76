package pgserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// The tools a cluster needs; pg_ctl finds postgres next to itself, so all
// three must share one directory.
var serverTools = []string{"initdb", "pg_ctl", "postgres"}

// debianBinGlob is where Debian and Ubuntu put each major version's server
// binaries, which are not in PATH there. A variable so tests can hide them.
var debianBinGlob = "/usr/lib/postgresql/*/bin"

// mayInstall reports whether findBinaries may install the Debian package.
// A variable so that tests, which run as root here, never install anything.
var mayInstall = func() bool {
	if os.Geteuid() != 0 {
		return false
	}
	if _, err := os.Stat("/etc/debian_version"); err != nil {
		return false
	}
	_, err := exec.LookPath("apt-get")
	return err == nil
}

// findBinaries returns the directory holding initdb, pg_ctl and postgres.
// wantVersion, the major version of an existing cluster ("15"), comes first
// when installed, since a server refuses a cluster of another major version;
// then PATH, which is the user's explicit choice; then the newest Debian one.
// When none is found it installs the Debian package if it may.
func findBinaries(ctx context.Context, log io.Writer, wantVersion string) (string, error) {
	if dir := locateBinaries(wantVersion); dir != "" {
		return dir, nil
	}
	if !mayInstall() {
		return "", errors.New("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in PATH nor in " +
			debianBinGlob + "; install the PostgreSQL server (Debian/Ubuntu: `sudo apt-get install postgresql`, " +
			"Fedora: `sudo dnf install postgresql-server`, macOS: `brew install postgresql`) or put its bin directory in PATH; " +
			"or point DATABASE_URL / TEST_DATABASE_URL at a PostgreSQL you already have")
	}
	if err := installDebian(ctx, log); err != nil {
		return "", err
	}
	if dir := locateBinaries(wantVersion); dir != "" {
		return dir, nil
	}
	return "", fmt.Errorf("installed the Debian package postgresql but still found no server binaries in PATH or %s", debianBinGlob)
}

func locateBinaries(wantVersion string) string {
	var candidates []string
	if wantVersion != "" {
		candidates = append(candidates, strings.Replace(debianBinGlob, "*", wantVersion, 1))
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		// /usr/local/bin/pg_ctl is often a link into /usr/lib/postgresql/N/bin;
		// pg_ctl resolves it the same way to find postgres.
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		candidates = append(candidates, filepath.Dir(p))
	}
	candidates = append(candidates, debianBinDirs()...)
	for _, dir := range candidates {
		if hasServerTools(dir) {
			return dir
		}
	}
	return ""
}

// debianBinDirs lists debianBinGlob's matches, newest major version first,
// comparing versions numerically so that 10 comes after 9.6.
func debianBinDirs() []string {
	dirs, _ := filepath.Glob(debianBinGlob)
	sort.SliceStable(dirs, func(i, j int) bool {
		return versionLess(binDirVersion(dirs[j]), binDirVersion(dirs[i]))
	})
	return dirs
}

func binDirVersion(dir string) string { return filepath.Base(filepath.Dir(dir)) }

func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		x, y := -1, -1
		if i < len(as) {
			if n, err := strconv.Atoi(as[i]); err == nil {
				x = n
			}
		}
		if i < len(bs) {
			if n, err := strconv.Atoi(bs[i]); err == nil {
				y = n
			}
		}
		if x != y {
			return x < y
		}
	}
	return false
}

func hasServerTools(dir string) bool {
	for _, t := range serverTools {
		fi, err := os.Stat(filepath.Join(dir, t))
		if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// installDebian installs the distribution's default PostgreSQL. Note that
// the package's own scripts also create Debian's "main" cluster on port 5432
// and start it where services may start; gpec does not rely on it (it uses
// password authentication over TCP) and runs its own cluster beside it.
func installDebian(ctx context.Context, log io.Writer) error {
	fmt.Fprintln(log, "pgserver: PostgreSQL server binaries not found; installing the Debian package postgresql")
	for _, args := range [][]string{{"update"}, {"install", "-y", "postgresql"}} {
		fmt.Fprintf(log, "pgserver: + DEBIAN_FRONTEND=noninteractive apt-get %s\n", strings.Join(args, " "))
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("apt-get %s: %w", strings.Join(args, " "), err)
		}
	}
	return nil
}
