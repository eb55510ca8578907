package wakeword

import (
	"encoding/binary"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/genie-voice/genie/internal/sharedtest"
)

// The golden data come from the reference C/C++ pipeline (TFLM reference
// kernels driven as ESPHome drives them); see
// ../shared/reference/microwakeword/README.md. Tolerances: raw outputs at most
// ±1 (we measure bit-exact), events exact.

var wakeNames = []string{"hey_jarvis", "okay_nabu", "alexa", "hey_mycroft"}

var clips = []string{"tts_hey_jarvis", "tts_okay_nabu", "tts_alexa", "tts_hey_mycroft", "tts_negative", "real_hey_jarvis", "real_okay_nabu"}

func loadShared(t testing.TB, name string) *Model {
	t.Helper()
	m, err := LoadModel(filepath.Join(sharedtest.Dir(t, "models/microwakeword"), name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// loadFeatures reads a clip's frames; frame k ends at sample 160k+480.
func loadFeatures(t testing.TB, clip string) []Frame {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedtest.Dir(t, "reference/microwakeword"), "features", clip+".u16"))
	if err != nil {
		t.Fatal(err)
	}
	frames := make([]Frame, len(b)/(2*NumFeatures))
	for k := range frames {
		for j := range NumFeatures {
			frames[k].Values[j] = binary.LittleEndian.Uint16(b[2*(NumFeatures*k+j):])
		}
		frames[k].End = int64(160*k + 480)
	}
	return frames
}

func readCSV(t testing.TB, path string) (header []string, rows [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return all[0], all[1:]
}

func atoi(t testing.TB, s string) int {
	t.Helper()
	v, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// goldenOutputs returns per model name the raw outputs and the frame of each.
func goldenOutputs(t testing.TB, clip string) (frames []int, outs map[string][]int) {
	t.Helper()
	h, rows := readCSV(t, filepath.Join(sharedtest.Dir(t, "reference/microwakeword"), "outputs", clip+".outputs.csv"))
	outs = map[string][]int{}
	for _, r := range rows {
		frames = append(frames, atoi(t, r[0]))
		for c, name := range h {
			if n := len(name); n > 3 && name[n-3:] == "_u8" {
				outs[name[:n-3]] = append(outs[name[:n-3]], atoi(t, r[c]))
			}
		}
	}
	return frames, outs
}

// newSharedEngine returns an engine of the four wake words, with the VAD
// model unless opts names another VAD or noVAD is set.
func newSharedEngine(t testing.TB, opts EngineOpts, noVAD ...bool) *Engine {
	t.Helper()
	var models []*Model
	for _, n := range wakeNames {
		models = append(models, loadShared(t, n))
	}
	if opts.VAD == nil && len(noVAD) == 0 {
		opts.VAD = loadShared(t, "vad")
	}
	e, err := NewEngine(models, opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestGoldenOutputs(t *testing.T) {
	e := newSharedEngine(t, EngineOpts{})
	exact, total := map[string]int{}, map[string]int{}
	var scores []Score
	for _, clip := range clips {
		t.Run(clip, func(t *testing.T) {
			frames, want := goldenOutputs(t, clip)
			e.Reset()
			got := map[string][]int{}
			var gotFrames []int
			for k, f := range loadFeatures(t, clip) {
				e.Process(&f, nil)
				scores = e.Scores(scores[:0])
				if scores[0].Fresh {
					gotFrames = append(gotFrames, k)
				}
				for _, s := range scores {
					if s.Fresh {
						got[s.Model] = append(got[s.Model], int(s.Probability*255+0.5))
					}
				}
			}
			if len(gotFrames) != len(frames) {
				t.Fatalf("%d inferences, want %d", len(gotFrames), len(frames))
			}
			for i := range frames {
				if gotFrames[i] != frames[i] {
					t.Fatalf("inference %d at frame %d, want %d", i, gotFrames[i], frames[i])
				}
			}
			for model, w := range want {
				g := got[model]
				if len(g) != len(w) {
					t.Fatalf("%s: %d outputs, want %d", model, len(g), len(w))
				}
				for i := range w {
					d := g[i] - w[i]
					total[model]++
					switch {
					case d == 0:
						exact[model]++
					case d < -1 || d > 1:
						t.Errorf("%s step %d (frame %d): output %d, want %d±1", model, i, frames[i], g[i], w[i])
					}
				}
			}
		})
	}
	for model, n := range total {
		t.Logf("%s: %d of %d outputs bit-exact", model, exact[model], n)
	}
}

type event struct {
	frame  int
	sample int64
	model  string
	avg    int
}

func TestGoldenEvents(t *testing.T) {
	e := newSharedEngine(t, EngineOpts{})
	var dets []Detection
	for _, clip := range clips {
		t.Run(clip, func(t *testing.T) {
			_, rows := readCSV(t, filepath.Join(sharedtest.Dir(t, "reference/microwakeword"), "outputs", clip+".events.csv"))
			var want []event
			for _, r := range rows {
				if r[4] != "detected" {
					t.Fatalf("event kind %q not covered by this test", r[4])
				}
				want = append(want, event{atoi(t, r[0]), int64(atoi(t, r[1])), r[3], atoi(t, r[6])})
			}
			e.Reset()
			dets = dets[:0]
			var got []event
			for k, f := range loadFeatures(t, clip) {
				n := len(dets)
				dets = e.Process(&f, dets)
				for _, d := range dets[n:] {
					got = append(got, event{k, d.Sample, d.Model, int(d.Probability*255 + 0.5)})
				}
			}
			if len(got) != len(want) {
				t.Fatalf("events %+v, want %+v", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("event %d: %+v, want %+v", i, got[i], want[i])
				}
			}
			if e.BlockedByVAD() != 0 {
				t.Errorf("%d detections blocked by VAD, want 0", e.BlockedByVAD())
			}
		})
	}
}

// The start-up cool-off: a detection needs MinSlicesBeforeDetection frames
// below the cutoff first. With the cool-off removed, the same clip fires no
// later than with it.
func TestRefractoryOption(t *testing.T) {
	feats := loadFeatures(t, "tts_okay_nabu")
	first := func(opts EngineOpts) (frame int, n int) {
		e := newSharedEngine(t, opts)
		frame = -1
		var dets []Detection
		for k, f := range feats {
			m := len(dets)
			dets = e.Process(&f, dets)
			if len(dets) > m && frame < 0 {
				frame = k
			}
		}
		return frame, len(dets)
	}
	def, _ := first(EngineOpts{})
	none, _ := first(EngineOpts{Refractory: -1})
	long, nLong := first(EngineOpts{Refractory: 10e9})
	if def != 173 {
		t.Errorf("default: first detection at frame %d, want 173", def)
	}
	if none < 0 || none > def {
		t.Errorf("no cool-off: first detection at frame %d, want <= %d", none, def)
	}
	if nLong != 0 || long != -1 {
		t.Errorf("10 s cool-off on a %d-frame clip: %d detections, want 0", len(feats), nLong)
	}
}

// A window override changes how many outputs are averaged: with a window of
// one the Engine fires at the first inference whose own output is above the
// cutoff, and never later than with the manifest's window.
func TestWindowOverride(t *testing.T) {
	feats := loadFeatures(t, "tts_okay_nabu")
	first := func(win int) (det, above int) {
		opts := EngineOpts{Refractory: -1}
		if win > 0 {
			opts.Windows = map[string]int{"okay_nabu": win}
		}
		e := newSharedEngine(t, opts, true)
		det, above = -1, -1
		var dets []Detection
		var sc []Score
		for k, f := range feats {
			m := len(dets)
			dets = e.Process(&f, dets)
			if len(dets) > m && det < 0 {
				det = k
			}
			for _, s := range e.Scores(sc[:0]) {
				if s.Model == "okay_nabu" && s.Fresh && uint8(math.Round(float64(s.Probability)*255)) > cutoffU8(0.97) && above < 0 {
					above = k
				}
			}
		}
		return det, above
	}
	def, _ := first(0)
	one, above := first(1)
	if one < 0 || one != above {
		t.Errorf("window 1: first detection at frame %d, first output above the cutoff at %d", one, above)
	}
	if def < 0 || one > def {
		t.Errorf("window 1 fired at frame %d, the manifest's window at %d: want no later", one, def)
	}
	t.Logf("first detection: frame %d with window 1, %d with the manifest's", one, def)
}

func TestCutoffOverride(t *testing.T) {
	feats := loadFeatures(t, "tts_negative")
	count := func(c float64) int {
		e := newSharedEngine(t, EngineOpts{Cutoffs: map[string]float64{"okay_nabu": c}, Refractory: -1}, true)
		var dets []Detection
		for _, f := range feats {
			dets = e.Process(&f, dets)
		}
		return len(dets)
	}
	if n := count(0.97); n != 0 {
		t.Errorf("cutoff 0.97: %d detections on the negative clip, want 0", n)
	}
	// okay_nabu's outputs on this clip reach 11/255 (golden data), so a window
	// sum above 5 happens with cutoff 1/255.
	if n := count(0.004); n == 0 {
		t.Errorf("cutoff 0.004: no detection on the negative clip, want some")
	}
}

func TestVADGate(t *testing.T) {
	// With a cutoff of 1.0 the VAD never reports speech, so every detection is
	// blocked and counted.
	vad := *loadShared(t, "vad")
	vad.Manifest.Micro.ProbabilityCutoff = 1.0
	e := newSharedEngine(t, EngineOpts{VAD: &vad})
	var dets []Detection
	for _, f := range loadFeatures(t, "tts_alexa") {
		dets = e.Process(&f, dets)
	}
	if len(dets) != 0 || e.BlockedByVAD() == 0 {
		t.Errorf("%d detections, %d blocked; want 0 and >0", len(dets), e.BlockedByVAD())
	}
	if e.VADActive() {
		t.Error("VADActive with cutoff 1.0")
	}
}

func TestVADProbabilityFollowsSpeech(t *testing.T) {
	e := newSharedEngine(t, EngineOpts{})
	_, outs := goldenOutputs(t, "tts_hey_jarvis")
	var maxP float32
	for _, f := range loadFeatures(t, "tts_hey_jarvis") {
		e.Process(&f, nil)
		maxP = max(maxP, e.VADProbability())
	}
	wantMax := 0
	for _, v := range outs["vad"] {
		wantMax = max(wantMax, v)
	}
	if got := int(maxP*255 + 0.5); got != wantMax {
		t.Errorf("max VAD probability %d/255, want %d/255", got, wantMax)
	}
}

func TestProcessAllocatesNothing(t *testing.T) {
	e := newSharedEngine(t, EngineOpts{})
	feats := loadFeatures(t, "tts_okay_nabu")
	dets := make([]Detection, 0, 16)
	k := 0
	allocs := testing.AllocsPerRun(300, func() {
		dets = e.Process(&feats[k%len(feats)], dets[:0])
		k++
	})
	if allocs != 0 {
		t.Errorf("Process: %v allocs per frame, want 0", allocs)
	}
}

func TestArenaBytes(t *testing.T) {
	for _, name := range append(wakeNames, "vad") {
		m := loadShared(t, name)
		t.Logf("%s: model %d bytes, arena %d bytes (manifest tensor_arena_size %d), stride %d, ops %v",
			name, m.ModelBytes(), m.ArenaBytes(), m.Manifest.Micro.TensorArenaSize, m.Stride, m.Ops())
		if m.ArenaBytes() > 64<<10 {
			t.Errorf("%s: arena %d bytes, budget 64 KiB", name, m.ArenaBytes())
		}
	}
}

// BenchmarkModelStep measures one 10 ms feature frame through one model
// (an inference every 3rd frame, so ns/op is the average per frame). Budget:
// front end + one wake word + VAD must stay under 50 µs per 10 ms step (0.5 %
// of a core).
func BenchmarkModelStep(b *testing.B) {
	feats := loadFeatures(b, "tts_okay_nabu")
	for _, name := range append(wakeNames, "vad") {
		b.Run(name, func(b *testing.B) {
			e, err := NewEngine([]*Model{loadShared(b, name)}, EngineOpts{})
			if err != nil {
				b.Fatal(err)
			}
			dets := make([]Detection, 0, 4)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				dets = e.Process(&feats[i%len(feats)], dets[:0])
			}
		})
	}
}

// BenchmarkEngineStep is the ESPHome set-up: four wake words and the VAD.
func BenchmarkEngineStep(b *testing.B) {
	feats := loadFeatures(b, "tts_okay_nabu")
	e := newSharedEngine(b, EngineOpts{})
	dets := make([]Detection, 0, 4)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		dets = e.Process(&feats[i%len(feats)], dets[:0])
	}
}
