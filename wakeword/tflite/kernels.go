package tflite

import (
	"errors"
	"fmt"
	"math"
)

// Fused activation functions (schema enum ActivationFunctionType).
const (
	actNone  = 0
	actRelu  = 1
	actRelu1 = 2
	actRelu6 = 3
)

// activationRange is CalculateActivationRangeQuantized: the clamp bounds of
// an int8/uint8 output with fused activation act.
func activationRange(act uint8, t *Tensor) (lo, hi int32, err error) {
	lo, hi = -128, 127
	if t.Type == Uint8 {
		lo, hi = 0, 255
	}
	q := func(f float32) (int32, error) {
		r := math.Round(float64(f / t.Scale))
		if !(r >= math.MinInt32 && r <= math.MaxInt32) {
			return 0, fmt.Errorf("tensor %q: activation bound overflows", t.Name)
		}
		return t.ZeroPoint + int32(r), nil
	}
	var a, c int32
	switch act {
	case actNone:
		return lo, hi, nil
	case actRelu:
		if a, err = q(0); err != nil {
			return
		}
		return max(lo, a), hi, nil
	case actRelu6:
		if a, err = q(0); err != nil {
			return
		}
		if c, err = q(6); err != nil {
			return
		}
		return max(lo, a), min(hi, c), nil
	case actRelu1:
		if a, err = q(-1); err != nil {
			return
		}
		if c, err = q(1); err != nil {
			return
		}
		return max(lo, a), min(hi, c), nil
	}
	return 0, 0, fmt.Errorf("fused activation %d: %w", act, errUnsupported)
}

// convKernel is CONV_2D and DEPTHWISE_CONV_2D on int8 NHWC tensors with
// per-channel quantized filters (reference_integer_ops::ConvPerChannel and
// DepthwiseConvPerChannel).
type convKernel struct {
	in, out, filter  []int8
	bias             []int32 // nil when absent
	mult             []int32
	shift            []int
	fsum             []int32 // per output channel: sum of the filter window
	acc              []int32 // depthwise scratch, one per output channel
	batches          int
	inH, inW, inD    int
	outH, outW, outD int
	fH, fW, fD       int
	strideH, strideW int
	dilH, dilW       int
	padH, padW       int
	depthMul         int
	inOff, outOff    int32
	actMin, actMax   int32
	depthwise        bool
}

// weightedOperands checks the operands of a CONV_2D, DEPTHWISE_CONV_2D or
// FULLY_CONNECTED op (input, weights, optional bias → output) common to all
// three: int8 activations and a writable output. bias is nil when absent.
func weightedOperands(sg *subgraph, op *rawOp) (input, filter, bias, output *Tensor, err error) {
	if err = arity(op, 2, 3, 1); err != nil {
		return
	}
	input, filter, bias, output = in(sg, op, 0), in(sg, op, 1), in(sg, op, 2), out(sg, op, 0)
	if err = needAct(input, "input", Int8); err != nil {
		return
	}
	if err = needAct(output, "output", Int8); err != nil {
		return
	}
	err = needOutput(output, "output")
	return
}

