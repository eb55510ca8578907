package train

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"

	flatbuffers "github.com/google/flatbuffers/go"
)

// Export quantizes n to int8 and writes it as a streaming TFLite flatbuffer in
// the layout of microWakeWord models: input [1,Stride,40] INT8, output [1,1]
// UINT8, and per-layer streaming state. Each conv layer keeps the inputs it
// needs besides the new ones (the first layer Kernels[0]−Stride feature
// frames, a later layer Kernels[i]−1 frames of its predecessor) in its own
// resource variable (CALL_ONCE initialiser, VAR_HANDLE, READ_VARIABLE,
// CONCATENATION, STRIDED_SLICE, ASSIGN_VARIABLE) and computes one output
// frame per inference with CONV_2D (per-channel int8, fused ReLU); the dense
// layer keeps the last frames of the final conv layer the same way and runs
// RESHAPE, FULLY_CONNECTED, LOGISTIC and QUANTIZE over the window. Only ops
// ESPHome's micro_wake_word op resolver registers are used, and at most one
// resource variable per conv layer plus one (ESPHome reserves maxVariables).
//
// After Window/Stride inferences the output is that of the network on the last
// Window frames (to int8 rounding). Before, the state holds what an all-zero
// feature history would have produced, as if the window were zero-padded.
//
// calib are int8 windows (Window×40 each) used to choose activation ranges.
func Export(n *Net, calib [][]int8) ([]byte, error) {
	if err := n.Arch.streamable(); err != nil {
		return nil, err
	}
	if v := len(n.layers) + 1; v > maxVariables {
		return nil, fmt.Errorf("train: %d conv layers need up to %d resource variables, ESPHome has %d", len(n.layers), v, maxVariables)
	}
	q, err := quantize(n, calib)
	if err != nil {
		return nil, err
	}
	m := newModelGraph()
	a := n.Arch
	input := m.g.add(fbTensor{name: "input", shape: []int32{1, int32(a.Stride), NumFeatures}, typ: tInt8, q: &q.inQ})
	m.g.inputs = []int32{input}
	x := m.window("conv0", input, a.Kernels[0]-a.Stride, a.Stride, []int32{NumFeatures}, q.inQ, q.zeroState(-1, a.Kernels[0]-a.Stride))
	x = m.reshape("conv0/input_4d", x, []int32{1, int32(a.Kernels[0]), 1, NumFeatures}, q.inQ)
	for li := range q.conv {
		l := n.layers[li]
		if li > 0 {
			x = m.window(fmt.Sprintf("conv%d", li), x, l.k-1, 1, []int32{1, int32(l.inC)}, q.conv[li-1].out, q.zeroState(li-1, l.k-1))
		}
		x = m.conv(li, &q.conv[li], x, l.k, 1)
	}
	last := n.layers[len(n.layers)-1]
	x = m.window("dense", x, last.outT-1, 1, []int32{1, int32(last.outC)}, q.conv[len(q.conv)-1].out, q.zeroState(len(q.conv)-1, last.outT-1))
	m.dense(q, x)
	return m.bytes(), nil
}

// maxVariables is how many resource variables ESPHome's micro_wake_word
// interpreter reserves (MicroResourceVariables::Create(…, 20)).
const maxVariables = 20

// qconv is one quantized conv layer.
type qconv struct {
	l              layer
	w, b           []byte    // int8 weights [outC][k][inC], int32 bias
	wScale, bScale []float32 // per output channel
	out            quant     // the ReLU output: scale, zero point −128
}

// qnet is a quantized network.
type qnet struct {
	n        *Net
	inQ      quant
	conv     []qconv
	fcW, fcB []byte
	fcWQ     quant
	fcBQ     quant
	logitQ   quant
	zeroActs [][]float32 // per conv layer, one output frame of the float network on all-zero features
}

