package wwbench

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/wakeword"
)

// Report is the outcome of a benchmark, ready for text or JSON output.
type Report struct {
	Machine          string        `json:"machine"`   // CPU model, cores, OS/arch
	Clock            string        `json:"cpu_clock"` // what CPU times measure
	Files            int           `json:"files"`
	AudioHours       float64       `json:"audio_hours"`
	Positives        int           `json:"positive_files"`
	Negatives        int           `json:"negative_files"`
	VAD              string        `json:"vad,omitempty"` // VAD model gating detections
	RefractoryFrames int           `json:"refractory_frames"`
	Wall             time.Duration `json:"wall_ns"`
	// FrontendCPUPerHour is the feature extraction's CPU time per hour of audio.
	FrontendCPUPerHour time.Duration `json:"frontend_cpu_per_hour_ns"`
	FrontendRTF        float64       `json:"frontend_rtf"` // CPU time / audio time
	Models             []ModelReport `json:"models"`
}

// ModelReport is one model's figures.
type ModelReport struct {
	Model      string    `json:"model"`
	Phrase     string    `json:"phrase"`    // the labels' phrase it is scored against
	Cutoff     float64   `json:"cutoff"`    // probability cutoff used, 0..1
	CutoffU8   uint8     `json:"cutoff_u8"` // the Engine's threshold, trunc(cutoff×255)
	Window     int       `json:"window"`    // sliding window used, inferences (the manifest's unless overridden)
	All        Metrics   `json:"all"`
	Conditions []Metrics `json:"conditions,omitempty"` // per condition column value
	// CPUPerHour is the model's Engine CPU time (VAD model included when set)
	// per hour of audio; RTF is CPU time / audio time, with and without the
	// front end.
	CPUPerHour      time.Duration `json:"cpu_per_hour_ns"`
	RTF             float64       `json:"rtf"`
	RTFWithFrontend float64       `json:"rtf_with_frontend"`
	DET             []DETPoint    `json:"det"`
	// Windows replays every sliding window from 1 to the larger of the
	// manifest's and the one used, at the cutoff used, over all files.
	Windows []WindowPoint `json:"windows"`
	// ReplayMismatches counts files on which Replay at CutoffU8 disagrees with
	// the Engine; anything but 0 is a bug in Replay.
	ReplayMismatches int `json:"replay_mismatches"`
}

// WindowPoint is the accuracy and latency of one sliding-window size at the
// report's cutoff, over all files.
type WindowPoint struct {
	Window        int           `json:"window"`    // outputs averaged, inferences
	MissRate      float64       `json:"miss_rate"` // 0..1
	FAPerHour     float64       `json:"fa_per_hour"`
	OtherPerHour  float64       `json:"other_phrase_fa_per_hour"`
	LatencyMedian time.Duration `json:"latency_median_ns"`
	LatencyP95    time.Duration `json:"latency_p95_ns"`
}

// DETPoint is one point of a detection-error trade-off sweep, over all files.
type DETPoint struct {
	CutoffU8     uint8   `json:"cutoff_u8"`
	Cutoff       float64 `json:"cutoff"` // CutoffU8/255
	MissRate     float64 `json:"miss_rate"`
	FAPerHour    float64 `json:"fa_per_hour"`
	OtherPerHour float64 `json:"other_phrase_fa_per_hour"`
}

// modelPhrase picks the phrase a model is scored against: its manifest's
// wake_word or its name, whichever the labels use.
func modelPhrase(m *wakeword.Model, files []FileRun) string {
	ww, nm := NormalizePhrase(m.Manifest.WakeWord), NormalizePhrase(m.Name)
	for i := range files {
		switch files[i].Label.Phrase {
		case ww:
			return ww
		case nm:
			return nm
		}
	}
	if ww != "" {
		return ww
	}
	return nm
}

// detections converts a file's detection frames to times.
func (f *FileRun) detections(frames []int32) FileDetections {
	fd := FileDetections{Label: &f.Label, Duration: f.Duration()}
	for _, k := range frames {
		fd.Times = append(fd.Times, audio.SampleTime(f.Ends[k]))
	}
	return fd
}

