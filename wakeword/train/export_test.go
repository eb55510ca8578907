package train

import (
	"bytes"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/genie-voice/genie/wakeword/internal/tflbuild"

	"github.com/genie-voice/genie/audio/wavfile"
	"github.com/genie-voice/genie/wakeword"
	"github.com/genie-voice/genie/wakeword/tflite"
)

// smoothWindow returns a feature-like window: a random level per channel plus
// noise, so activations resemble real ones.
func smoothWindow(rng *rand.Rand, frames int) []int8 {
	x := make([]int8, frames*NumFeatures)
	base := rng.IntN(200) - 128
	for c := range NumFeatures {
		lvl := base + rng.IntN(60)
		for t := range frames {
			x[t*NumFeatures+c] = int8(min(max(lvl+rng.IntN(40)-20, -128), 127))
		}
	}
	return x
}

// randomStream is frames feature frames made of smooth segments of random
// lengths, so the levels change within a window.
func randomStream(rng *rand.Rand, frames int) []int8 {
	var x []int8
	for len(x) < frames*NumFeatures {
		x = append(x, smoothWindow(rng, 5+rng.IntN(40))...)
	}
	return x[:frames*NumFeatures]
}

// fixtureStream is the features of a testdata recording.
func fixtureStream(t testing.TB, name string) []int8 {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	c, err := wavfile.Load(filepath.Join(filepath.Dir(file), "..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, len(c.Samples))
	for i, v := range c.Samples {
		x[i] = float32(v) / 32767
	}
	f, err := StreamFeatures(x)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// exportWholeWindow is the exporter genie used before per-layer streaming,
// kept as a reference: one resource variable holds the last Window−Stride
// feature frames and every inference runs each conv layer over the whole
// window. It shares the quantization with Export, so after warm-up both give
// the same int8 output.
func exportWholeWindow(n *Net, calib [][]int8) ([]byte, error) {
	q, err := quantize(n, calib)
	if err != nil {
		return nil, err
	}
	a := n.Arch
	m := newModelGraph()
	input := m.g.Add(tflbuild.Tensor{Name: "input", Shape: []int32{1, int32(a.Stride), NumFeatures}, Type: tflbuild.TypeInt8, Q: &q.inQ})
	m.g.Inputs = []int32{input}
	x := m.window("input", input, a.Window-a.Stride, a.Stride, []int32{NumFeatures}, q.inQ, q.zeroState(-1, a.Window-a.Stride))
	x = m.reshape("window_4d", x, []int32{1, int32(a.Window), 1, NumFeatures}, q.inQ)
	t := a.Window
	for li, l := range n.layers {
		x = m.conv(li, &q.conv[li], x, t, l.s)
		t = l.outT
	}
	m.dense(q, x)
	return m.bytes(), nil
}

// spreadLogits scales the dense unit so the logits over windows have median 0
// and standard deviation 2: the probabilities compared below then span most
// of 0..1 instead of saturating or clustering at 0.5.
func spreadLogits(n *Net, windows [][]int8) {
	n.Params[n.fcW+n.outIn] = 0
	z := make([]float64, len(windows))
	w := n.newWork()
	var sum, sq float64
	for i, x := range windows {
		w.setInput(x)
		z[i] = float64(n.forward(w))
		sum += z[i]
	}
	mean := sum / float64(len(z))
	for _, v := range z {
		sq += (v - mean) * (v - mean)
	}
	k := 2 / max(math.Sqrt(sq/float64(len(z))), 1e-6)
	zs := make([]float32, len(z))
	for i, v := range z {
		zs[i] = float32(v * k)
	}
	for i := range n.outIn {
		n.Params[n.fcW+i] *= float32(k)
	}
	n.Params[n.fcW+n.outIn] = -percentile(zs, 0.5)
}

// withHidden returns a with h hidden dense units.
func withHidden(a Arch, h int) Arch {
	a.Hidden = h
	return a
}

// streamScores feeds seq (whole frames) Stride frames per inference through
// the model and returns the probability after each inference.
func streamScores(t testing.TB, model []byte, seq []int8, stride int) []float64 {
	t.Helper()
	it, err := tflite.New(model)
	if err != nil {
		t.Fatalf("runtime rejects exported model: %v", err)
	}
	in := it.Inputs()[0]
	var p []float64
	step := stride * NumFeatures
	for s := 0; s+step <= len(seq); s += step {
		copy(in.Int8(), seq[s:s+step])
		it.Invoke()
		p = append(p, float64(it.Outputs()[0].Uint8(0))/256)
	}
	return p
}

// TestExportStreamsLikeFloatNet runs streaming exports through the runtime's
// interpreter over long feature sequences and compares every inference after
// warm-up with the float network on the window ending at the newest frame,
// and with the whole-window reference export, which must agree exactly.
//
// Tolerance, |int8 − float| probability: at most 0.07, on average at most
// 0.02. The streaming graph itself adds no error (it matches the whole-window
// export bit for bit); what is left is post-training quantization. Every
// layer rounds its outputs to 1/255 of its calibrated range (±0.5 LSB, uniform)
// and its weights to 1/127 of their largest magnitude; the dense unit sums 832
// rounded inputs, so its logit error is a random walk of a few hundredths to
// 0.2 for the logits of spread 2 used here, up to 0.05 in probability where
// the sigmoid is steepest (slope 1/4 at p = 0.5). The output is also a
// multiple of 1/256. Measured: max 0.017–0.052, mean 0.005–0.012.
// fiveLayers is DefaultArch with five layers: `genie wakeword train --kernels
// 6,5,5,5,5`.
var fiveLayers = Arch{Window: 105, Stride: 3, Channels: []int{32, 32, 32, 32, 32}, Kernels: []int{6, 5, 5, 5, 5}, Strides: []int{3, 1, 1, 1, 1}}

func TestExportStreamsLikeFloatNet(t *testing.T) {
	for _, tc := range []struct {
		name string
		arch Arch
		real bool // features of a recording instead of random ones
		// members > 1 merges that many networks of arch (Merge), so the
		// block-diagonal layers go through quantization and the runtime.
		members int
	}{
		{"two_layers", Arch{Window: 30, Stride: 3, Channels: []int{8, 6}, Kernels: []int{6, 3}, Strides: []int{3, 1}}, false, 0},
		{"no_first_state_kernel_1", Arch{Window: 18, Stride: 3, Channels: []int{5, 4, 3}, Kernels: []int{3, 3, 1}, Strides: []int{3, 1, 1}}, false, 0},
		{"one_final_frame", Arch{Window: 21, Stride: 3, Channels: []int{6, 4}, Kernels: []int{9, 5}, Strides: []int{3, 1}}, false, 0},
		{"hidden", Arch{Window: 30, Stride: 3, Channels: []int{8, 6}, Kernels: []int{6, 3}, Strides: []int{3, 1}, Hidden: 5}, false, 0},
		{"default_random", DefaultArch, false, 0},
		{"default_hidden_recording", withHidden(DefaultArch, 32), true, 0},
		{"default_recording", DefaultArch, true, 0},
		{"two_members_recording", DefaultArch, true, 2},
		// `genie wakeword train --kernels 6,5,5,5,5`: five layers.
		{"five_layers_recording", fiveLayers, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.arch
			rng := rand.New(rand.NewPCG(3, 4))
			n, err := NewNet(a, rng)
			if err != nil {
				t.Fatal(err)
			}
			if tc.members > 1 {
				nets := []*Net{n}
				for range tc.members - 1 {
					m, err := NewNet(a, rng)
					if err != nil {
						t.Fatal(err)
					}
					nets = append(nets, m)
				}
				if n, err = Merge(nets...); err != nil {
					t.Fatal(err)
				}
				a = n.Arch
			}
			var seq []int8
			if tc.real {
				seq = fixtureStream(t, "hey_genie_turn_16k.wav")
			} else {
				seq = randomStream(rng, 420)
			}
			frames := len(seq) / NumFeatures
			frames -= frames % a.Stride
			seq = seq[:frames*NumFeatures]
			var calib [][]int8
			for range 200 {
				s := rng.IntN(frames - a.Window + 1)
				calib = append(calib, seq[s*NumFeatures:(s+a.Window)*NumFeatures])
			}
			spreadLogits(n, calib)
			model, err := Export(n, calib)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := exportWholeWindow(n, calib)
			if err != nil {
				t.Fatal(err)
			}
			it, err := tflite.New(model)
			if err != nil {
				t.Fatalf("runtime rejects exported model: %v", err)
			}
			ops := it.Ops()
			for _, op := range []string{"CALL_ONCE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "CONCATENATION", "STRIDED_SLICE", "RESHAPE", "CONV_2D", "FULLY_CONNECTED", "LOGISTIC", "QUANTIZE"} {
				if ops[op] == 0 {
					t.Errorf("exported model has no %s: %v", op, ops)
				}
			}
			if got := it.Inputs()[0].Shape; len(got) != 3 || got[0] != 1 || got[1] != a.Stride || got[2] != NumFeatures {
				t.Errorf("input shape %v", got)
			}
			if got := it.Outputs()[0]; got.Type != tflite.Uint8 || got.Elements() != 1 {
				t.Errorf("output %v %v", got.Type, got.Shape)
			}

			if rt, err := tflite.New(ref); err == nil {
				t.Logf("streaming: %d bytes, arena %d bytes; whole window: %d bytes, arena %d bytes", len(model), it.ArenaBytes(), len(ref), rt.ArenaBytes())
			}
			got := streamScores(t, model, seq, a.Stride)
			want := streamScores(t, ref, seq, a.Stride)
			warm := a.Window / a.Stride // inferences until the state holds only real frames
			var maxErr, sumErr, maxWarm float64
			compared := 0
			var lo, hi float64 = 1, 0
			for j := range got {
				if j < warm-1 {
					// Warm-up: the state holds zero-feature activations;
					// they match the reference's zero-padded window to
					// within the rounding of the initial state.
					maxWarm = max(maxWarm, math.Abs(got[j]-want[j]))
					continue
				}
				if got[j] != want[j] {
					t.Errorf("inference %d: streaming %.4f, whole window %.4f", j, got[j], want[j])
				}
				end := (j + 1) * a.Stride
				f := float64(n.Predict(seq[(end-a.Window)*NumFeatures : end*NumFeatures]))
				maxErr = max(maxErr, math.Abs(got[j]-f))
				sumErr += math.Abs(got[j] - f)
				compared++
				lo, hi = min(lo, f), max(hi, f)
			}
			meanErr := sumErr / float64(compared)
			t.Logf("%d inferences, float p %.2f..%.2f, |int8−float| max %.4f mean %.4f, warm-up max |stream−whole| %.4f", len(got), lo, hi, maxErr, meanErr, maxWarm)
			if maxErr > 0.07 || meanErr > 0.02 {
				t.Errorf("int8 model differs from the float network by up to %.4f, %.4f on average", maxErr, meanErr)
			}
			if maxWarm > 0.05 {
				t.Errorf("during warm-up the streaming model differs from the whole-window one by up to %.4f", maxWarm)
			}
			if hi-lo < 0.2 {
				t.Errorf("float probabilities span only %.2f..%.2f: the comparison says little", lo, hi)
			}

			// Reset restores the initial state: the same sequence gives the same scores.
			it.Reset()
			in := it.Inputs()[0]
			for j := range got {
				copy(in.Int8(), seq[j*a.Stride*NumFeatures:(j+1)*a.Stride*NumFeatures])
				it.Invoke()
				if p := float64(it.Outputs()[0].Uint8(0)) / 256; p != got[j] {
					t.Fatalf("after Reset, inference %d gives %.4f, first run %.4f", j, p, got[j])
				}
			}

			man, err := Manifest("Test", "test.tflite", []string{"en"}, 0.5, 5, it.ArenaBytes(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := wakeword.LoadModelBytes("test", man, model); err != nil {
				t.Errorf("wakeword.LoadModelBytes: %v", err)
			}
		})
	}
}

func TestExportRejectsBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	a := Arch{Window: 30, Stride: 3, Channels: []int{4}, Kernels: []int{6}, Strides: []int{3}}
	n, err := NewNet(a, rng)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		calib [][]int8
		want  string
	}{
		{"no_calibration", nil, "calibration windows"},
		{"short_window", [][]int8{make([]int8, 29*NumFeatures)}, "calibration window 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Export(n, tc.calib); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Export: %v, want an error about %q", err, tc.want)
			}
		})
	}
	t.Run("too_many_layers", func(t *testing.T) {
		deep := Arch{Window: 66, Stride: 3}
		for i := range maxVariables {
			deep.Channels = append(deep.Channels, 2)
			deep.Kernels = append(deep.Kernels, 2)
			deep.Strides = append(deep.Strides, 1)
			if i == 0 {
				deep.Kernels[0], deep.Strides[0] = 3, 3
			}
		}
		n, err := NewNet(deep, rng)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Export(n, [][]int8{make([]int8, deep.Window*NumFeatures)}); err == nil || !strings.Contains(err.Error(), "resource variables") {
			t.Errorf("Export of %d layers: %v", len(deep.Channels), err)
		}
	})
}

