package vad

import (
	"slices"
	"testing"
	"time"
)

func TestSegmenter(t *testing.T) {
	const B = 160 // samples per block
	tests := []struct {
		name string
		o    SegmentOpts
		p    []float32
		want []Segment
	}{
		{"none", DefaultSegmentOpts, []float32{0, 0.2, 0.4}, nil},
		{"simple", SegmentOpts{0.5, 20 * time.Millisecond, 0},
			[]float32{0, 0.9, 0.9, 0, 0, 0}, []Segment{{1 * B, 3 * B}}},
		{"gapBridged", SegmentOpts{0.5, 30 * time.Millisecond, 0},
			[]float32{0.9, 0, 0, 0.9, 0, 0, 0}, []Segment{{0, 4 * B}}},
		{"gapSplits", SegmentOpts{0.5, 20 * time.Millisecond, 0},
			[]float32{0.9, 0, 0, 0.9, 0, 0}, []Segment{{0, 1 * B}, {3 * B, 4 * B}}},
		{"tooShortDropped", SegmentOpts{0.5, 10 * time.Millisecond, 30 * time.Millisecond},
			[]float32{0.9, 0.9, 0, 0.9, 0.9, 0.9, 0}, []Segment{{3 * B, 6 * B}}},
		{"openAtEnd", SegmentOpts{0.5, 100 * time.Millisecond, 0},
			[]float32{0, 0.5, 0.6}, []Segment{{1 * B, 3 * B}}},
		{"thresholdInclusive", SegmentOpts{0.7, 0, 0},
			[]float32{0.69, 0.7, 0.69}, []Segment{{1 * B, 2 * B}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSegmenter(tt.o)
			if err != nil {
				t.Fatal(err)
			}
			var got []Segment
			for i, p := range tt.p {
				if seg, ok := s.Push(int64(i)*B, p); ok {
					got = append(got, seg)
				}
			}
			if seg, ok := s.Flush(); ok {
				got = append(got, seg)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("segments %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewSegmenterRejectsBadOpts(t *testing.T) {
	for _, o := range []SegmentOpts{
		{Threshold: 1.5},
		{Threshold: -0.1},
		{Threshold: 0.5, Hangover: -time.Millisecond},
		{Threshold: 0.5, MinSpeech: -time.Millisecond},
	} {
		if _, err := NewSegmenter(o); err == nil {
			t.Errorf("NewSegmenter(%+v): no error", o)
		}
	}
}

func TestSegmentString(t *testing.T) {
	if got := (Segment{16000, 40000}).String(); got != "1.000-2.500s" {
		t.Errorf("String() = %q", got)
	}
}

func TestSegmenterPushAllocatesNothing(t *testing.T) {
	s, err := NewSegmenter(DefaultSegmentOpts)
	if err != nil {
		t.Fatal(err)
	}
	var i int64
	if a := testing.AllocsPerRun(1000, func() { s.Push(i*160, float32(i%50)/49); i++ }); a != 0 {
		t.Errorf("Push: %v allocs, want 0", a)
	}
}
