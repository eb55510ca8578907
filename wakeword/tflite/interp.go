package tflite

import (
	"errors"
	"fmt"
	"unsafe"
)

// maxElements bounds the size of any one tensor; microWakeWord tensors are a
// few kilobytes, so anything bigger is a corrupt or foreign model.
const maxElements = 1 << 22

// Tensor is one tensor of a loaded model. Its data is owned by the Interpreter.
type Tensor struct {
	Name      string
	Shape     []int
	Type      TensorType
	Scale     float32 // first quantization scale, 0 when unquantized
	ZeroPoint int32   // first quantization zero point

	scales   []float32 // per-channel scales (len 1 for per-tensor)
	qdim     int       // quantized dimension for per-channel scales
	data     []int8    // 1-byte types: arena slice or constant data
	i32      []int32   // INT32 constants
	constant bool
	resource int // resource variable id of a RESOURCE tensor, -1 otherwise
	hasQuant bool
}

// Elements returns the number of elements of t.
func (t *Tensor) Elements() int { return numElements(t.Shape) }

// Int8 returns the data of an INT8 or UINT8 tensor as int8 values (UINT8
// values are stored bit for bit). The slice aliases the interpreter's arena:
// write inputs into it before Invoke, read outputs after.
func (t *Tensor) Int8() []int8 { return t.data }

// Uint8 returns element i of a UINT8 tensor.
func (t *Tensor) Uint8(i int) uint8 { return uint8(t.data[i]) }

func numElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// kernel is one prepared operator; eval allocates nothing.
type kernel interface{ eval(it *Interpreter) }

type subgraph struct {
	tensors []*Tensor
	inputs  []int
	outputs []int
	kernels []kernel
	ops     []int32 // builtin code per kernel, for diagnostics
}

type variable struct {
	data []int8
	def  int8 // value after Reset before the initializer runs (the zero point)
}

// Interpreter runs a TFLite int8 model with the integer semantics of TFLite
// Micro's reference kernels. All memory is allocated by New; Invoke allocates
// nothing. An Interpreter is not safe for concurrent use.
type Interpreter struct {
	subgraphs []*subgraph
	vars      []variable
	callOnce  []bool // per subgraph: its CALL_ONCE initializer already ran
	arena     []int8
	params    int // bytes of prepared per-op parameters (multipliers, sums)
	ops       map[string]int
}

// New loads a model. It refuses, with an error, anything the runtime cannot
// run exactly: unknown ops, unsupported types or options, shape mismatches
// and corrupt files. The interpreter aliases model, which must not be
// modified afterwards.
func New(model []byte) (*Interpreter, error) {
	raw, err := decode(model)
	if err != nil {
		return nil, err
	}
	it := &Interpreter{ops: map[string]int{}}
	b := &builder{it: it, raw: raw, resIDs: map[string]int{}}
	if err := b.build(); err != nil {
		return nil, err
	}
	it.Reset()
	return it, nil
}

// Inputs returns the input tensors of the main subgraph.
func (it *Interpreter) Inputs() []*Tensor { return it.io(it.subgraphs[0].inputs) }

// Outputs returns the output tensors of the main subgraph.
func (it *Interpreter) Outputs() []*Tensor { return it.io(it.subgraphs[0].outputs) }

func (it *Interpreter) io(idx []int) []*Tensor {
	out := make([]*Tensor, len(idx))
	for i, ti := range idx {
		out[i] = it.subgraphs[0].tensors[ti]
	}
	return out
}

// Ops returns how many operators of each kind (e.g. "CONV_2D") the model has,
// over all subgraphs.
func (it *Interpreter) Ops() map[string]int {
	m := make(map[string]int, len(it.ops))
	for k, v := range it.ops {
		m[k] = v
	}
	return m
}

// ArenaBytes returns the bytes the interpreter allocated beyond the model:
// activations, resource variables and prepared per-op parameters.
func (it *Interpreter) ArenaBytes() int { return len(it.arena) + it.params }

// Invoke runs the main subgraph once. It allocates nothing.
func (it *Interpreter) Invoke() { it.run(0) }

// Reset returns the resource variables (the streaming state) to the state of a
// freshly loaded model: the next Invoke runs the CALL_ONCE initializer again.
func (it *Interpreter) Reset() {
	for i := range it.vars {
		v := &it.vars[i]
		for j := range v.data {
			v.data[j] = v.def
		}
	}
	clear(it.callOnce)
}

func (it *Interpreter) run(sg int) {
	for _, k := range it.subgraphs[sg].kernels {
		k.eval(it)
	}
}

// builder prepares an Interpreter from a decoded model.
type builder struct {
	it       *Interpreter
	raw      *rawModel
	resIDs   map[string]int
	varSize  []int
	varDef   []int8
	arenaLen int
	pending  []*Tensor // activation tensors waiting for arena space
}

var errUnsupported = errors.New("unsupported")

func (b *builder) build() error {
	it := b.it
	it.subgraphs = make([]*subgraph, len(b.raw.subgraphs))
	it.callOnce = make([]bool, len(b.raw.subgraphs))
	for si := range b.raw.subgraphs {
		sg, err := b.tensors(si)
		if err != nil {
			return err
		}
		it.subgraphs[si] = sg
	}
	// Activations live in one arena, allocated before the kernels capture
	// their slices; the resource variables follow in a second one once the
	// kernels have told their sizes.
	it.arena = make([]int8, b.arenaLen)
	off := 0
	for _, t := range b.pending {
		n := t.Elements()
		t.data = it.arena[off : off+n : off+n]
		off += n
	}
	for si := range b.raw.subgraphs {
		if err := b.kernels(si); err != nil {
			return err
		}
	}
	total := 0
	for _, n := range b.varSize {
		total += max(n, 0)
	}
	vars := make([]int8, total)
	it.params += total
	it.vars = make([]variable, len(b.varSize))
	off = 0
	for i, n := range b.varSize {
		n = max(n, 0)
		it.vars[i] = variable{data: vars[off : off+n : off+n], def: b.varDef[i]}
		off += n
	}
	return nil
}

func (b *builder) tensors(si int) (*subgraph, error) {
	rs := &b.raw.subgraphs[si]
	sg := &subgraph{tensors: make([]*Tensor, len(rs.tensors))}
	for ti := range rs.tensors {
		rt := &rs.tensors[ti]
		t := &Tensor{Name: rt.name, Type: rt.typ, resource: -1, qdim: int(rt.qdim), scales: rt.scale}
		t.Shape = make([]int, len(rt.shape))
		n := 1
		for i, d := range rt.shape {
			if d < 0 {
				return nil, fmt.Errorf("tensor %q: dynamic shape %v unsupported", rt.name, rt.shape)
			}
			t.Shape[i] = int(d)
			n *= int(d)
			if n > maxElements {
				return nil, fmt.Errorf("tensor %q: shape %v too large", rt.name, rt.shape)
			}
		}
		if len(rt.scale) > 0 {
			t.hasQuant = true
			t.Scale = rt.scale[0]
			if len(rt.zeroPoint) > 0 {
				zp := rt.zeroPoint[0]
				if zp < -32768 || zp > 65535 {
					return nil, fmt.Errorf("tensor %q: zero point %d out of range", rt.name, zp)
				}
				t.ZeroPoint = int32(zp)
			}
		}
		buf := b.raw.buffers[rt.buffer]
		size := rt.typ.size()
		switch {
		case len(buf) > 0:
			if size == 0 {
				return nil, fmt.Errorf("tensor %q: constant of type %v unsupported", rt.name, rt.typ)
			}
			if len(buf) != n*size {
				return nil, fmt.Errorf("tensor %q: %d data bytes for shape %v of %v", rt.name, len(buf), rt.shape, rt.typ)
			}
			t.constant = true
			switch size {
			case 1:
				t.data = unsafe.Slice((*int8)(unsafe.Pointer(&buf[0])), len(buf))
			case 4:
				if rt.typ == Int32 {
					t.i32 = make([]int32, n)
					for i := range t.i32 {
						t.i32[i] = int32(uint32(buf[4*i]) | uint32(buf[4*i+1])<<8 | uint32(buf[4*i+2])<<16 | uint32(buf[4*i+3])<<24)
					}
				}
			}
		case size == 1:
			b.arenaLen += n
			b.pending = append(b.pending, t)
		}
		sg.tensors[ti] = t
	}
	for _, i := range rs.inputs {
		sg.inputs = append(sg.inputs, int(i))
	}
	for _, i := range rs.outputs {
		sg.outputs = append(sg.outputs, int(i))
	}
	for _, list := range [][]int{sg.inputs, sg.outputs} {
		for _, i := range list {
			if t := sg.tensors[i]; t.data == nil && t.constant == false && t.Type.size() != 1 {
				return nil, fmt.Errorf("subgraph %d: io tensor %q of type %v unsupported", si, t.Name, t.Type)
			}
		}
	}
	return sg, nil
}

