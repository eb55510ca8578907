package audio

import (
	"math"
	"testing"
	"time"
)

func constClip(v int16, n int) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func newTestMixer(t *testing.T) *Mixer {
	t.Helper()
	o := DefaultMixerOpts
	o.Volume = 100
	o.Ramp = 10 * time.Millisecond
	m, err := NewMixer(o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMixerDucksLowerPriorities(t *testing.T) {
	m := newTestMixer(t)
	media := m.Track(Media)
	if err := media.Start(Format{SampleRate: 16000, Channels: 1}); err != nil {
		t.Fatal(err)
	}
	media.Write(constClip(10000, 16000))
	out := make([]int16, m.BlockFrames())
	m.Mix(out)
	if out[159] != 10000 {
		t.Fatalf("media alone = %d, want 10000 at full gain", out[159])
	}
	dialog := m.Track(Dialog)
	dialog.Start(Format{SampleRate: 16000, Channels: 1})
	dialog.Write(constClip(1000, 1600))
	dialog.Close()
	m.Mix(out) // ramp block
	m.Mix(out)
	want := 1000 + int(10000*math.Pow(10, -20.0/20))
	if d := int(out[100]) - want; d < -2 || d > 2 {
		t.Errorf("dialog over media = %d, want %d (media ducked by 20 dB)", out[100], want)
	}
	// Drain the dialog; the finish is reported once, then media comes back.
	var finished uint8
	for range 10 {
		finished |= m.Mix(out)
	}
	if finished != 1<<Dialog {
		t.Errorf("finished = %08b, want only dialog", finished)
	}
	m.Mix(out)
	if out[159] != 10000 {
		t.Errorf("media after the dialog = %d, want back at 10000", out[159])
	}
}

func TestMixerResamplesAndDownmixesTracks(t *testing.T) {
	m := newTestMixer(t)
	tr := m.Track(Dialog)
	if err := tr.Start(Format{SampleRate: 22050, Channels: 2}); err != nil {
		t.Fatal(err)
	}
	if n := tr.Write(constClip(4000, 2*22050)); n != 2*22050 {
		t.Fatalf("Write took %d samples", n)
	}
	tr.Close()
	if q := tr.Queued(); q < 990*time.Millisecond || q > 1010*time.Millisecond {
		t.Errorf("1 s of 22.05 kHz stereo queued as %v", q)
	}
	out := make([]int16, m.BlockFrames())
	total := 0
	for {
		f := m.Mix(out)
		total += len(out)
		if f != 0 {
			break
		}
		if total > 32000 {
			t.Fatal("track never finished")
		}
	}
	if total < 16000 || total > 16160 {
		t.Errorf("finished after %d samples, want ≈16000", total)
	}
}

func TestMixerStopDropsQueuedAudio(t *testing.T) {
	m := newTestMixer(t)
	tr := m.Track(Alert)
	tr.Start(Format{SampleRate: 16000, Channels: 1})
	tr.Write(constClip(3000, 8000))
	tr.Stop()
	out := make([]int16, 160)
	if f := m.Mix(out); f != 0 || out[0] != 0 {
		t.Errorf("after Stop: finished %b, sample %d; want silence and no finish", f, out[0])
	}
}

func TestMixerTrackIsBounded(t *testing.T) {
	o := DefaultMixerOpts
	o.Buffer = time.Second
	m, _ := NewMixer(o)
	tr := m.Track(Media)
	tr.Start(Format{SampleRate: 16000, Channels: 1})
	if n := tr.Write(make([]int16, 32000)); n != 16000 {
		t.Errorf("a 1 s track took %d samples of 2 s", n)
	}
}

func TestMixAllocatesNothing(t *testing.T) {
	m := newTestMixer(t)
	tr := m.Track(Dialog)
	tr.Start(Format{SampleRate: 24000, Channels: 1})
	chunk := constClip(100, 240)
	out := make([]int16, 160)
	if a := testing.AllocsPerRun(200, func() { tr.Write(chunk); m.Mix(out) }); a != 0 {
		t.Errorf("Write+Mix allocates %.1f per block", a)
	}
}

func BenchmarkMixBlock(b *testing.B) {
	m, _ := NewMixer(MixerOpts{SampleRate: 48000, DuckDB: -20, Ramp: 50 * time.Millisecond, Buffer: 20 * time.Second, Volume: 80})
	for p := Media; p <= Dialog; p++ {
		m.Track(p).Start(Format{SampleRate: 48000, Channels: 1})
	}
	chunk := constClip(100, 480)
	out := make([]int16, 480)
	b.ReportAllocs()
	for b.Loop() {
		for p := Media; p <= Dialog; p++ {
			m.Track(p).Write(chunk)
		}
		m.Mix(out)
	}
}
