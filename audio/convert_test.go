package audio_test

import (
	"errors"
	"io"
	"math"
	"testing"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/audiotest"
)

func readAll(t *testing.T, src audio.Source) []int16 {
	t.Helper()
	var out []int16
	buf := make([]int16, audio.BlockSamples)
	for {
		n, err := audio.ReadFull(src, buf)
		out = append(out, buf[:n]...)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestConverterSelectsAndMixesChannels(t *testing.T) {
	// Stereo 16 kHz: left = 1000, right = -3000.
	st := make([]int16, 2*1600)
	for i := 0; i < len(st); i += 2 {
		st[i], st[i+1] = 1000, -3000
	}
	tests := []struct {
		name    string
		channel int
		gainDB  float64
		want    int16
	}{
		{"left", 0, 0, 1000},
		{"right", 1, 0, -3000},
		{"downmix", -1, 0, -1000},
		{"left_plus_6dB", 0, 6.0206, 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := audio.NewConverter(&audiotest.SliceSource{F: audio.Format{SampleRate: 16000, Channels: 2}, Samples: st}, audio.ConvertOpts{Channel: tt.channel, GainDB: tt.gainDB})
			if err != nil {
				t.Fatal(err)
			}
			got := readAll(t, c)
			if len(got) != 1600 {
				t.Fatalf("got %d samples, want 1600", len(got))
			}
			for i, v := range got {
				if d := int(v) - int(tt.want); d < -1 || d > 1 {
					t.Fatalf("sample %d = %d, want %d", i, v, tt.want)
				}
			}
		})
	}
}

func TestConverterResamplesToCanonical(t *testing.T) {
	for _, rate := range []int{8000, 11025, 22050, 32000, 44100, 48000} {
		in := make([]int16, rate) // 1 s of 440 Hz
		for i := range in {
			in[i] = int16(10000 * math.Sin(2*math.Pi*440*float64(i)/float64(rate)))
		}
		c, err := audio.NewConverter(&audiotest.SliceSource{F: audio.Format{SampleRate: rate, Channels: 1}, Samples: in}, audio.ConvertOpts{})
		if err != nil {
			t.Fatal(err)
		}
		got := readAll(t, c)
		if n := len(got); n < 15900 || n > 16000 {
			t.Errorf("%d Hz: 1 s became %d canonical samples", rate, n)
		}
	}
}

func TestConverterRejectsMissingChannel(t *testing.T) {
	_, err := audio.NewConverter(&audiotest.SliceSource{F: audio.Format{SampleRate: 16000, Channels: 2}}, audio.ConvertOpts{Channel: 2})
	if err == nil {
		t.Fatal("channel 2 of a stereo source accepted")
	}
}

func TestSinkConverterFansOutChannels(t *testing.T) {
	rec := &audiotest.RecordSink{F: audio.Format{SampleRate: 48000, Channels: 2}}
	s, err := audio.NewSinkConverter(rec, 16000, 160)
	if err != nil {
		t.Fatal(err)
	}
	blk := make([]int16, 160)
	for i := range blk {
		blk[i] = 5000
	}
	for range 20 {
		if _, err := s.Write(blk); err != nil {
			t.Fatal(err)
		}
	}
	got := rec.Samples()
	if n := len(got); n < 2*(3*3200-200) || n > 2*3*3200 {
		t.Fatalf("3200 frames at 16 kHz became %d samples at 48 kHz stereo", n)
	}
	mid := got[len(got)/2&^1:]
	if mid[0] != mid[1] || mid[0] < 4990 || mid[0] > 5010 {
		t.Errorf("steady frame = %v, want both channels ≈ 5000", mid[:2])
	}
}

func TestConverterAllocatesNothing(t *testing.T) {
	loop := &loopSource{f: audio.Format{SampleRate: 48000, Channels: 2}}
	c, err := audio.NewConverter(loop, audio.ConvertOpts{Channel: -1})
	if err != nil {
		t.Fatal(err)
	}
	blk := make([]int16, audio.BlockSamples)
	if a := testing.AllocsPerRun(200, func() { audio.ReadFull(c, blk) }); a != 0 {
		t.Errorf("converter allocates %.1f per block", a)
	}
}

// loopSource returns a steady tone forever.
type loopSource struct {
	f audio.Format
	i int
}

func (l *loopSource) Format() audio.Format { return l.f }
func (l *loopSource) Read(p []int16) (int, error) {
	n := len(p) - len(p)%l.f.Channels
	for k := range p[:n] {
		p[k] = int16((l.i * 37) % 2000)
		l.i++
	}
	return n, nil
}

func BenchmarkConverter48kStereoBlock(b *testing.B) {
	c, _ := audio.NewConverter(&loopSource{f: audio.Format{SampleRate: 48000, Channels: 2}}, audio.ConvertOpts{Channel: -1})
	blk := make([]int16, audio.BlockSamples)
	b.ReportAllocs()
	for b.Loop() {
		audio.ReadFull(c, blk)
	}
}

func TestSliceSourceContract(t *testing.T) {
	s := make([]int16, 1000)
	for i := range s {
		s[i] = int16(i)
	}
	audiotest.TestSource(t, &audiotest.SliceSource{F: audio.Format{SampleRate: 16000, Channels: 2}, Samples: s}, s)
}
