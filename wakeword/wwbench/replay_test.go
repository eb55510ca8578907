package wwbench

import (
	"encoding/binary"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/genie-voice/genie/audio/frontend"
	"github.com/genie-voice/genie/internal/sharedtest"
	"github.com/genie-voice/genie/wakeword"
)

var wakeNames = []string{"alexa", "hey_jarvis", "hey_mycroft", "okay_nabu"}

var clips = []string{"tts_hey_jarvis", "tts_okay_nabu", "tts_alexa", "tts_hey_mycroft", "tts_negative", "real_hey_jarvis", "real_okay_nabu"}

func loadShared(t testing.TB, name string) *wakeword.Model {
	t.Helper()
	m, err := wakeword.LoadModel(filepath.Join(sharedtest.Dir(t, "models/microwakeword"), name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// loadFeatures reads a reference clip's feature frames (golden output of the
// C frontend); frame k ends at sample start+160k+480.
func loadFeatures(t testing.TB, clip string, start int64) []frontend.Frame {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedtest.Dir(t, "reference/microwakeword"), "features", clip+".u16"))
	if err != nil {
		t.Fatal(err)
	}
	frames := make([]frontend.Frame, len(b)/(2*frontend.NumChannels))
	for k := range frames {
		for j := range frontend.NumChannels {
			frames[k].Values[j] = binary.LittleEndian.Uint16(b[2*(frontend.NumChannels*k+j):])
		}
		frames[k].End = start + int64(160*k+480)
	}
	return frames
}

// stream concatenates every reference clip's features twice: a long
// input with many detections, cool-offs and VAD changes.
func stream(t testing.TB) []frontend.Frame {
	var all []frontend.Frame
	for range 2 {
		for _, c := range clips {
			all = append(all, loadFeatures(t, c, int64(160*len(all)))...)
		}
	}
	return all
}

func engine(t testing.TB, m *wakeword.Model, o wakeword.EngineOpts) *wakeword.Engine {
	t.Helper()
	e, err := wakeword.NewEngine([]*wakeword.Model{m}, o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Replay must make the Engine's decisions at any cutoff, cool-off and VAD
// setting from the outputs recorded once at the default settings.
func TestReplayMatchesEngine(t *testing.T) {
	frames := stream(t)
	vad := loadShared(t, "vad")
	w := &worker{}
	total := 0
	for _, name := range wakeNames {
		m := loadShared(t, name)
		for _, withVAD := range []bool{false, true} {
			o := wakeword.EngineOpts{}
			var vadOn []bool
			if withVAD {
				o.VAD = vad
				vadOn = make([]bool, len(frames))
			}
			tr, _ := w.runEngine(engine(t, m, o), frames, vadOn)
			for _, refr := range []time.Duration{0, -1} {
				for _, cut := range []float64{0.02, 0.5, m.Cutoff()} {
					for _, win := range []int{m.Manifest.Micro.SlidingWindowSize, 1, 3} {
						t.Run(fmt.Sprintf("%s/vad=%v/refractory=%v/cutoff=%.2f/window=%d", name, withVAD, refr, cut, win), func(t *testing.T) {
							oc := o
							oc.Refractory = refr
							oc.Cutoffs = map[string]float64{name: cut}
							oc.Windows = map[string]int{name: win}
							_, want := w.runEngine(engine(t, m, oc), frames, nil)
							got := Replay(&tr, len(frames), win, CutoffU8(cut), RefractoryFrames(refr), vadOn, nil)
							if !slices.Equal(got, want) {
								t.Errorf("replay fires at frames %v, Engine at %v", got, want)
							}
							total += len(want)
						})
					}
				}
			}
		}
	}
	t.Logf("%d Engine detections compared", total)
	if total < 100 {
		t.Errorf("only %d detections over all cases: the test exercises too little", total)
	}
}

// At the default cutoff with the VAD gate, the replay gives the ESPHome
// reference events of every clip (frame index exact).
func TestReplayGivesReferenceEvents(t *testing.T) {
	vad := loadShared(t, "vad")
	w := &worker{}
	for _, clip := range clips {
		t.Run(clip, func(t *testing.T) {
			f, err := os.Open(filepath.Join(sharedtest.Dir(t, "reference/microwakeword"), "outputs", clip+".events.csv"))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(f).ReadAll()
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][]int32{}
			for _, r := range rows[1:] {
				k, _ := strconv.Atoi(r[0])
				want[r[3]] = append(want[r[3]], int32(k))
			}
			frames := loadFeatures(t, clip, 0)
			for _, name := range wakeNames {
				m := loadShared(t, name)
				vadOn := make([]bool, len(frames))
				tr, _ := w.runEngine(engine(t, m, wakeword.EngineOpts{VAD: vad}), frames, vadOn)
				got := Replay(&tr, len(frames), m.Manifest.Micro.SlidingWindowSize, CutoffU8(m.Cutoff()), wakeword.MinSlicesBeforeDetection, vadOn, nil)
				if !slices.Equal(got, want[name]) {
					t.Errorf("%s: replay fires at %v, reference at %v", name, got, want[name])
				}
			}
		})
	}
}

func TestCutoffU8AndRefractoryFrames(t *testing.T) {
	for p, want := range map[float64]uint8{0.9: 229, 0.97: 247, 0.95: 242, 0.5: 127, 0.29: 73, 1: 255, 0: 0} {
		if got := CutoffU8(p); got != want {
			t.Errorf("CutoffU8(%v) = %d, want %d", p, got, want)
		}
	}
	for d, want := range map[time.Duration]int{0: 100, -time.Second: 0, 2 * time.Second: 200, 15 * time.Millisecond: 1} {
		if got := RefractoryFrames(d); got != want {
			t.Errorf("RefractoryFrames(%v) = %d, want %d", d, got, want)
		}
	}
}

// BenchmarkReplay measures one replay of a model's trace over an hour of
// frames: a DET sweep does 254 per model.
func BenchmarkReplay(b *testing.B) {
	const frames = 360000
	tr := Trace{}
	for k := 2; k < frames; k += 3 {
		tr.At = append(tr.At, int32(k))
		tr.Out = append(tr.Out, uint8(k*7919%256))
	}
	var dst []int32
	b.ReportAllocs()
	for b.Loop() {
		dst = Replay(&tr, frames, 5, 200, 100, nil, dst[:0])
	}
}

// BenchmarkEngineFrame measures what Run times per model: one feature frame
// through a one-model Engine with the trace recorded (an inference every 3rd
// frame). Budget: far under the 10 ms a frame lasts.
func BenchmarkEngineFrame(b *testing.B) {
	frames := loadFeatures(b, "tts_okay_nabu", 0)
	e := engine(b, loadShared(b, "okay_nabu"), wakeword.EngineOpts{})
	w := &worker{}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		w.runEngine(e, frames, nil)
		n += len(frames)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/frame")
}