func (b *builder) conv(sg *subgraph, op *rawOp, depthwise bool) (kernel, error) {
	input, filter, bias, output, err := weightedOperands(sg, op)
	if err != nil {
		return nil, err
	}
	if filter.Type != Int8 || !filter.constant {
		return nil, fmt.Errorf("filter %q: %v non-constant filters: %w", filter.Name, filter.Type, errUnsupported)
	}
	for _, t := range []*Tensor{input, filter, output} {
		if err := needQuant(t, "tensor"); err != nil {
			return nil, err
		}
		if len(t.Shape) != 4 {
			return nil, fmt.Errorf("tensor %q: shape %v, want 4-D", t.Name, t.Shape)
		}
	}
	// Options: Conv2DOptions{padding, stride_w, stride_h, fused_activation_function,
	// dilation_w_factor, dilation_h_factor}; DepthwiseConv2DOptions has
	// depth_multiplier at id 3 and shifts the rest by one.
	actID, dilID := 3, 4
	if depthwise {
		actID, dilID = 4, 5
	}
	pad, err := b.raw.optU8(op, 0, 0)
	if err != nil {
		return nil, err
	}
	var o [4]int32
	for i, spec := range [][2]int{{1, 1}, {2, 1}, {dilID, 1}, {dilID + 1, 1}} {
		if o[i], err = b.raw.optI32(op, spec[0], int32(spec[1])); err != nil {
			return nil, err
		}
		if o[i] < 1 || o[i] > 1024 {
			return nil, fmt.Errorf("stride or dilation %d out of range", o[i])
		}
	}
	act, err := b.raw.optU8(op, actID, 0)
	if err != nil {
		return nil, err
	}
	k := &convKernel{
		in: input.data, out: output.data, filter: filter.data, depthwise: depthwise,
		batches: input.Shape[0], inH: input.Shape[1], inW: input.Shape[2], inD: input.Shape[3],
		outH: output.Shape[1], outW: output.Shape[2], outD: output.Shape[3],
		fH: filter.Shape[1], fW: filter.Shape[2], fD: filter.Shape[3],
		strideW: int(o[0]), strideH: int(o[1]), dilW: int(o[2]), dilH: int(o[3]),
		inOff: -input.ZeroPoint, outOff: output.ZeroPoint,
	}
	if output.Shape[0] != k.batches {
		return nil, fmt.Errorf("batch %d in, %d out", k.batches, output.Shape[0])
	}
	qdim := 0
	if depthwise {
		if filter.Shape[0] != 1 || k.inD == 0 || k.fD != k.outD || k.outD%k.inD != 0 {
			return nil, fmt.Errorf("depthwise filter %v for input %v, output %v", filter.Shape, input.Shape, output.Shape)
		}
		k.depthMul = k.outD / k.inD
		k.acc = make([]int32, k.outD)
		qdim = 3
	} else {
		if filter.Shape[0] != k.outD || k.fD == 0 || k.inD%k.fD != 0 || k.inD/k.fD == 0 || k.outD%(k.inD/k.fD) != 0 {
			return nil, fmt.Errorf("filter %v for input %v, output %v", filter.Shape, input.Shape, output.Shape)
		}
		if k.inD != k.fD {
			return nil, fmt.Errorf("grouped convolution: %w", errUnsupported)
		}
	}
	if input.ZeroPoint < -128 || input.ZeroPoint > 127 || output.ZeroPoint < -128 || output.ZeroPoint > 127 {
		return nil, errors.New("int8 zero point out of range")
	}
	if k.fH == 0 || k.fW == 0 || k.outD == 0 {
		return nil, fmt.Errorf("empty filter %v", filter.Shape)
	}
	// Output size and padding as ComputePaddingHeightWidth.
	outH, padH, err := outSize(pad, k.inH, k.fH, k.strideH, k.dilH)
	if err != nil {
		return nil, err
	}
	outW, padW, err := outSize(pad, k.inW, k.fW, k.strideW, k.dilW)
	if err != nil {
		return nil, err
	}
	if outH != k.outH || outW != k.outW {
		return nil, fmt.Errorf("output shape %v, want [%d %d %d %d]", output.Shape, k.batches, outH, outW, k.outD)
	}
	k.padH, k.padW = padH, padW
	if bias != nil {
		if bias.Type != Int32 || !bias.constant || bias.Elements() != k.outD {
			return nil, fmt.Errorf("bias %q: %v %v: %w", bias.Name, bias.Type, bias.Shape, errUnsupported)
		}
		k.bias = bias.i32
	}
	if k.mult, k.shift, err = perChannel(input, filter, output, k.outD, qdim, false); err != nil {
		return nil, err
	}
	if k.actMin, k.actMax, err = activationRange(act, output); err != nil {
		return nil, err
	}
	// Filter sums over the whole window, so a window that lies inside the
	// image needs one dot product per channel: sum f*(x+off) = sum f*x + off*sum f.
	if !depthwise {
		n := k.fH * k.fW * k.fD
		k.acc = make([]int32, k.outD)
		k.fsum = make([]int32, k.outD)
		for oc := range k.fsum {
			var s int32
			for _, v := range k.filter[oc*n : (oc+1)*n] {
				s += int32(v)
			}
			k.fsum[oc] = s
		}
	}
	b.it.params += 4 * (len(k.mult) + len(k.shift) + len(k.fsum) + len(k.acc))
	return k, nil
}

