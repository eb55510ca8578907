package train

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/genie-voice/genie/wakeword/internal/tflbuild"

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
	input := m.g.Add(tflbuild.Tensor{Name: "input", Shape: []int32{1, int32(a.Stride), NumFeatures}, Type: tflbuild.TypeInt8, Q: &q.inQ})
	m.g.Inputs = []int32{input}
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
	w, b           []byte         // int8 weights [outC][k][inC], int32 bias
	wScale, bScale []float32      // per output channel
	out            tflbuild.Quant // the ReLU output: scale, zero point −128
}

// qnet is a quantized network.
type qnet struct {
	n        *Net
	inQ      tflbuild.Quant
	conv     []qconv
	fcW, fcB []byte
	fcWQ     tflbuild.Quant
	fcBQ     tflbuild.Quant
	// The hidden dense layer (Arch.Hidden > 0): per-tensor int8 weights
	// [Hidden][fcIn], int32 biases and its ReLU output.
	hidW, hidB         []byte
	hidWQ, hidBQ, hidQ tflbuild.Quant
	logitQ             tflbuild.Quant
	zeroActs           [][]float32 // per conv layer, one output frame of the float network on all-zero features
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
	maxAct := make([][]float32, nl+1) // per conv layer, then the hidden layer
	var logits []float32
	w := n.newWork()
	for _, x := range calib {
		w.setInput(x)
		logits = append(logits, n.forward(w))
		for li := range nl {
			maxAct[li] = append(maxAct[li], reluMax(w.acts[li+1]))
		}
		maxAct[nl] = append(maxAct[nl], reluMax(w.hid))
	}
	zlo := min(percentile(logits, 0), -8)
	zhi := max(percentile(logits, 1), 8)
	zlo, zhi = max(zlo, -30), min(zhi, 30)
	zScale := (zhi - zlo) / 255
	q := &qnet{n: n, inQ: tflbuild.Quant{Scales: []float32{InputScale}, Zeros: []int64{-128}}}
	q.logitQ = tflbuild.Quant{Scales: []float32{zScale}, Zeros: []int64{int64(math.Round(float64(-128 - zlo/zScale)))}}

	// The state a stream of all-zero features settles to.
	clear(w.acts[0])
	n.forward(w)
	p := n.Params
	prevScale := float32(InputScale)
	for li, l := range n.layers {
		act := reluQuant(maxAct[li])
		win := l.k * l.inC
		c := qconv{l: l, w: make([]byte, l.outC*win), b: make([]byte, 4*l.outC),
			wScale: make([]float32, l.outC), bScale: make([]float32, l.outC), out: act}
		for oc := range l.outC {
			s := quantizeSymmetric(c.w[oc*win:][:win], p[l.w+oc*win:][:win])
			c.wScale[oc], c.bScale[oc] = s, prevScale*s
			putBias(c.b[4*oc:], p[l.b+oc], prevScale, s)
		}
		q.conv = append(q.conv, c)
		q.zeroActs = append(q.zeroActs, append([]float32(nil), w.acts[li+1][(l.outT-1)*l.outC:]...))
		prevScale = act.Scales[0]
	}
	if h := n.Arch.Hidden; h > 0 {
		// Per-tensor weights: ESPHome's FULLY_CONNECTED takes one scale.
		q.hidQ = reluQuant(maxAct[nl])
		q.hidW = make([]byte, h*n.fcIn)
		hsc := quantizeSymmetric(q.hidW, p[n.hidW:][:h*n.fcIn])
		q.hidB = make([]byte, 4*h)
		for j := range h {
			putBias(q.hidB[4*j:], p[n.hidB()+j], prevScale, hsc)
		}
		q.hidWQ = tflbuild.Quant{Scales: []float32{hsc}, Zeros: []int64{0}}
		q.hidBQ = tflbuild.Quant{Scales: []float32{prevScale * hsc}, Zeros: []int64{0}}
		prevScale = q.hidQ.Scales[0]
	}
	q.fcW = make([]byte, n.outIn)
	fsc := quantizeSymmetric(q.fcW, p[n.fcW:][:n.outIn])
	q.fcB = make([]byte, 4)
	putBias(q.fcB, p[n.fcW+n.outIn], prevScale, fsc)
	q.fcWQ = tflbuild.Quant{Scales: []float32{fsc}, Zeros: []int64{0}}
	q.fcBQ = tflbuild.Quant{Scales: []float32{prevScale * fsc}, Zeros: []int64{0}}
	return q, nil
}