// quantize chooses int8 parameters and activation ranges for n from the
// calibration windows: the 99.9th percentile of each layer's per-window
// maximum, per-channel symmetric conv weights and a per-tensor dense weight.
func quantize(n *Net, calib [][]int8) (*qnet, error) {
	if len(calib) == 0 {
		return nil, errors.New("train: export needs calibration windows")
	}
	for i, x := range calib {
		if len(x) != n.Arch.Window*NumFeatures {
			return nil, fmt.Errorf("train: calibration window %d has %d values, want %d", i, len(x), n.Arch.Window*NumFeatures)
		}
	}
	nl := len(n.layers)
	maxAct := make([][]float32, nl)
	var logits []float32
	w := n.newWork()
	for _, x := range calib {
		w.setInput(x)
		logits = append(logits, n.forward(w))
		for li := range nl {
			var m float32
			for _, v := range w.acts[li+1] {
				m = max(m, v)
			}
			maxAct[li] = append(maxAct[li], m)
		}
	}
	zlo := min(percentile(logits, 0), -8)
	zhi := max(percentile(logits, 1), 8)
	zlo, zhi = max(zlo, -30), min(zhi, 30)
	zScale := (zhi - zlo) / 255
	q := &qnet{n: n, inQ: quant{[]float32{InputScale}, []int64{-128}, 0}}
	q.logitQ = quant{[]float32{zScale}, []int64{int64(math.Round(float64(-128 - zlo/zScale)))}, 0}

	// The state a stream of all-zero features settles to.
	clear(w.acts[0])
	n.forward(w)
	p := n.Params
	prevScale := float32(InputScale)
	for li, l := range n.layers {
		act := max(percentile(maxAct[li], 0.999), 1e-3) / 255
		win := l.k * l.inC
		c := qconv{l: l, w: make([]byte, l.outC*win), b: make([]byte, 4*l.outC),
			wScale: make([]float32, l.outC), bScale: make([]float32, l.outC),
			out: quant{[]float32{act}, []int64{-128}, 0}}
		for oc := range l.outC {
			ws := p[l.w+oc*win:][:win]
			var m float32
			for _, v := range ws {
				m = max(m, float32(math.Abs(float64(v))))
			}
			s := max(m/127, 1e-9)
			c.wScale[oc], c.bScale[oc] = s, prevScale*s
			for i, v := range ws {
				c.w[oc*win+i] = byte(int8(clampRound(float64(v/s), -127, 127)))
			}
			bs := float64(prevScale) * float64(s)
			binary.LittleEndian.PutUint32(c.b[4*oc:], uint32(int32(clampRound(float64(p[l.b+oc])/bs, math.MinInt32, math.MaxInt32))))
		}
		q.conv = append(q.conv, c)
		q.zeroActs = append(q.zeroActs, append([]float32(nil), w.acts[li+1][(l.outT-1)*l.outC:]...))
		prevScale = act
	}
	fw := p[n.fcW:][:n.fcIn]
	var m float32
	for _, v := range fw {
		m = max(m, float32(math.Abs(float64(v))))
	}
	fsc := max(m/127, 1e-9)
	q.fcW = make([]byte, n.fcIn)
	for i, v := range fw {
		q.fcW[i] = byte(int8(clampRound(float64(v/fsc), -127, 127)))
	}
	q.fcB = make([]byte, 4)
	binary.LittleEndian.PutUint32(q.fcB, uint32(int32(clampRound(float64(p[n.fcW+n.fcIn])/(float64(prevScale)*float64(fsc)), math.MinInt32, math.MaxInt32))))
	q.fcWQ = quant{[]float32{fsc}, []int64{0}, 0}
	q.fcBQ = quant{[]float32{prevScale * fsc}, []int64{0}, 0}
	return q, nil
}

// zeroState returns frames frames of the int8 output of conv layer li (the
// features for li = −1) on an all-zero feature stream.
func (q *qnet) zeroState(li, frames int) []byte {
	if li < 0 {
		return bytes.Repeat([]byte{0x80}, frames*NumFeatures)
	}
	c := &q.conv[li]
	one := make([]byte, c.l.outC)
	for i, v := range q.zeroActs[li] {
		one[i] = byte(int8(clampRound(float64(v/c.out.scales[0])-128, -128, 127)))
	}
	return bytes.Repeat(one, frames)
}

// modelGraph assembles the main subgraph and the CALL_ONCE initialiser that
// sets the resource variables.
type modelGraph struct {
	g, init *fbGraph
}

func newModelGraph() *modelGraph {
	m := &modelGraph{g: &fbGraph{}, init: &fbGraph{}}
	m.g.ops = append(m.g.ops, fbOp{code: opCallOnce, optType: 103, opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
		b.StartObject(1)
		b.PrependInt32Slot(0, 1, 0)
		return b.EndObject()
	}})
	return m
}

func (m *modelGraph) bytes() []byte {
	return writeModel([]*fbGraph{m.g, m.init}, "genie wakeword train")
}

