package tflbuild_test

import (
	"math"
	"testing"

	"github.com/genie-voice/genie/wakeword/internal/tflbuild"
	"github.com/genie-voice/genie/wakeword/tflite"
)

// A model written here is read back by genie's interpreter with its tensors,
// quantisation and ops, and computes what its constants say: an int8 dense
// unit whose logit is the sum of the inputs, then LOGISTIC and QUANTIZE.
func TestWriteRoundTrip(t *testing.T) {
	const n = 6
	q := func(scale float32, zero int64) *tflbuild.Quant {
		return &tflbuild.Quant{Scales: []float32{scale}, Zeros: []int64{zero}}
	}
	w := make([]byte, n)
	for i := range w {
		w[i] = 1
	}
	g := &tflbuild.Graph{}
	in := g.Add(tflbuild.Tensor{Name: "in", Shape: []int32{1, n}, Type: tflbuild.TypeInt8, Q: q(0.5, 0)})
	wt := g.Add(tflbuild.Tensor{Name: "w", Shape: []int32{1, n}, Type: tflbuild.TypeInt8, Data: w, Q: q(1, 0)})
	bt := g.Add(tflbuild.Tensor{Name: "b", Shape: []int32{1}, Type: tflbuild.TypeInt32, Data: tflbuild.Int32Bytes(0), Q: q(0.5, 0)})
	fc := g.Add(tflbuild.Tensor{Name: "fc", Shape: []int32{1, 1}, Type: tflbuild.TypeInt8, Q: q(0.25, 0)})
	sig := g.Add(tflbuild.Tensor{Name: "sig", Shape: []int32{1, 1}, Type: tflbuild.TypeInt8, Q: q(1.0/256, -128)})
	out := g.Add(tflbuild.Tensor{Name: "out", Shape: []int32{1, 1}, Type: tflbuild.TypeUint8, Q: q(1.0/256, 0)})
	g.Inputs, g.Outputs = []int32{in}, []int32{out}
	g.Ops = []tflbuild.Op{
		{Code: tflbuild.OpFullyConnected, In: []int32{in, wt, bt}, Out: []int32{fc}, OptionsType: 8, Options: func(b *tflbuild.Builder) tflbuild.Offset {
			b.StartObject(4)
			return b.EndObject()
		}},
		{Code: tflbuild.OpLogistic, In: []int32{fc}, Out: []int32{sig}},
		{Code: tflbuild.OpQuantize, In: []int32{sig}, Out: []int32{out}},
	}
	it, err := tflite.New(tflbuild.Write([]*tflbuild.Graph{g}, "round trip"))
	if err != nil {
		t.Fatal(err)
	}
	ti := it.Inputs()[0]
	if ti.Name != "in" || len(ti.Shape) != 2 || ti.Shape[1] != n || ti.Scale != 0.5 || ti.ZeroPoint != 0 {
		t.Errorf("input tensor %+v", ti)
	}
	if ops := it.Ops(); ops["FULLY_CONNECTED"] != 1 || ops["LOGISTIC"] != 1 || ops["QUANTIZE"] != 1 {
		t.Errorf("ops %v", ops)
	}
	for _, tc := range []struct {
		x    int8    // every input, real x/2
		want float64 // sigmoid(n·x/2)
	}{
		{0, 0.5}, {1, 1 / (1 + math.Exp(-3))}, {-1, 1 / (1 + math.Exp(3))},
	} {
		for i := range ti.Int8() {
			ti.Int8()[i] = tc.x
		}
		it.Invoke()
		got := float64(it.Outputs()[0].Uint8(0)) / 256
		if math.Abs(got-tc.want) > 2.0/256 {
			t.Errorf("input %d: output %.4f, want %.4f", tc.x, got, tc.want)
		}
	}
}
