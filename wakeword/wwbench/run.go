package wwbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/frontend"
	"github.com/genie-voice/genie/audio/wavfile"
	"github.com/genie-voice/genie/wakeword"
)

// Opts configures Run.
type Opts struct {
	Models     []*wakeword.Model  // wake-word models to score; at least one
	VAD        *wakeword.Model    // optional VAD gate, as EngineOpts.VAD
	Cutoffs    map[string]float64 // per-model cutoff overrides, as EngineOpts.Cutoffs
	Windows    map[string]int     // per-model sliding-window overrides, as EngineOpts.Windows
	Refractory time.Duration      // as EngineOpts.Refractory
	// Jobs is how many files are processed at once; 0 means 1.
	Jobs int
	// Progress, if set, is called after each file with its length in
	// canonical samples. Calls are serialized.
	Progress func(samples int64)
}

// FileRun is what Run recorded on one file.
type FileRun struct {
	Label   Label
	Samples int64   // canonical 16 kHz samples in the file
	Ends    []int64 // End of every feature frame, samples
	VADOn   []bool  // the Engine's VADActive after every frame; nil without a VAD model
	// Traces and Detections hold, per model in Opts.Models order, the raw
	// outputs and the frames at which the Engine fired.
	Traces     []Trace
	Detections [][]int32
}

// Duration returns the file's length.
func (f *FileRun) Duration() time.Duration { return audio.SampleTime(f.Samples) }

// Result is a whole run.
type Result struct {
	Models     []*wakeword.Model
	VAD        *wakeword.Model
	Cutoffs    []uint8 // per model, the threshold the Engine used
	Windows    []int   // per model, the sliding window the Engine used, inferences
	Refractory int     // cool-off, frames
	Files      []FileRun

	Audio       time.Duration   // total audio
	FrontendCPU time.Duration   // feature extraction, all files
	ModelCPU    []time.Duration // per model: its Engine's Process calls (with the VAD model when set)
	Wall        time.Duration
	Clock       string // what the CPU times measure: "thread CPU time" on Linux, else "wall time"
}

// Run runs every model over every labelled file, each model in its own
// wakeword.Engine fed by audio/frontend exactly as the live listener does:
// the file is converted to canonical 16 kHz mono, cut into 10 ms blocks, turned
// into feature frames and passed to Engine.Process. It records every model's
// raw outputs for Replay and the Engine's detections, and times the front end
// and each Engine separately on the worker's thread.
func Run(ctx context.Context, labels []Label, o Opts) (*Result, error) {
	if len(o.Models) == 0 {
		return nil, errors.New("wwbench: no models")
	}
	res := &Result{
		Models: o.Models, VAD: o.VAD, Refractory: RefractoryFrames(o.Refractory),
		Files: make([]FileRun, len(labels)), ModelCPU: make([]time.Duration, len(o.Models)), Clock: cpuClock,
	}
	for _, m := range o.Models {
		c, ok := o.Cutoffs[m.Name]
		if !ok {
			c = m.Cutoff()
		}
		res.Cutoffs = append(res.Cutoffs, CutoffU8(c))
		w, ok := o.Windows[m.Name]
		if !ok {
			w = m.Manifest.Micro.SlidingWindowSize
		}
		res.Windows = append(res.Windows, w)
	}
	// Build one worker up front so option errors surface before any file.
	jobs := max(o.Jobs, 1)
	workers := make([]*worker, jobs)
	for i := range workers {
		w, err := newWorker(&o)
		if err != nil {
			return nil, err
		}
		workers[i] = w
	}
	start := time.Now()
	var (
		mu    sync.Mutex
		next  int
		first error
		wg    sync.WaitGroup
	)
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for {
				mu.Lock()
				i := next
				next++
				stop := first != nil
				mu.Unlock()
				if i >= len(labels) || stop {
					return
				}
				if err := ctx.Err(); err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
					return
				}
				fr := &res.Files[i]
				fr.Label = labels[i]
				err := w.file(fr)
				mu.Lock()
				if err != nil {
					first = cmpErr(first, err)
				} else if o.Progress != nil {
					o.Progress(fr.Samples)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	res.Wall = time.Since(start)
	for _, w := range workers {
		res.FrontendCPU += w.frontendCPU
		for i, d := range w.modelCPU {
			res.ModelCPU[i] += d
		}
	}
	for i := range res.Files {
		res.Audio += res.Files[i].Duration()
	}
	return res, nil
}

func cmpErr(old, err error) error {
	if old != nil {
		return old
	}
	return err
}

// worker owns a front end and one Engine per model.
type worker struct {
	fe          *frontend.Frontend
	engines     []*wakeword.Engine
	vad         bool
	samples     []int16
	frames      []frontend.Frame
	dets        []wakeword.Detection
	scores      []wakeword.Score
	buf         []int16
	frontendCPU time.Duration
	modelCPU    []time.Duration
}

func newWorker(o *Opts) (*worker, error) {
	fe, err := frontend.New(frontend.DefaultConfig)
	if err != nil {
		return nil, err
	}
	w := &worker{fe: fe, vad: o.VAD != nil, modelCPU: make([]time.Duration, len(o.Models)), buf: make([]int16, 4096)}
	for _, m := range o.Models {
		eo := wakeword.EngineOpts{VAD: o.VAD, Refractory: o.Refractory}
		if c, ok := o.Cutoffs[m.Name]; ok {
			eo.Cutoffs = map[string]float64{m.Name: c}
		}
		if n, ok := o.Windows[m.Name]; ok {
			eo.Windows = map[string]int{m.Name: n}
		}
		e, err := wakeword.NewEngine([]*wakeword.Model{m}, eo)
		if err != nil {
			return nil, err
		}
		w.engines = append(w.engines, e)
	}
	for name := range o.Cutoffs {
		found := false
		for _, m := range o.Models {
			found = found || m.Name == name
		}
		if !found {
			return nil, fmt.Errorf("wwbench: cutoff for unknown model %q", name)
		}
	}
	for name := range o.Windows {
		if !slices.ContainsFunc(o.Models, func(m *wakeword.Model) bool { return m.Name == name }) {
			return nil, fmt.Errorf("wwbench: window for unknown model %q", name)
		}
	}
	return w, nil
}

// read loads a wav file as canonical samples into w.samples.
func (w *worker) read(path string) error {
	src, err := wavfile.Open(path, wavfile.Opts{Speed: wavfile.Max})
	if err != nil {
		return err
	}
	defer src.Close()
	conv, err := audio.NewConverter(src, audio.ConvertOpts{Channel: -1})
	if err != nil {
		return fmt.Errorf("wwbench: %s: %w", path, err)
	}
	w.samples = w.samples[:0]
	for {
		n, err := conv.Read(w.buf)
		w.samples = append(w.samples, w.buf[:n]...)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("wwbench: %s: %w", path, err)
		}
	}
}

