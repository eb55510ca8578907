package tflite

import (
	"errors"
	"fmt"
)

// maxRank is the highest tensor rank the data-movement kernels accept.
const maxRank = 5

// sliceKernel is STRIDED_SLICE: per axis, the input indices to take.
type sliceKernel struct {
	in, out []int8
	idx     [maxRank][]int32 // input index per output position, per axis (padded to maxRank)
	stride  [maxRank]int     // input element stride per axis
}

func constInt32s(t *Tensor, what string) ([]int32, error) {
	if t == nil || t.Type != Int32 || !t.constant {
		return nil, fmt.Errorf("%s must be a constant INT32 tensor: %w", what, errUnsupported)
	}
	return t.i32, nil
}

func (b *builder) stridedSlice(sg *subgraph, op *rawOp) (kernel, error) {
	input, output, err := copyOperands(sg, op, 4, 4)
	if err != nil {
		return nil, err
	}
	rank := len(input.Shape)
	if rank == 0 || rank > maxRank {
		return nil, fmt.Errorf("input rank %d: %w", rank, errUnsupported)
	}
	var vals [3][]int32
	for i, what := range []string{"begin", "end", "strides"} {
		v, err := constInt32s(in(sg, op, i+1), what)
		if err != nil {
			return nil, err
		}
		if len(v) != rank {
			return nil, fmt.Errorf("%s has %d values for rank %d", what, len(v), rank)
		}
		vals[i] = v
	}
	var masks [6]int32
	for i := range 5 {
		m, err := b.raw.optI32(op, i, 0)
		if err != nil {
			return nil, err
		}
		masks[i] = m
	}
	if off, err := b.raw.optU8(op, 5, 0); err != nil {
		return nil, err
	} else if off != 0 {
		return nil, fmt.Errorf("offset option: %w", errUnsupported)
	}
	beginMask, endMask, ellipsis, newAxis, shrink := masks[0], masks[1], masks[2], masks[3], masks[4]
	if ellipsis != 0 || newAxis != 0 {
		return nil, fmt.Errorf("ellipsis/new axis masks: %w", errUnsupported)
	}
	k := &sliceKernel{in: input.data, out: output.data}
	idx, want, err := sliceIndices(input.Shape, vals[0], vals[1], vals[2], beginMask, endMask, shrink)
	if err != nil {
		return nil, err
	}
	if !sameShape(want, output.Shape) {
		return nil, fmt.Errorf("slice of %v gives %v, output is %v", input.Shape, want, output.Shape)
	}
	pad := maxRank - rank
	st := 1
	for a := maxRank - 1; a >= 0; a-- {
		k.stride[a] = st
		if a >= pad {
			st *= input.Shape[a-pad]
			k.idx[a] = idx[a-pad]
		} else {
			k.idx[a] = []int32{0}
		}
	}
	for a := range maxRank {
		b.it.params += 4 * len(k.idx[a])
	}
	return k, nil
}

// sliceIndices resolves a strided slice of shape as StartForAxis/StopForAxis
// of strided_slice_logic.h do: per axis, the input indices taken, and the
// output shape (shrunk axes dropped).
func sliceIndices(shape []int, begin, end, strides []int32, beginMask, endMask, shrink int32) (idx [][]int32, out []int, err error) {
	idx = make([][]int32, len(shape))
	out = []int{}
	for ax := range shape {
		size := int64(shape[ax])
		stride := int64(strides[ax])
		if stride == 0 {
			return nil, nil, errors.New("stride 0")
		}
		var start, stop int64
		if size > 0 {
			start = int64(begin[ax])
			if beginMask&(1<<ax) != 0 {
				start = -1 << 40
				if stride < 0 {
					start = 1 << 40
				}
			}
			if start < 0 {
				start += size
			}
			if stride > 0 {
				start = min(max(start, 0), size)
			} else {
				start = min(max(start, -1), size-1)
			}
			if shrink&(1<<ax) != 0 {
				stop = start + 1
			} else {
				stop = int64(end[ax])
				if endMask&(1<<ax) != 0 {
					stop = 1 << 40
					if stride < 0 {
						stop = -1 << 40
					}
				}
				if stop < 0 {
					stop += size
				}
				if stride > 0 {
					stop = min(max(stop, 0), size)
				} else {
					stop = min(max(stop, -1), size-1)
				}
			}
		}
		for i := start; (stride > 0 && i < stop) || (stride < 0 && i > stop); i += stride {
			if i < 0 || i >= size {
				return nil, nil, fmt.Errorf("slice index %d outside axis of %d", i, size)
			}
			idx[ax] = append(idx[ax], int32(i))
		}
		if shrink&(1<<ax) == 0 {
			out = append(out, len(idx[ax]))
		} else if len(idx[ax]) != 1 {
			return nil, nil, fmt.Errorf("shrunk axis %d keeps %d elements", ax, len(idx[ax]))
		}
	}
	return idx, out, nil
}