// window returns x ([1,step,rest…]) preceded by the hist frames before it,
// which it keeps in the resource variable name+"_state" (initially init).
// With hist 0 it returns x.
func (m *modelGraph) window(name string, x int32, hist, step int, rest []int32, q quant, init []byte) int32 {
	if hist <= 0 {
		return x
	}
	g := m.g
	shape := func(t int) []int32 { return append([]int32{1, int32(t)}, rest...) }
	res := g.add(fbTensor{name: name + "/state_handle", shape: []int32{}, typ: tResource})
	state := g.add(fbTensor{name: name + "/state", shape: shape(hist), typ: tInt8, q: &q})
	win := g.add(fbTensor{name: name + "/window", shape: shape(hist + step), typ: tInt8, q: &q})
	next := g.add(fbTensor{name: name + "/next_state", shape: shape(hist), typ: tInt8, q: &q})
	begin := make([]int32, len(rest)+2)
	begin[1] = int32(step)
	ones := make([]int32, len(rest)+2)
	for i := range ones {
		ones[i] = 1
	}
	bt := g.add(fbTensor{name: name + "/begin", shape: []int32{int32(len(begin))}, typ: tInt32, data: i32bytes(begin...)})
	et := g.add(fbTensor{name: name + "/end", shape: []int32{int32(len(begin))}, typ: tInt32, data: i32bytes(shape(hist + step)...)})
	st := g.add(fbTensor{name: name + "/strides", shape: []int32{int32(len(begin))}, typ: tInt32, data: i32bytes(ones...)})
	varName := name + "_state"
	g.ops = append(g.ops,
		varHandleOp(res, varName),
		fbOp{code: opReadVariable, in: []int32{res}, out: []int32{state}, optType: 112, opts: emptyOpts},
		fbOp{code: opConcatenation, in: []int32{state, x}, out: []int32{win}, optType: 10, opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(2)
			b.PrependInt32Slot(0, 1, 0)
			return b.EndObject()
		}},
		fbOp{code: opStridedSlice, in: []int32{win, bt, et, st}, out: []int32{next}, optType: 32, opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(6)
			return b.EndObject()
		}},
		fbOp{code: opAssignVariable, in: []int32{res, next}, optType: 113, opts: emptyOpts},
	)
	ires := m.init.add(fbTensor{name: name + "/state_handle", shape: []int32{}, typ: tResource})
	ival := m.init.add(fbTensor{name: name + "/state_init", shape: shape(hist), typ: tInt8, data: init, q: &q})
	m.init.ops = append(m.init.ops, varHandleOp(ires, varName), fbOp{code: opAssignVariable, in: []int32{ires, ival}, optType: 113, opts: emptyOpts})
	return win
}

// reshape returns x reshaped to shape.
func (m *modelGraph) reshape(name string, x int32, shape []int32, q quant) int32 {
	out := m.g.add(fbTensor{name: name, shape: shape, typ: tInt8, q: &q})
	st := m.g.add(fbTensor{name: name + "_shape", shape: []int32{int32(len(shape))}, typ: tInt32, data: i32bytes(shape...)})
	m.g.ops = append(m.g.ops, reshapeOp(x, st, out, shape))
	return out
}

// conv appends conv layer li on x ([1,inT,1,inC]) with a time stride and
// returns its output [1,outT,1,outC].
func (m *modelGraph) conv(li int, c *qconv, x int32, inT, stride int) int32 {
	l := c.l
	zps := make([]int64, l.outC)
	wt := m.g.add(fbTensor{name: fmt.Sprintf("conv%d/weights", li), shape: []int32{int32(l.outC), int32(l.k), 1, int32(l.inC)}, typ: tInt8, data: c.w,
		q: &quant{c.wScale, zps, 0}})
	bt := m.g.add(fbTensor{name: fmt.Sprintf("conv%d/bias", li), shape: []int32{int32(l.outC)}, typ: tInt32, data: c.b, q: &quant{c.bScale, zps, 0}})
	outT := (inT-l.k)/stride + 1
	ot := m.g.add(fbTensor{name: fmt.Sprintf("conv%d/relu", li), shape: []int32{1, int32(outT), 1, int32(l.outC)}, typ: tInt8, q: &c.out})
	s := int32(stride)
	m.g.ops = append(m.g.ops, fbOp{code: opConv2D, in: []int32{x, wt, bt}, out: []int32{ot}, optType: 1, opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
		b.StartObject(6)
		b.PrependInt8Slot(0, 1, 0) // VALID
		b.PrependInt32Slot(1, 1, 0)
		b.PrependInt32Slot(2, s, 0)
		b.PrependInt8Slot(3, 1, 0) // RELU
		b.PrependInt32Slot(4, 1, 0)
		b.PrependInt32Slot(5, 1, 0)
		return b.EndObject()
	}})
	return ot
}

