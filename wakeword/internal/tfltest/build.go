// Package tfltest builds small TFLite flatbuffers for tests: a minimal
// wake-word-shaped model whose parts can be swapped to exercise the loader's
// error paths.
package tfltest

import (
	flatbuffers "github.com/google/flatbuffers/go"
)

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

// Tensor types and builtin codes used here (schema.fbs).
const (
	typeInt32 = 2
	typeUint8 = 3
	typeInt8  = 9

	opFullyConnected = 9
	opLogistic       = 14
	opQuantize       = 114
)

// Build returns the flatbuffer of the model described by s.
func Build(s Spec) []byte {
	if s.Stride == 0 {
		s.Stride = 3
	}
	if s.FCOpcode == 0 {
		s.FCOpcode = opFullyConnected
	}
	if s.InType == 0 {
		s.InType = typeInt8
	}
	depth := s.Stride * 40
	b := flatbuffers.NewBuilder(1024)

	// Buffers: 0 empty (required), 1 weights, 2 bias.
	w := make([]byte, depth)
	for i := range w {
		w[i] = byte(s.Weight)
	}
	bias := []byte{byte(s.Bias), byte(s.Bias >> 8), byte(s.Bias >> 16), byte(s.Bias >> 24)}
	buffers := []flatbuffers.UOffsetT{buffer(b, nil), buffer(b, w), buffer(b, bias)}

	type tspec struct {
		name  string
		shape []int32
		typ   int8
		buf   uint32
		scale float32
		zp    int64
	}
	tensors := []tspec{
		{"input", []int32{1, int32(s.Stride), 40}, s.InType, 0, 0.1, -128},
		{"weights", []int32{1, int32(depth)}, typeInt8, 1, 0.01, 0},
		{"bias", []int32{1}, typeInt32, 2, 0.001, 0},
		{"fc", []int32{1, 1}, typeInt8, 0, 0.2, 0},
		{"sigmoid", []int32{1, 1}, typeInt8, 0, 1.0 / 256, -128},
		{"output", []int32{1, 1}, typeUint8, 0, 1.0 / 256, 0},
	}
	toffs := make([]flatbuffers.UOffsetT, len(tensors))
	for i, t := range tensors {
		name := b.CreateString(t.name)
		shape := int32Vector(b, t.shape)
		b.StartVector(4, 1, 4)
		b.PrependFloat32(t.scale)
		scales := b.EndVector(1)
		b.StartVector(8, 1, 8)
		b.PrependInt64(t.zp)
		zps := b.EndVector(1)
		b.StartObject(7) // QuantizationParameters
		b.PrependUOffsetTSlot(2, scales, 0)
		b.PrependUOffsetTSlot(3, zps, 0)
		q := b.EndObject()
		b.StartObject(5) // Tensor
		b.PrependUOffsetTSlot(0, shape, 0)
		b.PrependInt8Slot(1, t.typ, 0)
		b.PrependUint32Slot(2, t.buf, 0)
		b.PrependUOffsetTSlot(3, name, 0)
		b.PrependUOffsetTSlot(4, q, 0)
		toffs[i] = b.EndObject()
	}

	type ospec struct {
		opcode  uint32
		in, out []int32
	}
	ops := []ospec{{0, []int32{0, 1, 2}, []int32{3}}, {1, []int32{3}, []int32{4}}, {2, []int32{4}, []int32{5}}}
	ooffs := make([]flatbuffers.UOffsetT, len(ops))
	for i, o := range ops {
		in, out := int32Vector(b, o.in), int32Vector(b, o.out)
		b.StartObject(3)
		b.PrependUint32Slot(0, o.opcode, 0)
		b.PrependUOffsetTSlot(1, in, 0)
		b.PrependUOffsetTSlot(2, out, 0)
		ooffs[i] = b.EndObject()
	}
	tv := offsetVector(b, toffs)
	ov := offsetVector(b, ooffs)
	sin, sout := int32Vector(b, []int32{0}), int32Vector(b, []int32{5})
	b.StartObject(4) // SubGraph
	b.PrependUOffsetTSlot(0, tv, 0)
	b.PrependUOffsetTSlot(1, sin, 0)
	b.PrependUOffsetTSlot(2, sout, 0)
	b.PrependUOffsetTSlot(3, ov, 0)
	sg := b.EndObject()

	codes := []int32{s.FCOpcode, opLogistic, opQuantize}
	coffs := make([]flatbuffers.UOffsetT, len(codes))
	for i, c := range codes {
		b.StartObject(4) // OperatorCode
		b.PrependInt8Slot(0, int8(min(c, 127)), 0)
		b.PrependInt32Slot(2, 1, 1)
		b.PrependInt32Slot(3, c, 0)
		coffs[i] = b.EndObject()
	}
	cv := offsetVector(b, coffs)
	sgv := offsetVector(b, []flatbuffers.UOffsetT{sg})
	bv := offsetVector(b, buffers)
	b.StartObject(5) // Model
	b.PrependUint32Slot(0, 3, 0)
	b.PrependUOffsetTSlot(1, cv, 0)
	b.PrependUOffsetTSlot(2, sgv, 0)
	b.PrependUOffsetTSlot(4, bv, 0)
	m := b.EndObject()
	b.FinishWithFileIdentifier(m, []byte("TFL3"))
	return b.FinishedBytes()
}

func buffer(b *flatbuffers.Builder, data []byte) flatbuffers.UOffsetT {
	var d flatbuffers.UOffsetT
	if data != nil {
		d = b.CreateByteVector(data)
	}
	b.StartObject(1)
	if data != nil {
		b.PrependUOffsetTSlot(0, d, 0)
	}
	return b.EndObject()
}

func int32Vector(b *flatbuffers.Builder, v []int32) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependInt32(v[i])
	}
	return b.EndVector(len(v))
}

func offsetVector(b *flatbuffers.Builder, v []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependUOffsetT(v[i])
	}
	return b.EndVector(len(v))
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
