// Command runner measures what `make bench` reports (see bench/README.md):
//
//	runner import -dir CSVDIR -gpec BIN -db URL -out import.json
//	    time `gpec import` of the files (wall, peak RSS) and psql \copy of
//	    the same files into bare tables, into import.json
//	runner load -vars vars.json -gpec URL -token T [-role-token observatory=T] [-peer URL] -db URL …
//	    drive hey against gpec and PostGraphile and the SQL floor through
//	    lib/pq, for each query and concurrency, into results.json
//	runner report -results results.json -import import.json [-release release.json] -out BENCHMARKS.md
//	    write the generated part of BENCHMARKS.md
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: runner import|load|report [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "import":
		err = runImport(os.Args[2:])
	case "load":
		err = runLoad(os.Args[2:])
	case "report":
		err = runReport(os.Args[2:])
	default:
		err = fmt.Errorf("unknown action %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "runner:", err)
		os.Exit(1)
	}
}