// dense appends the dense unit, sigmoid and output on x (all final-layer
// frames of the window) and marks the output.
func (m *modelGraph) dense(q *qnet, x int32) {
	last := q.conv[len(q.conv)-1]
	flat := m.reshape("flatten", x, []int32{1, int32(q.n.fcIn)}, last.out)
	g := m.g
	fwt := g.add(fbTensor{name: "dense/weights", shape: []int32{1, int32(q.n.fcIn)}, typ: tInt8, data: q.fcW, q: &q.fcWQ})
	fbt := g.add(fbTensor{name: "dense/bias", shape: []int32{1}, typ: tInt32, data: q.fcB, q: &q.fcBQ})
	logit := g.add(fbTensor{name: "logit", shape: []int32{1, 1}, typ: tInt8, q: &q.logitQ})
	prob := g.add(fbTensor{name: "probability", shape: []int32{1, 1}, typ: tInt8, q: &quant{[]float32{1.0 / 256}, []int64{-128}, 0}})
	outT := g.add(fbTensor{name: "output", shape: []int32{1, 1}, typ: tUint8, q: &quant{[]float32{1.0 / 256}, []int64{0}, 0}})
	g.ops = append(g.ops,
		fbOp{code: opFullyConnected, in: []int32{flat, fwt, fbt}, out: []int32{logit}, optType: 8, opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(4)
			return b.EndObject()
		}},
		fbOp{code: opLogistic, in: []int32{logit}, out: []int32{prob}},
		fbOp{code: opQuantize, in: []int32{prob}, out: []int32{outT}},
	)
	g.outputs = []int32{outT}
}

func clampRound(v, lo, hi float64) float64 { return min(max(math.Round(v), lo), hi) }

func percentile(v []float32, q float64) float32 {
	s := append([]float32(nil), v...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(int(q*float64(len(s))), len(s)-1)]
}

func i32bytes(v ...int32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return b
}

func emptyOpts(b *flatbuffers.Builder) flatbuffers.UOffsetT {
	b.StartObject(0)
	return b.EndObject()
}

func varHandleOp(res int32, shared string) fbOp {
	return fbOp{code: opVarHandle, out: []int32{res}, optType: 111, opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
		name := b.CreateString(shared)
		b.StartObject(2)
		b.PrependUOffsetTSlot(1, name, 0)
		return b.EndObject()
	}}
}

func reshapeOp(in, shapeT, out int32, shape []int32) fbOp {
	return fbOp{code: opReshape, in: []int32{in, shapeT}, out: []int32{out}, optType: 17, opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
		v := int32Vec(b, shape)
		b.StartObject(1)
		b.PrependUOffsetTSlot(0, v, 0)
		return b.EndObject()
	}}
}

// Flatbuffer writing ------------------------------------------------------

// TFLite schema constants used by the exporter.
const (
	tInt32    = 2
	tUint8    = 3
	tInt8     = 9
	tResource = 13

	opConcatenation  = 2
	opConv2D         = 3
	opFullyConnected = 9
	opLogistic       = 14
	opReshape        = 22
	opStridedSlice   = 45
	opQuantize       = 114
	opCallOnce       = 129
	opVarHandle      = 142
	opReadVariable   = 143
	opAssignVariable = 144
)

type quant struct {
	scales []float32
	zps    []int64
	qdim   int32
}

type fbTensor struct {
	name  string
	shape []int32
	typ   int8
	data  []byte
	q     *quant
}

type fbOp struct {
	code    int32
	in, out []int32
	optType uint8
	opts    func(*flatbuffers.Builder) flatbuffers.UOffsetT
}

type fbGraph struct {
	tensors         []fbTensor
	inputs, outputs []int32
	ops             []fbOp
}

// add appends a tensor and returns its index.
func (g *fbGraph) add(t fbTensor) int32 {
	g.tensors = append(g.tensors, t)
	return int32(len(g.tensors) - 1)
}

