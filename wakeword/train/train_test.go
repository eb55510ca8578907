package train

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/genie-voice/genie/wakeword/tflite"
)

// toyData makes windows where positives carry a bright stripe in channels 8..12
// over frames 10..15; negatives carry it elsewhere or not at all.
func toyData(n int, seed uint64, a Arch) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 5))
	d := &Dataset{Window: a.Window, X: make([]int8, n*a.Window*NumFeatures), Kind: make([]uint8, n)}
	for i := range n {
		row := d.Row(i)
		for j := range row {
			row[j] = int8(rng.IntN(80) - 128)
		}
		pos := i%3 == 0
		d.Kind[i] = KindSpeech
		t0 := 2 + rng.IntN(4)
		c0 := 25
		if pos {
			d.Kind[i], t0, c0 = KindPos, 10, 8
		}
		for t := t0; t < t0+5; t++ {
			for c := c0; c < c0+5; c++ {
				row[t*NumFeatures+c] = 60
			}
		}
	}
	return d
}

var toyArch = Arch{Window: 18, Stride: 3, Channels: []int{6, 4}, Kernels: []int{3, 3}, Strides: []int{3, 1}}

func toyOpts() Opts {
	o := DefaultOpts
	o.Arch, o.MaxEpochs, o.Patience, o.Batch, o.LR = toyArch, 6, 10, 16, 1e-2
	return o
}

func TestTrainLearnsToyTask(t *testing.T) {
	tr, va := toyData(600, 1, toyArch), toyData(200, 2, toyArch)
	net, hist, err := Train(context.Background(), tr, va, toyOpts())
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 6 {
		t.Fatalf("%d epochs, want 6", len(hist))
	}
	if hist[len(hist)-1].TrainLoss >= hist[0].TrainLoss {
		t.Errorf("train loss did not fall: %+v", hist)
	}
	if st := Evaluate(net, va, 2); st.ValRecall < 0.95 {
		t.Errorf("validation recall %.3f on a separable task", st.ValRecall)
	}

	// The trained network exports, and the streaming int8 model fed each
	// validation window from reset scores it like the float network.
	var calib [][]int8
	for i := range 200 {
		calib = append(calib, tr.Row(i))
	}
	model, err := Export(net, calib)
	if err != nil {
		t.Fatal(err)
	}
	it, err := tflite.New(model)
	if err != nil {
		t.Fatal(err)
	}
	in := it.Inputs()[0].Int8()
	step := toyArch.Stride * NumFeatures
	var maxErr float64
	for i := range va.Len() {
		x := va.Row(i)
		it.Reset()
		for s := 0; s < len(x); s += step {
			copy(in, x[s:s+step])
			it.Invoke()
		}
		got := float64(it.Outputs()[0].Uint8(0)) / 256
		maxErr = max(maxErr, math.Abs(got-float64(net.Predict(x))))
	}
	t.Logf("exported model: max |int8−float| %.4f over %d validation windows", maxErr, va.Len())
	if maxErr > 0.07 { // the tolerance of TestExportStreamsLikeFloatNet
		t.Errorf("exported model differs from the float network by up to %.4f", maxErr)
	}
}

