// Package tflbuild writes TFLite flatbuffers (schema version 3) from a plain
// description of subgraphs, tensors and operators. The wake-word trainer's
// exporter and the runtime's test models both use it; it knows only the parts
// of the schema those need (int8/uint8/int32/resource tensors with per-tensor
// or per-channel quantisation, builtin operators with options).
package tflbuild

import (
	"encoding/binary"

	flatbuffers "github.com/google/flatbuffers/go"
)

// Tensor types (schema.fbs TensorType).
const (
	TypeInt32    = 2
	TypeUint8    = 3
	TypeInt8     = 9
	TypeResource = 13
)

// Builtin operator codes (schema.fbs BuiltinOperator).
const (
	OpConcatenation  = 2
	OpConv2D         = 3
	OpFullyConnected = 9
	OpLogistic       = 14
	OpReshape        = 22
	OpStridedSlice   = 45
	OpQuantize       = 114
	OpCallOnce       = 129
	OpVarHandle      = 142
	OpReadVariable   = 143
	OpAssignVariable = 144
)

// Builder and Offset are the flatbuffers types an Op's Options function
// writes with.
type (
	Builder = flatbuffers.Builder
	Offset  = flatbuffers.UOffsetT
)

// Quant is a tensor's affine quantisation: real = scale × (q − zero point),
// one scale and zero point per tensor or per channel along Dim.
type Quant struct {
	Scales []float32
	Zeros  []int64
	Dim    int32 // quantized_dimension for per-channel parameters
}

// Tensor is one tensor of a subgraph. Data, when not nil, becomes the
// tensor's constant buffer (16-byte aligned).
type Tensor struct {
	Name  string
	Shape []int32
	Type  int8
	Data  []byte
	Q     *Quant // nil for none
}

// Op is one operator. Options, when set, writes the builtin options table of
// union type OptionsType and returns its offset.
type Op struct {
	Code        int32 // builtin operator code
	In, Out     []int32
	OptionsType uint8
	Options     func(*flatbuffers.Builder) flatbuffers.UOffsetT
}

// Graph is one subgraph.
type Graph struct {
	Tensors         []Tensor
	Inputs, Outputs []int32
	Ops             []Op
}

// Add appends a tensor and returns its index.
func (g *Graph) Add(t Tensor) int32 {
	g.Tensors = append(g.Tensors, t)
	return int32(len(g.Tensors) - 1)
}

