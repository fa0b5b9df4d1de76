// Command gpec is the one binary of gpec: the GraphQL service and its tools.
//
//	gpec serve                 run the service (a private PostgreSQL and demo data when DATABASE_URL is unset)
//	gpec migrate up|down|status
//	gpec withdb -- CMD…        run CMD with TEST_DATABASE_URL pointing at a PostgreSQL (started if none runs)
//	gpec release create -date D | list | show ID | delete ID | audit ID   observatory releases
//
// Run `gpec help` for every subcommand and its flags.
package main

import (
	"context"
	"fmt"
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

func usage() {
	fmt.Fprintln(os.Stderr, "gpec — GPEC analytics for competitiveness poles\n\nusage: gpec COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(os.Stderr, "\nRun `gpec COMMAND -h` for a command's flags.")
}

func main() {
	slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if len(os.Args) < 2 || os.Args[1] == "help" || os.Args[1] == "-h" || os.Args[1] == "--help" {
		usage()
		if len(os.Args) < 2 {
			os.Exit(2)
		}
		return
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "gpec: unknown command %q\n\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cmd.run(ctx, os.Args[2:]); err != nil {
		var ec exitCode
		if asExit(err, &ec) {
			os.Exit(int(ec))
		}
		fmt.Fprintf(os.Stderr, "gpec %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// exitCode lets a subcommand end with a given status without a message
// (withdb passes on its child's status).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func asExit(err error, target *exitCode) bool {
	e, ok := err.(exitCode)
	if ok {
		*target = e
	}
	return ok
}
