// Command gpec is the one binary of gpec: the GraphQL service and its tools.
//
//	gpec serve                 run the service (a private PostgreSQL and demo data when DATABASE_URL is unset)
//	gpec migrate up|down|status
//	gpec withdb -- CMD…        run CMD with TEST_DATABASE_URL pointing at a PostgreSQL (started if none runs)
//	gpec release create -date D | list | show ID | delete ID | audit ID   observatory releases
//
// Run `gpec help` for every subcommand, `gpec help COMMAND` for its flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

type command struct {
	summary string
	run     func(ctx context.Context, args []string) error
}

var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, args []string) error) {
	commands[name] = command{summary, run}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "gpec — GPEC analytics for competitiveness poles\n\nusage: gpec COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun `gpec help COMMAND` (or `gpec COMMAND -h`) for a command's flags.")
	fmt.Fprintf(w, "\nPrivate data (the PostgreSQL started when DATABASE_URL is unset, demo tokens,\ngenerated datasets) lives in the data folder: -data-dir, else GPEC_DATA_DIR,\nelse %s.\n", describeDefaultDataDir())
}

func main() {
	slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	os.Exit(run(os.Args[1:]))
}

// run is main without the exit, returning the process status: 0 done, 1
// failed, 2 a usage error (unknown command or flag).
func run(args []string) int {
	if len(args) == 0 {
		usage(os.Stderr)
		return 2
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		usage(os.Stdout)
		return 0
	case "help":
		// `gpec help CMD` is `gpec CMD -h`: every command parses its flags
		// before doing anything, so this prints its usage and nothing else.
		if len(args) == 1 {
			usage(os.Stdout)
			return 0
		}
		if len(args) > 2 {
			fmt.Fprintln(os.Stderr, "usage: gpec help [COMMAND]")
			return 2
		}
		name, args = args[1], []string{args[1], "-h"}
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "gpec: unknown command %q (run `gpec help` for the list)\n", name)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cmd.run(ctx, args[1:])
	var ec exitCode
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, errHelpShown):
		return 0
	case errors.As(err, &ec):
		return int(ec)
	case errors.As(err, &ue):
		fmt.Fprintf(os.Stderr, "gpec %s: %v\n(run `gpec help %s` for its usage)\n", name, ue.msg, name)
		return 2
	}
	fmt.Fprintf(os.Stderr, "gpec %s: %v\n", name, err)
	return 1
}

// exitCode lets a subcommand end with a given status without a message
// (withdb passes on its child's status).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }
