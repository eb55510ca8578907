package tflite

import (
	"errors"
	"fmt"
	"math"

	flatbuffers "github.com/google/flatbuffers/go"
)

// This file decodes the parts of the TFLite flatbuffer schema
// (tensorflow/lite/schema/schema.fbs) that the runtime needs into plain Go
// values. Every offset is bounds-checked before flatbuffers reads it, so a
// corrupt or truncated file yields an error, never a panic.

// Field slots (vtable offsets: 4 + 2*field id) of the schema tables used here.
const (
	modelVersion       = 4
	modelOperatorCodes = 6
	modelSubgraphs     = 8
	modelBuffers       = 12

	opcodeDeprecatedBuiltin = 4
	opcodeCustom            = 6
	opcodeBuiltin           = 10

	subgraphTensors   = 4
	subgraphInputs    = 6
	subgraphOutputs   = 8
	subgraphOperators = 10

	tensorShape        = 4
	tensorType         = 6
	tensorBuffer       = 8
	tensorName         = 10
	tensorQuantization = 12
	tensorIsVariable   = 14
	tensorSparsity     = 16

	quantScale     = 8
	quantZeroPoint = 10
	quantDetails   = 14
	quantDimension = 16

	bufferData   = 4
	bufferOffset = 6

	operatorOpcodeIndex    = 4
	operatorInputs         = 6
	operatorOutputs        = 8
	operatorBuiltinOptions = 12
)

// errCorrupt is wrapped by every structural decoding error.
var errCorrupt = errors.New("corrupt flatbuffer")

// fb is a bounds-checked view of a flatbuffer.
type fb struct{ b []byte }

func (f fb) need(pos, n uint64) error {
	if pos+n > uint64(len(f.b)) {
		return fmt.Errorf("%w: offset %d+%d beyond %d bytes", errCorrupt, pos, n, len(f.b))
	}
	return nil
}

func (f fb) u32(pos uint64) (uint32, error) {
	if err := f.need(pos, 4); err != nil {
		return 0, err
	}
	return flatbuffers.GetUint32(f.b[pos:]), nil
}

// table returns the table whose position is pos, after checking its vtable.
func (f fb) table(pos uint64) (flatbuffers.Table, error) {
	if err := f.need(pos, 4); err != nil {
		return flatbuffers.Table{}, err
	}
	vt := int64(pos) - int64(flatbuffers.GetInt32(f.b[pos:]))
	if vt < 0 || vt > math.MaxInt32 {
		return flatbuffers.Table{}, fmt.Errorf("%w: vtable offset %d out of range", errCorrupt, vt)
	}
	if err := f.need(uint64(vt), 4); err != nil {
		return flatbuffers.Table{}, err
	}
	vsize := uint64(flatbuffers.GetUint16(f.b[vt:]))
	tsize := uint64(flatbuffers.GetUint16(f.b[vt+2:]))
	if vsize < 4 || vsize%2 != 0 {
		return flatbuffers.Table{}, fmt.Errorf("%w: vtable size %d", errCorrupt, vsize)
	}
	if err := f.need(uint64(vt), vsize); err != nil {
		return flatbuffers.Table{}, err
	}
	if err := f.need(pos, tsize); err != nil {
		return flatbuffers.Table{}, err
	}
	return flatbuffers.Table{Bytes: f.b, Pos: flatbuffers.UOffsetT(pos)}, nil
}

// field returns the absolute position of a field of size n, or ok=false when absent.
func (f fb) field(t flatbuffers.Table, slot, n uint64) (uint64, bool, error) {
	o := t.Offset(flatbuffers.VOffsetT(slot))
	if o == 0 {
		return 0, false, nil
	}
	p := uint64(t.Pos) + uint64(o)
	if err := f.need(p, n); err != nil {
		return 0, false, err
	}
	return p, true, nil
}

func (f fb) fieldU8(t flatbuffers.Table, slot uint64, def uint8) (uint8, error) {
	p, ok, err := f.field(t, slot, 1)
	if err != nil || !ok {
		return def, err
	}
	return f.b[p], nil
}

func (f fb) fieldI32(t flatbuffers.Table, slot uint64, def int32) (int32, error) {
	p, ok, err := f.field(t, slot, 4)
	if err != nil || !ok {
		return def, err
	}
	return flatbuffers.GetInt32(f.b[p:]), nil
}

func (f fb) fieldU64(t flatbuffers.Table, slot uint64, def uint64) (uint64, error) {
	p, ok, err := f.field(t, slot, 8)
	if err != nil || !ok {
		return def, err
	}
	return flatbuffers.GetUint64(f.b[p:]), nil
}

// indirect follows the uoffset stored at p.
func (f fb) indirect(p uint64) (uint64, error) {
	o, err := f.u32(p)
	if err != nil {
		return 0, err
	}
	return p + uint64(o), nil
}

// vector returns the start and length of a vector field whose elements are
// elem bytes each; ok=false when absent.
func (f fb) vector(t flatbuffers.Table, slot, elem uint64) (start uint64, n int, ok bool, err error) {
	p, ok, err := f.field(t, slot, 4)
	if err != nil || !ok {
		return 0, 0, false, err
	}
	v, err := f.indirect(p)
	if err != nil {
		return 0, 0, false, err
	}
	l, err := f.u32(v)
	if err != nil {
		return 0, 0, false, err
	}
	if err := f.need(v+4, uint64(l)*elem); err != nil {
		return 0, 0, false, err
	}
	return v + 4, int(l), true, nil
}

func (f fb) subTable(t flatbuffers.Table, slot uint64) (flatbuffers.Table, bool, error) {
	p, ok, err := f.field(t, slot, 4)
	if err != nil || !ok {
		return flatbuffers.Table{}, false, err
	}
	v, err := f.indirect(p)
	if err != nil {
		return flatbuffers.Table{}, false, err
	}
	st, err := f.table(v)
	return st, err == nil, err
}

// tables decodes a vector of tables.
func (f fb) tables(t flatbuffers.Table, slot uint64) ([]flatbuffers.Table, error) {
	start, n, ok, err := f.vector(t, slot, 4)
	if err != nil || !ok {
		return nil, err
	}
	out := make([]flatbuffers.Table, n)
	for i := range out {
		v, err := f.indirect(start + 4*uint64(i))
		if err != nil {
			return nil, err
		}
		if out[i], err = f.table(v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (f fb) int32s(t flatbuffers.Table, slot uint64) ([]int32, error) {
	start, n, ok, err := f.vector(t, slot, 4)
	if err != nil || !ok {
		return nil, err
	}
	out := make([]int32, n)
	for i := range out {
		out[i] = flatbuffers.GetInt32(f.b[start+4*uint64(i):])
	}
	return out, nil
}

func (f fb) float32s(t flatbuffers.Table, slot uint64) ([]float32, error) {
	start, n, ok, err := f.vector(t, slot, 4)
	if err != nil || !ok {
		return nil, err
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = flatbuffers.GetFloat32(f.b[start+4*uint64(i):])
	}
	return out, nil
}

func (f fb) int64s(t flatbuffers.Table, slot uint64) ([]int64, error) {
	start, n, ok, err := f.vector(t, slot, 8)
	if err != nil || !ok {
		return nil, err
	}
	out := make([]int64, n)
	for i := range out {
		out[i] = flatbuffers.GetInt64(f.b[start+8*uint64(i):])
	}
	return out, nil
}

func (f fb) bytes(t flatbuffers.Table, slot uint64) ([]byte, error) {
	start, n, ok, err := f.vector(t, slot, 1)
	if err != nil || !ok {
		return nil, err
	}
	return f.b[start : start+uint64(n) : start+uint64(n)], nil
}

func (f fb) str(t flatbuffers.Table, slot uint64) (string, error) {
	b, err := f.bytes(t, slot)
	return string(b), err
}

// TensorType is a TFLite tensor element type (schema enum TensorType).
type TensorType uint8

// Tensor element types used by microWakeWord models.
const (
	Float32  TensorType = 0
	Int32    TensorType = 2
	Uint8    TensorType = 3
	Int64    TensorType = 4
	Int16    TensorType = 7
	Int8     TensorType = 9
	Resource TensorType = 13
)

var typeNames = map[TensorType]string{0: "FLOAT32", 1: "FLOAT16", 2: "INT32", 3: "UINT8", 4: "INT64", 5: "STRING",
	6: "BOOL", 7: "INT16", 8: "COMPLEX64", 9: "INT8", 10: "FLOAT64", 13: "RESOURCE", 14: "VARIANT"}

func (t TensorType) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("TYPE%d", uint8(t))
}

// size returns the element size in bytes, or 0 for types the runtime does not store.
func (t TensorType) size() int {
	switch t {
	case Int8, Uint8:
		return 1
	case Int16:
		return 2
	case Int32, Float32:
		return 4
	case Int64:
		return 8
	}
	return 0
}

// rawTensor is one decoded schema Tensor.
type rawTensor struct {
	name      string
	shape     []int32
	typ       TensorType
	buffer    uint32
	scale     []float32
	zeroPoint []int64
	qdim      int32
	variable  bool
}

// rawOp is one decoded schema Operator.
type rawOp struct {
	code    int32 // BuiltinOperator
	version int32
	inputs  []int32
	outputs []int32
	opts    flatbuffers.Table // builtin_options table, Bytes nil when absent
}

type rawSubgraph struct {
	tensors []rawTensor
	inputs  []int32
	outputs []int32
	ops     []rawOp
}

type rawModel struct {
	f         fb
	subgraphs []rawSubgraph
	buffers   [][]byte
}

// decode parses the model flatbuffer.
func decode(b []byte) (*rawModel, error) {
	f := fb{b}
	if len(b) < 8 {
		return nil, fmt.Errorf("%w: %d bytes", errCorrupt, len(b))
	}
	if string(b[4:8]) != "TFL3" {
		return nil, fmt.Errorf("not a TFLite model (identifier %q, want \"TFL3\")", b[4:8])
	}
	root, err := f.indirect(0)
	if err != nil {
		return nil, err
	}
	mt, err := f.table(root)
	if err != nil {
		return nil, err
	}
	if v, err := f.fieldI32(mt, modelVersion, 0); err != nil {
		return nil, err
	} else if v != 3 {
		return nil, fmt.Errorf("schema version %d unsupported, want 3", v)
	}
	m := &rawModel{f: f}

	bufs, err := f.tables(mt, modelBuffers)
	if err != nil {
		return nil, fmt.Errorf("buffers: %w", err)
	}
	m.buffers = make([][]byte, len(bufs))
	for i, bt := range bufs {
		if off, err := f.fieldU64(bt, bufferOffset, 0); err != nil {
			return nil, err
		} else if off > 1 {
			return nil, fmt.Errorf("buffer %d: external data (offset %d) unsupported", i, off)
		}
		if m.buffers[i], err = f.bytes(bt, bufferData); err != nil {
			return nil, fmt.Errorf("buffer %d: %w", i, err)
		}
	}

	ocs, err := f.tables(mt, modelOperatorCodes)
	if err != nil {
		return nil, fmt.Errorf("operator codes: %w", err)
	}
	type opcode struct{ code, version int32 }
	codes := make([]opcode, len(ocs))
	for i, ot := range ocs {
		dep, err := f.fieldU8(ot, opcodeDeprecatedBuiltin, 0)
		if err != nil {
			return nil, err
		}
		bc, err := f.fieldI32(ot, opcodeBuiltin, 0)
		if err != nil {
			return nil, err
		}
		ver, err := f.fieldI32(ot, 8, 1)
		if err != nil {
			return nil, err
		}
		code := max(int32(int8(dep)), bc)
		if code == 32 { // CUSTOM
			name, err := f.str(ot, opcodeCustom)
			if err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("custom op %q unsupported", name)
		}
		codes[i] = opcode{code, ver}
	}

	sgs, err := f.tables(mt, modelSubgraphs)
	if err != nil {
		return nil, fmt.Errorf("subgraphs: %w", err)
	}
	if len(sgs) == 0 {
		return nil, errors.New("model has no subgraph")
	}
	m.subgraphs = make([]rawSubgraph, len(sgs))
	for si, st := range sgs {
		sg := &m.subgraphs[si]
		wrap := func(what string, err error) error {
			return fmt.Errorf("subgraph %d: %s: %w", si, what, err)
		}
		tts, err := f.tables(st, subgraphTensors)
		if err != nil {
			return nil, wrap("tensors", err)
		}
		sg.tensors = make([]rawTensor, len(tts))
		for ti, tt := range tts {
			t := &sg.tensors[ti]
			if t.shape, err = f.int32s(tt, tensorShape); err != nil {
				return nil, wrap("tensor shape", err)
			}
			ty, err := f.fieldU8(tt, tensorType, 0)
			if err != nil {
				return nil, wrap("tensor type", err)
			}
			t.typ = TensorType(ty)
			b, err := f.fieldI32(tt, tensorBuffer, 0)
			if err != nil {
				return nil, wrap("tensor buffer", err)
			}
			t.buffer = uint32(b)
			if t.buffer >= uint32(len(m.buffers)) {
				return nil, fmt.Errorf("subgraph %d: tensor %d: buffer %d out of range", si, ti, t.buffer)
			}
			if t.name, err = f.str(tt, tensorName); err != nil {
				return nil, wrap("tensor name", err)
			}
			v, err := f.fieldU8(tt, tensorIsVariable, 0)
			if err != nil {
				return nil, wrap("tensor is_variable", err)
			}
			t.variable = v != 0
			if _, ok, err := f.field(tt, tensorSparsity, 4); err != nil {
				return nil, wrap("tensor sparsity", err)
			} else if ok {
				return nil, fmt.Errorf("subgraph %d: tensor %q: sparse tensors unsupported", si, t.name)
			}
			qt, ok, err := f.subTable(tt, tensorQuantization)
			if err != nil {
				return nil, wrap("tensor quantization", err)
			}
			if ok {
				if t.scale, err = f.float32s(qt, quantScale); err != nil {
					return nil, wrap("quantization scale", err)
				}
				if t.zeroPoint, err = f.int64s(qt, quantZeroPoint); err != nil {
					return nil, wrap("quantization zero point", err)
				}
				if t.qdim, err = f.fieldI32(qt, quantDimension, 0); err != nil {
					return nil, wrap("quantization dimension", err)
				}
				if _, ok, err := f.field(qt, quantDetails, 4); err != nil {
					return nil, wrap("quantization details", err)
				} else if ok {
					return nil, fmt.Errorf("subgraph %d: tensor %q: custom quantization unsupported", si, t.name)
				}
			}
		}
		if sg.inputs, err = f.int32s(st, subgraphInputs); err != nil {
			return nil, wrap("inputs", err)
		}
		if sg.outputs, err = f.int32s(st, subgraphOutputs); err != nil {
			return nil, wrap("outputs", err)
		}
		ots, err := f.tables(st, subgraphOperators)
		if err != nil {
			return nil, wrap("operators", err)
		}
		sg.ops = make([]rawOp, len(ots))
		for oi, ot := range ots {
			op := &sg.ops[oi]
			idx, err := f.fieldI32(ot, operatorOpcodeIndex, 0)
			if err != nil {
				return nil, wrap("opcode index", err)
			}
			if idx < 0 || int(idx) >= len(codes) {
				return nil, fmt.Errorf("subgraph %d: operator %d: opcode index %d out of range", si, oi, idx)
			}
			op.code, op.version = codes[idx].code, codes[idx].version
			if op.inputs, err = f.int32s(ot, operatorInputs); err != nil {
				return nil, wrap("operator inputs", err)
			}
			if op.outputs, err = f.int32s(ot, operatorOutputs); err != nil {
				return nil, wrap("operator outputs", err)
			}
			if t, ok, err := f.subTable(ot, operatorBuiltinOptions); err != nil {
				return nil, wrap("operator options", err)
			} else if ok {
				op.opts = t
			}
			for _, list := range [][]int32{op.inputs, op.outputs} {
				for _, ti := range list {
					if ti < -1 || int(ti) >= len(sg.tensors) {
						return nil, fmt.Errorf("subgraph %d: operator %d: tensor index %d out of range", si, oi, ti)
					}
				}
			}
		}
		for _, list := range [][]int32{sg.inputs, sg.outputs} {
			for _, ti := range list {
				if ti < 0 || int(ti) >= len(sg.tensors) {
					return nil, fmt.Errorf("subgraph %d: io tensor index %d out of range", si, ti)
				}
			}
		}
	}
	return m, nil
}

// optI32 reads an int32 option field (0-based field id) of op, or def.
func (m *rawModel) optI32(op *rawOp, id int, def int32) (int32, error) {
	if op.opts.Bytes == nil {
		return def, nil
	}
	return m.f.fieldI32(op.opts, uint64(4+2*id), def)
}

// optU8 reads a byte option field (0-based field id) of op, or def.
func (m *rawModel) optU8(op *rawOp, id int, def uint8) (uint8, error) {
	if op.opts.Bytes == nil {
		return def, nil
	}
	return m.f.fieldU8(op.opts, uint64(4+2*id), def)
}

// optStr reads a string option field (0-based field id) of op.
func (m *rawModel) optStr(op *rawOp, id int) (string, error) {
	if op.opts.Bytes == nil {
		return "", nil
	}
	return m.f.str(op.opts, uint64(4+2*id))
}
