// Command runner measures what `make bench` reports (see bench/README.md):
//
//	runner import -dir CSVDIR -gpec BIN -db URL -out import.json
//	    time `gpec import` of the files (wall, peak RSS) and psql \copy of
//	    the same files into bare tables, into import.json
//	runner load -vars vars.json -gpec URL -token T [-role-token observatory=T] [-peer URL] -db URL …
//	    drive hey against gpec and PostGraphile and the SQL floor through
//	    lib/pq, for each query and concurrency, into results.json
//	runner background -vars vars.json -gpec URL -token T -db URL
//	    a read mix before, while and after the server builds a new
//	    campaign's rollups in the background, into background.json
//	runner fresh -vars vars.json -gpec URL -token T -db URL -gpec-bin BIN -siren S
//	    import one company's employees, assessments and needs while the
//	    server runs, and time until every query of the mix is answered at
//	    its speed before the import again; then import its rows back, into
//	    fresh.json
//	runner answer -gpec URL -token COMPANY_TOKEN -siren S -db URL
//	    time a company's answer (200 needs, 2,000 assessments) end to end,
//	    restoring the dataset after each, into answer.json
//	runner report -results results.json -import import.json [-release release.json] -out BENCHMARKS.md
//	    write the generated part of BENCHMARKS.md
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: runner import|load|answer|background|fresh|report [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "import":
		err = runImport(os.Args[2:])
	case "load":
		err = runLoad(os.Args[2:])
	case "answer":
		err = runAnswer(os.Args[2:])
	case "background":
		err = runBackground(os.Args[2:])
	case "fresh":
		err = runFresh(os.Args[2:])
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
