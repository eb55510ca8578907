package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"strings"
	"time"

	"github.com/genie-voice/genie/configs"
	"github.com/genie-voice/genie/internal/runtime"
)

func init() {
	register(command{name: "run", summary: "run the assistant on a board profile", run: runRun})
}

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", stderr)
	cfgPath := fs.String("config", "configs/bench.yaml", "board profile (a file, or a built-in name: "+fmt.Sprint(configs.Builtin())+")")
	mic := fs.String("mic", "", "use this wav file as the microphone (overrides the profile)")
	micRepeat := fs.Bool("mic-repeat", false, "loop the mic wav forever")
	speaker := fs.String("speaker", "", "write the speaker to this wav file (overrides the profile)")
	speed := fs.String("speed", "", `wav mic pace: "realtime" or "max" (deterministic, as fast as possible)`)
	out := fs.String("out", "", "directory for saved utterances (overrides out_dir)")
	eventsJSON := fs.Bool("events-json", false, "print events as JSON lines instead of a timeline")
	quiet := fs.Bool("quiet", false, "print no events, only the summary")
	upstream := fs.String("upstream", "", `where utterances go: "local" or "wyoming" (overrides the profile)`)
	listen := fs.String("listen", "", "Wyoming: address to serve Home Assistant on, e.g. 127.0.0.1:10700 (implies --upstream wyoming)")
	vad := fs.String("vad", "", `voice activity detector: "energy", "neural" or "none" (overrides the profile)`)
	vadModel := fs.String("vad-model", "", "neural VAD: model name or manifest path")
	muted := fs.Bool("muted", false, "start with the microphones muted (as if the mute switch were on)")
	frames := fs.String("frames", "", "write the board's LED and screen frames of the run to this directory (PNG and GIF)")
	mdns := fs.Bool("mdns", true, "Wyoming: advertise _wyoming._tcp by mDNS (the profile decides unless given)")
	pressAt := fs.String("press-at", "", `bench: press push-to-talk at these offsets, e.g. "1.5s,9s"; "none" for no presses`)
	maxUtt := fs.Duration("max-utterance", 0, "cap on one utterance (overrides dialog.max_utterance)")
	var wakeModels stringList
	fs.Var(&wakeModels, "wake-model", "wake-word model name or manifest path; repeat for several (replaces the profile's)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "genie run: unexpected arguments %q\n", fs.Args())
		return errUsage
	}
	c, err := configs.Load(*cfgPath)
	if err != nil {
		return err
	}
	if *mic != "" {
		c.Mic.Backend, c.Mic.File = configs.BackendWav, *mic
	}
	if *micRepeat {
		c.Mic.Repeat = true
	}
	if *speaker != "" {
		c.Speaker.Backend, c.Speaker.File = configs.BackendWav, *speaker
	}
	if *speed != "" {
		c.Mic.Speed = *speed
	}
	if *out != "" {
		c.OutDir = *out
	}
	if *listen != "" {
		c.Upstream.Kind, c.Upstream.Wyoming.Listen = configs.UpstreamWyoming, *listen
	}
	if *upstream != "" {
		c.Upstream.Kind = *upstream
	}
	if *vad != "" {
		c.VAD.Kind = *vad
	}
	if *vadModel != "" {
		c.VAD.Model = *vadModel
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "mdns" {
			c.Upstream.Wyoming.MDNS = *mdns
		}
	})
	if *pressAt != "" {
		c.Triggers.PushToTalk.PressAt = nil
		if *pressAt != "none" {
			for _, f := range strings.Split(*pressAt, ",") {
				d, err := time.ParseDuration(strings.TrimSpace(f))
				if err != nil {
					return fmt.Errorf("--press-at: %w", err)
				}
				c.Triggers.PushToTalk.PressAt = append(c.Triggers.PushToTalk.PressAt, d)
			}
		}
	}
	if *maxUtt != 0 {
		c.Dialog.MaxUtterance = *maxUtt
	}
	if len(wakeModels) > 0 {
		c.Wakeword.Models = nil
		for _, m := range wakeModels {
			c.Wakeword.Models = append(c.Wakeword.Models, configs.WakeModel{Name: m})
		}
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("after flags: %w", err)
	}
	var events io.Writer = stdout
	if *quiet {
		events = nil
	}
	logger := log.New(stderr, "genie: ", 0)
	st, err := runtime.Run(ctx, c, runtime.Opts{Events: events, EventsJSON: *eventsJSON, Logf: logger.Printf, Frames: *frames, StartMuted: *muted})
	if err != nil {
		return err
	}
	if !*eventsJSON {
		fmt.Fprintf(stderr, "genie: %s of audio in %s (%d blocks, %d overruns, %d upstream drops, %d speaker drops)\n",
			st.AudioTime, st.WallTime.Round(1e6), st.Blocks, st.Overruns, st.UpDropped, st.SpeakerDrops)
	}
	return nil
}