// NewReport scores a run: metrics of the Engine's detections per model, over
// all files and per condition, and a DET sweep over every uint8 cutoff 1..254
// replayed from the recorded traces.
func NewReport(res *Result) *Report {
	r := &Report{
		Machine: Machine(), Clock: res.Clock, Files: len(res.Files), AudioHours: res.Audio.Hours(),
		RefractoryFrames: res.Refractory, Wall: res.Wall,
	}
	if res.VAD != nil {
		r.VAD = res.VAD.Name
	}
	var conds []string
	for i := range res.Files {
		if res.Files[i].Label.Negative() {
			r.Negatives++
		} else {
			r.Positives++
		}
		if c := res.Files[i].Label.Condition; c != "" && !slices.Contains(conds, c) {
			conds = append(conds, c)
		}
	}
	slices.Sort(conds)
	hours := res.Audio.Hours()
	if hours > 0 {
		r.FrontendCPUPerHour = time.Duration(float64(res.FrontendCPU) / hours)
		r.FrontendRTF = res.FrontendCPU.Seconds() / res.Audio.Seconds()
	}
	for mi, m := range res.Models {
		mr := ModelReport{Model: m.Name, Phrase: modelPhrase(m, res.Files), CutoffU8: res.Cutoffs[mi], Window: res.Windows[mi]}
		mr.Cutoff = m.Cutoff()
		if mr.CutoffU8 != CutoffU8(mr.Cutoff) {
			mr.Cutoff = float64(mr.CutoffU8) / 255
		}
		fds := make([]FileDetections, len(res.Files))
		var replayed []int32
		window := mr.Window
		for i := range res.Files {
			f := &res.Files[i]
			fds[i] = f.detections(f.Detections[mi])
			replayed = Replay(&f.Traces[mi], len(f.Ends), window, mr.CutoffU8, res.Refractory, f.VADOn, replayed[:0])
			if !slices.Equal(replayed, f.Detections[mi]) {
				mr.ReplayMismatches++
			}
		}
		mr.All = Evaluate(mr.Phrase, fds)
		for _, c := range conds {
			var sub []FileDetections
			for _, fd := range fds {
				if fd.Label.Condition == c {
					sub = append(sub, fd)
				}
			}
			mt := Evaluate(mr.Phrase, sub)
			mt.Condition = c
			mr.Conditions = append(mr.Conditions, mt)
		}
		if hours > 0 {
			mr.CPUPerHour = time.Duration(float64(res.ModelCPU[mi]) / hours)
			mr.RTF = res.ModelCPU[mi].Seconds() / res.Audio.Seconds()
			mr.RTFWithFrontend = (res.ModelCPU[mi] + res.FrontendCPU).Seconds() / res.Audio.Seconds()
		}
		mr.DET = sweep(res, mi, mr.Phrase)
		mr.Windows = windowSweep(res, mi, mr.Phrase, max(window, m.Manifest.Micro.SlidingWindowSize))
		r.Models = append(r.Models, mr)
	}
	return r
}

// replayer scores one model's recorded traces at other settings.
type replayer struct {
	res    *Result
	mi     int
	phrase string
	fds    []FileDetections
	frames []int32
}

func newReplayer(res *Result, mi int, phrase string) *replayer {
	return &replayer{res: res, mi: mi, phrase: phrase, fds: make([]FileDetections, len(res.Files))}
}

// metrics replays every file with the given window and cutoff threshold.
func (r *replayer) metrics(window int, cutoff uint8) Metrics {
	for i := range r.res.Files {
		f := &r.res.Files[i]
		r.frames = Replay(&f.Traces[r.mi], len(f.Ends), window, cutoff, r.res.Refractory, f.VADOn, r.frames[:0])
		r.fds[i] = f.detections(r.frames)
	}
	return Evaluate(r.phrase, r.fds)
}

// windowSweep replays model mi at its cutoff with every window 1..maxWin.
func windowSweep(res *Result, mi int, phrase string, maxWin int) []WindowPoint {
	r := newReplayer(res, mi, phrase)
	var pts []WindowPoint
	for win := 1; win <= maxWin; win++ {
		m := r.metrics(win, res.Cutoffs[mi])
		pts = append(pts, WindowPoint{Window: win, MissRate: m.MissRate, FAPerHour: m.FAPerHour, OtherPerHour: m.OtherPerHour,
			LatencyMedian: m.LatencyMedian, LatencyP95: m.LatencyP95})
	}
	return pts
}

