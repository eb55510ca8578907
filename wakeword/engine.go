package wakeword

import (
	"errors"
	"fmt"
	"time"

	"github.com/genie-voice/genie/audio/frontend"
	"github.com/genie-voice/genie/wakeword/tflite"
)

// MinSlicesBeforeDetection is ESPHome's cool-off, in feature frames (10 ms
// each): after loading and after every detection a model must see this many
// frames whose newest output is below its cutoff before it may fire.
const MinSlicesBeforeDetection = 100

// Detection is one detected wake word.
type Detection struct {
	Model       string  // Model.Name, e.g. "okay_nabu"
	Sample      int64   // canonical 16 kHz index one past the end of the window that fired
	Probability float32 // sliding-window average, 0..1, as ESPHome reports it (integer average/255)
}

// Detector consumes one feature frame per 10 ms step and appends detections to
// dst, returning it. Process allocates nothing.
type Detector interface {
	Process(f *Frame, dst []Detection) []Detection
	Reset()
}

// EngineOpts configures an Engine. The zero value behaves like ESPHome without
// a VAD.
type EngineOpts struct {
	// VAD, if set, gates detections: a wake word fires only while the VAD
	// model's sliding-window sum is above its cutoff (ESPHome's vad option).
	VAD *Model
	// NoVADGate runs the VAD model only for its speech probability (the neural VAD
	// of the endpointer) without gating detections.
	NoVADGate bool
	// Cutoffs overrides the manifest's probability cutoff (0..1, higher is
	// less sensitive) per Model.Name.
	Cutoffs map[string]float64
	// Windows overrides the manifest's sliding_window_size (the number of
	// newest outputs averaged, 1..100 inferences of Stride frames each) per
	// Model.Name. A shorter window reacts sooner to a rising output (lower
	// latency) but averages away less noise; choose it together with a cutoff
	// measured with `genie bench wakeword`.
	Windows map[string]int
	// Refractory is the cool-off after start and after each detection, counted
	// in frames whose newest output is below the cutoff (rounded down to 10 ms
	// steps). 0 means ESPHome's MinSlicesBeforeDetection (1 s); negative means none.
	Refractory time.Duration
}

// stream is one model running ESPHome's StreamingModel logic.
type stream struct {
	name    string
	it      *tflite.Interpreter
	in      []int8 // input tensor, stride×40
	out     *tflite.Tensor
	stride  int
	step    int     // next input slot
	ring    []uint8 // last window outputs
	last    int     // index of the newest output in ring
	cutoff  uint8
	ignore  int   // ignore_windows: <0 while cooling off
	reset   int   // value ignore takes after a detection
	latest  uint8 // newest raw output (the ring is cleared by a detection)
	pending bool
	fresh   bool // invoked during the current frame
}

func newStream(md *Model, cutoff float64, window, refractory int) (*stream, error) {
	it, err := md.interpreter()
	if err != nil {
		return nil, err
	}
	s := &stream{
		name: md.Name, it: it, in: it.Inputs()[0].Int8(), out: it.Outputs()[0], stride: md.Stride,
		ring: make([]uint8, window), cutoff: cutoffU8(cutoff), reset: -refractory,
	}
	s.Reset()
	return s, nil
}

func (s *stream) Reset() {
	s.it.Reset()
	clear(s.in)
	clear(s.ring)
	s.step, s.last, s.latest, s.ignore, s.pending, s.fresh = 0, 0, 0, s.reset, false, false
}

// feed is perform_streaming_inference.
func (s *stream) feed(x *[NumFeatures]int8) {
	s.fresh = false
	copy(s.in[s.step*NumFeatures:], x[:])
	s.step++
	if s.step >= s.stride {
		s.step = 0
		s.it.Invoke()
		s.last++
		if s.last == len(s.ring) {
			s.last = 0
		}
		s.latest = s.out.Uint8(0)
		s.ring[s.last] = s.latest
		s.pending, s.fresh = true, true
	}
	if s.ring[s.last] < s.cutoff {
		s.ignore = min(s.ignore+1, 0)
	}
}

// sum returns the window sum and maximum.
func (s *stream) sum() (sum int, mx uint8) {
	for _, p := range s.ring {
		sum += int(p)
		mx = max(mx, p)
	}
	return sum, mx
}

// above reports sum(window) > cutoff×window, ESPHome's detection test.
func (s *stream) above(sum int) bool { return sum > int(s.cutoff)*len(s.ring) }

// Engine runs several wake-word models and an optional VAD model on the same
// feature frames with ESPHome's detection logic. It implements Detector.
// Not safe for concurrent use.
type Engine struct {
	models  []*stream
	vad     *stream
	x       [NumFeatures]int8
	vadOn   bool
	gate    bool // detections need vadOn
	blocked uint64
}

var _ Detector = (*Engine)(nil)

