package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/genie-voice/genie/audio/wavfile"
	"github.com/genie-voice/genie/wakeword"
	"github.com/genie-voice/genie/wakeword/models"
	"github.com/genie-voice/genie/wakeword/wwbench"
)

func init() {
	registerBench(command{name: "wakeword", summary: "miss rate, false accepts/h, latency and CPU of wake-word models on labelled wavs", run: runBenchWakeword})
}

// defaultBenchModels are scored when no --model is given.
var defaultBenchModels = []string{"alexa", "hey_jarvis", "hey_mycroft", "okay_nabu"}

func runBenchWakeword(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench wakeword", stderr)
	var refs stringList
	cutoffs, windows := map[string]float64{}, map[string]int{}
	fs.Var(&refs, "model", "model name (in DATA/models, see genie wakeword fetch) or manifest path; repeatable (default: "+strings.Join(defaultBenchModels, ", ")+")")
	labelsPath := fs.String("labels", "", "labels CSV: file,phrase,start_s,end_s[,condition] (default DIR/labels.csv)")
	vad := fs.String("vad", "", "VAD model gating detections, name or manifest path (default none, as ESPHome without vad)")
	fs.Var(cutoffFlag(cutoffs), "cutoff", "override a model's probability cutoff, name=0..1 (repeatable)")
	fs.Var(windowFlag(windows), "window", "override a model's sliding window (outputs averaged), name=1..100 (repeatable)")
	refractory := fs.Duration("refractory", 0, "cool-off after start and each detection (0 = ESPHome's 1 s, negative = none)")
	jobs := fs.Int("jobs", 1, "files processed in parallel")
	jsonOut := fs.Bool("json", false, "print the report as JSON (with the full DET sweep)")
	pngPath := fs.String("png", "", "write a PNG with the DET curves and latency histograms")
	listPath := fs.String("list", "", "write every detection and miss to this CSV (file,model,phrase,time_s,kind)")
	quiet := fs.Bool("quiet", false, "no progress bar (shown on a terminal for more than 10 min of audio)")
	dataDir := fs.String("data-dir", "", "genie data directory holding models/ (default: the config's data_dir, else $XDG_DATA_HOME/genie)")
	config := fs.String("config", "", "board config whose data_dir to use")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: genie bench wakeword [flags] DIR\n\n"+
			"Runs wake-word models over the labelled wav files of DIR (audio/frontend + wakeword.Engine, as live)\n"+
			"and reports per model: miss rate (no detection within [start, end+1 s]), false accepts per hour on\n"+
			"negative files and on files of other phrases, latency after the phrase end, CPU time, and a DET sweep.\n"+
			"Build a synthetic set with: go run ./scripts/wwevalset -out DIR\n\nflags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 || (fs.NArg() == 0 && *labelsPath == "") {
		fs.Usage()
		return errUsage
	}
	dir := fs.Arg(0)
	if *labelsPath == "" {
		*labelsPath = filepath.Join(dir, "labels.csv")
	}
	if dir == "" {
		dir = filepath.Dir(*labelsPath)
	}
	if *jobs < 1 {
		return fmt.Errorf("bench wakeword: --jobs %d, want >= 1", *jobs)
	}
	f, err := os.Open(*labelsPath)
	if err != nil {
		return fmt.Errorf("bench wakeword: %w", err)
	}
	labels, err := wwbench.ParseLabels(f, *labelsPath)
	f.Close()
	if err != nil {
		return err
	}
	var total int64
	for i := range labels {
		if !filepath.IsAbs(labels[i].File) {
			labels[i].File = filepath.Join(dir, labels[i].File)
		}
		info, err := wavfile.Stat(labels[i].File)
		if err != nil {
			return fmt.Errorf("bench wakeword: %s: %w", *labelsPath, err)
		}
		total += int64(info.Duration() / (time.Second / 16000))
	}

	mdir, err := fetchModelsDir(*dataDir, *config)
	if err != nil {
		return err
	}
	if len(refs) == 0 {
		refs = append(stringList(nil), defaultBenchModels...)
	}
	load := func(ref string) (*wakeword.Model, error) { return models.Load(ref, mdir) }
	opts := wwbench.Opts{Cutoffs: cutoffs, Windows: windows, Refractory: *refractory, Jobs: *jobs}
	for _, m := range refs {
		md, err := load(m)
		if err != nil {
			return err
		}
		opts.Models = append(opts.Models, md)
	}
	if *vad != "" {
		if opts.VAD, err = load(*vad); err != nil {
			return err
		}
	}
	if !*quiet && total > 10*60*16000 && benchIsTerminal(stderr) {
		bar := progressbar.NewOptions64(total, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("bench wakeword"),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
		opts.Progress = func(n int64) { bar.Add64(n) }
		defer bar.Finish()
	}
	res, err := wwbench.Run(ctx, labels, opts)
	if err != nil {
		return err
	}
	rep := wwbench.NewReport(res)
	if *listPath != "" {
		lf, err := os.Create(*listPath)
		if err != nil {
			return fmt.Errorf("bench wakeword: %w", err)
		}
		err = res.WriteDetections(lf)
		if cerr := lf.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	if *pngPath != "" {
		pf, err := os.Create(*pngPath)
		if err != nil {
			return fmt.Errorf("bench wakeword: %w", err)
		}
		err = rep.WritePNG(pf)
		if cerr := pf.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	if *jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteText(stdout)
}

// benchIsTerminal reports whether w is a terminal.
func benchIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
