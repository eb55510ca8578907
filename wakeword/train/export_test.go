package train

import (
	"math"
	"math/rand/v2"
	"testing"

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

// TestExportMatchesFloatNet streams windows through the exported int8 model with
// the runtime's interpreter and compares with the float network.
func TestExportMatchesFloatNet(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a := Arch{Window: 30, Stride: 3, Channels: []int{8, 6}, Kernels: []int{5, 3}, Strides: []int{2, 2}}
	n, err := NewNet(a, rng)
	if err != nil {
		t.Fatal(err)
	}
	n.Params[n.fcW+n.fcIn] = 0
	var calib [][]int8
	for range 200 {
		calib = append(calib, smoothWindow(rng, a.Window))
	}
	model, err := Export(n, calib)
	if err != nil {
		t.Fatal(err)
	}
	it, err := tflite.New(model)
	if err != nil {
		t.Fatalf("runtime rejects exported model: %v", err)
	}
	ops := it.Ops()
	for _, op := range []string{"CALL_ONCE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "CONCATENATION", "STRIDED_SLICE", "CONV_2D", "FULLY_CONNECTED", "LOGISTIC", "QUANTIZE"} {
		if ops[op] == 0 {
			t.Errorf("exported model has no %s: %v", op, ops)
		}
	}
	in := it.Inputs()[0]
	if got := in.Shape; len(got) != 3 || got[1] != a.Stride || got[2] != NumFeatures {
		t.Fatalf("input shape %v", got)
	}
	var maxErr float64
	for k := range 40 {
		x := calib[k]
		if k%2 == 1 {
			x = smoothWindow(rng, a.Window)
		}
		it.Reset()
		for s := 0; s < a.Window; s += a.Stride {
			copy(in.Int8(), x[s*NumFeatures:(s+a.Stride)*NumFeatures])
			it.Invoke()
		}
		got := float64(it.Outputs()[0].Uint8(0)) / 255
		want := float64(n.Predict(x))
		maxErr = max(maxErr, math.Abs(got-want))
	}
	if maxErr > 0.06 {
		t.Errorf("int8 model differs from float model by up to %.3f", maxErr)
	}
	t.Logf("max |int8 - float| probability: %.4f", maxErr)

	// The streaming state: a window fed one stride at a time after other
	// audio gives the same output as from reset.
	x := calib[0]
	it.Reset()
	for s := 0; s < a.Window; s += a.Stride {
		copy(in.Int8(), x[s*NumFeatures:(s+a.Stride)*NumFeatures])
		it.Invoke()
	}
	fresh := it.Outputs()[0].Uint8(0)
	y := calib[1]
	for s := 0; s < a.Window; s += a.Stride {
		copy(in.Int8(), y[s*NumFeatures:(s+a.Stride)*NumFeatures])
		it.Invoke()
	}
	for s := 0; s < a.Window; s += a.Stride {
		copy(in.Int8(), x[s*NumFeatures:(s+a.Stride)*NumFeatures])
		it.Invoke()
	}
	if got := it.Outputs()[0].Uint8(0); got != fresh {
		t.Errorf("streamed output %d, from reset %d", got, fresh)
	}

	man, err := Manifest("Test", "test.tflite", []string{"en"}, 0.5, 5, it.ArenaBytes(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wakeword.LoadModelBytes("test", man, model); err != nil {
		t.Errorf("wakeword.LoadModelBytes: %v", err)
	}
}