// Write returns the model flatbuffer ("TFL3") with the given subgraphs (the
// first is the main graph) and description. Operator codes are collected from
// the ops in order of first use.
func Write(graphs []*Graph, desc string) []byte {
	b := flatbuffers.NewBuilder(64 << 10)
	var codes []int32
	codeIdx := map[int32]uint32{}
	for _, g := range graphs {
		for _, o := range g.Ops {
			if _, ok := codeIdx[o.Code]; !ok {
				codeIdx[o.Code] = uint32(len(codes))
				codes = append(codes, o.Code)
			}
		}
	}
	// Buffers: 0 is the empty sentinel; constants get their own.
	buffers := []flatbuffers.UOffsetT{buffer(b, nil)}
	sgs := make([]flatbuffers.UOffsetT, len(graphs))
	for gi, g := range graphs {
		toffs := make([]flatbuffers.UOffsetT, len(g.Tensors))
		for i, ts := range g.Tensors {
			buf := uint32(0)
			if ts.Data != nil {
				buf = uint32(len(buffers))
				buffers = append(buffers, buffer(b, ts.Data))
			}
			name := b.CreateString(ts.Name)
			shape := Int32Vector(b, ts.Shape)
			var q flatbuffers.UOffsetT
			if ts.Q != nil {
				b.StartVector(4, len(ts.Q.Scales), 4)
				for j := len(ts.Q.Scales) - 1; j >= 0; j-- {
					b.PrependFloat32(ts.Q.Scales[j])
				}
				sc := b.EndVector(len(ts.Q.Scales))
				b.StartVector(8, len(ts.Q.Zeros), 8)
				for j := len(ts.Q.Zeros) - 1; j >= 0; j-- {
					b.PrependInt64(ts.Q.Zeros[j])
				}
				zp := b.EndVector(len(ts.Q.Zeros))
				b.StartObject(7) // QuantizationParameters
				b.PrependUOffsetTSlot(2, sc, 0)
				b.PrependUOffsetTSlot(3, zp, 0)
				b.PrependInt32Slot(6, ts.Q.Dim, 0)
				q = b.EndObject()
			}
			b.StartObject(6) // Tensor
			b.PrependUOffsetTSlot(0, shape, 0)
			b.PrependInt8Slot(1, ts.Type, 0)
			b.PrependUint32Slot(2, buf, 0)
			b.PrependUOffsetTSlot(3, name, 0)
			if ts.Q != nil {
				b.PrependUOffsetTSlot(4, q, 0)
			}
			toffs[i] = b.EndObject()
		}
		ooffs := make([]flatbuffers.UOffsetT, len(g.Ops))
		for i, o := range g.Ops {
			var opt flatbuffers.UOffsetT
			if o.Options != nil {
				opt = o.Options(b)
			}
			in, out := Int32Vector(b, o.In), Int32Vector(b, o.Out)
			b.StartObject(5) // Operator
			b.PrependUint32Slot(0, codeIdx[o.Code], 0)
			b.PrependUOffsetTSlot(1, in, 0)
			b.PrependUOffsetTSlot(2, out, 0)
			if o.Options != nil {
				b.PrependByteSlot(3, o.OptionsType, 0)
				b.PrependUOffsetTSlot(4, opt, 0)
			}
			ooffs[i] = b.EndObject()
		}
		tv, ov := offsetVector(b, toffs), offsetVector(b, ooffs)
		iv, outv := Int32Vector(b, g.Inputs), Int32Vector(b, g.Outputs)
		b.StartObject(4) // SubGraph
		b.PrependUOffsetTSlot(0, tv, 0)
		b.PrependUOffsetTSlot(1, iv, 0)
		b.PrependUOffsetTSlot(2, outv, 0)
		b.PrependUOffsetTSlot(3, ov, 0)
		sgs[gi] = b.EndObject()
	}
	coffs := make([]flatbuffers.UOffsetT, len(codes))
	for i, c := range codes {
		b.StartObject(4) // OperatorCode: deprecated int8 code, version, extended code
		b.PrependInt8Slot(0, int8(min(c, 127)), 0)
		b.PrependInt32Slot(2, 1, 1)
		b.PrependInt32Slot(3, c, 0)
		coffs[i] = b.EndObject()
	}
	cv, sv, bv := offsetVector(b, coffs), offsetVector(b, sgs), offsetVector(b, buffers)
	d := b.CreateString(desc)
	b.StartObject(5) // Model
	b.PrependUint32Slot(0, 3, 0)
	b.PrependUOffsetTSlot(1, cv, 0)
	b.PrependUOffsetTSlot(2, sv, 0)
	b.PrependUOffsetTSlot(3, d, 0)
	b.PrependUOffsetTSlot(4, bv, 0)
	b.FinishWithFileIdentifier(b.EndObject(), []byte("TFL3"))
	return b.FinishedBytes()
}

// EmptyOptions writes an options table without fields.
func EmptyOptions(b *flatbuffers.Builder) flatbuffers.UOffsetT {
	b.StartObject(0)
	return b.EndObject()
}

// Int32Vector writes a vector of int32.
func Int32Vector(b *flatbuffers.Builder, v []int32) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependInt32(v[i])
	}
	return b.EndVector(len(v))
}

// Int32Bytes returns v little-endian, as an int32 tensor's buffer.
func Int32Bytes(v ...int32) []byte {
	out := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(out[4*i:], uint32(x))
	}
	return out
}

func buffer(b *flatbuffers.Builder, data []byte) flatbuffers.UOffsetT {
	var d flatbuffers.UOffsetT
	if data != nil {
		b.StartVector(1, len(data), 16) // 16-byte aligned constant data
		for i := len(data) - 1; i >= 0; i-- {
			b.PrependByte(data[i])
		}
		d = b.EndVector(len(data))
	}
	b.StartObject(1) // Buffer
	if data != nil {
		b.PrependUOffsetTSlot(0, d, 0)
	}
	return b.EndObject()
}

func offsetVector(b *flatbuffers.Builder, v []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependUOffsetT(v[i])
	}
	return b.EndVector(len(v))
}