// file runs one file.
func (w *worker) file(fr *FileRun) error {
	if err := w.read(fr.Label.File); err != nil {
		return err
	}
	fr.Samples = int64(len(w.samples))

	t0 := threadCPU()
	w.fe.Reset()
	w.frames = w.frames[:0]
	var f frontend.Frame
	for s := 0; s < len(w.samples); s += audio.BlockSamples {
		e := min(s+audio.BlockSamples, len(w.samples))
		if w.fe.Process(w.samples[s:e], int64(s), &f) {
			w.frames = append(w.frames, f)
		}
	}
	w.frontendCPU += threadCPU() - t0

	fr.Ends = make([]int64, len(w.frames))
	for k := range w.frames {
		fr.Ends[k] = w.frames[k].End
	}
	if w.vad {
		fr.VADOn = make([]bool, len(w.frames))
	}
	fr.Traces = make([]Trace, len(w.engines))
	fr.Detections = make([][]int32, len(w.engines))
	for i, e := range w.engines {
		var vadOn []bool
		if i == 0 {
			vadOn = fr.VADOn
		}
		t0 := threadCPU()
		fr.Traces[i], fr.Detections[i] = w.runEngine(e, w.frames, vadOn)
		w.modelCPU[i] += threadCPU() - t0
	}
	return nil
}

// runEngine resets e, an Engine of one model, feeds it frames and returns the
// model's trace and the frames at which the Engine fired. If vadOn is not nil
// it receives the Engine's VADActive after every frame.
func (w *worker) runEngine(e *wakeword.Engine, frames []frontend.Frame, vadOn []bool) (Trace, []int32) {
	tr := Trace{At: make([]int32, 0, len(frames)/3+1), Out: make([]uint8, 0, len(frames)/3+1)}
	var fired []int32
	e.Reset()
	for k := range frames {
		w.dets = e.Process((*wakeword.Frame)(&frames[k]), w.dets[:0])
		w.scores = e.Scores(w.scores[:0])
		if w.scores[0].Fresh {
			tr.At = append(tr.At, int32(k))
			tr.Out = append(tr.Out, uint8(w.scores[0].Probability*255+0.5))
		}
		if vadOn != nil {
			vadOn[k] = e.VADActive()
		}
		if len(w.dets) > 0 {
			fired = append(fired, int32(k))
		}
	}
	return tr, fired
}