func TestTrainIsDeterministicAndResumes(t *testing.T) {
	tr, va := toyData(300, 1, toyArch), toyData(90, 2, toyArch)
	o := toyOpts()
	o.MaxEpochs = 4
	a, _, err := Train(context.Background(), tr, va, o)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := Train(context.Background(), tr, va, o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Params, b.Params) {
		t.Error("two runs with the same seed differ")
	}
	// Two epochs, then resume to four from the checkpoint.
	o.Checkpoint = filepath.Join(t.TempDir(), "ck.gob")
	o.MaxEpochs = 2
	if _, _, err := Train(context.Background(), tr, va, o); err != nil {
		t.Fatal(err)
	}
	o.MaxEpochs = 4
	c, hist, err := Train(context.Background(), tr, va, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 4 || !slices.Equal(a.Params, c.Params) {
		t.Errorf("resumed run (%d epochs) differs from an uninterrupted one", len(hist))
	}
	// The epochs trained before the resume keep their times, so the
	// manifest's training time covers the whole run.
	for _, h := range hist {
		if h.Seconds <= 0 {
			t.Errorf("epoch %d: %v s, want its wall time", h.Epoch, h.Seconds)
		}
	}
	// A cancelled run returns the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o.Checkpoint = ""
	if _, _, err := Train(ctx, tr, va, o); err == nil {
		t.Error("cancelled run returned no error")
	}
}

// TestTrainMinEpochs scripts the validation scores so that epoch 2 scores
// best of all: with MinEpochs 3 it must not be kept, the patience clock
// starts at the best eligible epoch, and the weights returned are the ones
// validated at that epoch; a run shorter than MinEpochs returns its last.
func TestTrainMinEpochs(t *testing.T) {
	tr, va := toyData(120, 1, toyArch), toyData(30, 2, toyArch)
	scores := []float64{0.9, 1.0, 0.3, 0.5, 0.4, 0.45, 0.2, 0.2, 0.2, 0.2}
	for _, tc := range []struct {
		name              string
		minEpochs, max    int
		wantEpochs        int
		wantKept          []int
		wantReturnedEpoch int
	}{
		{"min 3", 3, 10, 6, []int{3, 4}, 4},
		{"no minimum keeps epoch 2", 0, 10, 4, []int{1, 2}, 2},
		{"shorter than the minimum", 3, 2, 2, nil, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := toyOpts()
			o.MinEpochs, o.MaxEpochs, o.Patience = tc.minEpochs, tc.max, 2
			var seen [][]float32
			o.Validate = func(n *Net) (float64, string, error) {
				seen = append(seen, slices.Clone(n.Params))
				return scores[len(seen)-1], "", nil
			}
			net, hist, err := Train(context.Background(), tr, va, o)
			if err != nil {
				t.Fatal(err)
			}
			var kept []int
			for _, h := range hist {
				if h.Kept {
					kept = append(kept, h.Epoch)
				}
			}
			if len(hist) != tc.wantEpochs || !slices.Equal(kept, tc.wantKept) {
				t.Errorf("%d epochs, kept %v; want %d, %v", len(hist), kept, tc.wantEpochs, tc.wantKept)
			}
			if !slices.Equal(net.Params, seen[tc.wantReturnedEpoch-1]) {
				t.Errorf("returned weights are not those validated at epoch %d", tc.wantReturnedEpoch)
			}
		})
	}
}

func TestWarpIdentityAndShift(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	x := smoothWindow(rng, 20)
	y := append([]int8(nil), x...)
	warp(y, 20, 1, 1)
	if !slices.Equal(x, y) {
		t.Error("warp(1, 1) changed the window")
	}
	// A stripe at channel 20 moves to channel 10 with alpha 2.
	z := make([]int8, 20*NumFeatures)
	for i := range z {
		z[i] = -128
	}
	for tt := range 20 {
		z[tt*NumFeatures+20] = 100
	}
	warp(z, 20, 2, 1)
	if z[5*NumFeatures+10] != 100 || z[5*NumFeatures+20] != -128 {
		t.Errorf("alpha 2: channel 10 = %d, channel 20 = %d", z[5*NumFeatures+10], z[5*NumFeatures+20])
	}
	// Time: with beta 2 the frame 2 before the end comes from 4 before the end.
	w := make([]int8, 20*NumFeatures)
	for tt := range 20 {
		w[tt*NumFeatures] = int8(tt)
	}
	warp(w, 20, 1, 2)
	if w[17*NumFeatures] != 15 || w[0] != -128 {
		t.Errorf("beta 2: frame 17 = %d, frame 0 = %d", w[17*NumFeatures], w[0])
	}
}

