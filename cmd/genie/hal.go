package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/genie-voice/genie/configs"
	"github.com/genie-voice/genie/hal/sim"
)

func init() {
	register(command{
		name:    "hal",
		summary: "hardware tools: 'hal test' renders every LED and screen state to PNG/GIF",
		run:     runHAL,
	})
}

func runHAL(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "test" {
		fmt.Fprintln(stderr, "usage: genie hal test [--config FILE] [--out DIR]")
		return errUsage
	}
	fs := newFlagSet("hal test", stderr)
	config := fs.String("config", "configs/bench.yaml", "board profile (its hal section is simulated)")
	out := fs.String("out", "hal-frames", "directory for the PNG and GIF frames")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := halConfig(*config)
	if err != nil {
		return err
	}
	start := time.Now()
	files, err := sim.Run(cfg, *out, func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) })
	if err != nil {
		return err
	}
	for _, f := range files {
		fmt.Fprintln(stdout, f)
	}
	fmt.Fprintf(stdout, "%d files in %s (%.1fs); see %s/contact.png and %s/index.txt\n",
		len(files), *out, time.Since(start).Seconds(), *out, *out)
	return nil
}

// halConfig returns the hal section of the board profile at path (a file or a
// built-in profile name).
func halConfig(path string) (configs.HAL, error) {
	c, err := configs.Load(path)
	if err != nil {
		return configs.HAL{}, err
	}
	return c.HAL, nil
}
