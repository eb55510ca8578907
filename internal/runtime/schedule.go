package runtime

import (
	"slices"
	"time"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/dialog"
)

// Schedule presses a button at fixed offsets into the mic stream: the bench board's
// push-to-talk. It answers by sample time, so runs from a file are deterministic.
type Schedule struct {
	button string
	at     []int64 // sample indices, ascending
	next   int
}

// NewSchedule returns a schedule pressing button at each offset.
func NewSchedule(button string, at []time.Duration) *Schedule {
	s := &Schedule{button: button}
	for _, d := range at {
		s.at = append(s.at, audio.Samples(d))
	}
	slices.Sort(s.at)
	return s
}

// Poll reports the presses due by sample.
func (s *Schedule) Poll(sample int64, dst []dialog.Input) []dialog.Input {
	for s.next < len(s.at) && s.at[s.next] <= sample {
		dst = append(dst, dialog.Input{Kind: dialog.InputPress, Button: s.button})
		s.next++
	}
	return dst
}