// BenchmarkTrainExample is forward plus backward of one window of the default
// architecture, and of it with 32 hidden units (one goroutine). The cost
// depends on how many ReLUs are active, so it cycles through 8 randomly
// initialised networks and windows of a recording's features.
func BenchmarkTrainExample(b *testing.B) {
	b.Run("default", func(b *testing.B) { benchTrainExample(b, DefaultArch) })
	b.Run("hidden_32", func(b *testing.B) { benchTrainExample(b, withHidden(DefaultArch, 32)) })
}

func benchTrainExample(b *testing.B, a Arch) {
	seq := fixtureStream(b, "hey_genie_turn_16k.wav")
	var nets []*Net
	var works []*work
	for i := range 8 {
		n, err := NewNet(a, rand.New(rand.NewPCG(uint64(i), 1)))
		if err != nil {
			b.Fatal(err)
		}
		nets, works = append(nets, n), append(works, n.newWork())
	}
	var xs [][]int8
	for s := 0; (s+a.Window)*NumFeatures <= len(seq); s += 7 {
		xs = append(xs, seq[s*NumFeatures:(s+a.Window)*NumFeatures])
	}
	g := make([]float32, nets[0].NumParams())
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		n, w := nets[i%len(nets)], works[i%len(nets)]
		w.setInput(xs[i%len(xs)])
		_, dz := bceGrad(n.forward(w), true, 1)
		n.backward(w, dz, g)
	}
}

// TestTrainRounds checks that epoch e trains on rendering e mod (1+rounds):
// two epochs over the set and one round match one epoch on the set followed,
// from its checkpoint, by one epoch with the round as the training set; a
// round of another size is refused.
func TestTrainRounds(t *testing.T) {
	tr, round, va := toyData(240, 1, toyArch), toyData(240, 3, toyArch), toyData(60, 2, toyArch)
	o := toyOpts()
	o.MaxEpochs, o.Rounds = 3, []*Dataset{round}
	o.Checkpoint = filepath.Join(t.TempDir(), "a.gob")
	withRounds, _, err := Train(context.Background(), tr, va, o)
	if err != nil {
		t.Fatal(err)
	}

	o.Rounds, o.Checkpoint = nil, filepath.Join(t.TempDir(), "b.gob")
	o.MaxEpochs = 1
	if _, _, err := Train(context.Background(), tr, va, o); err != nil {
		t.Fatal(err)
	}
	o.MaxEpochs = 2
	if _, _, err := Train(context.Background(), round, va, o); err != nil {
		t.Fatal(err)
	}
	o.MaxEpochs = 3
	byHand, _, err := Train(context.Background(), tr, va, o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(withRounds.Params, byHand.Params) {
		t.Error("epochs 1-3 with one round differ from set, round, set trained by hand")
	}
	o.Checkpoint = ""
	plain, _, err := Train(context.Background(), tr, va, o)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(withRounds.Params, plain.Params) {
		t.Error("the round was not used: the result equals training on the set alone")
	}

	// Resuming a run with another number of renderings is refused.
	o.Checkpoint = filepath.Join(t.TempDir(), "c.gob")
	o.MaxEpochs, o.Rounds = 1, nil
	if _, _, err := Train(context.Background(), tr, va, o); err != nil {
		t.Fatal(err)
	}
	o.MaxEpochs, o.Rounds = 2, []*Dataset{round}
	if _, _, err := Train(context.Background(), tr, va, o); err == nil || !strings.Contains(err.Error(), "written with --rounds 1, this run has --rounds 2") {
		t.Errorf("resuming a one-rendering checkpoint with two: err %v", err)
	}
	o.Checkpoint = ""

	o.Rounds = []*Dataset{toyData(200, 3, toyArch)}
	if _, _, err := Train(context.Background(), tr, va, o); err == nil || !strings.Contains(err.Error(), "round 1 has 200 windows") {
		t.Errorf("a round of 200 windows with a set of 240: err %v", err)
	}
}
