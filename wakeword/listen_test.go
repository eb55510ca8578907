package wakeword

import (
	"path/filepath"
	"testing"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/listener"
	"github.com/genie-voice/genie/audio/wavfile"
	"github.com/genie-voice/genie/internal/sharedtest"
)

// TestStackDetectsGoldenClipsFromAudio runs the golden wavs block by block through the
// front end and the engine, as the listener does, and expects ESPHome's detections at
// ESPHome's frames (README: tts_okay_nabu @ frame 173, tts_alexa @ 140, …).
func TestStackDetectsGoldenClipsFromAudio(t *testing.T) {
	tests := []struct {
		clip, model string
		frame       int64 // -1: no detection
	}{
		{"tts_okay_nabu", "okay_nabu", 173},
		{"tts_alexa", "alexa", 140},
		{"tts_hey_jarvis", "hey_jarvis", 173},
		{"tts_hey_mycroft", "hey_mycroft", 146},
		{"real_okay_nabu", "okay_nabu", 149},
		{"tts_negative", "", -1},
	}
	dir := sharedtest.Dir(t, "reference/microwakeword/wavs")
	var models []*Model
	for _, n := range wakeNames {
		models = append(models, loadShared(t, n))
	}
	for _, tt := range tests {
		t.Run(tt.clip, func(t *testing.T) {
			eng, err := NewEngine(models, EngineOpts{VAD: loadShared(t, "vad")})
			if err != nil {
				t.Fatal(err)
			}
			st, err := NewStack(eng)
			if err != nil {
				t.Fatal(err)
			}
			clip, err := wavfile.Load(filepath.Join(dir, tt.clip+".wav"))
			if err != nil {
				t.Fatal(err)
			}
			var got []listener.Wake
			var b audio.Block
			for off := 0; off+audio.BlockSamples <= len(clip.Samples); off += audio.BlockSamples {
				copy(b.Samples[:], clip.Samples[off:])
				b.Start = int64(off)
				got = st.Process(&b, got)
			}
			if tt.frame < 0 {
				if len(got) != 0 {
					t.Fatalf("detections on a negative clip: %+v", got)
				}
				return
			}
			if len(got) != 1 || got[0].Model != tt.model || got[0].Sample != 160*tt.frame+480 {
				t.Fatalf("detections %+v, want one %s at sample %d", got, tt.model, 160*tt.frame+480)
			}
		})
	}
}

func TestStackAllocatesNothing(t *testing.T) {
	eng, err := NewEngine([]*Model{loadShared(t, "okay_nabu")}, EngineOpts{VAD: loadShared(t, "vad")})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := NewStack(eng)
	var b audio.Block
	dst := make([]listener.Wake, 0, 4)
	vad := st.VAD()
	i := 0
	if a := testing.AllocsPerRun(500, func() {
		b.Start = int64(i) * audio.BlockSamples
		b.Samples[i%160] = int16(i * 997)
		i++
		dst = st.Process(&b, dst[:0])
		vad.Process(&b)
	}); a != 0 {
		t.Errorf("a block allocates %.1f times", a)
	}
}

// BenchmarkStackBlock is the whole wake-word cost of one 10 ms block: front end, one
// wake-word model and the VAD model. Target ≤ 0.5 % of a core: ≤ 50 µs per block.
func BenchmarkStackBlock(b *testing.B) {
	eng, err := NewEngine([]*Model{loadShared(b, "okay_nabu")}, EngineOpts{VAD: loadShared(b, "vad")})
	if err != nil {
		b.Fatal(err)
	}
	st, _ := NewStack(eng)
	var blk audio.Block
	for i := range blk.Samples {
		blk.Samples[i] = int16((i * 7919) % 3000)
	}
	dst := make([]listener.Wake, 0, 4)
	b.ReportAllocs()
	for b.Loop() {
		dst = st.Process(&blk, dst[:0])
		blk.Start += audio.BlockSamples
	}
}

func TestStackRunsTheNeuralVADAlone(t *testing.T) {
	eng, err := NewEngine(nil, EngineOpts{VAD: loadShared(t, "vad"), NoVADGate: true})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := NewStack(eng)
	clip, err := wavfile.Load(filepath.Join(sharedtest.Dir(t, "reference/microwakeword/wavs"), "tts_negative.wav"))
	if err != nil {
		t.Fatal(err)
	}
	vad := st.VAD()
	var b audio.Block
	var peak float32
	for off := 0; off+audio.BlockSamples <= len(clip.Samples); off += audio.BlockSamples {
		copy(b.Samples[:], clip.Samples[off:])
		b.Start = int64(off)
		if d := st.Process(&b, nil); len(d) != 0 {
			t.Fatalf("a stack without wake words detected %v", d)
		}
		peak = max(peak, vad.Process(&b))
	}
	if peak < 0.5 {
		t.Errorf("the neural VAD never passed 0.5 on a spoken sentence (peak %.2f)", peak)
	}
}
