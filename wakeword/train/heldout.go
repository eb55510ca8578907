package train

import (
	"context"
	"fmt"

	"github.com/genie-voice/genie/wakeword"
)

// HeldOut is the held-out test of a training run's pools as the five streams
// TestReport plays: the test voices' wake phrases clean and in 10 dB noise,
// their near misses, and their ordinary speech clean and in 10 dB noise.
// The streams depend only on the pools, so every model run on one HeldOut
// hears the same audio and their figures compare directly.
type HeldOut struct {
	streams []testRun // named streams, no run yet
}

// NewHeldOut lays out the test split of pools (fixed seeds, as TestReport).
func NewHeldOut(pools *Pools) *HeldOut {
	t := SplitTest
	return &HeldOut{streams: []testRun{
		{name: "positive_clean", s: PhraseStream(pools.Pos[t], pools.Speech[t], 0, 21)},
		{name: "positive_10dB", s: PhraseStream(pools.Pos[t], pools.Speech[t], 10, 22)},
		{name: "near_miss_clean", s: PhraseStream(pools.Near[t], pools.Speech[t], 0, 23)},
		{name: "speech_clean", s: SpeechStream(pools.Speech[t], 0, 24)},
		{name: "speech_10dB", s: SpeechStream(pools.Speech[t], 10, 25)},
	}}
}

// Phrases returns the number of wake phrases in each positive stream.
func (h *HeldOut) Phrases() int { return len(h.streams[0].s.Starts) }

// SpeechHours returns the duration of ordinary speech (both streams), h.
func (h *HeldOut) SpeechHours() float64 {
	return (h.streams[3].s.Seconds() + h.streams[4].s.Seconds()) / 3600
}

// Run plays every stream to md through the microfrontend and a real
// wakeword.Engine at the model's cutoff and keeps the traces for replay at
// the given sliding window (outputs averaged; 0 keeps the model's). It stops
// between streams when ctx is done.
func (h *HeldOut) Run(ctx context.Context, md *wakeword.Model, window int) (*HeldOutRun, error) {
	if window <= 0 {
		window = md.Manifest.Micro.SlidingWindowSize
	}
	r := &HeldOutRun{stride: md.Stride, window: window}
	for _, t := range h.streams {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var err error
		if t.r, err = RunEngine(md, 0, t.s.Audio); err != nil {
			return nil, fmt.Errorf("train: %s on the held-out %s stream: %w", md.Name, t.name, err)
		}
		r.runs = append(r.runs, t)
	}
	return r, nil
}

// HeldOutRun is one model's run over a HeldOut, replayable at any cutoff.
type HeldOutRun struct {
	runs           []testRun
	stride, window int
}

// Window returns the sliding window the run is replayed with (outputs).
func (r *HeldOutRun) Window() int { return r.window }

// At replays the run at cutoff with the model's sliding window.
func (r *HeldOutRun) At(cutoff float64) OperatingPoint {
	return operatingPoints(r.runs, r.stride, r.window, []float64{cutoff})[0]
}

// AtFAh returns the operating point at the lowest cutoff (in the engine's
// steps of 1/255) from which every higher cutoff keeps false accepts on the
// held-out speech at or below maxFAh; ok is false when even the highest does
// not. Comparing models here, at equal false accepts, says which one misses
// less regardless of where validation placed each model's own cutoff. The
// search stops at 1/255: at 0 ESPHome's logic never leaves its cool-off.
func (r *HeldOutRun) AtFAh(maxFAh float64) (p OperatingPoint, ok bool) {
	for u := 254; u >= 1; u-- {
		q := r.At(cutoffFor(u))
		if q.FAPerHour > maxFAh {
			break
		}
		p, ok = q, true
	}
	return p, ok
}