// reluMax is the largest of the ReLU outputs v (0 when v is empty).
func reluMax(v []float32) float32 {
	var m float32
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

// reluQuant is the int8 quantization of a ReLU output whose per-window maxima
// over the calibration windows are maxes: 0 up to their 99.9th percentile.
func reluQuant(maxes []float32) tflbuild.Quant {
	return tflbuild.Quant{Scales: []float32{max(percentile(maxes, 0.999), 1e-3) / 255}, Zeros: []int64{-128}}
}

// putBias writes bias b as the int32 of scale inScale·wScale (the input's
// scale times the weights') into dst[:4].
func putBias(dst []byte, b, inScale, wScale float32) {
	v := clampRound(float64(b)/(float64(inScale)*float64(wScale)), math.MinInt32, math.MaxInt32)
	binary.LittleEndian.PutUint32(dst, uint32(int32(v)))
}

// quantizeSymmetric writes w as int8 in −127..127 with one scale (the largest
// magnitude over 127) into dst and returns the scale.
func quantizeSymmetric(dst []byte, w []float32) float32 {
	var m float32
	for _, v := range w {
		m = max(m, float32(math.Abs(float64(v))))
	}
	s := max(m/127, 1e-9)
	for i, v := range w {
		dst[i] = byte(int8(clampRound(float64(v/s), -127, 127)))
	}
	return s
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
		one[i] = byte(int8(clampRound(float64(v/c.out.Scales[0])-128, -128, 127)))
	}
	return bytes.Repeat(one, frames)
}

// modelGraph assembles the main subgraph and the CALL_ONCE initialiser that
// sets the resource variables.
type modelGraph struct {
	g, init *tflbuild.Graph
}

func newModelGraph() *modelGraph {
	m := &modelGraph{g: &tflbuild.Graph{}, init: &tflbuild.Graph{}}
	m.g.Ops = append(m.g.Ops, tflbuild.Op{Code: tflbuild.OpCallOnce, OptionsType: 103, Options: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
		b.StartObject(1)
		b.PrependInt32Slot(0, 1, 0)
		return b.EndObject()
	}})
	return m
}

func (m *modelGraph) bytes() []byte {
	return tflbuild.Write([]*tflbuild.Graph{m.g, m.init}, "genie wakeword train")
}