// sweep replays model mi at every cutoff 1..254.
func sweep(res *Result, mi int, phrase string) []DETPoint {
	r := newReplayer(res, mi, phrase)
	var det []DETPoint
	for c := 1; c < 255; c++ {
		m := r.metrics(res.Windows[mi], uint8(c))
		det = append(det, DETPoint{CutoffU8: uint8(c), Cutoff: float64(c) / 255, MissRate: m.MissRate, FAPerHour: m.FAPerHour, OtherPerHour: m.OtherPerHour})
	}
	return det
}

// Machine describes the computer: CPU model, logical cores, OS and arch.
func Machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores, %s/%s", cpu, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
}

// WriteText prints the report as tables.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "machine: %s (%s)\n", r.Machine, r.Clock)
	fmt.Fprintf(w, "audio: %.2f h in %d files (%d positive, %d negative); front end %.1f s CPU per audio hour (RTF %.5f); wall %v\n",
		r.AudioHours, r.Files, r.Positives, r.Negatives, r.FrontendCPUPerHour.Seconds(), r.FrontendRTF, r.Wall.Round(time.Millisecond))
	if r.VAD != "" {
		fmt.Fprintf(w, "VAD gate: %s\n", r.VAD)
	}
	fmt.Fprintln(w, "miss: no detection within [start, end+1 s]; FA/h: detections per hour on negative files; other/h: on files of other wake phrases;")
	fmt.Fprintln(w, "latency: detection time (end of the firing window) minus phrase end; CPU: Engine time per audio hour")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tcutoff\twindow\tcondition\tpositives\tmiss %\tFA/h\tother/h\textra\tlat med ms\tlat p95 ms\tCPU s/h\tRTF\t")
	row := func(m *ModelReport, mt *Metrics) {
		c := mt.Condition
		if c == "" {
			c = "all"
		}
		fmt.Fprintf(tw, "%s\t%.2f\t%d\t%s\t%d\t%.1f\t%.2f\t%.2f\t%d\t%d\t%d\t%.2f\t%.5f\t\n", m.Model, m.Cutoff, m.Window, c, mt.Positives,
			100*mt.MissRate, mt.FAPerHour, mt.OtherPerHour, mt.ExtraAccepts, mt.LatencyMedian.Milliseconds(),
			mt.LatencyP95.Milliseconds(), m.CPUPerHour.Seconds(), m.RTF)
	}
	for i := range r.Models {
		m := &r.Models[i]
		row(m, &m.All)
		for j := range m.Conditions {
			row(m, &m.Conditions[j])
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nDET (all files): miss % / FA/h at cutoffs")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	marks := []float64{0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99}
	fmt.Fprint(tw, "model\t")
	for _, c := range marks {
		fmt.Fprintf(tw, "%.2f\t", c)
	}
	fmt.Fprintln(tw)
	for i := range r.Models {
		m := &r.Models[i]
		fmt.Fprintf(tw, "%s\t", m.Model)
		for _, c := range marks {
			u := int(CutoffU8(c))
			if u >= 1 && u <= len(m.DET) {
				p := m.DET[u-1]
				fmt.Fprintf(tw, "%.1f / %.2f\t", 100*p.MissRate, p.FAPerHour)
			} else {
				fmt.Fprint(tw, "-\t")
			}
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nsliding window (all files, at the cutoff above): miss % / FA/h / latency median ms")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	maxWin := 0
	for i := range r.Models {
		maxWin = max(maxWin, len(r.Models[i].Windows))
	}
	fmt.Fprint(tw, "model\t")
	for win := 1; win <= maxWin; win++ {
		fmt.Fprintf(tw, "%d\t", win)
	}
	fmt.Fprintln(tw)
	for i := range r.Models {
		m := &r.Models[i]
		fmt.Fprintf(tw, "%s\t", m.Model)
		for win := 1; win <= maxWin; win++ {
			if win > len(m.Windows) {
				fmt.Fprint(tw, "-\t")
				continue
			}
			p := m.Windows[win-1]
			fmt.Fprintf(tw, "%.1f / %.2f / %d\t", 100*p.MissRate, p.FAPerHour, p.LatencyMedian.Milliseconds())
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for i := range r.Models {
		if n := r.Models[i].ReplayMismatches; n != 0 {
			fmt.Fprintf(w, "warning: %s: the offline replay disagrees with the Engine on %d files\n", r.Models[i].Model, n)
		}
	}
	return nil
}