// exportedEngine is a wakeword.Engine running one model of architecture a
// exported by export, with a random network calibrated on a recording.
func exportedEngine(tb testing.TB, a Arch, export func(*Net, [][]int8) ([]byte, error)) *wakeword.Engine {
	tb.Helper()
	return exportedMembersEngine(tb, a, 1, export)
}

// exportedMembersEngine is exportedEngine for members networks of arch
// merged into one (Merge).
func exportedMembersEngine(tb testing.TB, a Arch, members int, export func(*Net, [][]int8) ([]byte, error)) *wakeword.Engine {
	tb.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	var nets []*Net
	for range members {
		n, err := NewNet(a, rng)
		if err != nil {
			tb.Fatal(err)
		}
		nets = append(nets, n)
	}
	n, err := Merge(nets...)
	if err != nil {
		tb.Fatal(err)
	}
	a = n.Arch
	seq := fixtureStream(tb, "hey_genie_turn_16k.wav")
	var calib [][]int8
	for s := 0; (s+a.Window)*NumFeatures <= len(seq); s += 3 {
		calib = append(calib, seq[s*NumFeatures:(s+a.Window)*NumFeatures])
	}
	model, err := export(n, calib)
	if err != nil {
		tb.Fatal(err)
	}
	man, err := Manifest("Test", "test.tflite", []string{"en"}, 0.5, 5, 0, nil)
	if err != nil {
		tb.Fatal(err)
	}
	md, err := wakeword.LoadModelBytes("test", man, model)
	if err != nil {
		tb.Fatal(err)
	}
	eng, err := wakeword.NewEngine([]*wakeword.Model{md}, wakeword.EngineOpts{})
	if err != nil {
		tb.Fatal(err)
	}
	return eng
}

