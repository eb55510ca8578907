package main

import (
	"context"
	"fmt"
	"io"
	"os"
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
	config := fs.String("config", "", "board profile YAML (its hal section is simulated)")
	out := fs.String("out", "hal-frames", "directory for the PNG and GIF frames")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := halConfig(*config, stderr)
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

// halConfig returns the hal section of the board profile at path.
//
// TODO(lead): once configs/load.go exists, replace the body with
//
//	c, err := configs.Load(path)
//	if err != nil { return configs.HAL{}, err }
//	return c.HAL, nil
//
// Until then it checks that the file exists and uses the built-in bench hardware.
func halConfig(path string, stderr io.Writer) (configs.HAL, error) {
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return configs.HAL{}, fmt.Errorf("hal test: %w", err)
		}
		fmt.Fprintf(stderr, "genie: configs.Load is not available yet; simulating the built-in bench board instead of %s\n", path)
	}
	return benchHAL(), nil
}

// benchHAL is the bench board: a 12-LED ring and a 320x240 screen, both recording fakes.
func benchHAL() configs.HAL {
	return configs.HAL{
		LEDs:    configs.LEDs{Driver: configs.DriverFake, Count: 12, Intensity: 255},
		Screen:  configs.Screen{Driver: configs.DriverFake, Width: 320, Height: 240},
		Buttons: []configs.Button{{Name: "action", Driver: "fake"}, {Name: "mute", Driver: "fake"}},
	}
}