// outSize returns the output size and leading padding of one spatial axis.
func outSize(pad uint8, in, filter, stride, dil int) (out, padding int, err error) {
	eff := (filter-1)*dil + 1
	switch pad {
	case 0: // SAME
		out = (in + stride - 1) / stride
	case 1: // VALID
		out = (in + stride - eff) / stride
	default:
		return 0, 0, fmt.Errorf("padding %d: %w", pad, errUnsupported)
	}
	if out < 0 {
		return 0, 0, fmt.Errorf("filter %d larger than input %d", filter, in)
	}
	total := (out-1)*stride + eff - in
	return out, max(total, 0) / 2, nil
}

// perChannel computes the output multipliers of a convolution-like op
// (PopulateConvolutionQuantizationParams, or GetQuantizedConvolutionMultipler
// for per-tensor fully connected layers when fcTensor is set).
func perChannel(input, filter, output *Tensor, channels, qdim int, fcTensor bool) ([]int32, []int, error) {
	n := len(filter.scales)
	if n != 1 {
		if n != channels || filter.qdim != qdim {
			return nil, nil, fmt.Errorf("filter %q: %d scales on dimension %d for %d channels", filter.Name, n, filter.qdim, channels)
		}
	}
	mult := make([]int32, channels)
	shift := make([]int, channels)
	for c := range channels {
		fs := filter.scales[0]
		if n > 1 {
			fs = filter.scales[c]
		}
		var m float64
		if fcTensor && n == 1 {
			m = float64(input.Scale*fs) / float64(output.Scale)
		} else {
			m = float64(input.Scale) * float64(fs) / float64(output.Scale)
		}
		if !(m >= 0) || math.IsInf(m, 0) || m > 1<<20 {
			return nil, nil, fmt.Errorf("filter %q: invalid effective scale %g", filter.Name, m)
		}
		mult[c], shift[c] = quantizeMultiplier(m)
		if shift[c] > 30 {
			return nil, nil, fmt.Errorf("filter %q: effective scale %g too large", filter.Name, m)
		}
	}
	return mult, shift, nil
}

func (k *convKernel) eval(*Interpreter) {
	if k.depthwise {
		k.evalDepthwise()
		return
	}
	win := k.fH * k.fW * k.fD
	for b := 0; b < k.batches; b++ {
		for oy := 0; oy < k.outH; oy++ {
			iy0 := oy*k.strideH - k.padH
			for ox := 0; ox < k.outW; ox++ {
				ix0 := ox*k.strideW - k.padW
				o := k.out[((b*k.outH+oy)*k.outW+ox)*k.outD:][:k.outD]
				inside := iy0 >= 0 && ix0 >= 0 && iy0+(k.fH-1)*k.dilH < k.inH && ix0+(k.fW-1)*k.dilW < k.inW
				if inside && k.fW == k.inW && k.dilW == 1 && k.dilH == 1 && ix0 == 0 {
					// The window is one run of the input: two channels at a time.
					k.dotAll(k.in[((b*k.inH+iy0)*k.inW)*k.inD:][:win], win)
				}
				for oc := range o {
					var acc int32
					f := k.filter[oc*win : (oc+1)*win]
					switch {
					case inside && k.fW == k.inW && k.dilW == 1 && k.dilH == 1 && ix0 == 0:
						acc = k.acc[oc] + k.inOff*k.fsum[oc]
					case inside:
						for fy := 0; fy < k.fH; fy++ {
							for fx := 0; fx < k.fW; fx++ {
								x := k.in[((b*k.inH+iy0+fy*k.dilH)*k.inW+ix0+fx*k.dilW)*k.inD:]
								acc += dot(f[(fy*k.fW+fx)*k.fD:][:k.fD], x)
							}
						}
						acc += k.inOff * k.fsum[oc]
					default:
						for fy := 0; fy < k.fH; fy++ {
							iy := iy0 + fy*k.dilH
							if iy < 0 || iy >= k.inH {
								continue
							}
							for fx := 0; fx < k.fW; fx++ {
								ix := ix0 + fx*k.dilW
								if ix < 0 || ix >= k.inW {
									continue
								}
								x := k.in[((b*k.inH+iy)*k.inW+ix)*k.inD:][:k.fD]
								fr := f[(fy*k.fW+fx)*k.fD:][:k.fD]
								for i, v := range fr {
									acc += int32(v) * (int32(x[i]) + k.inOff)
								}
							}
						}
					}
					if k.bias != nil {
						acc += k.bias[oc]
					}
					acc = multiplyByQuantizedMultiplier(acc, k.mult[oc], k.shift[oc]) + k.outOff
					o[oc] = int8(min(max(acc, k.actMin), k.actMax))
				}
			}
		}
	}
}

