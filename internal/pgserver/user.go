package pgserver

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// runner runs the server binaries as the user that owns the cluster.
type runner struct {
	drop   bool // we are root: switch to uid/gid for every command
	name   string
	uid    int
	gid    int
	groups []uint32
	home   string
}

// relocateBase receives clusters whose Dir the cluster's user cannot reach
// (see doc.go). A variable so tests can use a temporary directory.
var relocateBase = "/var/lib/gpec"

// newRunner picks the user: ourselves, or when root the postgres system user,
// or a system user gpec created for the purpose. The commands then switch
// user through SysProcAttr.Credential, which is what `runuser -u` does
// without needing PAM or util-linux.
func newRunner(log io.Writer) (*runner, error) {
	if os.Geteuid() != 0 {
		return &runner{uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		u, err = user.Lookup("gpec")
	}
	if err != nil {
		fmt.Fprintln(log, "pgserver: PostgreSQL refuses to run as root and there is no postgres user; creating the system user gpec")
		cmd := exec.Command("useradd", "--system", "--user-group", "--no-create-home",
			"--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", "gpec")
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("PostgreSQL refuses to run as root, there is no postgres user, and creating the user gpec failed: useradd: %v: %s", err, strings.TrimSpace(string(out)))
		}
		if u, err = user.Lookup("gpec"); err != nil {
			return nil, err
		}
	}
	r := &runner{drop: true, name: u.Username, home: u.HomeDir}
	if r.uid, err = strconv.Atoi(u.Uid); err != nil {
		return nil, err
	}
	if r.gid, err = strconv.Atoi(u.Gid); err != nil {
		return nil, err
	}
	gids, _ := u.GroupIds()
	for _, g := range gids {
		if n, err := strconv.Atoi(g); err == nil {
			r.groups = append(r.groups, uint32(n))
		}
	}
	return r, nil
}

// command prepares a server binary to run as the cluster's user. Its own
// process group keeps a terminal's Ctrl-C for gpec, which then stops the
// cluster in order. PG* variables are dropped: PGDATA or PGPORT from the
// caller's shell must not redirect initdb or pg_ctl.
func (r *runner) command(ctx context.Context, path string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") {
			continue
		}
		if r.drop && (strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "USER=") || strings.HasPrefix(kv, "LOGNAME=")) {
			continue
		}
		env = append(env, kv)
	}
	if r.drop {
		env = append(env, "HOME="+r.home, "USER="+r.name, "LOGNAME="+r.name)
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(r.uid), Gid: uint32(r.gid), Groups: r.groups}
	}
	cmd.Env = env
	return cmd
}

// prepareDataDir returns the real path of the cluster directory for dir,
// creating it (empty, mode 0700, owned by the cluster's user) when missing.
// created lists the directories Start has just created on the way to dir.
func (r *runner) prepareDataDir(dir string, created []string, log io.Writer) (string, error) {
	link := filepath.Join(dir, "data")
	if _, err := os.Lstat(link); err == nil {
		real, err := filepath.EvalSymlinks(link)
		if err != nil {
			return "", fmt.Errorf("%s is a broken link (was its target removed?): remove it to start afresh: %w", link, err)
		}
		if err := r.reachable(real, nil); err != nil {
			return "", err
		}
		return real, r.own(real)
	}
	if !r.drop {
		if err := os.Mkdir(link, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return "", err
		}
		return link, nil
	}
	real := link
	if err := r.reachable(dir, created); err != nil {
		// A private directory we did not create, typically /root: do not
		// open it up; keep the cluster where the user can reach it.
		sum := sha256.Sum256([]byte(dir))
		real = filepath.Join(relocateBase, fmt.Sprintf("%s-%x", filepath.Base(dir), sum[:6]))
		fmt.Fprintf(log, "pgserver: %v; keeping the cluster in %s instead, linked from %s\n", err, real, link)
		made, err := mkdirAllTracked(relocateBase)
		if err != nil {
			return "", err
		}
		if err := r.reachable(relocateBase, made); err != nil {
			return "", err
		}
		if err := os.Mkdir(real, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return "", err
		}
		if err := os.Symlink(real, link); err != nil {
			return "", err
		}
	} else if err := os.Mkdir(link, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", err
	}
	return real, r.own(real)
}

// own makes the cluster directory the cluster user's (initdb and postgres
// insist on it). As root it hands over whatever is there, e.g. a cluster
// created by an older run as another user; otherwise it can only complain.
func (r *runner) own(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if int(fi.Sys().(*syscall.Stat_t).Uid) == r.uid {
		return nil
	}
	if !r.drop {
		return fmt.Errorf("%s belongs to uid %d, not to you (uid %d): run as that user, or remove it to start afresh",
			dir, fi.Sys().(*syscall.Stat_t).Uid, r.uid)
	}
	return filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, r.uid, r.gid)
	})
}

// reachable checks that the cluster's user can traverse every directory
// from / down to dir. Those in fixable (created by us a moment ago) it
// fixes with o+x; any other it reports.
func (r *runner) reachable(dir string, fixable []string) error {
	if !r.drop {
		return nil
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	p := string(filepath.Separator)
	for _, part := range append([]string{""}, strings.Split(strings.Trim(real, "/"), "/")...) {
		p = filepath.Join(p, part)
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if r.mayEnter(fi) {
			continue
		}
		if !slices.Contains(fixable, p) {
			return fmt.Errorf("user %s cannot enter %s (mode %04o)", r.name, p, fi.Mode().Perm())
		}
		if err := os.Chmod(p, fi.Mode().Perm()|0o001); err != nil {
			return err
		}
	}
	return nil
}

// mayEnter applies the permission bits the kernel applies: the owner's bits
// if the user owns it, else the group's if in its group, else the others'.
func (r *runner) mayEnter(fi fs.FileInfo) bool {
	st := fi.Sys().(*syscall.Stat_t)
	m := fi.Mode().Perm()
	if int(st.Uid) == r.uid {
		return m&0o100 != 0
	}
	if int(st.Gid) == r.gid || slices.Contains(r.groups, st.Gid) {
		return m&0o010 != 0
	}
	return m&0o001 != 0
}

// mkdirAllTracked is os.MkdirAll that also says which directories it made.
func mkdirAllTracked(dir string) ([]string, error) {
	var missing []string
	for p := dir; ; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil {
			break
		}
		missing = append([]string{p}, missing...)
		if p == filepath.Dir(p) {
			break
		}
	}
	return missing, os.MkdirAll(dir, 0o755)
}
