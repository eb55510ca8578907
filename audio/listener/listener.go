// Package listener runs genie's listener loop: one goroutine that reads the microphone
// in 10 ms canonical blocks and, in a fixed order, computes features, runs the wake-word
// detectors and the VAD, keeps the pre-roll, and hands the result of each block to a
// Handler (the dialog engine). Time is the mic's sample index.
//
// After New, a block allocates nothing: results are written into one reused Step, and
// the Handler must not retain it.
package listener

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/genie-voice/genie/audio"
)

// Step is what the loop learned from one block. It is reused: valid only during
// HandleBlock.
type Step struct {
	Block      audio.Block // the block; zeros while muted
	Muted      bool        // the mic is muted: nothing was analysed
	Flush      bool        // the mic ended: this is silence fed to finish a turn
	SpeechProb float32     // VAD probability 0..1 (0 without a VAD)
	Speech     bool        // SpeechProb ≥ the threshold
	Wakes      []Wake      // wake words detected in this block
}

// Wake is one wake-word detection.
type Wake struct {
	Model       string  // model name
	Sample      int64   // mic sample index at which it fired
	Probability float32 // 0..1
}

// Detector is a wake-word engine fed one canonical block at a time (it owns its feature
// front end). It appends detections to dst and must not allocate.
type Detector interface {
	Process(b *audio.Block, dst []Wake) []Wake
	Reset()
}

// Handler consumes the loop's results, one call per block, on the loop's goroutine.
type Handler interface {
	HandleBlock(s *Step)
	// Idle reports whether the handler has nothing in progress; after the mic ends the
	// loop keeps feeding silence until it is idle.
	Idle() bool
}

// Opts configures a Listener.
type Opts struct {
	PreRoll   time.Duration // audio kept before a trigger; default 500 ms
	VAD       audio.VAD     // optional
	Threshold float32       // VAD speech threshold, 0..1
	Detector  Detector      // optional wake-word engine
	// FlushLimit caps the silence fed after the mic ends to let a turn finish.
	FlushLimit time.Duration
	// PaceFlush paces the silence fed after the mic ends at one block per 10 ms of wall
	// time, as a live mic would (a real-time run); without it the flush runs at once.
	PaceFlush bool
	// MuteSwitch, if set, is read for every block: while it reports true the loop is
	// muted, whatever SetMuted said (a hardware switch wins).
	MuteSwitch interface{ State() bool }
}

// Listener is the loop. Create with New, run with Run.
type Listener struct {
	src      audio.Source
	o        Opts
	preroll  *audio.PreRoll
	step     Step
	wakes    []Wake
	muted    atomic.Bool
	blocks   atomic.Int64
	overruns atomic.Uint64
}

// New returns a listener reading canonical audio (16 kHz mono) from src.
func New(src audio.Source, o Opts) (*Listener, error) {
	if f := src.Format(); f != audio.Canonical {
		return nil, fmt.Errorf("listener: source format %v, want %v (wrap it in audio.NewConverter)", f, audio.Canonical)
	}
	if o.PreRoll == 0 {
		o.PreRoll = 500 * time.Millisecond
	}
	if o.Threshold <= 0 || o.Threshold >= 1 {
		o.Threshold = 0.5
	}
	if o.FlushLimit == 0 {
		o.FlushLimit = 60 * time.Second
	}
	return &Listener{src: src, o: o, preroll: audio.NewPreRoll(o.PreRoll), wakes: make([]Wake, 0, 16)}, nil
}

// PreRoll returns the pre-roll ring. It belongs to the loop's goroutine: the handler
// may read it during HandleBlock.
func (l *Listener) PreRoll() *audio.PreRoll { return l.preroll }

// SetMuted turns the mute guarantee on or off; safe from any goroutine. While muted
// the loop hands no audio to detectors, the VAD, the pre-roll or the handler (which
// sees zeroed blocks with Muted set).
func (l *Listener) SetMuted(m bool) { l.muted.Store(m) }

// Muted reports the mute state: SetMuted's, or the mute switch's.
func (l *Listener) Muted() bool {
	return l.muted.Load() || (l.o.MuteSwitch != nil && l.o.MuteSwitch.State())
}

// Blocks returns the number of blocks processed.
func (l *Listener) Blocks() int64 { return l.blocks.Load() }

// Overruns returns how many capture overruns the source reported.
func (l *Listener) Overruns() uint64 { return l.overruns.Load() }

// Run reads blocks until ctx is done or the source ends. At the end of the source it
// feeds silence (Step.Flush) until h is idle, at most FlushLimit, and returns nil.
func (l *Listener) Run(ctx context.Context, h Handler) error {
	var sample int64
	for ctx.Err() == nil {
		b := &l.step.Block
		_, err := audio.ReadFull(l.src, b.Samples[:])
		switch {
		case errors.Is(err, audio.ErrOverrun):
			l.overruns.Add(1)
			continue
		case errors.Is(err, io.EOF):
			return l.flush(ctx, h, sample)
		case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
			return fmt.Errorf("listener: mic at sample %d: %w", sample, err)
		}
		b.Start = sample
		sample += audio.BlockSamples
		l.process(h)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return l.flush(ctx, h, sample)
		}
	}
	return nil
}

// Step runs one block through the loop, for callers that drive it themselves
// (benchmarks, tests). b.Start must be set.
func (l *Listener) Step(b *audio.Block, h Handler) {
	l.step.Block = *b
	l.process(h)
}

func (l *Listener) process(h Handler) {
	s := &l.step
	s.Flush, s.SpeechProb, s.Speech = false, 0, false
	s.Wakes = l.wakes[:0]
	s.Muted = l.Muted()
	if s.Muted {
		clear(s.Block.Samples[:])
		l.preroll.Reset()
		if l.o.VAD != nil {
			l.o.VAD.Reset()
		}
		if l.o.Detector != nil {
			l.o.Detector.Reset()
		}
	} else {
		if l.o.Detector != nil {
			s.Wakes = l.o.Detector.Process(&s.Block, s.Wakes)
		}
		if l.o.VAD != nil {
			s.SpeechProb = l.o.VAD.Process(&s.Block)
			s.Speech = s.SpeechProb >= l.o.Threshold
		}
	}
	h.HandleBlock(s)
	if !s.Muted {
		l.preroll.Push(&s.Block)
	}
	l.blocks.Add(1)
}

func (l *Listener) flush(ctx context.Context, h Handler, sample int64) error {
	limit := sample + audio.Samples(l.o.FlushLimit)
	s := &l.step
	start := time.Now()
	for k := 0; ctx.Err() == nil && !h.Idle() && sample < limit; k++ {
		if l.o.PaceFlush {
			if wait := time.Until(start.Add(time.Duration(k) * audio.BlockLen)); wait > 0 {
				time.Sleep(wait)
			}
		}
		clear(s.Block.Samples[:])
		s.Block.Start = sample
		sample += audio.BlockSamples
		s.Wakes = l.wakes[:0]
		s.Flush, s.SpeechProb, s.Speech, s.Muted = true, 0, false, l.Muted()
		h.HandleBlock(s)
		l.blocks.Add(1)
	}
	return nil
}
