package vad

import (
	"fmt"
	"time"

	"github.com/genie-voice/genie/audio"
)

// SegmentOpts configures a Segmenter.
type SegmentOpts struct {
	Threshold float32       // speech probability, 0..1: blocks at or above it are speech
	Hangover  time.Duration // non-speech needed to close a segment, e.g. 200 ms
	MinSpeech time.Duration // shorter segments are dropped, e.g. 100 ms
}

// DefaultSegmentOpts suits the classic detectors at their 10 ms block rate.
var DefaultSegmentOpts = SegmentOpts{Threshold: 0.5, Hangover: 200 * time.Millisecond, MinSpeech: 100 * time.Millisecond}

// Segment is one detected speech segment, [Start, End) in samples of the canonical stream.
type Segment struct {
	Start, End int64
}

// String returns e.g. "1.230-2.450s".
func (s Segment) String() string {
	return fmt.Sprintf("%.3f-%.3fs", audio.SampleTime(s.Start).Seconds(), audio.SampleTime(s.End).Seconds())
}

// Segmenter turns per-block speech probabilities into speech segments with a simple
// smoothing: a segment opens at the first block at or above the threshold, stays open
// through gaps shorter than Hangover, ends at the end of its last speech block, and is
// dropped if it spans less than MinSpeech. It allocates nothing and is not safe for
// concurrent use.
type Segmenter struct {
	o       SegmentOpts
	hang    int64 // samples
	minLen  int64 // samples
	open    bool
	cur     Segment
	lastEnd int64 // end of the last speech block
}

// NewSegmenter validates o and returns a Segmenter.
func NewSegmenter(o SegmentOpts) (*Segmenter, error) {
	if o.Threshold < 0 || o.Threshold > 1 || o.Threshold != o.Threshold {
		return nil, fmt.Errorf("vad: threshold %v out of range 0..1", o.Threshold)
	}
	if o.Hangover < 0 || o.MinSpeech < 0 {
		return nil, fmt.Errorf("vad: negative hangover %v or min speech %v", o.Hangover, o.MinSpeech)
	}
	return &Segmenter{o: o, hang: audio.Samples(o.Hangover), minLen: audio.Samples(o.MinSpeech)}, nil
}

// Push adds the probability p of the block starting at sample start. When it closes a
// segment that is long enough it returns it with ok true.
func (s *Segmenter) Push(start int64, p float32) (seg Segment, ok bool) {
	end := start + audio.BlockSamples
	if p >= s.o.Threshold {
		if !s.open {
			s.open = true
			s.cur.Start = start
		}
		s.lastEnd = end
		return Segment{}, false
	}
	if s.open && end-s.lastEnd >= s.hang {
		return s.close()
	}
	return Segment{}, false
}

// Flush closes a segment still open at the end of the stream.
func (s *Segmenter) Flush() (seg Segment, ok bool) {
	if !s.open {
		return Segment{}, false
	}
	return s.close()
}

func (s *Segmenter) close() (Segment, bool) {
	s.open = false
	s.cur.End = s.lastEnd
	if s.cur.End-s.cur.Start < s.minLen {
		return Segment{}, false
	}
	return s.cur, true
}

// Reset forgets any open segment.
func (s *Segmenter) Reset() {
	s.open = false
	s.cur = Segment{}
	s.lastEnd = 0
}