// BenchmarkExportedEngineFrame is the per-10 ms cost of one exported model of
// DefaultArch in the wakeword engine (an inference every third frame), set up
// as models.BenchmarkHeyGenieFrame: streaming as Export writes it, the
// whole-window export genie used before for comparison, and streaming with
// 32 hidden units (--hidden 32), two merged members (--members 2) and five
// layers (--kernels 6,5,5,5,5).
func BenchmarkExportedEngineFrame(b *testing.B) {
	for _, bc := range []struct {
		name    string
		arch    Arch
		members int
		export  func(*Net, [][]int8) ([]byte, error)
	}{
		{"streaming", DefaultArch, 1, Export},
		{"whole_window", DefaultArch, 1, exportWholeWindow},
		{"streaming_hidden_32", withHidden(DefaultArch, 32), 1, Export},
		{"streaming_two_members", DefaultArch, 2, Export},
		{"streaming_five_layers", fiveLayers, 1, Export},
	} {
		b.Run(bc.name, func(b *testing.B) {
			eng := exportedMembersEngine(b, bc.arch, bc.members, bc.export)
			var f wakeword.Frame
			for i := range f.Values {
				f.Values[i] = uint16(300 + 7*i)
			}
			dst := make([]wakeword.Detection, 0, 4)
			b.ReportAllocs()
			for b.Loop() {
				dst = eng.Process(&f, dst[:0])
			}
		})
	}
}

