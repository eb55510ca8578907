package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/vad/vadeval"
	"github.com/genie-voice/genie/audio/wavfile"
	"github.com/genie-voice/genie/dialog"
)

func init() {
	registerBench(command{
		name:    "vad",
		summary: "score VADs on a labelled wav set: ROC-AUC, F1, speech-end delay, CPU",
		run:     runBenchVAD,
	})
}

// benchGroup is the result for one slice of the set (all, one SNR, one noise, one condition).
type benchGroup struct {
	Group        string  `json:"group"` // "all", "snr=10db", "noise=pink", "pink/10db"
	Files        int     `json:"files"`
	Blocks       int     `json:"blocks"`
	SpeechBlocks int     `json:"speech_blocks"`
	AudioSec     float64 `json:"audio_s"`
	AUC          float64 `json:"roc_auc"`
	F1           float64 `json:"f1"`
	Precision    float64 `json:"precision"`
	Recall       float64 `json:"recall"`
	FPR          float64 `json:"false_positive_rate"`
	EndMedianMS  float64 `json:"end_delay_median_ms"` // NaN (-1 in JSON) when no end was matched
	EndP95MS     float64 `json:"end_delay_p95_ms"`
	EndsScored   int     `json:"ends_scored"`
	EndsMissed   int     `json:"ends_missed"`
	EndsEarly    int     `json:"ends_cut_early"`
	CPUPerHour   float64 `json:"cpu_s_per_audio_hour"`
	NSPerBlock   float64 `json:"wall_ns_per_block"`

	scores []float32
	truth  []bool
	counts vadeval.Counts
	delays []int64
	cpu    time.Duration
	wall   time.Duration
}

// benchVAD is the result for one detector.
type benchVAD struct {
	VAD    string        `json:"vad"`
	Groups []*benchGroup `json:"groups"`
}

type benchReport struct {
	Machine   string     `json:"machine"`
	Threshold float32    `json:"threshold"`
	SilenceMS int64      `json:"endpoint_silence_ms"`
	VADs      []benchVAD `json:"vads"`
}

