package train

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"

	flatbuffers "github.com/google/flatbuffers/go"
)

// Export quantizes n to int8 and writes it as a streaming TFLite flatbuffer in
// the layout of microWakeWord models: input [1,Stride,40] INT8, output [1,1]
// UINT8, the last Window−Stride frames kept in a resource variable
// (CALL_ONCE initialiser, VAR_HANDLE, READ_VARIABLE, CONCATENATION,
// STRIDED_SLICE, ASSIGN_VARIABLE), then RESHAPE, CONV_2D (per-channel int8,
// fused ReLU) per layer, RESHAPE, FULLY_CONNECTED, LOGISTIC and QUANTIZE. Only
// ops ESPHome's micro_wake_word op resolver registers are used.
//
// calib are int8 windows (Window×40 each) used to choose activation ranges.
func Export(n *Net, calib [][]int8) ([]byte, error) {
	if len(calib) == 0 {
		return nil, errors.New("train: export needs calibration windows")
	}
	a := n.Arch
	// Activation ranges from calibration: the 99.99th percentile of each
	// layer's outputs, and the logit range.
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
	actScale := make([]float32, nl)
	for li := range nl {
		actScale[li] = max(percentile(maxAct[li], 0.999), 1e-3) / 255
	}
	zlo := min(percentile(logits, 0), -8)
	zhi := max(percentile(logits, 1), 8)
	zlo, zhi = max(zlo, -30), min(zhi, 30)
	zScale := (zhi - zlo) / 255
	zZero := int64(math.Round(float64(-128 - zlo/zScale)))

	g := &fbGraph{}
	t := func(ts fbTensor) int32 {
		g.tensors = append(g.tensors, ts)
		return int32(len(g.tensors) - 1)
	}
	inQ := quant{[]float32{InputScale}, []int64{-128}, 0}
	hist := a.Window - a.Stride
	input := t(fbTensor{name: "input", shape: []int32{1, int32(a.Stride), NumFeatures}, typ: tInt8, q: &inQ})
	res := t(fbTensor{name: "state_handle", shape: []int32{}, typ: tResource})
	state := t(fbTensor{name: "state", shape: []int32{1, int32(hist), NumFeatures}, typ: tInt8, q: &inQ})
	window := t(fbTensor{name: "window", shape: []int32{1, int32(a.Window), NumFeatures}, typ: tInt8, q: &inQ})
	next := t(fbTensor{name: "next_state", shape: []int32{1, int32(hist), NumFeatures}, typ: tInt8, q: &inQ})
	begin := t(fbTensor{name: "begin", shape: []int32{3}, typ: tInt32, data: i32bytes(0, int32(a.Stride), 0)})
	end := t(fbTensor{name: "end", shape: []int32{3}, typ: tInt32, data: i32bytes(1, int32(a.Window), NumFeatures)})
	strides := t(fbTensor{name: "strides", shape: []int32{3}, typ: tInt32, data: i32bytes(1, 1, 1)})
	shape4 := []int32{1, int32(a.Window), 1, NumFeatures}
	x4 := t(fbTensor{name: "window_4d", shape: shape4, typ: tInt8, q: &inQ})
	x4shape := t(fbTensor{name: "window_4d_shape", shape: []int32{4}, typ: tInt32, data: i32bytes(shape4...)})
	g.inputs = []int32{input}
	g.ops = append(g.ops,
		fbOp{code: opCallOnce, optType: 103, opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(1)
			b.PrependInt32Slot(0, 1, 0)
			return b.EndObject()
		}},
		varHandleOp(res),
		fbOp{code: opReadVariable, in: []int32{res}, out: []int32{state}, optType: 112, opts: emptyOpts},
		fbOp{code: opConcatenation, in: []int32{state, input}, out: []int32{window}, optType: 10, opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(2)
			b.PrependInt32Slot(0, 1, 0)
			return b.EndObject()
		}},
		fbOp{code: opStridedSlice, in: []int32{window, begin, end, strides}, out: []int32{next}, optType: 32, opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(6)
			return b.EndObject()
		}},
		fbOp{code: opAssignVariable, in: []int32{res, next}, optType: 113, opts: emptyOpts},
		reshapeOp(window, x4shape, x4, shape4),
	)
	prev, prevScale := x4, float32(InputScale)
	p := n.Params
	for li, l := range n.layers {
		win := l.k * l.inC
		wq := make([]byte, l.outC*win)
		bq := make([]byte, 4*l.outC)
		scales := make([]float32, l.outC)
		zps := make([]int64, l.outC)
		for c := range l.outC {
			ws := p[l.w+c*win:][:win]
			var m float32
			for _, v := range ws {
				m = max(m, float32(math.Abs(float64(v))))
			}
			s := max(m/127, 1e-9)
			scales[c] = s
			for i, v := range ws {
				wq[c*win+i] = byte(int8(clampRound(float64(v/s), -127, 127)))
			}
			bs := float64(prevScale) * float64(s)
			binary.LittleEndian.PutUint32(bq[4*c:], uint32(int32(clampRound(float64(p[l.b+c])/bs, math.MinInt32, math.MaxInt32))))
		}
		wt := t(fbTensor{name: fmt.Sprintf("conv%d/weights", li), shape: []int32{int32(l.outC), int32(l.k), 1, int32(l.inC)}, typ: tInt8, data: wq,
			q: &quant{scales, zps, 0}})
		bscales := make([]float32, l.outC)
		for c := range bscales {
			bscales[c] = prevScale * scales[c]
		}
		bt := t(fbTensor{name: fmt.Sprintf("conv%d/bias", li), shape: []int32{int32(l.outC)}, typ: tInt32, data: bq, q: &quant{bscales, zps, 0}})
		oq := quant{[]float32{actScale[li]}, []int64{-128}, 0}
		ot := t(fbTensor{name: fmt.Sprintf("conv%d/relu", li), shape: []int32{1, int32(l.outT), 1, int32(l.outC)}, typ: tInt8, q: &oq})
		stride := int32(l.s)
		g.ops = append(g.ops, fbOp{code: opConv2D, in: []int32{prev, wt, bt}, out: []int32{ot}, optType: 1, opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(6)
			b.PrependInt8Slot(0, 1, 0) // VALID
			b.PrependInt32Slot(1, 1, 0)
			b.PrependInt32Slot(2, stride, 0)
			b.PrependInt8Slot(3, 1, 0) // RELU
			b.PrependInt32Slot(4, 1, 0)
			b.PrependInt32Slot(5, 1, 0)
			return b.EndObject()
		}})
		prev, prevScale = ot, actScale[li]
	}
	flat := []int32{1, int32(n.fcIn)}
	lastQ := quant{[]float32{prevScale}, []int64{-128}, 0}
	ft := t(fbTensor{name: "flatten", shape: flat, typ: tInt8, q: &lastQ})
	fs := t(fbTensor{name: "flatten_shape", shape: []int32{2}, typ: tInt32, data: i32bytes(flat...)})
	g.ops = append(g.ops, reshapeOp(prev, fs, ft, flat))
	fw := p[n.fcW:][:n.fcIn]
	var m float32
	for _, v := range fw {
		m = max(m, float32(math.Abs(float64(v))))
	}
	fsc := max(m/127, 1e-9)
	fwq := make([]byte, n.fcIn)
	for i, v := range fw {
		fwq[i] = byte(int8(clampRound(float64(v/fsc), -127, 127)))
	}
	fbq := make([]byte, 4)
	binary.LittleEndian.PutUint32(fbq, uint32(int32(clampRound(float64(p[n.fcW+n.fcIn])/(float64(prevScale)*float64(fsc)), math.MinInt32, math.MaxInt32))))
	fwt := t(fbTensor{name: "dense/weights", shape: []int32{1, int32(n.fcIn)}, typ: tInt8, data: fwq, q: &quant{[]float32{fsc}, []int64{0}, 0}})
	fbt := t(fbTensor{name: "dense/bias", shape: []int32{1}, typ: tInt32, data: fbq, q: &quant{[]float32{prevScale * fsc}, []int64{0}, 0}})
	logit := t(fbTensor{name: "logit", shape: []int32{1, 1}, typ: tInt8, q: &quant{[]float32{zScale}, []int64{zZero}, 0}})
	prob := t(fbTensor{name: "probability", shape: []int32{1, 1}, typ: tInt8, q: &quant{[]float32{1.0 / 256}, []int64{-128}, 0}})
	outT := t(fbTensor{name: "output", shape: []int32{1, 1}, typ: tUint8, q: &quant{[]float32{1.0 / 256}, []int64{0}, 0}})
	g.ops = append(g.ops,
		fbOp{code: opFullyConnected, in: []int32{ft, fwt, fbt}, out: []int32{logit}, optType: 8, opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(4)
			return b.EndObject()
		}},
		fbOp{code: opLogistic, in: []int32{logit}, out: []int32{prob}},
		fbOp{code: opQuantize, in: []int32{prob}, out: []int32{outT}},
	)
	g.outputs = []int32{outT}

	// Initialiser: state := zero point.
	ig := &fbGraph{}
	ires := int32(0)
	ig.tensors = append(ig.tensors, fbTensor{name: "state_handle", shape: []int32{}, typ: tResource})
	zeros := make([]byte, hist*NumFeatures)
	for i := range zeros {
		zeros[i] = 0x80
	}
	ig.tensors = append(ig.tensors, fbTensor{name: "state_init", shape: []int32{1, int32(hist), NumFeatures}, typ: tInt8, data: zeros, q: &inQ})
	ig.ops = []fbOp{varHandleOp(ires), {code: opAssignVariable, in: []int32{ires, 1}, optType: 113, opts: emptyOpts}}
	return writeModel([]*fbGraph{g, ig}, "genie wakeword train"), nil
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

func varHandleOp(res int32) fbOp {
	return fbOp{code: opVarHandle, out: []int32{res}, optType: 111, opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
		name := b.CreateString("stream_state")
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