func writeModel(graphs []*fbGraph, desc string) []byte {
	b := flatbuffers.NewBuilder(64 << 10)
	var codes []int32
	codeIdx := map[int32]uint32{}
	for _, g := range graphs {
		for _, o := range g.ops {
			if _, ok := codeIdx[o.code]; !ok {
				codeIdx[o.code] = uint32(len(codes))
				codes = append(codes, o.code)
			}
		}
	}
	// Buffers: 0 is the empty sentinel; constants get their own.
	buffers := []flatbuffers.UOffsetT{fbBuffer(b, nil)}
	sgs := make([]flatbuffers.UOffsetT, len(graphs))
	for gi, g := range graphs {
		toffs := make([]flatbuffers.UOffsetT, len(g.tensors))
		for i, ts := range g.tensors {
			buf := uint32(0)
			if ts.data != nil {
				buf = uint32(len(buffers))
				buffers = append(buffers, fbBuffer(b, ts.data))
			}
			name := b.CreateString(ts.name)
			shape := int32Vec(b, ts.shape)
			var q flatbuffers.UOffsetT
			if ts.q != nil {
				b.StartVector(4, len(ts.q.scales), 4)
				for j := len(ts.q.scales) - 1; j >= 0; j-- {
					b.PrependFloat32(ts.q.scales[j])
				}
				sc := b.EndVector(len(ts.q.scales))
				b.StartVector(8, len(ts.q.zps), 8)
				for j := len(ts.q.zps) - 1; j >= 0; j-- {
					b.PrependInt64(ts.q.zps[j])
				}
				zp := b.EndVector(len(ts.q.zps))
				b.StartObject(7)
				b.PrependUOffsetTSlot(2, sc, 0)
				b.PrependUOffsetTSlot(3, zp, 0)
				b.PrependInt32Slot(6, ts.q.qdim, 0)
				q = b.EndObject()
			}
			b.StartObject(6)
			b.PrependUOffsetTSlot(0, shape, 0)
			b.PrependInt8Slot(1, ts.typ, 0)
			b.PrependUint32Slot(2, buf, 0)
			b.PrependUOffsetTSlot(3, name, 0)
			if ts.q != nil {
				b.PrependUOffsetTSlot(4, q, 0)
			}
			toffs[i] = b.EndObject()
		}
		ooffs := make([]flatbuffers.UOffsetT, len(g.ops))
		for i, o := range g.ops {
			var opt flatbuffers.UOffsetT
			if o.opts != nil {
				opt = o.opts(b)
			}
			in, out := int32Vec(b, o.in), int32Vec(b, o.out)
			b.StartObject(5)
			b.PrependUint32Slot(0, codeIdx[o.code], 0)
			b.PrependUOffsetTSlot(1, in, 0)
			b.PrependUOffsetTSlot(2, out, 0)
			if o.opts != nil {
				b.PrependByteSlot(3, o.optType, 0)
				b.PrependUOffsetTSlot(4, opt, 0)
			}
			ooffs[i] = b.EndObject()
		}
		tv, ov := offVec(b, toffs), offVec(b, ooffs)
		iv, outv := int32Vec(b, g.inputs), int32Vec(b, g.outputs)
		b.StartObject(4)
		b.PrependUOffsetTSlot(0, tv, 0)
		b.PrependUOffsetTSlot(1, iv, 0)
		b.PrependUOffsetTSlot(2, outv, 0)
		b.PrependUOffsetTSlot(3, ov, 0)
		sgs[gi] = b.EndObject()
	}
	coffs := make([]flatbuffers.UOffsetT, len(codes))
	for i, c := range codes {
		b.StartObject(4)
		b.PrependInt8Slot(0, int8(min(c, 127)), 0)
		b.PrependInt32Slot(2, 1, 1)
		b.PrependInt32Slot(3, c, 0)
		coffs[i] = b.EndObject()
	}
	cv, sv, bv := offVec(b, coffs), offVec(b, sgs), offVec(b, buffers)
	d := b.CreateString(desc)
	b.StartObject(5)
	b.PrependUint32Slot(0, 3, 0)
	b.PrependUOffsetTSlot(1, cv, 0)
	b.PrependUOffsetTSlot(2, sv, 0)
	b.PrependUOffsetTSlot(3, d, 0)
	b.PrependUOffsetTSlot(4, bv, 0)
	b.FinishWithFileIdentifier(b.EndObject(), []byte("TFL3"))
	return b.FinishedBytes()
}

func fbBuffer(b *flatbuffers.Builder, data []byte) flatbuffers.UOffsetT {
	var d flatbuffers.UOffsetT
	if data != nil {
		b.StartVector(1, len(data), 16) // 16-byte aligned constant data
		for i := len(data) - 1; i >= 0; i-- {
			b.PrependByte(data[i])
		}
		d = b.EndVector(len(data))
	}
	b.StartObject(1)
	if data != nil {
		b.PrependUOffsetTSlot(0, d, 0)
	}
	return b.EndObject()
}

func int32Vec(b *flatbuffers.Builder, v []int32) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependInt32(v[i])
	}
	return b.EndVector(len(v))
}

func offVec(b *flatbuffers.Builder, v []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependUOffsetT(v[i])
	}
	return b.EndVector(len(v))
}
