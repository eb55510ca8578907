package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/wavfile"
	"github.com/genie-voice/genie/configs"
	"github.com/genie-voice/genie/internal/runtime"
	"github.com/genie-voice/genie/wakeword/train"
)

func init() {
	registerWakeword(command{
		name:    "record",
		summary: "record takes of a wake phrase for `wakeword train --recordings`: record --phrase \"hey genie\" takes/ann",
		run:     runWakewordRecord,
	})
}

// takeName matches the files runWakewordRecord writes: 001.wav, 002.wav, …
var takeName = regexp.MustCompile(`^(\d+)\.wav$`)

// nextTake returns the number after the highest NNN.wav in dir (1 for none),
// so a second session adds takes instead of overwriting them.
func nextTake(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if m := takeName.FindStringSubmatch(e.Name()); m != nil {
			v, _ := strconv.Atoi(m[1])
			n = max(n, v)
		}
	}
	return n + 1, nil
}

// peakDBFS is the highest sample's level, dB below full scale.
func peakDBFS(x []int16) float64 {
	var p float64
	for _, v := range x {
		p = max(p, math.Abs(float64(v)))
	}
	return 20 * math.Log10(max(p, 1)/32768)
}

// runWakewordRecord is `genie wakeword record [flags] DIR`.
func runWakewordRecord(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("wakeword record", stderr)
	cfgPath := fs.String("config", "", "board profile whose microphone to record with (device, channel, gain); default: the default input device")
	device := fs.String("device", "", "PortAudio input device (name substring or index), overriding the profile's")
	mic := fs.String("mic", "", "cut the takes out of this wav file instead of a live microphone")
	phrase := fs.String("phrase", "hey genie", "the phrase to prompt for")
	count := fs.Int("count", 20, "takes to keep before stopping, 1..1000")
	vadKind := fs.String("vad", "energy", "detector that finds the speech: "+vadNames())
	vadModel := fs.String("vad-model", defaultVADModel(), "neural: the VAD model's manifest (get it with: genie wakeword fetch vad)")
	o := train.DefaultTakeOpts
	thr := fs.Float64("threshold", float64(o.Threshold), "speech probability (0..1) at or above which a 10 ms block is speech")
	fs.DurationVar(&o.Pause, "pause", o.Pause, "silence that ends a take; pause at least this long between takes")
	fs.DurationVar(&o.Pad, "pad", o.Pad, "audio kept before and after the speech of a take, at most --pause")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `usage: genie wakeword record [flags] DIR

Records takes of a wake phrase for "genie wakeword train --recordings": say the phrase,
pause, say it again… Each stretch of speech between pauses is a take, written to
DIR/001.wav, DIR/002.wav, … (16 kHz mono; numbering goes on after the takes already there).
Use one DIR per speaker, e.g. takes/ann, and train with --recordings takes. Stretches
shorter than %.1f s or longer than %.0f s of speech are not kept.

flags:
`, train.MinRecordingSeconds, train.MaxRecordingSeconds)
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	dir := pos[0]
	if *count < 1 || *count > 1000 {
		return fmt.Errorf("wakeword record: --count %d out of range [1, 1000]", *count)
	}
	o.Threshold = float32(*thr)
	cut, err := train.NewTakeCutter(o)
	if err != nil {
		return fmt.Errorf("wakeword record: %w", err)
	}
	det, err := newVAD(*vadKind, *vadModel)
	if err != nil {
		return fmt.Errorf("wakeword record: %w", err)
	}
	c := configs.Default()
	if *cfgPath != "" {
		if c, err = configs.Load(*cfgPath); err != nil {
			return fmt.Errorf("wakeword record: %w", err)
		}
	}
	if *device != "" {
		c.Mic.Backend, c.Mic.Device = configs.BackendPortAudio, *device
	}
	if *mic != "" {
		c.Mic.Backend, c.Mic.File, c.Mic.Speed, c.Mic.Repeat = configs.BackendWav, *mic, "max", false
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("wakeword record: %w", err)
	}
	n, err := nextTake(dir)
	if err != nil {
		return fmt.Errorf("wakeword record: %w", err)
	}
	src, closeMic, err := runtime.OpenMic(c, func(lost bool, err error) {
		if lost {
			fmt.Fprintf(stderr, "microphone lost (%v); waiting for it\n", err)
		} else {
			fmt.Fprintln(stderr, "microphone back")
		}
	})
	if err != nil {
		return fmt.Errorf("wakeword record: %w", err)
	}
	defer closeMic()

	kept := 0
	prompt := func() {
		fmt.Fprintf(stdout, "say %q (take %d of %d)\n", *phrase, kept+1, *count)
	}
	handle := func(t train.Take) error {
		at := audio.SampleTime(t.Start).Round(10 * time.Millisecond)
		if t.Verdict != train.TakeKept {
			fmt.Fprintf(stdout, "  %s: %.2f s of speech %s, not kept (say the phrase alone, then pause)\n", at, t.Speech.Seconds(), t.Verdict)
			return nil
		}
		path := filepath.Join(dir, fmt.Sprintf("%03d.wav", n))
		if err := wavfile.Save(path, audio.Clip{Format: audio.Canonical, Samples: t.Audio}); err != nil {
			return fmt.Errorf("wakeword record: %w", err)
		}
		peak := peakDBFS(t.Audio)
		note := ""
		switch {
		case peak > -0.1:
			note = " (clipped: move away or turn the gain down)"
		case peak < -40:
			note = " (quiet: come closer or turn the gain up)"
		}
		fmt.Fprintf(stdout, "  %s: kept %s (%.2f s of speech, peak %.0f dBFS)%s\n", at, path, t.Speech.Seconds(), peak, note)
		n++
		kept++
		if kept < *count {
			prompt()
		}
		return nil
	}
	prompt()
	var b audio.Block
	for kept < *count {
		if err := ctx.Err(); err != nil {
			break
		}
		// At the end of a file mic ReadFull zeroes the rest of a last,
		// partial block.
		got, err := audio.ReadFull(src, b.Samples[:])
		ended := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !ended {
			return fmt.Errorf("wakeword record: %w", err)
		}
		if got > 0 {
			if t, ok := cut.Push(&b, det.Process(&b)); ok {
				if err := handle(t); err != nil {
					return err
				}
			}
			b.Start += audio.BlockSamples
		}
		if ended {
			if t, ok := cut.Flush(); ok && kept < *count {
				if err := handle(t); err != nil {
					return err
				}
			}
			break
		}
	}
	fmt.Fprintf(stdout, "%d takes kept in %s\n", kept, dir)
	return nil
}
