package main

import (
	"context"
	"fmt"
	"io"
	"sort"
)

// benchCommands are the "genie bench NAME" subcommands (wakeword, vad, …).
var benchCommands = map[string]command{}

// registerBench adds a "genie bench" subcommand; called from init functions only.
func registerBench(c command) {
	if _, dup := benchCommands[c.name]; dup {
		panic("genie: bench command registered twice: " + c.name)
	}
	benchCommands[c.name] = c
}

func init() {
	register(command{name: "bench", summary: "measure accuracy and cost: genie bench <what> …", run: runBench})
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		benchUsage(stdout)
		return nil
	}
	c, ok := benchCommands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "genie bench: unknown benchmark %q\n", args[0])
		benchUsage(stderr)
		return errUsage
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func benchUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: genie bench <what> [flags]\n\nbenchmarks:")
	names := make([]string, 0, len(benchCommands))
	for n := range benchCommands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, benchCommands[n].summary)
	}
}