// dotAll sets k.acc[oc] to the dot product of x with every output channel's
// filter (win values each), two channels per pass to share the loads of x.
func (k *convKernel) dotAll(x []int8, win int) {
	acc := k.acc[:k.outD]
	oc := 0
	for ; oc+2 <= len(acc); oc += 2 {
		acc[oc], acc[oc+1] = dot2(k.filter[oc*win:(oc+1)*win], k.filter[(oc+1)*win:(oc+2)*win], x)
	}
	if oc < len(acc) {
		acc[oc] = dot(k.filter[oc*win:(oc+1)*win], x)
	}
}

// dot2 returns the dot products of x with a and with b (all of len(x)).
func dot2(a, b, x []int8) (int32, int32) {
	a, b = a[:len(x)], b[:len(x)]
	var s0, s1, t0, t1 int32
	for len(x) >= 4 && len(a) >= 4 && len(b) >= 4 {
		x0, x1, x2, x3 := int32(x[0]), int32(x[1]), int32(x[2]), int32(x[3])
		s0 += int32(a[0])*x0 + int32(a[2])*x2
		s1 += int32(a[1])*x1 + int32(a[3])*x3
		t0 += int32(b[0])*x0 + int32(b[2])*x2
		t1 += int32(b[1])*x1 + int32(b[3])*x3
		a, b, x = a[4:], b[4:], x[4:]
	}
	a, b = a[:len(x)], b[:len(x)]
	for i, v := range x {
		s0 += int32(a[i]) * int32(v)
		t0 += int32(b[i]) * int32(v)
	}
	return s0 + s1, t0 + t1
}

func (k *convKernel) evalDepthwise() {
	acc := k.acc
	for b := 0; b < k.batches; b++ {
		for oy := 0; oy < k.outH; oy++ {
			iy0 := oy*k.strideH - k.padH
			for ox := 0; ox < k.outW; ox++ {
				ix0 := ox*k.strideW - k.padW
				clear(acc)
				for fy := 0; fy < k.fH; fy++ {
					iy := iy0 + fy*k.dilH
					if iy < 0 || iy >= k.inH {
						continue
					}
					for fx := 0; fx < k.fW; fx++ {
						ix := ix0 + fx*k.dilW
						if ix < 0 || ix >= k.inW {
							continue
						}
						x := k.in[((b*k.inH+iy)*k.inW+ix)*k.inD:][:k.inD]
						f := k.filter[(fy*k.fW+fx)*k.outD:][:k.outD]
						if k.depthMul == 1 {
							a := acc[:len(x)]
							f = f[:len(x)]
							for c, v := range x {
								a[c] += int32(f[c]) * (int32(v) + k.inOff)
							}
							continue
						}
						for oc := range acc {
							acc[oc] += int32(f[oc]) * (int32(x[oc/k.depthMul]) + k.inOff)
						}
					}
				}
				o := k.out[((b*k.outH+oy)*k.outW+ox)*k.outD:][:k.outD]
				for oc, a := range acc {
					if k.bias != nil {
						a += k.bias[oc]
					}
					a = multiplyByQuantizedMultiplier(a, k.mult[oc], k.shift[oc]) + k.outOff
					o[oc] = int8(min(max(a, k.actMin), k.actMax))
				}
			}
		}
	}
}

// dot returns sum a[i]*b[i] over len(a); b must be at least as long.
func dot(a, b []int8) int32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 int32
	for len(a) >= 8 && len(b) >= 8 {
		s0 += int32(a[0])*int32(b[0]) + int32(a[4])*int32(b[4])
		s1 += int32(a[1])*int32(b[1]) + int32(a[5])*int32(b[5])
		s2 += int32(a[2])*int32(b[2]) + int32(a[6])*int32(b[6])
		s3 += int32(a[3])*int32(b[3]) + int32(a[7])*int32(b[7])
		a, b = a[8:], b[8:]
	}
	b = b[:len(a)]
	for i, v := range a {
		s0 += int32(v) * int32(b[i])
	}
	return s0 + s1 + s2 + s3
}

// fcKernel is FULLY_CONNECTED with int8 input, weights and output
// (reference_integer_ops::FullyConnected).
type fcKernel struct {
	in, out, filter []int8
	bias            []int32
	fsum            []int32
	mult            []int32
	shift           []int
	batches, depth  int
	units           int
	inOff, outOff   int32
	actMin, actMax  int32
}

