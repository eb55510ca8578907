package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/genie-voice/genie/wakeword"
	"github.com/genie-voice/genie/wakeword/models"
	"github.com/genie-voice/genie/wakeword/train"
)

func init() {
	registerWakeword(command{
		name:    "eval",
		summary: "compare wake-word models on a training run's held-out voices, at equal false accepts",
		run:     runWakewordEval,
	})
}

// checkWorkPools says clearly when a --work directory holds no pools.gob.
func checkWorkPools(poolPath string) error {
	if _, err := os.Stat(poolPath); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s does not exist: --work must be the work directory of a `genie wakeword train` run", poolPath)
	}
	return nil
}

// evalFAh are the false-accept rates (per hour of held-out speech) at which
// `genie wakeword eval` lines models up.
var evalFAh = []float64{0.5, 1, 2, 5}

// evalResult is one model's line in `genie wakeword eval --json`.
type evalResult struct {
	Model  string               `json:"model"`
	Cutoff float64              `json:"probability_cutoff"`
	Window int                  `json:"sliding_window_size"`
	Own    train.OperatingPoint `json:"at_own_cutoff"`
	AtFAh  []evalAtFAh          `json:"at_false_accepts"`
}

// evalAtFAh is a model's operating point at one false-accept limit.
type evalAtFAh struct {
	MaxFAh float64               `json:"max_false_accepts_per_hour"`
	Point  *train.OperatingPoint `json:"point"` // null when no cutoff keeps to the limit
}

