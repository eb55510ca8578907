package main

import (
	"context"
	"fmt"
	"io"
	"sort"
)

// group is a command with subcommands, such as "genie bench <what>" or
// "genie wakeword <verb>".
type group struct {
	name string
	subs map[string]command
}

// add registers a subcommand; called from init functions only.
func (g *group) add(c command) {
	if _, dup := g.subs[c.name]; dup {
		panic("genie: " + g.name + " subcommand registered twice: " + c.name)
	}
	g.subs[c.name] = c
}

func (g *group) run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		g.usage(stdout)
		return nil
	}
	c, ok := g.subs[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "genie %s: unknown subcommand %q\n", g.name, args[0])
		g.usage(stderr)
		return errUsage
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func (g *group) usage(w io.Writer) {
	fmt.Fprintf(w, "usage: genie %s <subcommand> [flags]\n\nsubcommands:\n", g.name)
	names := make([]string, 0, len(g.subs))
	for n := range g.subs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, g.subs[n].summary)
	}
}

// benchCommands are the "genie bench <what>" subcommands (wakeword, vad, …).
var benchCommands = &group{name: "bench", subs: map[string]command{}}

// registerBench adds a "genie bench" subcommand; called from init functions only.
func registerBench(c command) { benchCommands.add(c) }

func init() {
	register(command{name: "bench", summary: "measure accuracy and cost: genie bench <what> …", run: benchCommands.run})
}