func (k *sliceKernel) eval(*Interpreter) {
	o := 0
	last := k.idx[maxRank-1]
	for _, i0 := range k.idx[0] {
		p0 := int(i0) * k.stride[0]
		for _, i1 := range k.idx[1] {
			p1 := p0 + int(i1)*k.stride[1]
			for _, i2 := range k.idx[2] {
				p2 := p1 + int(i2)*k.stride[2]
				for _, i3 := range k.idx[3] {
					p3 := p2 + int(i3)*k.stride[3]
					if len(last) > 0 && k.stride[4] == 1 && int(last[len(last)-1]-last[0])+1 == len(last) {
						o += copy(k.out[o:], k.in[p3+int(last[0]):p3+int(last[0])+len(last)])
						continue
					}
					for _, i4 := range last {
						k.out[o] = k.in[p3+int(i4)]
						o++
					}
				}
			}
		}
	}
}

// concatKernel is CONCATENATION (and, reversed, SPLIT_V): for each of outer
// blocks, the parts are laid end to end.
type concatKernel struct {
	parts [][]int8 // the inputs (concat) or outputs (split)
	sizes []int    // elements per outer block of each part
	whole []int8
	outer int
	split bool
}

func (k *concatKernel) eval(*Interpreter) {
	off := 0
	for o := 0; o < k.outer; o++ {
		for i, p := range k.parts {
			n := k.sizes[i]
			if k.split {
				copy(p[o*n:(o+1)*n], k.whole[off:off+n])
			} else {
				copy(k.whole[off:off+n], p[o*n:(o+1)*n])
			}
			off += n
		}
	}
}

// joinShapes checks that parts, joined along axis, make whole, and returns the
// kernel layout.
func joinShapes(parts []*Tensor, whole *Tensor, axis int) (*concatKernel, error) {
	rank := len(whole.Shape)
	if axis < 0 {
		axis += rank
	}
	if axis < 0 || axis >= rank {
		return nil, fmt.Errorf("axis %d for rank %d", axis, rank)
	}
	k := &concatKernel{whole: whole.data, outer: 1}
	for a := 0; a < axis; a++ {
		k.outer *= whole.Shape[a]
	}
	sum := 0
	for _, p := range parts {
		if len(p.Shape) != rank {
			return nil, fmt.Errorf("part %q shape %v, whole %v", p.Name, p.Shape, whole.Shape)
		}
		for a := range rank {
			if a != axis && p.Shape[a] != whole.Shape[a] {
				return nil, fmt.Errorf("part %q shape %v, whole %v", p.Name, p.Shape, whole.Shape)
			}
		}
		sum += p.Shape[axis]
		inner := 1
		for a := axis; a < rank; a++ {
			inner *= p.Shape[a]
		}
		k.parts = append(k.parts, p.data)
		k.sizes = append(k.sizes, inner)
	}
	if sum != whole.Shape[axis] {
		return nil, fmt.Errorf("parts sum to %d along axis %d, whole has %d", sum, axis, whole.Shape[axis])
	}
	return k, nil
}

func sameQuant(a, b *Tensor) error {
	if a.Scale != b.Scale || a.ZeroPoint != b.ZeroPoint {
		return fmt.Errorf("tensors %q and %q differ in quantization (%g,%d) vs (%g,%d): %w",
			a.Name, b.Name, a.Scale, a.ZeroPoint, b.Scale, b.ZeroPoint, errUnsupported)
	}
	return nil
}

func (b *builder) concat(sg *subgraph, op *rawOp) (kernel, error) {
	if err := arity(op, 1, 64, 1); err != nil {
		return nil, err
	}
	output := out(sg, op, 0)
	if err := needAct(output, "output", Int8); err != nil {
		return nil, err
	}
	if err := needOutput(output, "output"); err != nil {
		return nil, err
	}
	parts := make([]*Tensor, len(op.inputs))
	for i := range parts {
		parts[i] = in(sg, op, i)
		if err := needAct(parts[i], "input", Int8); err != nil {
			return nil, err
		}
		if err := sameQuant(parts[i], output); err != nil {
			return nil, err
		}
	}
	axis, err := b.raw.optI32(op, 0, 0)
	if err != nil {
		return nil, err
	}
	if act, err := b.raw.optU8(op, 1, 0); err != nil {
		return nil, err
	} else if act != actNone {
		return nil, fmt.Errorf("fused activation %d: %w", act, errUnsupported)
	}
	return joinShapes(parts, output, int(axis))
}

