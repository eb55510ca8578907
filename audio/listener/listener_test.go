package listener

import (
	"context"
	"testing"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/audiotest"
)

// countingDetector fires on every block whose first sample is 1000 and counts calls.
type countingDetector struct{ calls, resets int }

func (d *countingDetector) Process(b *audio.Block, dst []Wake) []Wake {
	d.calls++
	if b.Samples[0] == 1000 {
		dst = append(dst, Wake{Model: "test", Sample: b.End(), Probability: 0.99})
	}
	return dst
}
func (d *countingDetector) Reset() { d.resets++ }

type countingVAD struct{ calls int }

func (v *countingVAD) Process(b *audio.Block) float32 {
	v.calls++
	if b.Samples[1] != 0 {
		return 0.9
	}
	return 0.1
}
func (v *countingVAD) Reset() {}

// recorder is a Handler that keeps copies of what it saw.
type recorder struct {
	steps    []Step
	idleFrom int64 // Idle reports true once this sample is reached
}

func (r *recorder) HandleBlock(s *Step) {
	c := *s
	c.Wakes = append([]Wake(nil), s.Wakes...)
	r.steps = append(r.steps, c)
}
func (r *recorder) Idle() bool {
	return len(r.steps) > 0 && r.steps[len(r.steps)-1].Block.End() >= r.idleFrom
}

func blocks(n int, v int16) []int16 {
	s := make([]int16, n*audio.BlockSamples)
	for i := range s {
		s[i] = v
	}
	return s
}

func TestListenerRunsDetectorsAndVADInOrder(t *testing.T) {
	det, vad := &countingDetector{}, &countingVAD{}
	src := &audiotest.SliceSource{F: audio.Canonical, Samples: append(blocks(3, 0), blocks(2, 1000)...)}
	l, err := New(src, Opts{Detector: det, VAD: vad, Threshold: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	if err := l.Run(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.steps) != 5 || det.calls != 5 || vad.calls != 5 {
		t.Fatalf("%d steps, %d detector calls, %d VAD calls; want 5 each", len(rec.steps), det.calls, vad.calls)
	}
	for i, s := range rec.steps {
		if s.Block.Start != int64(i*audio.BlockSamples) {
			t.Errorf("step %d starts at %d", i, s.Block.Start)
		}
		if wantSpeech := i >= 3; s.Speech != wantSpeech || len(s.Wakes) != map[bool]int{true: 1}[wantSpeech] {
			t.Errorf("step %d: speech %v wakes %v", i, s.Speech, s.Wakes)
		}
	}
	if l.PreRoll().Len() != 5 {
		t.Errorf("pre-roll holds %d blocks, want 5", l.PreRoll().Len())
	}
}

func TestMutedListenerHearsNothing(t *testing.T) {
	det, vad := &countingDetector{}, &countingVAD{}
	src := &audiotest.SliceSource{F: audio.Canonical, Samples: blocks(10, 1000)}
	l, _ := New(src, Opts{Detector: det, VAD: vad})
	l.SetMuted(true)
	rec := &recorder{}
	l.Run(context.Background(), rec)
	if det.calls != 0 || vad.calls != 0 {
		t.Errorf("while muted the detector ran %d times and the VAD %d times", det.calls, vad.calls)
	}
	if l.PreRoll().Len() != 0 {
		t.Errorf("while muted the pre-roll kept %d blocks", l.PreRoll().Len())
	}
	for i, s := range rec.steps {
		if !s.Muted || s.Block.Samples[0] != 0 || len(s.Wakes) != 0 {
			t.Fatalf("muted step %d handed audio on: muted=%v sample=%d wakes=%v", i, s.Muted, s.Block.Samples[0], s.Wakes)
		}
	}
}

func TestListenerFlushesUntilIdle(t *testing.T) {
	src := &audiotest.SliceSource{F: audio.Canonical, Samples: blocks(4, 7)[:4*160-10]}
	l, _ := New(src, Opts{})
	rec := &recorder{idleFrom: 20 * 160}
	if err := l.Run(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.steps); n != 20 {
		t.Fatalf("%d steps, want 4 from the mic (the last one partial) + 16 flushed", n)
	}
	if rec.steps[3].Flush || rec.steps[3].Block.Samples[149] != 7 || rec.steps[3].Block.Samples[150] != 0 {
		t.Error("the partial last block was not delivered zero-padded")
	}
	if !rec.steps[4].Flush {
		t.Error("blocks after the end are not marked Flush")
	}
}

func TestListenerNeedsCanonicalAudio(t *testing.T) {
	if _, err := New(&audiotest.SliceSource{F: audio.Format{SampleRate: 48000, Channels: 2}}, Opts{}); err == nil {
		t.Fatal("a 48 kHz stereo source was accepted")
	}
}
