package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/genie-voice/genie/wakeword/models"
	"github.com/genie-voice/genie/wakeword/train"
)

func init() {
	registerWakeword(command{
		name:    "probe",
		summary: "play a training run's phrases to a model over one background (noise, babble, a talker) at one SNR",
		run:     runWakewordProbe,
	})
}

// runWakewordProbe is `genie wakeword probe --work DIR MODEL`: every phrase
// of one split of a training run, alone over one background, and how many
// the model missed.
func runWakewordProbe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("wakeword probe", stderr)
	work := fs.String("work", "", "work directory of a `genie wakeword train` run (its pools.gob holds the phrases and speech)")
	dir := fs.String("models-dir", defaultModelsDir(), "directory of manifests for models given by name ($GENIE_MODELS)")
	split := fs.String("split", "test", "whose phrases and speech: train, val or test")
	bgs := fs.String("background", "none,white,pink,brown,babble,talker", "comma-separated backgrounds: "+strings.Join(train.ProbeBackgrounds, ", "))
	snrs := fs.String("snr", "10", "comma-separated background levels below the phrase, dB")
	lead := fs.Float64("lead", 2, "seconds of background before each phrase (0.75..60)")
	cutoff := fs.Float64("cutoff", 0, "probability cutoff (0 keeps the model's)")
	every := fs.Int("every", 1, "play every N-th phrase")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: genie wakeword probe --work DIR [flags] MODEL\n\n"+
			"Plays each wake phrase of a training run's split alone at -20 dBFS over one background that starts --lead s\n"+
			"before it, through the real front end and engine, and prints how many the model missed, per background and SNR.\n\nflags:")
		fs.PrintDefaults()
	}
	refs, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if *work == "" || len(refs) != 1 {
		fs.Usage()
		return errUsage
	}
	sp, ok := map[string]train.Split{"train": train.SplitTrain, "val": train.SplitVal, "test": train.SplitTest}[*split]
	if !ok {
		return fmt.Errorf("wakeword probe: --split %q: want train, val or test", *split)
	}
	if *every < 1 {
		return fmt.Errorf("wakeword probe: --every %d: want at least 1", *every)
	}
	var levels []float64
	for _, f := range strings.Split(*snrs, ",") {
		var v float64
		if _, err := fmt.Sscan(strings.TrimSpace(f), &v); err != nil || v < -30 || v > 80 {
			return fmt.Errorf("wakeword probe: --snr %q: want dB values in -30..80", f)
		}
		levels = append(levels, v)
	}
	md, err := models.Load(refs[0], *dir)
	if err != nil {
		return fmt.Errorf("wakeword probe: %w", err)
	}
	poolPath := filepath.Join(*work, "pools.gob")
	if err := checkWorkPools(poolPath); err != nil {
		return fmt.Errorf("wakeword probe: %w", err)
	}
	pools, err := train.LoadWorkPools(*work)
	if err != nil {
		return fmt.Errorf("wakeword probe: %w", err)
	}
	c := md.Cutoff()
	if *cutoff > 0 {
		c = *cutoff
	}
	fmt.Fprintf(stdout, "%s: %s phrases of %s at -20 dBFS, background from %.2f s before, cutoff %.3f\n", refs[0], *split, *work, *lead, c)
	for _, bg := range strings.Split(*bgs, ",") {
		bg = strings.TrimSpace(bg)
		for _, snr := range levels {
			r, err := train.ProbeBackground(ctx, md, pools, train.ProbeOpts{Split: sp, Background: bg, SNR: snr, Lead: *lead,
				Cutoff: *cutoff, Every: *every, Workers: runtime.NumCPU()})
			if err != nil {
				return fmt.Errorf("wakeword probe: %w", err)
			}
			var low int
			for _, m := range r.MaxScores {
				if m < 179 { // 0.7
					low++
				}
			}
			at := fmt.Sprintf(" at %g dB", snr)
			if bg == "none" {
				at = ""
			}
			fmt.Fprintf(stdout, "  %-7s%-9s missed %4d of %4d (%5.1f %%); %d never above 0.7\n", bg, at, r.Missed, r.Phrases,
				100*float64(r.Missed)/float64(max(r.Phrases, 1)), low)
			if bg == "none" {
				break
			}
		}
	}
	return nil
}
