package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/genie-voice/genie/audio/frontend"
	"github.com/genie-voice/genie/audio/wavfile"
	"github.com/genie-voice/genie/configs"
	"github.com/genie-voice/genie/wakeword"
	"github.com/genie-voice/genie/wakeword/models"
)

// wakewordCommands are the "genie wakeword <verb>" subcommands (test, fetch, train, record, …).
var wakewordCommands = &group{name: "wakeword", subs: map[string]command{}}

// registerWakeword adds a "genie wakeword" subcommand; called from init functions only.
func registerWakeword(c command) { wakewordCommands.add(c) }

func init() {
	register(command{name: "wakeword", summary: "wake-word models: test on wavs, fetch, train, record takes", run: wakewordCommands.run})
	registerWakeword(command{name: "test", summary: "run wake-word models on wav files", run: runWakewordTest})
}

func runWakewordTest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("wakeword test", stderr)
	var refs stringList
	cutoffs, windows := map[string]float64{}, map[string]int{}
	fs.Var(&refs, "model", "wake-word model: manifest path or name in --models-dir (repeatable)")
	vad := fs.String("vad", "", "VAD model gating detections: manifest path or name (default none)")
	dir := fs.String("models-dir", defaultModelsDir(), "directory of manifests for models given by name ($GENIE_MODELS)")
	fs.Var(cutoffFlag(cutoffs), "cutoff", "override a model's probability cutoff, name=0..1 (repeatable)")
	fs.Var(windowFlag(windows), "window", "override a model's sliding window (outputs averaged), name=1..100 (repeatable)")
	jsonOut := fs.Bool("json", false, "print one JSON object per line: {file, model, time_s, probability}")
	trace := fs.Bool("trace", false, "also print every inference step's probability")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: genie wakeword test --model M [--model M2] [flags] FILE.wav...\n\n"+
			"Runs microWakeWord models on wav files (any PCM format; converted to 16 kHz mono) with ESPHome's detection logic\n"+
			"and prints the detections (time = end of the window that fired).\n\nflags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if len(refs) == 0 || fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	var ms []*wakeword.Model
	for _, m := range refs {
		md, err := models.Load(m, *dir)
		if err != nil {
			return err
		}
		ms = append(ms, md)
	}
	opts := wakeword.EngineOpts{Cutoffs: cutoffs, Windows: windows}
	if *vad != "" {
		md, err := models.Load(*vad, *dir)
		if err != nil {
			return err
		}
		opts.VAD = md
	}
	eng, err := wakeword.NewEngine(ms, opts)
	if err != nil {
		return err
	}
	out := &detPrinter{w: stdout, json: *jsonOut}
	for _, file := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		samples, err := wavfile.LoadCanonical(file)
		if err != nil {
			return err
		}
		n, err := scanFile(eng, samples, file, *trace, out)
		if err != nil {
			return err
		}
		if !*jsonOut && n == 0 {
			fmt.Fprintf(stdout, "%s: no detection\n", file)
		}
	}
	return out.err
}

func defaultModelsDir() string {
	if d := os.Getenv("GENIE_MODELS"); d != "" {
		return d
	}
	return wakeword.ModelsDir(configs.Default().DataPath()) // where "genie wakeword fetch" puts them
}

// readWav16kMono reads a 16 kHz mono 16-bit PCM wav file.
// scanFile runs the engine over one file from a fresh state and prints its
// detections (and, with trace, every inference). It returns the number of
// detections.
func scanFile(eng *wakeword.Engine, samples []int16, file string, trace bool, out *detPrinter) (int, error) {
	fe, err := frontend.New(frontend.DefaultConfig)
	if err != nil {
		return 0, err
	}
	eng.Reset()
	var (
		fr     frontend.Frame
		dets   []wakeword.Detection
		scores []wakeword.Score
		n      int
	)
	const block = 160
	for start := 0; start < len(samples); start += block {
		end := min(start+block, len(samples))
		if !fe.Process(samples[start:end], int64(start), &fr) {
			continue
		}
		dets = eng.Process(&fr, dets[:0])
		if trace {
			scores = eng.Scores(scores[:0])
			for _, s := range scores {
				if s.Fresh {
					out.print(file, "score", s.Model, fr.End, s.Probability)
				}
			}
		}
		for _, d := range dets {
			out.print(file, "detection", d.Model, d.Sample, d.Probability)
			n++
		}
	}
	return n, nil
}

// detPrinter prints detections and scores as text or JSON lines.
type detPrinter struct {
	w    io.Writer
	json bool
	err  error
}

type detLine struct {
	File        string  `json:"file"`
	Kind        string  `json:"kind"` // "detection" or "score" (--trace)
	Model       string  `json:"model"`
	TimeS       float64 `json:"time_s"` // end of the window, seconds from the file start
	Probability float32 `json:"probability"`
}

func (p *detPrinter) print(file, kind, model string, sample int64, prob float32) {
	if p.err != nil {
		return
	}
	t := float64(sample) / 16000
	if p.json {
		b, _ := json.Marshal(detLine{file, kind, model, t, prob})
		_, p.err = fmt.Fprintf(p.w, "%s\n", b)
		return
	}
	if kind == "score" {
		_, p.err = fmt.Fprintf(p.w, "%s: %7.2f s  %-12s %.3f\n", file, t, model, prob)
		return
	}
	_, p.err = fmt.Fprintf(p.w, "%s: %s detected at %.2f s (probability %.2f)\n", file, model, t, prob)
}