func TestExportedFrameAllocatesNothing(t *testing.T) {
	for _, tc := range []struct {
		arch    Arch
		members int
	}{{DefaultArch, 1}, {withHidden(DefaultArch, 32), 1}, {DefaultArch, 2}, {fiveLayers, 1}} {
		eng := exportedMembersEngine(t, tc.arch, tc.members, Export)
		var f wakeword.Frame
		dst := make([]wakeword.Detection, 0, 4)
		if n := testing.AllocsPerRun(300, func() { dst = eng.Process(&f, dst[:0]) }); n != 0 {
			t.Errorf("%d layers, %d hidden units, %d members: %v allocations per frame", len(tc.arch.Kernels), tc.arch.Hidden, tc.members, n)
		}
	}
}

// TestManifestRecordsTheLoss checks that a focal-loss model says so in its
// manifest and that a cross-entropy one keeps the manifest it always had.
func TestManifestRecordsTheLoss(t *testing.T) {
	for _, c := range []struct {
		gamma float32
		want  bool
	}{{0, false}, {2, true}} {
		man, err := Manifest("Test", "test.tflite", []string{"en"}, 0.5, 5, 0, &Report{Phrase: "test", FocalGamma: c.gamma})
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.Contains(man, []byte(`"focal_gamma": 2`)); got != c.want {
			t.Errorf("γ %v: focal_gamma in the manifest %v, want %v:\n%s", c.gamma, got, c.want, man)
		}
		if !c.want && bytes.Contains(man, []byte("focal")) {
			t.Errorf("cross-entropy manifest mentions focal:\n%s", man)
		}
	}
}