// runWakewordEval is `genie wakeword eval --work DIR MODEL...`: every model
// hears the held-out streams of the training run in DIR (its pools.gob), and
// the misses are printed at each model's own cutoff and at equal false
// accepts, so two recipes or seeds can be ranked on the same audio.
func runWakewordEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("wakeword eval", stderr)
	work := fs.String("work", "", "work directory of a `genie wakeword train` run (its pools.gob holds the held-out voices)")
	dir := fs.String("models-dir", defaultModelsDir(), "directory of manifests for models given by name ($GENIE_MODELS)")
	windows := map[string]int{}
	fs.Var(windowFlag(windows), "window", "override a model's sliding window, name=1..100 (repeatable)")
	jsonOut := fs.Bool("json", false, "print one JSON object per model instead of tables")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: genie wakeword eval --work DIR [flags] MODEL...\n\n"+
			"Plays the held-out test voices of a training run (wake phrases clean and at 10 dB SNR, near misses, ordinary speech)\n"+
			"to each model through the real engine and prints its misses at its own cutoff and at equal false accepts.\n"+
			"MODEL is a manifest path or a model name.\n\nflags:")
		fs.PrintDefaults()
	}
	// Flags may follow the models.
	refs, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if *work == "" || len(refs) == 0 {
		fs.Usage()
		return errUsage
	}
	poolPath := filepath.Join(*work, "pools.gob")
	if err := checkWorkPools(poolPath); err != nil {
		return fmt.Errorf("wakeword eval: %w", err)
	}
	var ms []*wakeword.Model
	names := map[string]bool{}
	for _, ref := range refs {
		md, err := models.Load(ref, *dir)
		if err != nil {
			return fmt.Errorf("wakeword eval: %w", err)
		}
		ms = append(ms, md)
		names[md.Name] = true
	}
	for name, w := range windows {
		if !names[name] {
			return fmt.Errorf("wakeword eval: --window %s=%d names no model given", name, w)
		}
		if w < 1 || w > 100 {
			return fmt.Errorf("wakeword eval: --window %s=%d: want 1..100 outputs", name, w)
		}
	}
	pools, err := train.LoadWorkPools(*work)
	if err != nil {
		return fmt.Errorf("wakeword eval: %w", err)
	}
	ho := train.NewHeldOut(pools)
	if ho.Phrases() == 0 || ho.SpeechHours() == 0 {
		return fmt.Errorf("wakeword eval: %s holds no held-out phrases or speech", poolPath)
	}
	// The models run concurrently; the streams are only read.
	runs := make([]*train.HeldOutRun, len(ms))
	errs := make([]error, len(ms))
	sem := make(chan struct{}, runtime.NumCPU())
	var wg sync.WaitGroup
	for i, md := range ms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			runs[i], errs[i] = ho.Run(ctx, md, windows[md.Name])
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("wakeword eval: %w", err)
	}
	res := make([]evalResult, len(ms))
	for i, md := range ms {
		r := runs[i]
		res[i] = evalResult{Model: refs[i], Cutoff: md.Cutoff(), Window: r.Window(), Own: r.At(md.Cutoff())}
		for _, fa := range evalFAh {
			a := evalAtFAh{MaxFAh: fa}
			if p, ok := r.AtFAh(fa); ok {
				a.Point = &p
			}
			res[i].AtFAh = append(res[i].AtFAh, a)
		}
	}
	if *jsonOut {
		enc := json.NewEncoder(stdout)
		for _, r := range res {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	fmt.Fprintf(stdout, "held-out voices of %s: %d wake phrases (%d voices) clean and at 10 dB SNR, %d near misses, %.2f h of ordinary speech\n\n",
		*work, ho.Phrases(), pools.Voices[train.SplitTest], len(pools.Near[train.SplitTest]), ho.SpeechHours())
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "model\tcutoff\twindow\tmiss clean\tmiss 10 dB\tFA/h\tnear misses accepted")
	for _, r := range res {
		fmt.Fprintf(tw, "%s\t%.3f\t%d\t%.1f %%\t%.1f %%\t%.2f\t%.1f %%\n", r.Model, r.Cutoff, r.Window,
			100*r.Own.MissClean, 100*r.Own.Miss10dB, r.Own.FAPerHour, 100*r.Own.NearAccept)
	}
	tw.Flush()
	fmt.Fprintln(stdout, "\nmiss clean / 10 dB at equal false accepts (@ the lowest cutoff keeping FA/h on the held-out speech at or below the limit):")
	tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	head := []string{"model"}
	for _, fa := range evalFAh {
		head = append(head, fmt.Sprintf("FA/h ≤ %g", fa))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, r := range res {
		row := []string{r.Model}
		for _, a := range r.AtFAh {
			if p := a.Point; p != nil {
				row = append(row, fmt.Sprintf("%.1f / %.1f %% @%.3f", 100*p.MissClean, 100*p.Miss10dB, p.Cutoff))
			} else {
				row = append(row, "none")
			}
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := recordedRows(stdout, head, res); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\nmiss at 10 dB by background at equal false accepts (babble / white / pink / brown):")
	tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, r := range res {
		row := []string{r.Model}
		for _, a := range r.AtFAh {
			if p := a.Point; p != nil && p.Miss10dBByNoise != nil {
				var cells []string
				for _, k := range train.NoiseKinds {
					cells = append(cells, fmt.Sprintf("%.1f", 100*p.Miss10dBByNoise[k]))
				}
				row = append(row, strings.Join(cells, " / ")+" %")
			} else {
				row = append(row, "none")
			}
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// recordedRows prints, when the held-out test holds recorded speakers'
// takes (`genie wakeword train --recordings`), their miss rates alone at
// the models' own cutoffs and at equal false accepts.
func recordedRows(stdout io.Writer, head []string, res []evalResult) error {
	if len(res) == 0 || res[0].Own.MissRecordedClean == nil {
		return nil
	}
	pct := func(p *train.OperatingPoint) string {
		return fmt.Sprintf("%.1f / %.1f %%", 100*(*p.MissRecordedClean), 100*(*p.MissRecorded10dB))
	}
	fmt.Fprintln(stdout, "\nmiss clean / 10 dB on the recorded speakers' held-out takes, at the own cutoff and at equal false accepts:")
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(append([]string{head[0], "own cutoff"}, head[1:]...), "\t"))
	for _, r := range res {
		row := []string{r.Model, pct(&r.Own)}
		for _, a := range r.AtFAh {
			if a.Point != nil {
				row = append(row, pct(a.Point))
			} else {
				row = append(row, "none")
			}
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}
