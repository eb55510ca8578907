package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/genie-voice/genie/wakeword"
	"github.com/genie-voice/genie/wakeword/train"
)

func init() {
	registerWakeword(command{
		name:    "train",
		summary: `train a wake-word model from text with local TTS voices: train "hey genie"`,
		run:     runWakewordTrain,
	})
}

// parseKernels reads --kernels: 1..8 comma-separated kernel sizes of 1..32
// frames. Arch.Check then decides whether they fit the window and stream.
func parseKernels(s string) ([]int, error) {
	parts := strings.Split(s, ",")
	if len(parts) > 8 {
		return nil, fmt.Errorf("%d layers, at most 8", len(parts))
	}
	ks := make([]int, len(parts))
	for i, p := range parts {
		k, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || k < 1 || k > 32 {
			return nil, fmt.Errorf("layer %d: kernel %q is not a whole number of frames in [1, 32]", i+1, p)
		}
		ks[i] = k
	}
	return ks, nil
}

// withKernels returns a with one conv layer per kernel size: the first at the
// streaming stride, the rest at stride 1, every one as wide as a's first.
func withKernels(a train.Arch, ks []int) train.Arch {
	a.Kernels = slices.Clone(ks)
	a.Strides = slices.Repeat([]int{1}, len(ks))
	a.Strides[0] = a.Stride
	a.Channels = slices.Repeat([]int{a.Channels[0]}, len(ks))
	return a
}