func runBenchVAD(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench vad", stderr)
	set := fs.String("set", "", "directory of 16 kHz mono wav files (required)")
	labels := fs.String("labels", "", "labels CSV file,start_s,end_s (default SET/labels.csv)")
	kinds := fs.String("vad", "energy", "comma-separated detectors to score: "+vadNames())
	model := fs.String("vad-model", defaultVADModel(), "neural: the VAD model's manifest")
	thr := fs.Float64("threshold", 0.5, "speech probability (0..1) for F1 and the endpointer")
	silence := fs.Duration("silence", 700*time.Millisecond, "endpointer: trailing non-speech that declares the end of speech")
	minPause := fs.Duration("min-pause", 300*time.Millisecond, "score a speech end only if the pause after it is at least silence+min-pause")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	png := fs.String("png", "", "write ROC curves (per SNR condition) to this PNG file")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `usage: genie bench vad --set DIR [--labels FILE.csv] [flags]

Runs each detector over every DIR/*.wav (16 kHz mono 16-bit; files missing from the labels
are all non-speech) and reports, per SNR condition, noise type and condition:
  roc_auc   exact block-level (10 ms) ROC-AUC, ties averaged; a block is speech if at
            least half its samples are inside a labelled interval
  f1        block-level F1 (and precision, recall, false positive rate) at --threshold
  end delay speech-end detection delay of genie's endpointer (dialog.Endpointer, the
            one genie run uses) ending speech after --silence below --threshold, minus
            --silence (median, p95, ms); negative means the VAD let go before the
            labelled end
  cpu       process CPU seconds spent in the detector per hour of audio
Conditions come from file names <scene>_<noise>_<snr>.wav as written by scripts/vadset.
In --json, -1 marks a value with no data (AUC of a one-class group, delay with no ends).

flags:
`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *set == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	if *thr < 0 || *thr > 1 {
		return fmt.Errorf("bench vad: threshold %v out of range 0..1", *thr)
	}
	if *silence < audio.BlockLen {
		return fmt.Errorf("bench vad: silence %v shorter than one block", *silence)
	}
	if *labels == "" {
		*labels = filepath.Join(*set, "labels.csv")
	}
	lf, err := os.Open(*labels)
	if err != nil {
		return fmt.Errorf("bench vad: %w", err)
	}
	lab, err := vadeval.ReadLabels(lf)
	lf.Close()
	if err != nil {
		return fmt.Errorf("bench vad: %s: %w", *labels, err)
	}
	files, err := filepath.Glob(filepath.Join(*set, "*.wav"))
	if err != nil {
		return fmt.Errorf("bench vad: %w", err)
	}
	if len(files) == 0 {
		return fmt.Errorf("bench vad: no .wav files in %s", *set)
	}
	sort.Strings(files)
	known := map[string]bool{}
	for _, f := range files {
		known[filepath.Base(f)] = true
	}
	for f := range lab {
		if !known[f] {
			return fmt.Errorf("bench vad: %s labels %q, which is not in %s", *labels, f, *set)
		}
	}

	rep := benchReport{
		Machine:   machine(),
		Threshold: float32(*thr),
		SilenceMS: silence.Milliseconds(),
	}
	for _, kind := range strings.Split(*kinds, ",") {
		det, err := newVAD(strings.TrimSpace(kind), *model)
		if err != nil {
			return err
		}
		groups := map[string]*benchGroup{}
		get := func(name string) *benchGroup {
			g, ok := groups[name]
			if !ok {
				g = &benchGroup{Group: name}
				groups[name] = g
			}
			return g
		}
		var b audio.Block
		for _, path := range files {
			if err := ctx.Err(); err != nil {
				return err
			}
			pcm, err := wavfile.LoadCanonical(path)
			if err != nil {
				return fmt.Errorf("bench vad: %w", err)
			}
			name := filepath.Base(path)
			nBlocks := (len(pcm) + audio.BlockSamples - 1) / audio.BlockSamples
			scores := make([]float32, nBlocks)
			det.Reset()
			cpu0, wall0 := cpuTime(), time.Now()
			for i := range scores {
				n := copy(b.Samples[:], pcm[i*audio.BlockSamples:])
				clear(b.Samples[n:])
				b.Start = int64(i) * audio.BlockSamples
				scores[i] = det.Process(&b)
			}
			wall, cpu := time.Since(wall0), cpuTime()-cpu0
			iv := lab[name]
			truth := vadeval.BlockTruth(iv, nBlocks)
			counts := vadeval.Confusion(scores, truth, float32(*thr))
			ends := dialogEndpoints(scores, float32(*thr), *silence)
			st := vadeval.MatchEnds(ends, iv, int64(len(pcm)), audio.Samples(*silence), audio.Samples(*minPause))
			noise, snr := condition(name)
			for _, gname := range []string{"all", "snr=" + snr, "noise=" + noise, noise + "/" + snr} {
				g := get(gname)
				g.Files++
				g.Blocks += nBlocks
				g.AudioSec += float64(len(pcm)) / audio.SampleRate
				g.scores = append(g.scores, scores...)
				g.truth = append(g.truth, truth...)
				g.counts = g.counts.Add(counts)
				g.delays = append(g.delays, st.Delays...)
				g.EndsScored += st.Scored
				g.EndsMissed += st.Missed
				g.EndsEarly += st.Early
				g.cpu += cpu
				g.wall += wall
			}
		}
		res := benchVAD{VAD: kind}
		for _, g := range groups {
			for _, t := range g.truth {
				if t {
					g.SpeechBlocks++
				}
			}
			g.AUC, err = vadeval.AUC(g.scores, g.truth)
			if err != nil {
				g.AUC = math.NaN()
			}
			g.F1, g.Precision, g.Recall, g.FPR = g.counts.F1(), g.counts.Precision(), g.counts.Recall(), g.counts.FPR()
			g.EndMedianMS = vadeval.Quantile(g.delays, 0.5) * 1000 / audio.SampleRate
			g.EndP95MS = vadeval.Quantile(g.delays, 0.95) * 1000 / audio.SampleRate
			g.CPUPerHour = g.cpu.Seconds() / (g.AudioSec / 3600)
			g.NSPerBlock = float64(g.wall.Nanoseconds()) / float64(g.Blocks)
			res.Groups = append(res.Groups, g)
		}
		sort.Slice(res.Groups, func(i, j int) bool { return groupKey(res.Groups[i].Group) < groupKey(res.Groups[j].Group) })
		rep.VADs = append(rep.VADs, res)
	}
	if *png != "" {
		if err := plotROC(*png, rep); err != nil {
			return fmt.Errorf("bench vad: %s: %w", *png, err)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(jsonSafe(rep))
	}
	fmt.Fprintf(stdout, "machine: %s\nthreshold %.2f, endpointer silence %v\n", rep.Machine, rep.Threshold, *silence)
	for _, v := range rep.VADs {
		fmt.Fprintf(stdout, "\nvad %s\n", v.VAD)
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "group\taudio_s\tspeech%\tAUC\tF1\tprec\trecall\tFPR\tend_med_ms\tend_p95_ms\tends\tmissed\tearly\tcpu_s/h\tns/block\t")
		for _, g := range v.Groups {
			fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.4f\t%.3f\t%.3f\t%.3f\t%.3f\t%.0f\t%.0f\t%d\t%d\t%d\t%.2f\t%.0f\t\n",
				g.Group, g.AudioSec, 100*float64(g.SpeechBlocks)/float64(g.Blocks), g.AUC, g.F1, g.Precision, g.Recall, g.FPR,
				g.EndMedianMS, g.EndP95MS, g.EndsScored, g.EndsMissed, g.EndsEarly, g.CPUPerHour, g.NSPerBlock)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// condition parses "<scene>_<noise>_<snr>.wav"; other names are ("other", "other").
func condition(name string) (noise, snr string) {
	parts := strings.Split(strings.TrimSuffix(name, filepath.Ext(name)), "_")
	if len(parts) < 3 {
		return "other", "other"
	}
	return parts[len(parts)-2], parts[len(parts)-1]
}

// groupKey orders groups: all, then SNRs, then noises, then conditions.
func groupKey(g string) string {
	switch {
	case g == "all":
		return "0"
	case strings.HasPrefix(g, "snr="):
		order := map[string]string{"snr=clean": "a", "snr=10db": "b", "snr=0db": "c"}
		if o, ok := order[g]; ok {
			return "1" + o
		}
		return "1z" + g
	case strings.HasPrefix(g, "noise="):
		return "2" + g
	}
	return "3" + g
}

// jsonSafe replaces NaN (no data) with -1 so the report encodes.
func jsonSafe(r benchReport) benchReport {
	for _, v := range r.VADs {
		for _, g := range v.Groups {
			for _, f := range []*float64{&g.AUC, &g.EndMedianMS, &g.EndP95MS} {
				if math.IsNaN(*f) {
					*f = -1
				}
			}
		}
	}
	return r
}

// cpuTime is the CPU time (user+system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machine describes the host for the report.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%s/%s, %s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, model, runtime.NumCPU(), runtime.Version())
}

// plotROC draws one ROC curve per detector and SNR condition.
func plotROC(path string, rep benchReport) error {
	p := plot.New()
	p.Title.Text = "VAD ROC (10 ms blocks)"
	p.X.Label.Text = "false positive rate"
	p.Y.Label.Text = "true positive rate"
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	p.Add(plotter.NewGrid())
	var lines []any
	for _, v := range rep.VADs {
		for _, g := range v.Groups {
			if !strings.HasPrefix(g.Group, "snr=") || math.IsNaN(g.AUC) {
				continue
			}
			pts := vadeval.ROC(g.scores, g.truth)
			// Thin the curve to at most ~500 points; it is drawn, not measured.
			step := max(1, len(pts)/500)
			var xy plotter.XYs
			for i := 0; i < len(pts); i += step {
				xy = append(xy, plotter.XY{X: pts[i].FPR, Y: pts[i].TPR})
			}
			xy = append(xy, plotter.XY{X: 1, Y: 1})
			lines = append(lines, fmt.Sprintf("%s %s AUC %.3f", v.VAD, strings.TrimPrefix(g.Group, "snr="), g.AUC), xy)
		}
	}
	if err := plotutil.AddLines(p, lines...); err != nil {
		return err
	}
	p.Legend.Left = false
	p.Legend.Top = false
	return p.Save(6*vg.Inch, 6*vg.Inch, path)
}

// dialogEndpoints runs genie's own endpointer (dialog.Endpointer: speech counts as
// started after min speech, short blips do not reset the trailing silence) over
// per-block scores, as if listening all the time, and returns the sample index at which
// each end of speech is declared.
func dialogEndpoints(scores []float32, threshold float32, silence time.Duration) []int64 {
	o := dialog.DefaultEndpointOpts
	o.TrailingSilence = silence
	o.NoSpeechTimeout, o.MaxUtterance = 24*time.Hour, 24*time.Hour // never end but by silence
	ep := dialog.NewEndpointer(o)
	ep.Start(0)
	var ends []int64
	for i, p := range scores {
		end := int64(i+1) * audio.BlockSamples
		if v := ep.Block(p >= threshold, end, audio.BlockSamples); v == dialog.EndSpeech {
			ends = append(ends, end)
			ep.Start(end)
		}
	}
	return ends
}