func (b *builder) fullyConnected(sg *subgraph, op *rawOp) (kernel, error) {
	input, filter, bias, output, err := weightedOperands(sg, op)
	if err != nil {
		return nil, err
	}
	if filter.Type != Int8 || !filter.constant || len(filter.Shape) != 2 {
		return nil, fmt.Errorf("weights %q: %v %v: %w", filter.Name, filter.Type, filter.Shape, errUnsupported)
	}
	for _, t := range []*Tensor{input, filter, output} {
		if err := needQuant(t, "tensor"); err != nil {
			return nil, err
		}
	}
	if filter.ZeroPoint != 0 {
		return nil, fmt.Errorf("weights %q: zero point %d, want 0", filter.Name, filter.ZeroPoint)
	}
	if wf, err := b.raw.optU8(op, 1, 0); err != nil {
		return nil, err
	} else if wf != 0 {
		return nil, fmt.Errorf("weights format %d: %w", wf, errUnsupported)
	}
	act, err := b.raw.optU8(op, 0, 0)
	if err != nil {
		return nil, err
	}
	k := &fcKernel{in: input.data, out: output.data, filter: filter.data,
		units: filter.Shape[0], depth: filter.Shape[1], inOff: -input.ZeroPoint, outOff: output.ZeroPoint}
	if k.depth == 0 || k.units == 0 || input.Elements()%k.depth != 0 {
		return nil, fmt.Errorf("input %v does not match weights %v", input.Shape, filter.Shape)
	}
	k.batches = input.Elements() / k.depth
	if len(output.Shape) == 0 || output.Shape[len(output.Shape)-1] != k.units || output.Elements() != k.batches*k.units {
		return nil, fmt.Errorf("output %v, want %d×%d", output.Shape, k.batches, k.units)
	}
	if bias != nil {
		if bias.Type != Int32 || !bias.constant || bias.Elements() != k.units {
			return nil, fmt.Errorf("bias %q: %v %v: %w", bias.Name, bias.Type, bias.Shape, errUnsupported)
		}
		k.bias = bias.i32
	}
	if k.mult, k.shift, err = perChannel(input, filter, output, k.units, 0, true); err != nil {
		return nil, err
	}
	if k.actMin, k.actMax, err = activationRange(act, output); err != nil {
		return nil, err
	}
	k.fsum = make([]int32, k.units)
	for u := range k.fsum {
		var s int32
		for _, v := range k.filter[u*k.depth : (u+1)*k.depth] {
			s += int32(v)
		}
		k.fsum[u] = s
	}
	b.it.params += 4 * (len(k.mult) + len(k.shift) + len(k.fsum))
	return k, nil
}

func (k *fcKernel) eval(*Interpreter) {
	for b := 0; b < k.batches; b++ {
		x := k.in[b*k.depth : (b+1)*k.depth]
		for u := 0; u < k.units; u++ {
			acc := dot(k.filter[u*k.depth:(u+1)*k.depth], x) + k.inOff*k.fsum[u]
			if k.bias != nil {
				acc += k.bias[u]
			}
			acc = multiplyByQuantizedMultiplier(acc, k.mult[u], k.shift[u]) + k.outOff
			k.out[b*k.units+u] = int8(min(max(acc, k.actMin), k.actMax))
		}
	}
}

// copyKernel copies one tensor's bytes into another (RESHAPE).
type copyKernel struct{ src, dst []int8 }

func (k *copyKernel) eval(*Interpreter) { copy(k.dst, k.src) }

// copyOperands checks the data operand and output of an op that moves int8 or
// uint8 bytes without arithmetic (RESHAPE, STRIDED_SLICE): lo..hi inputs,
// one output of the input's type.
func copyOperands(sg *subgraph, op *rawOp, lo, hi int) (input, output *Tensor, err error) {
	if err = arity(op, lo, hi, 1); err != nil {
		return
	}
	input, output = in(sg, op, 0), out(sg, op, 0)
	if err = needAct(input, "input", Int8, Uint8); err != nil {
		return
	}
	if err = needAct(output, "output", input.Type); err != nil {
		return
	}
	err = needOutput(output, "output")
	return
}