// NewEngine prepares one interpreter per model (and for opts.VAD). It fails if a
// model appears twice or a cutoff override names no model or is out of range.
func NewEngine(models []*Model, opts EngineOpts) (*Engine, error) {
	if len(models) == 0 && opts.VAD == nil {
		return nil, errors.New("wakeword: no models")
	}
	refr := MinSlicesBeforeDetection
	switch {
	case opts.Refractory < 0:
		refr = 0
	case opts.Refractory > 0:
		refr = int(opts.Refractory / (10 * time.Millisecond))
	}
	seen := map[string]bool{}
	e := &Engine{}
	for _, md := range models {
		if md == nil {
			return nil, errors.New("wakeword: nil model")
		}
		if seen[md.Name] {
			return nil, fmt.Errorf("wakeword: model %q given twice", md.Name)
		}
		seen[md.Name] = true
		cut := md.Cutoff()
		if c, ok := opts.Cutoffs[md.Name]; ok {
			if !(c > 0 && c <= 1) {
				return nil, fmt.Errorf("wakeword: cutoff %v for %q out of range (0, 1]", c, md.Name)
			}
			cut = c
		}
		win := md.Manifest.Micro.SlidingWindowSize
		if n, ok := opts.Windows[md.Name]; ok {
			if n < 1 || n > maxWindow {
				return nil, fmt.Errorf("wakeword: sliding window %d for %q out of range 1..%d", n, md.Name, maxWindow)
			}
			win = n
		}
		s, err := newStream(md, cut, win, refr)
		if err != nil {
			return nil, err
		}
		e.models = append(e.models, s)
	}
	for name := range opts.Cutoffs {
		if !seen[name] {
			return nil, fmt.Errorf("wakeword: cutoff override for unknown model %q", name)
		}
	}
	for name := range opts.Windows {
		if !seen[name] {
			return nil, fmt.Errorf("wakeword: window override for unknown model %q", name)
		}
	}
	if opts.VAD != nil {
		s, err := newStream(opts.VAD, opts.VAD.Cutoff(), opts.VAD.Manifest.Micro.SlidingWindowSize, MinSlicesBeforeDetection)
		if err != nil {
			return nil, err
		}
		e.vad = s
		e.gate = !opts.NoVADGate
	}
	return e, nil
}

// Process runs every model on f and appends the detections of this step to
// dst. It allocates nothing.
func (e *Engine) Process(f *Frame, dst []Detection) []Detection {
	for i, v := range f.Values {
		e.x[i] = frontend.QuantizeInput(v)
	}
	for _, s := range e.models {
		s.feed(&e.x)
	}
	if e.vad != nil {
		e.vad.feed(&e.x)
		sum, _ := e.vad.sum()
		e.vadOn = e.vad.above(sum)
	}
	for _, s := range e.models {
		if !s.pending || s.ignore < 0 {
			continue
		}
		s.pending = false
		sum, _ := s.sum()
		if !s.above(sum) {
			continue
		}
		if e.gate && !e.vadOn {
			e.blocked++
			continue
		}
		dst = append(dst, Detection{Model: s.name, Sample: f.End, Probability: float32(sum/len(s.ring)) / 255})
		clear(s.ring)
		s.ignore = s.reset
	}
	return dst
}

// Reset returns every model to its freshly loaded state, as at the start of a
// stream (including the start-up cool-off).
func (e *Engine) Reset() {
	for _, s := range e.models {
		s.Reset()
	}
	if e.vad != nil {
		e.vad.Reset()
	}
	e.vadOn = false
}

// VADProbability returns the VAD model's newest output, 0..1 (updated once per
// Stride frames), or 0 without a VAD model.
func (e *Engine) VADProbability() float32 {
	if e.vad == nil {
		return 0
	}
	return float32(e.vad.latest) / 255
}

// VADActive reports ESPHome's VAD state after the last frame: whether the VAD
// window sum is above its cutoff. Without a VAD model it is always true.
func (e *Engine) VADActive() bool { return e.vad == nil || e.vadOn }

// BlockedByVAD returns how many detections the VAD gate suppressed.
func (e *Engine) BlockedByVAD() uint64 { return e.blocked }

// Score is one model's newest raw output.
type Score struct {
	Model       string
	Probability float32 // newest output, 0..1 (raw uint8/255)
	Fresh       bool    // the model ran an inference in the last Process call
}

// Scores appends the newest output of every model, the VAD model last, to dst
// and returns it. It allocates nothing when dst has room.
func (e *Engine) Scores(dst []Score) []Score {
	for _, s := range e.models {
		dst = append(dst, Score{Model: s.name, Probability: float32(s.latest) / 255, Fresh: s.fresh})
	}
	if e.vad != nil {
		dst = append(dst, Score{Model: e.vad.name, Probability: float32(e.vad.latest) / 255, Fresh: e.vad.fresh})
	}
	return dst
}
