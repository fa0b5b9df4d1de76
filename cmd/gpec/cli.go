package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// errHelpShown ends a command that printed its usage because it was asked
// to (-h, --help, `gpec help CMD`): status 0, nothing else done.
var errHelpShown = errors.New("help shown")

// usageError is a command line a command cannot run: status 2, the message
// and a pointer to the command's usage on stderr.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// cli is the flag set of one subcommand (or one action of a subcommand).
// Every command builds and parses it before any side effect, so that a
// mistyped flag or a request for help never starts a database, writes a
// file or touches a token.
type cli struct {
	*flag.FlagSet
	synopsis string // "gpec token create -role R [flags]"
	about    string // what it does, a few lines
}

func newCLI(name, synopsis, about string) *cli {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// The flag package prints its own usage to stderr on -h; ours goes to
	// stdout (help is what was asked for) and errors to stderr, once.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &cli{FlagSet: fs, synopsis: synopsis, about: about}
}

// withDataDir adds -data-dir, for commands that may use the private
// PostgreSQL or write into the data folder.
func (c *cli) withDataDir() *cli {
	c.StringVar(&dataDirFlag, "data-dir", "", "the data folder (default: GPEC_DATA_DIR, else "+describeDefaultDataDir()+")")
	return c
}

// printUsage writes the synopsis, the description and the flags.
func (c *cli) printUsage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s\n", c.synopsis)
	if c.about != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.about))
	}
	n := 0
	c.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "\nflags:")
		c.SetOutput(w)
		c.PrintDefaults()
		c.SetOutput(io.Discard)
	}
}

// parse parses args. Asked for help it prints the usage to stdout and
// returns errHelpShown; on a bad flag it returns a usage error.
func (c *cli) parse(args []string) error {
	err := c.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		c.printUsage(os.Stdout)
		return errHelpShown
	}
	if err != nil {
		return usagef("%v", err)
	}
	return nil
}

// isHelp tells whether arg asks for help, for commands that take an action
// or a path before their flags.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}