// window returns x ([1,step,rest…]) preceded by the hist frames before it,
// which it keeps in the resource variable name+"_state" (initially init).
// With hist 0 it returns x.
func (m *modelGraph) window(name string, x int32, hist, step int, rest []int32, q tflbuild.Quant, init []byte) int32 {
	if hist <= 0 {
		return x
	}
	g := m.g
	shape := func(t int) []int32 { return append([]int32{1, int32(t)}, rest...) }
	res := g.Add(tflbuild.Tensor{Name: name + "/state_handle", Shape: []int32{}, Type: tflbuild.TypeResource})
	state := g.Add(tflbuild.Tensor{Name: name + "/state", Shape: shape(hist), Type: tflbuild.TypeInt8, Q: &q})
	win := g.Add(tflbuild.Tensor{Name: name + "/window", Shape: shape(hist + step), Type: tflbuild.TypeInt8, Q: &q})
	next := g.Add(tflbuild.Tensor{Name: name + "/next_state", Shape: shape(hist), Type: tflbuild.TypeInt8, Q: &q})
	begin := make([]int32, len(rest)+2)
	begin[1] = int32(step)
	ones := make([]int32, len(rest)+2)
	for i := range ones {
		ones[i] = 1
	}
	bt := g.Add(tflbuild.Tensor{Name: name + "/begin", Shape: []int32{int32(len(begin))}, Type: tflbuild.TypeInt32, Data: tflbuild.Int32Bytes(begin...)})
	et := g.Add(tflbuild.Tensor{Name: name + "/end", Shape: []int32{int32(len(begin))}, Type: tflbuild.TypeInt32, Data: tflbuild.Int32Bytes(shape(hist + step)...)})
	st := g.Add(tflbuild.Tensor{Name: name + "/strides", Shape: []int32{int32(len(begin))}, Type: tflbuild.TypeInt32, Data: tflbuild.Int32Bytes(ones...)})
	varName := name + "_state"
	g.Ops = append(g.Ops,
		varHandleOp(res, varName),
		tflbuild.Op{Code: tflbuild.OpReadVariable, In: []int32{res}, Out: []int32{state}, OptionsType: 112, Options: tflbuild.EmptyOptions},
		tflbuild.Op{Code: tflbuild.OpConcatenation, In: []int32{state, x}, Out: []int32{win}, OptionsType: 10, Options: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(2)
			b.PrependInt32Slot(0, 1, 0)
			return b.EndObject()
		}},
		tflbuild.Op{Code: tflbuild.OpStridedSlice, In: []int32{win, bt, et, st}, Out: []int32{next}, OptionsType: 32, Options: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(6)
			return b.EndObject()
		}},
		tflbuild.Op{Code: tflbuild.OpAssignVariable, In: []int32{res, next}, OptionsType: 113, Options: tflbuild.EmptyOptions},
	)
	ires := m.init.Add(tflbuild.Tensor{Name: name + "/state_handle", Shape: []int32{}, Type: tflbuild.TypeResource})
	ival := m.init.Add(tflbuild.Tensor{Name: name + "/state_init", Shape: shape(hist), Type: tflbuild.TypeInt8, Data: init, Q: &q})
	m.init.Ops = append(m.init.Ops, varHandleOp(ires, varName), tflbuild.Op{Code: tflbuild.OpAssignVariable, In: []int32{ires, ival}, OptionsType: 113, Options: tflbuild.EmptyOptions})
	return win
}

// reshape returns x reshaped to shape.
func (m *modelGraph) reshape(name string, x int32, shape []int32, q tflbuild.Quant) int32 {
	out := m.g.Add(tflbuild.Tensor{Name: name, Shape: shape, Type: tflbuild.TypeInt8, Q: &q})
	st := m.g.Add(tflbuild.Tensor{Name: name + "_shape", Shape: []int32{int32(len(shape))}, Type: tflbuild.TypeInt32, Data: tflbuild.Int32Bytes(shape...)})
	m.g.Ops = append(m.g.Ops, reshapeOp(x, st, out, shape))
	return out
}