func (b *builder) splitV(sg *subgraph, op *rawOp) (kernel, error) {
	if err := arity(op, 3, 3, len(op.outputs)); err != nil {
		return nil, err
	}
	if len(op.outputs) == 0 {
		return nil, errors.New("no outputs")
	}
	input := in(sg, op, 0)
	if err := needAct(input, "input", Int8, Uint8); err != nil {
		return nil, err
	}
	axisT, err := constInt32s(in(sg, op, 2), "axis")
	if err != nil {
		return nil, err
	}
	if len(axisT) != 1 {
		return nil, fmt.Errorf("axis has %d values", len(axisT))
	}
	if _, err := constInt32s(in(sg, op, 1), "size_splits"); err != nil {
		return nil, err
	}
	parts := make([]*Tensor, len(op.outputs))
	for i := range parts {
		parts[i] = out(sg, op, i)
		if err := needAct(parts[i], "output", input.Type); err != nil {
			return nil, err
		}
		if err := needOutput(parts[i], "output"); err != nil {
			return nil, err
		}
	}
	// The output shapes carry the resolved size_splits; joinShapes checks
	// that they tile the input.
	k, err := joinShapes(parts, input, int(axisT[0]))
	if err != nil {
		return nil, err
	}
	k.split = true
	return k, nil
}

// callOnceKernel is CALL_ONCE: runs an initializer subgraph on the first Invoke.
type callOnceKernel struct{ sg int }

func (k *callOnceKernel) eval(it *Interpreter) {
	if !it.callOnce[k.sg] {
		it.callOnce[k.sg] = true
		it.run(k.sg)
	}
}

func (b *builder) callOnce(si int, op *rawOp) (kernel, error) {
	idx, err := b.raw.optI32(op, 0, -1)
	if err != nil {
		return nil, err
	}
	if idx <= 0 || int(idx) >= len(b.raw.subgraphs) || int(idx) == si {
		return nil, fmt.Errorf("init subgraph %d out of range", idx)
	}
	for _, o := range b.raw.subgraphs[idx].ops {
		if o.code == opCallOnce {
			return nil, fmt.Errorf("nested CALL_ONCE: %w", errUnsupported)
		}
	}
	return &callOnceKernel{sg: int(idx)}, nil
}

func (b *builder) varHandle(sg *subgraph, op *rawOp) (kernel, error) {
	if err := arity(op, 0, 0, 1); err != nil {
		return nil, err
	}
	t := out(sg, op, 0)
	if t.Type != Resource {
		return nil, fmt.Errorf("output %q is %v, want RESOURCE", t.Name, t.Type)
	}
	container, err := b.raw.optStr(op, 0)
	if err != nil {
		return nil, err
	}
	name, err := b.raw.optStr(op, 1)
	if err != nil {
		return nil, err
	}
	key := container + "\x00" + name
	id, ok := b.resIDs[key]
	if !ok {
		id = len(b.varSize)
		b.resIDs[key] = id
		b.varSize = append(b.varSize, -1)
		b.varDef = append(b.varDef, 0)
	}
	t.resource = id
	return nil, nil
}

// varKernel is READ_VARIABLE (variable to tensor) or ASSIGN_VARIABLE.
type varKernel struct {
	id     int
	t      []int8
	assign bool
}

func (k *varKernel) eval(it *Interpreter) {
	if k.assign {
		copy(it.vars[k.id].data, k.t)
	} else {
		copy(k.t, it.vars[k.id].data)
	}
}

func (b *builder) variableOp(sg *subgraph, op *rawOp) (kernel, error) {
	assign := op.code == opAssignVariable
	var t *Tensor
	if assign {
		if err := arity(op, 2, 2, 0); err != nil {
			return nil, err
		}
		t = in(sg, op, 1)
	} else {
		if err := arity(op, 1, 1, 1); err != nil {
			return nil, err
		}
		t = out(sg, op, 0)
		if err := needOutput(t, "output"); err != nil {
			return nil, err
		}
	}
	res := in(sg, op, 0)
	if res.Type != Resource || res.resource < 0 {
		return nil, fmt.Errorf("input %q is not a resource made by an earlier VAR_HANDLE", res.Name)
	}
	if err := needAct(t, "value", Int8); err != nil {
		if !(t.constant && t.Type == Int8) {
			return nil, err
		}
	}
	id, n := res.resource, t.Elements()
	switch {
	case b.varSize[id] < 0:
		b.varSize[id] = n
		b.varDef[id] = int8(t.ZeroPoint)
	case b.varSize[id] != n:
		return nil, fmt.Errorf("variable %q used with %d and %d elements", res.Name, b.varSize[id], n)
	}
	return &varKernel{id: id, t: t.data, assign: assign}, nil
}
