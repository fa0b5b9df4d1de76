// Command seqlists points some lists of gqlgen's generated executor at
// marshalSlice (graph/generated/slice.go), which marshals a list's
// elements in the calling goroutine while they answer without waiting,
// instead of starting a goroutine per element: the lists of the types
// named on the command line, whose fields come from the shared cache or
// from what the list's own resolver read. Run after gqlgen (see
// graph/resolver.go); running it twice changes nothing.
//
//	seqlists generated.go Site RoleSkill …
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: seqlists generated.go TYPE…")
		os.Exit(2)
	}
	path := os.Args[1]
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	lines := strings.Split(string(src), "\n")
	inline := false
	done := map[string]bool{}
	for i, l := range lines {
		if strings.HasPrefix(l, "func ") {
			inline = false
			for _, t := range os.Args[2:] {
				// The marshaller of a non-null or nullable list of t.
				for _, p := range []string{"marshalN", "marshalO"} {
					if strings.Contains(l, ") "+p+t+"2ᚕ") {
						inline, done[t] = true, true
					}
				}
			}
		}
		if inline {
			lines[i] = strings.Replace(l, "graphql.MarshalSliceConcurrently(", "marshalSlice(", 1)
		}
	}
	for _, t := range os.Args[2:] {
		if !done[t] {
			fmt.Fprintf(os.Stderr, "seqlists: no list of %s in %s\n", t, path)
			os.Exit(1)
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