// runWakewordTrain is `genie wakeword train [flags] "phrase"`.
func runWakewordTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wakeword train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", ".", "directory for NAME.tflite and NAME.json")
	work := fs.String("work", "", "cache and checkpoint directory (default OUT/NAME.work); rerun to resume")
	name := fs.String("name", "", "model name (default from the phrase, e.g. hey_genie)")
	lang := fs.String("lang", "en", `TTS language: "en", or "cmn" (also "zh") for Mandarin`)
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same model")
	epochs := fs.Int("epochs", train.DefaultOpts.MaxEpochs, "maximum epochs (early stopping on validation voices)")
	workers := fs.Int("workers", runtime.NumCPU(), "goroutines for synthesis, rendering and training")
	scale := fs.Float64("scale", 1, "scale the amount of data (0.1 for a quick trial)")
	babbleShare := fs.Float64("babble", 0, "share of training backgrounds that are babble of several talkers (0 keeps the default 0.2; at most 0.9)")
	leadMax := fs.Float64("lead-max", 0, "longest background lead before a training window in seconds, so the front end's noise estimate settles (0 keeps the default 1; at least 0.5)")
	talkers := fs.Int("talkers", 0, "fewest talkers in a babble background, 1..6 (0 keeps the default 3)")
	talker := fs.Float64("talker", 0, "share of training windows with one more quiet talker (10-30 dB below the speech) besides their background; 0 for none")
	phraseBabble := fs.Float64("phrase-babble", 0, "share of phrase and near-miss training windows over babble at 5-15 dB SNR; 0 for none")
	channels := fs.Int("channels", 0, "channels of every conv layer, 8..64 (0 keeps the default 32; 48 makes a 49 KB model)")
	kernels := fs.String("kernels", "", "comma-separated kernel sizes (frames) of the conv layers, one per layer: the first at the streaming stride 3, the rest at stride 1 (empty keeps the default 6,5,5; 6,5,5,5,5 widens the receptive field from 300 to 540 ms)")
	hidden := fs.Int("hidden", 0, "ReLU units of a dense layer between the conv stack and the output unit, 0..64 (0 for none; 32 adds 26 k parameters, 26 KB)")
	rounds := fs.Int("rounds", 1, "renderings of the training set, each with its own augmentation draws, cycled epoch by epoch, 1..8 (each adds about 1.5 min, 193 MB of memory and 343 MB of cache)")
	members := fs.Int("members", 1, "networks trained on the same data with their own seeds and merged into one model (mean logit), 1 or 2; the second doubles the training time and makes a 73 KB model")
	focal := fs.Float64("focal", 0, "focusing exponent of a focal loss, 0..5 (0 keeps binary cross-entropy)")
	colourShare := fs.Float64("colour", 0, "share of spoken training clips given another spectral balance (shelves and a peak, as voices and microphones differ); 0 for none")
	rhvoice := fs.String("rhvoice", "", `add RHVoice's English voices (apt-get install rhvoice rhvoice-english, Debian non-free): "all" for six, of which evgeniy-eng and lyubov are CC BY-NC-ND 4.0 (non-commercial use only); "lgpl" for the four LGPL-2.1+ ones; "lgpl-accents" for those four and nine LGPL-2.1+ Russian, Ukrainian, Kyrgyz and Esperanto voices reading respelled English (also apt-get install `+train.RHVoiceAccentPackages+`)`)
	randomVoices := fs.Int("random-voices", train.DefaultRecipe("").Pools.RandomVariants, "random espeak-ng speakers (drawn formants, pitch, breath, echo) added to the training voices; 0 for none")
	recordings := fs.String("recordings", "", "folder of people saying the phrase, as DIR/SPEAKER/*.wav (any sample rate; each speaker's recordings train, validate or test together); they join the synthetic voices")
	negatives := fs.String("negatives", "", "folder of *.wav audio that must never wake the model (the same people saying other things, a television, the room), split by file")
	test := fs.Bool("test", true, "evaluate on held-out test voices (about 1 h of negative audio) and record it in the manifest")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: genie wakeword train [flags] "wake phrase"`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	rest := fs.Args()
	if len(rest) > 0 {
		phraseArgs := rest[:1]
		if err := fs.Parse(rest[1:]); err != nil {
			return errUsage
		}
		rest = append(phraseArgs, fs.Args()...)
	}
	if len(rest) != 1 || strings.TrimSpace(rest[0]) == "" {
		fs.Usage()
		return errUsage
	}
	r := train.DefaultRecipe(rest[0])
	r.Lang, r.OutDir, r.Name = *lang, *out, *name
	if r.Name == "" {
		r.Name = train.ModelName(r.Phrase)
	}
	if r.Name == "" {
		return fmt.Errorf("wakeword train: cannot derive a file name from %q; use --name", r.Phrase)
	}
	r.WorkDir = *work
	if r.WorkDir == "" {
		r.WorkDir = filepath.Join(*out, r.Name+".work")
	}
	r.Train.Seed, r.Pools.Seed = *seed, *seed
	r.Train.MaxEpochs, r.Train.Workers, r.Pools.Workers = *epochs, *workers, *workers
	if *scale <= 0 || *scale > 10 {
		return fmt.Errorf("wakeword train: --scale %v out of range (0, 10]", *scale)
	}
	if *randomVoices < 0 || *randomVoices > 10000 {
		return fmt.Errorf("wakeword train: --random-voices %d out of range [0, 10000]", *randomVoices)
	}
	r.Pools.RandomVariants = *randomVoices
	if *rhvoice != "" && !slices.Contains(train.RHVoiceSets, *rhvoice) {
		return fmt.Errorf("wakeword train: --rhvoice %q: want one of %q", *rhvoice, train.RHVoiceSets)
	}
	r.Pools.RHVoice = *rhvoice
	if *colourShare < 0 || *colourShare > 1 {
		return fmt.Errorf("wakeword train: --colour %v out of range [0, 1]", *colourShare)
	}
	r.Render.Colour = *colourShare
	if *babbleShare < 0 || *babbleShare > 0.9 {
		return fmt.Errorf("wakeword train: --babble %v out of range [0, 0.9]", *babbleShare)
	}
	r.Render.Babble = *babbleShare
	if *leadMax != 0 && (*leadMax < 0.5 || *leadMax > 10) {
		return fmt.Errorf("wakeword train: --lead-max %v s out of range [0.5, 10]", *leadMax)
	}
	r.Render.LeadMax = *leadMax
	if *talkers < 0 || *talkers > 6 {
		return fmt.Errorf("wakeword train: --talkers %d out of range [0, 6]", *talkers)
	}
	r.Render.Talkers = *talkers
	if *talker < 0 || *talker > 1 {
		return fmt.Errorf("wakeword train: --talker %v out of range [0, 1]", *talker)
	}
	r.Render.Talker = *talker
	if *phraseBabble < 0 || *phraseBabble > 1 {
		return fmt.Errorf("wakeword train: --phrase-babble %v out of range [0, 1]", *phraseBabble)
	}
	r.Render.PhraseBabble = *phraseBabble
	if *focal < 0 || *focal > 5 {
		return fmt.Errorf("wakeword train: --focal %v out of range [0, 5]", *focal)
	}
	r.Train.Focal = float32(*focal)
	if *hidden < 0 || *hidden > 64 {
		return fmt.Errorf("wakeword train: --hidden %d out of range [0, 64]", *hidden)
	}
	r.Train.Arch.Hidden = *hidden
	if *kernels != "" {
		ks, err := parseKernels(*kernels)
		if err != nil {
			return fmt.Errorf("wakeword train: --kernels %q: %w", *kernels, err)
		}
		r.Train.Arch = withKernels(r.Train.Arch, ks)
	}
	if c := *channels; c != 0 {
		if c < 8 || c > 64 {
			return fmt.Errorf("wakeword train: --channels %d out of range [8, 64]", c)
		}
		r.Train.Arch.Channels = slices.Repeat([]int{c}, len(r.Train.Arch.Kernels))
	}
	// A geometry that does not fit the window or cannot stream is refused
	// here, before minutes of synthesis.
	if err := r.Train.Arch.Check(); err != nil {
		return fmt.Errorf("wakeword train: --kernels/--channels: %w", err)
	}
	if *rounds < 1 || *rounds > 8 {
		return fmt.Errorf("wakeword train: --rounds %d out of range [1, 8]", *rounds)
	}
	r.Rounds = *rounds
	// A third member would take the model past 100 KB (136 KB), the size
	// a microcontroller build should stay within.
	if *members < 1 || *members > 2 {
		return fmt.Errorf("wakeword train: --members %d out of range [1, 2]", *members)
	}
	if *members > 1 && *hidden > 0 {
		return fmt.Errorf("wakeword train: --members %d with --hidden %d: merged models cannot have a hidden layer", *members, *hidden)
	}
	r.Members = *members
	if *scale != 1 {
		for k := range r.TrainMix {
			r.TrainMix[k] = max(int(float64(r.TrainMix[k])**scale), 10)
			r.ValMix[k] = max(int(float64(r.ValMix[k])**scale), 10)
		}
		for s := range r.Pools.SpeechPar {
			r.Pools.SpeechPar[s] = max(int(float64(r.Pools.SpeechPar[s])**scale), 5)
		}
		r.Pools.PosPerVoice = max(int(float64(r.Pools.PosPerVoice)**scale+0.5), 1)
		r.Pools.RandomVariants = int(float64(r.Pools.RandomVariants)**scale + 0.5)
		r.Pools.PosPerOther = max(int(float64(r.Pools.PosPerOther)**scale+0.5), 1)
		if r.Pools.PosPerTrainVoice > 0 {
			r.Pools.PosPerTrainVoice = max(int(float64(r.Pools.PosPerTrainVoice)**scale+0.5), 1)
		}
	}
	for _, d := range []struct{ flag, dir string }{{"--recordings", *recordings}, {"--negatives", *negatives}} {
		if d.dir == "" {
			continue
		}
		if fi, err := os.Stat(d.dir); err != nil || !fi.IsDir() {
			return fmt.Errorf("wakeword train: %s %s: not a directory", d.flag, d.dir)
		}
	}
	r.RecordingsDir, r.NegativesDir = *recordings, *negatives
	r.Log, r.Progress = stdout, stderr
	start := time.Now()
	rep, err := train.RunRecipe(ctx, r)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintf(stderr, "interrupted; rerun the same command to resume from %s\n", r.WorkDir)
		}
		return fmt.Errorf("wakeword train: %w", err)
	}
	manifest := filepath.Join(r.OutDir, r.Name+".json")
	md, err := wakeword.LoadModel(manifest)
	if err != nil {
		return fmt.Errorf("wakeword train: %w", err)
	}
	if *test {
		pools, err := train.LoadWorkPools(r.WorkDir)
		if err != nil {
			return fmt.Errorf("wakeword train: %w", err)
		}
		if rep.Test, rep.TestSweep, err = train.TestReport(md, pools, stdout); err != nil {
			return fmt.Errorf("wakeword train: %w", err)
		}
		r.Window = md.Manifest.Micro.SlidingWindowSize
		if err := train.WriteManifest(r, md.Cutoff(), md.ArenaBytes(), rep); err != nil {
			return fmt.Errorf("wakeword train: %w", err)
		}
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes, %d parameters, cutoff %.2f) in %s\n", manifest, md.ModelBytes(), rep.Params, md.Cutoff(),
		time.Since(start).Round(time.Second))
	return nil
}
