package models

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/genie-voice/genie/audio/wavfile"
	"github.com/genie-voice/genie/wakeword"
	"github.com/genie-voice/genie/wakeword/train"
)

func fixture(t *testing.T, name string) []float32 {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	c, err := wavfile.Load(filepath.Join(filepath.Dir(file), "..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if c.Format.SampleRate != 16000 || c.Format.Channels != 1 {
		t.Fatalf("%s: %v, want 16 kHz mono", name, c.Format)
	}
	x := make([]float32, len(c.Samples))
	for i, v := range c.Samples {
		x[i] = float32(v) / 32767
	}
	return x
}

func TestBuiltinsLoadFromEmbedAndDisk(t *testing.T) {
	for _, name := range Names() {
		md, ok, err := Lookup(name)
		if !ok || err != nil {
			t.Fatalf("%s: built in %v, %v", name, ok, err)
		}
		disk, err := wakeword.LoadModel(name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if md.Name != name || md.Stride != 3 || disk.Stride != 3 || md.Cutoff() != disk.Cutoff() {
			t.Errorf("embedded %v stride %d, disk %v stride %d", md, md.Stride, disk, disk.Stride)
		}
		if n := md.ModelBytes(); n > 100<<10 {
			t.Errorf("%s: model is %d bytes, over 100 KB", name, n)
		}
	}
}

// TestBuiltinFixtures runs the testdata turns through the front end and the
// engine at each built-in model's cutoff: its own phrase ("Hey genie." from
// 1.5 s, "小精灵" from 1.5 s by a held-out Mandarin voice) wakes it once; no
// other turn does.
func TestBuiltinFixtures(t *testing.T) {
	files := []string{"hey_genie_turn_16k.wav", "xiao_jing_ling_turn_16k.wav", "turn_what_time_16k.wav", "okay_nabu_turn_16k.wav"}
	for _, tc := range []struct {
		model    string
		own      string
		from, to float64 // seconds
	}{
		{"hey_genie", "hey_genie_turn_16k.wav", 1.6, 3.2},
		{"xiao_jing_ling", "xiao_jing_ling_turn_16k.wav", 1.6, 3.5},
	} {
		md, _, err := Lookup(tc.model)
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			t.Run(tc.model+"/"+file, func(t *testing.T) {
				run, err := train.RunEngine(md, 0, fixture(t, file))
				if err != nil {
					t.Fatal(err)
				}
				want := 0
				if file == tc.own {
					want = 1
				}
				if len(run.Detections) != want {
					t.Fatalf("%d detections %v, want %d", len(run.Detections), run.Detections, want)
				}
				for _, d := range run.Detections {
					s := float64(d.Sample) / 16000
					if s < tc.from || s > tc.to {
						t.Errorf("detection at %.2f s, want %.1f..%.1f s", s, tc.from, tc.to)
					}
					t.Logf("detection at %.2f s, probability %.2f", s, d.Probability)
				}
			})
		}
	}
}

// TestSimulateMatchesEngine checks that the cutoff search (train.Simulate on
// recorded scores) fires exactly where the real engine does.
func TestSimulateMatchesEngine(t *testing.T) {
	md, err := HeyGenie()
	if err != nil {
		t.Fatal(err)
	}
	x := fixture(t, "hey_genie_turn_16k.wav")
	x = append(append(append([]float32(nil), x...), x...), x...)
	rec, err := train.RunEngine(md, 1, x)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []float64{0.2, 0.5, md.Cutoff(), 0.95} {
		run, err := train.RunEngine(md, c, x)
		if err != nil {
			t.Fatal(err)
		}
		sim := rec.FrameSamples(train.Simulate(rec, md.Stride, md.Manifest.Micro.SlidingWindowSize, c))
		got := run.DetectionSamples()
		if len(sim) != len(got) {
			t.Fatalf("cutoff %.2f: engine %v, simulation %v", c, got, sim)
		}
		for i := range got {
			if got[i] != sim[i] {
				t.Errorf("cutoff %.2f: engine %v, simulation %v", c, got, sim)
				break
			}
		}
	}
}

// BenchmarkHeyGenieFrame is the per-10 ms cost of the model in the engine (one
// inference every third frame).
func BenchmarkHeyGenieFrame(b *testing.B) {
	md, err := HeyGenie()
	if err != nil {
		b.Fatal(err)
	}
	eng, err := wakeword.NewEngine([]*wakeword.Model{md}, wakeword.EngineOpts{})
	if err != nil {
		b.Fatal(err)
	}
	var f wakeword.Frame
	for i := range f.Values {
		f.Values[i] = uint16(300 + 7*i)
	}
	dst := make([]wakeword.Detection, 0, 4)
	b.ReportAllocs()
	for b.Loop() {
		dst = eng.Process(&f, dst[:0])
	}
}

func TestHeyGenieFrameAllocatesNothing(t *testing.T) {
	md, err := HeyGenie()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := wakeword.NewEngine([]*wakeword.Model{md}, wakeword.EngineOpts{})
	if err != nil {
		t.Fatal(err)
	}
	var f wakeword.Frame
	dst := make([]wakeword.Detection, 0, 4)
	if n := testing.AllocsPerRun(300, func() { dst = eng.Process(&f, dst[:0]) }); n != 0 {
		t.Errorf("%v allocations per frame", n)
	}
}