func (b *builder) kernels(si int) error {
	rs := &b.raw.subgraphs[si]
	sg := b.it.subgraphs[si]
	for oi := range rs.ops {
		op := &rs.ops[oi]
		k, err := b.kernel(si, sg, op)
		if err != nil {
			if err == errUnsupported {
				return fmt.Errorf("op %d (%s) unsupported", op.code, OpName(op.code))
			}
			return fmt.Errorf("subgraph %d op %d (%s): %w", si, oi, OpName(op.code), err)
		}
		b.it.ops[OpName(op.code)]++
		if k != nil {
			sg.kernels = append(sg.kernels, k)
			sg.ops = append(sg.ops, op.code)
		}
	}
	return nil
}

// in returns input i of op (nil for an omitted optional input).
func in(sg *subgraph, op *rawOp, i int) *Tensor {
	if i >= len(op.inputs) || op.inputs[i] < 0 {
		return nil
	}
	return sg.tensors[op.inputs[i]]
}

func out(sg *subgraph, op *rawOp, i int) *Tensor {
	if i >= len(op.outputs) || op.outputs[i] < 0 {
		return nil
	}
	return sg.tensors[op.outputs[i]]
}

func arity(op *rawOp, minIn, maxIn, nOut int) error {
	if len(op.inputs) < minIn || len(op.inputs) > maxIn {
		return fmt.Errorf("%d inputs, want %d..%d", len(op.inputs), minIn, maxIn)
	}
	if len(op.outputs) != nOut {
		return fmt.Errorf("%d outputs, want %d", len(op.outputs), nOut)
	}
	for i := 0; i < minIn; i++ {
		if op.inputs[i] < 0 {
			return fmt.Errorf("input %d missing", i)
		}
	}
	for _, o := range op.outputs {
		if o < 0 {
			return errors.New("output missing")
		}
	}
	return nil
}

// activation tensor checks: 1-byte, non-constant, stored in the arena.
func needAct(t *Tensor, what string, types ...TensorType) error {
	if t == nil {
		return fmt.Errorf("%s missing", what)
	}
	ok := false
	for _, ty := range types {
		ok = ok || t.Type == ty
	}
	if !ok {
		return fmt.Errorf("%s %q: type %v: %w", what, t.Name, t.Type, errUnsupported)
	}
	if t.data == nil && t.Elements() > 0 {
		return fmt.Errorf("%s %q has no storage", what, t.Name)
	}
	return nil
}

func needQuant(t *Tensor, what string) error {
	if !t.hasQuant || !(t.Scale > 0) {
		return fmt.Errorf("%s %q: missing or invalid quantization", what, t.Name)
	}
	return nil
}

func needOutput(t *Tensor, what string) error {
	if t.constant {
		return fmt.Errorf("%s %q is a constant", what, t.Name)
	}
	return nil
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (b *builder) kernel(si int, sg *subgraph, op *rawOp) (kernel, error) {
	switch op.code {
	case opConv2D:
		return b.conv(sg, op, false)
	case opDepthwiseConv2D:
		return b.conv(sg, op, true)
	case opFullyConnected:
		return b.fullyConnected(sg, op)
	case opReshape:
		return b.reshape(sg, op)
	case opStridedSlice:
		return b.stridedSlice(sg, op)
	case opConcatenation:
		return b.concat(sg, op)
	case opSplitV:
		return b.splitV(sg, op)
	case opLogistic:
		return b.logistic(sg, op)
	case opQuantize:
		return b.quantize(sg, op)
	case opCallOnce:
		return b.callOnce(si, op)
	case opVarHandle:
		return b.varHandle(sg, op)
	case opReadVariable, opAssignVariable:
		return b.variableOp(sg, op)
	}
	return nil, errUnsupported
}
