package wwbench

import (
	"math"
	"time"

	"github.com/genie-voice/genie/wakeword"
)

// Trace is one model's raw output on one file, recorded once so that other
// cutoffs can be replayed without running the model again.
type Trace struct {
	At  []int32 // feature frame (0-based, 10 ms steps) of each inference
	Out []uint8 // the inference's raw uint8 output, probability×255
}

// maxWindow bounds a sliding window (the manifest parser's limit).
const maxWindow = 100

// CutoffU8 converts a probability cutoff to the uint8 threshold the Engine
// compares against, truncating p×255 as ESPHome's code generator does.
func CutoffU8(p float64) uint8 { return uint8(min(max(math.Trunc(p*255), 0), 255)) }

// RefractoryFrames returns the cool-off in frames that wakeword.NewEngine
// derives from EngineOpts.Refractory.
func RefractoryFrames(d time.Duration) int {
	switch {
	case d < 0:
		return 0
	case d > 0:
		return int(d / (10 * time.Millisecond))
	}
	return wakeword.MinSlicesBeforeDetection
}

// Replay replicates, offline, the wakeword.Engine's decisions for one model
// from its recorded trace: the sliding window of the last window outputs,
// detection when its sum exceeds cutoff×window, the cool-off of refractory
// frames whose newest output is below the cutoff (at the start and after each
// detection, which also clears the window), and the VAD gate when vadOn (one
// value per frame, the Engine's VADActive after that frame) is not nil. It
// appends to dst the frames at which the Engine would fire and returns it.
// The trace must come from a fresh Engine (after New or Reset) running over
// nframes frames; window must be 1..100.
func Replay(tr *Trace, nframes, window int, cutoff uint8, refractory int, vadOn []bool, dst []int32) []int32 {
	var ring [maxWindow]uint8
	r := ring[:window]
	last, next := 0, 0
	ignore := -refractory
	pending := false
	limit := int(cutoff) * window
	for k := range nframes {
		if next < len(tr.At) && int(tr.At[next]) == k {
			last++
			if last == window {
				last = 0
			}
			r[last] = tr.Out[next]
			next++
			pending = true
		}
		if r[last] < cutoff {
			ignore = min(ignore+1, 0)
		}
		if !pending || ignore < 0 {
			continue
		}
		pending = false
		sum := 0
		for _, p := range r {
			sum += int(p)
		}
		if sum <= limit {
			continue
		}
		if vadOn != nil && !vadOn[k] {
			continue
		}
		dst = append(dst, int32(k))
		clear(r)
		ignore = -refractory
	}
	return dst
}
