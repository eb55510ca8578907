package main

import (
	"context"
	"fmt"
	"io"

	"github.com/genie-voice/genie/audio/portaudio"
)

func init() {
	register(command{
		name:    "devices",
		summary: "list the audio input and output devices PortAudio sees",
		run:     runDevices,
	})
}

// runDevices prints the devices as tables, or as JSON with --json. A device's index or
// any part of its name can go in the config's mic.device and speaker.device.
func runDevices(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("devices", stderr)
	asJSON := fs.Bool("json", false, "print the devices as a JSON array (latencies in ms)")
	verbose := fs.Bool("v", false, "also print what ALSA and JACK say while scanning (to stderr)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: genie devices [--json] [-v]\n\nLists audio devices: index, name, host API, channels, default sample rate and\nlatencies; * marks the default. Use the index or part of the name as mic.device\nor speaker.device in the config.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "genie devices: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	if *verbose {
		portaudio.SetLibraryLog(func(msg string) { fmt.Fprintln(stderr, msg) })
		defer portaudio.SetLibraryLog(nil)
	}
	devs, err := portaudio.Devices()
	if err != nil {
		return err
	}
	if *asJSON {
		return portaudio.WriteJSON(stdout, devs)
	}
	return portaudio.WriteTable(stdout, devs)
}