func (b *builder) reshape(sg *subgraph, op *rawOp) (kernel, error) {
	input, output, err := copyOperands(sg, op, 1, 2)
	if err != nil {
		return nil, err
	}
	if input.Elements() != output.Elements() {
		return nil, fmt.Errorf("reshape %v to %v", input.Shape, output.Shape)
	}
	return &copyKernel{src: input.data, dst: output.data}, nil
}

// lutKernel maps every int8 value through a 256-entry table (LOGISTIC,
// QUANTIZE); the table is computed at load with the kernel's exact integer
// arithmetic.
type lutKernel struct {
	in, out []int8
	lut     [256]int8
}

func (k *lutKernel) eval(*Interpreter) {
	o := k.out[:len(k.in)]
	for i, v := range k.in {
		o[i] = k.lut[uint8(v)]
	}
}

func (b *builder) logistic(sg *subgraph, op *rawOp) (kernel, error) {
	if err := arity(op, 1, 1, 1); err != nil {
		return nil, err
	}
	input, output := in(sg, op, 0), out(sg, op, 0)
	if err := needAct(input, "input", Int8); err != nil {
		return nil, err
	}
	if err := needAct(output, "output", Int8); err != nil {
		return nil, err
	}
	if err := needOutput(output, "output"); err != nil {
		return nil, err
	}
	if err := needQuant(input, "input"); err != nil {
		return nil, err
	}
	if output.ZeroPoint != -128 || input.Elements() != output.Elements() {
		return nil, fmt.Errorf("output %q: zero point %d (want -128), %v for input %v", output.Name, output.ZeroPoint, output.Shape, input.Shape)
	}
	// CalculateArithmeticOpDataLogistic for int8.
	const inputIntBits = 4
	m := float64(input.Scale) * float64(int64(1)<<(31-inputIntBits))
	frac, leftShift := math.Frexp(m)
	if leftShift > 30 || leftShift < -31 {
		return nil, fmt.Errorf("input %q: scale %g out of range", input.Name, input.Scale)
	}
	mult := int32(math.Round(frac * (1 << 31)))
	if math.Round(frac*(1<<31)) > math.MaxInt32 {
		mult = math.MaxInt32 // static_cast of 2^31; never reached for frac < 1-2^-32
	}
	radius := int32(math.Floor(float64((1<<inputIntBits)-1) * float64(int64(1)<<(31-inputIntBits)) / math.Ldexp(1, leftShift)))
	k := &lutKernel{in: input.data, out: output.data}
	for v := -128; v < 128; v++ {
		x := int32(v) - input.ZeroPoint
		var o int32
		switch {
		case x <= -radius:
			o = -128
		case x >= radius:
			o = 127
		default:
			q4 := multiplyByQuantizedMultiplier(x, mult, leftShift)
			q0 := logisticQ(q4, inputIntBits)
			o = min(max(roundingDivideByPOT(q0, 31-8)-128, -128), 127)
		}
		k.lut[uint8(int8(v))] = int8(o)
	}
	return k, nil
}

func (b *builder) quantize(sg *subgraph, op *rawOp) (kernel, error) {
	if err := arity(op, 1, 1, 1); err != nil {
		return nil, err
	}
	input, output := in(sg, op, 0), out(sg, op, 0)
	if err := needAct(input, "input", Int8); err != nil {
		return nil, err
	}
	if err := needAct(output, "output", Int8, Uint8); err != nil {
		return nil, err
	}
	if err := needOutput(output, "output"); err != nil {
		return nil, err
	}
	for _, t := range []*Tensor{input, output} {
		if err := needQuant(t, "tensor"); err != nil {
			return nil, err
		}
	}
	if input.Elements() != output.Elements() {
		return nil, fmt.Errorf("input %v, output %v", input.Shape, output.Shape)
	}
	m := float64(input.Scale) / float64(output.Scale)
	if m > 1<<20 {
		return nil, fmt.Errorf("requantization scale %g out of range", m)
	}
	mult, shift := quantizeMultiplier(m)
	if shift > 30 {
		return nil, fmt.Errorf("requantization scale %g out of range", m)
	}
	lo, hi := int32(-128), int32(127)
	if output.Type == Uint8 {
		lo, hi = 0, 255
	}
	k := &lutKernel{in: input.data, out: output.data}
	for v := -128; v < 128; v++ {
		o := multiplyByQuantizedMultiplier(int32(v)-input.ZeroPoint, mult, shift) + output.ZeroPoint
		k.lut[uint8(int8(v))] = int8(uint8(min(max(o, lo), hi)))
	}
	return k, nil
}