// conv appends conv layer li on x ([1,inT,1,inC]) with a time stride and
// returns its output [1,outT,1,outC].
func (m *modelGraph) conv(li int, c *qconv, x int32, inT, stride int) int32 {
	l := c.l
	zps := make([]int64, l.outC)
	wt := m.g.Add(tflbuild.Tensor{Name: fmt.Sprintf("conv%d/weights", li), Shape: []int32{int32(l.outC), int32(l.k), 1, int32(l.inC)}, Type: tflbuild.TypeInt8, Data: c.w,
		Q: &tflbuild.Quant{Scales: c.wScale, Zeros: zps}})
	bt := m.g.Add(tflbuild.Tensor{Name: fmt.Sprintf("conv%d/bias", li), Shape: []int32{int32(l.outC)}, Type: tflbuild.TypeInt32, Data: c.b, Q: &tflbuild.Quant{Scales: c.bScale, Zeros: zps}})
	outT := (inT-l.k)/stride + 1
	ot := m.g.Add(tflbuild.Tensor{Name: fmt.Sprintf("conv%d/relu", li), Shape: []int32{1, int32(outT), 1, int32(l.outC)}, Type: tflbuild.TypeInt8, Q: &c.out})
	s := int32(stride)
	m.g.Ops = append(m.g.Ops, tflbuild.Op{Code: tflbuild.OpConv2D, In: []int32{x, wt, bt}, Out: []int32{ot}, OptionsType: 1, Options: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
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

// dense appends the hidden layer if any, the dense unit, sigmoid and output
// on x (all final-layer frames of the window) and marks the output.
func (m *modelGraph) dense(q *qnet, x int32) {
	last := q.conv[len(q.conv)-1]
	flat := m.reshape("flatten", x, []int32{1, int32(q.n.fcIn)}, last.out)
	g := m.g
	if h := int32(q.n.Arch.Hidden); h > 0 {
		hwt := g.Add(tflbuild.Tensor{Name: "hidden/weights", Shape: []int32{h, int32(q.n.fcIn)}, Type: tflbuild.TypeInt8, Data: q.hidW, Q: &q.hidWQ})
		hbt := g.Add(tflbuild.Tensor{Name: "hidden/bias", Shape: []int32{h}, Type: tflbuild.TypeInt32, Data: q.hidB, Q: &q.hidBQ})
		hout := g.Add(tflbuild.Tensor{Name: "hidden/relu", Shape: []int32{1, h}, Type: tflbuild.TypeInt8, Q: &q.hidQ})
		g.Ops = append(g.Ops, tflbuild.Op{Code: tflbuild.OpFullyConnected, In: []int32{flat, hwt, hbt}, Out: []int32{hout}, OptionsType: 8, Options: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(4)
			b.PrependInt8Slot(0, 1, 0) // RELU
			return b.EndObject()
		}})
		flat = hout
	}
	fwt := g.Add(tflbuild.Tensor{Name: "dense/weights", Shape: []int32{1, int32(q.n.outIn)}, Type: tflbuild.TypeInt8, Data: q.fcW, Q: &q.fcWQ})
	fbt := g.Add(tflbuild.Tensor{Name: "dense/bias", Shape: []int32{1}, Type: tflbuild.TypeInt32, Data: q.fcB, Q: &q.fcBQ})
	logit := g.Add(tflbuild.Tensor{Name: "logit", Shape: []int32{1, 1}, Type: tflbuild.TypeInt8, Q: &q.logitQ})
	prob := g.Add(tflbuild.Tensor{Name: "probability", Shape: []int32{1, 1}, Type: tflbuild.TypeInt8, Q: &tflbuild.Quant{Scales: []float32{1.0 / 256}, Zeros: []int64{-128}}})
	outT := g.Add(tflbuild.Tensor{Name: "output", Shape: []int32{1, 1}, Type: tflbuild.TypeUint8, Q: &tflbuild.Quant{Scales: []float32{1.0 / 256}, Zeros: []int64{0}}})
	g.Ops = append(g.Ops,
		tflbuild.Op{Code: tflbuild.OpFullyConnected, In: []int32{flat, fwt, fbt}, Out: []int32{logit}, OptionsType: 8, Options: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(4)
			return b.EndObject()
		}},
		tflbuild.Op{Code: tflbuild.OpLogistic, In: []int32{logit}, Out: []int32{prob}},
		tflbuild.Op{Code: tflbuild.OpQuantize, In: []int32{prob}, Out: []int32{outT}},
	)
	g.Outputs = []int32{outT}
}

func clampRound(v, lo, hi float64) float64 { return min(max(math.Round(v), lo), hi) }

func percentile(v []float32, q float64) float32 {
	s := append([]float32(nil), v...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(int(q*float64(len(s))), len(s)-1)]
}

func varHandleOp(res int32, shared string) tflbuild.Op {
	return tflbuild.Op{Code: tflbuild.OpVarHandle, Out: []int32{res}, OptionsType: 111, Options: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
		name := b.CreateString(shared)
		b.StartObject(2)
		b.PrependUOffsetTSlot(1, name, 0)
		return b.EndObject()
	}}
}

func reshapeOp(in, shapeT, out int32, shape []int32) tflbuild.Op {
	return tflbuild.Op{Code: tflbuild.OpReshape, In: []int32{in, shapeT}, Out: []int32{out}, OptionsType: 17, Options: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
		v := tflbuild.Int32Vector(b, shape)
		b.StartObject(1)
		b.PrependUOffsetTSlot(0, v, 0)
		return b.EndObject()
	}}
}
