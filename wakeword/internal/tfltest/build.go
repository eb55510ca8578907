// Package tfltest builds small TFLite flatbuffers for tests: a minimal
// wake-word-shaped model whose parts can be swapped to exercise the loader's
// error paths.
package tfltest

import "github.com/genie-voice/genie/wakeword/internal/tflbuild"

// Spec describes the tiny model Build makes: input [1,Stride,40] INT8 →
// FULLY_CONNECTED (one unit, all weights Weight, bias Bias) → LOGISTIC →
// QUANTIZE → [1,1] UINT8.
type Spec struct {
	Stride   int   // input frames, 3 for microWakeWord
	Weight   int8  // every FC weight
	Bias     int32 // FC bias
	FCOpcode int32 // builtin code used for the FC op; 0 means FULLY_CONNECTED (9)
	InType   int8  // input tensor type; 0 means INT8 (9)
}

// Build returns the flatbuffer of the model described by s.
func Build(s Spec) []byte {
	if s.Stride == 0 {
		s.Stride = 3
	}
	if s.FCOpcode == 0 {
		s.FCOpcode = tflbuild.OpFullyConnected
	}
	if s.InType == 0 {
		s.InType = tflbuild.TypeInt8
	}
	depth := s.Stride * 40
	w := make([]byte, depth)
	for i := range w {
		w[i] = byte(s.Weight)
	}
	q := func(scale float32, zero int64) *tflbuild.Quant {
		return &tflbuild.Quant{Scales: []float32{scale}, Zeros: []int64{zero}}
	}
	g := &tflbuild.Graph{}
	in := g.Add(tflbuild.Tensor{Name: "input", Shape: []int32{1, int32(s.Stride), 40}, Type: s.InType, Q: q(0.1, -128)})
	wt := g.Add(tflbuild.Tensor{Name: "weights", Shape: []int32{1, int32(depth)}, Type: tflbuild.TypeInt8, Data: w, Q: q(0.01, 0)})
	bt := g.Add(tflbuild.Tensor{Name: "bias", Shape: []int32{1}, Type: tflbuild.TypeInt32, Data: tflbuild.Int32Bytes(s.Bias), Q: q(0.001, 0)})
	fc := g.Add(tflbuild.Tensor{Name: "fc", Shape: []int32{1, 1}, Type: tflbuild.TypeInt8, Q: q(0.2, 0)})
	sig := g.Add(tflbuild.Tensor{Name: "sigmoid", Shape: []int32{1, 1}, Type: tflbuild.TypeInt8, Q: q(1.0/256, -128)})
	out := g.Add(tflbuild.Tensor{Name: "output", Shape: []int32{1, 1}, Type: tflbuild.TypeUint8, Q: q(1.0/256, 0)})
	g.Inputs, g.Outputs = []int32{in}, []int32{out}
	g.Ops = []tflbuild.Op{
		{Code: s.FCOpcode, In: []int32{in, wt, bt}, Out: []int32{fc}},
		{Code: tflbuild.OpLogistic, In: []int32{fc}, Out: []int32{sig}},
		{Code: tflbuild.OpQuantize, In: []int32{sig}, Out: []int32{out}},
	}
	return tflbuild.Write([]*tflbuild.Graph{g}, "")
}

// Manifest returns a valid version 2 manifest for a model file name.
func Manifest(model string, cutoff float64) []byte {
	return []byte(`{"type":"micro","wake_word":"Test","author":"genie","website":"","model":"` + model +
		`","trained_languages":["en"],"version":2,"micro":{"probability_cutoff":` +
		formatFloat(cutoff) + `,"sliding_window_size":5,"feature_step_size":10,"tensor_arena_size":1000,"minimum_esphome_version":"2024.7.0"}}`)
}

func formatFloat(f float64) string {
	// Two decimals are enough for test cutoffs.
	n := int(f*100 + 0.5)
	return string([]byte{byte('0' + n/100), '.', byte('0' + n/10%10), byte('0' + n%10)})
}
