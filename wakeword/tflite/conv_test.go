package tflite

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// refConv is a literal transcription of the reference loops (every window
// point checked, input offset added per element), used to check the fast
// paths of convKernel on shapes the shipped models do not have.
func refConv(k *convKernel) []int8 {
	out := make([]int8, len(k.out))
	for b := 0; b < k.batches; b++ {
		for oy := 0; oy < k.outH; oy++ {
			for ox := 0; ox < k.outW; ox++ {
				for oc := 0; oc < k.outD; oc++ {
					var acc int32
					for fy := 0; fy < k.fH; fy++ {
						for fx := 0; fx < k.fW; fx++ {
							iy, ix := oy*k.strideH-k.padH+fy*k.dilH, ox*k.strideW-k.padW+fx*k.dilW
							if iy < 0 || iy >= k.inH || ix < 0 || ix >= k.inW {
								continue
							}
							if k.depthwise {
								ic := oc / k.depthMul
								acc += int32(k.filter[(fy*k.fW+fx)*k.outD+oc]) * (int32(k.in[((b*k.inH+iy)*k.inW+ix)*k.inD+ic]) + k.inOff)
								continue
							}
							for ic := 0; ic < k.fD; ic++ {
								acc += int32(k.filter[((oc*k.fH+fy)*k.fW+fx)*k.fD+ic]) * (int32(k.in[((b*k.inH+iy)*k.inW+ix)*k.inD+ic]) + k.inOff)
							}
						}
					}
					if k.bias != nil {
						acc += k.bias[oc]
					}
					acc = multiplyByQuantizedMultiplier(acc, k.mult[oc], k.shift[oc]) + k.outOff
					out[((b*k.outH+oy)*k.outW+ox)*k.outD+oc] = int8(min(max(acc, k.actMin), k.actMax))
				}
			}
		}
	}
	return out
}

func TestConvMatchesReferenceLoops(t *testing.T) {
	type cfg struct {
		depthwise                    bool
		pad                          uint8
		inH, inW, inD, outD, fH, fW  int
		strideH, strideW, dilH, dilW int
	}
	tests := []cfg{
		{false, 1, 5, 1, 40, 32, 5, 1, 3, 1, 1, 1}, // first streaming layer
		{false, 1, 1, 1, 64, 64, 1, 1, 1, 1, 1, 1}, // pointwise
		{false, 0, 6, 5, 3, 4, 3, 3, 1, 1, 1, 1},   // SAME padding, 2-D
		{false, 0, 7, 6, 2, 3, 3, 2, 2, 2, 1, 1},   // SAME, strided
		{false, 1, 9, 7, 2, 2, 3, 2, 1, 1, 2, 2},   // VALID, dilated
		{true, 1, 7, 1, 32, 32, 7, 1, 1, 1, 1, 1},  // streaming depthwise
		{true, 0, 5, 4, 3, 6, 3, 3, 2, 1, 1, 1},    // depth multiplier 2, SAME
		{true, 1, 9, 9, 4, 4, 3, 3, 1, 2, 2, 3},    // dilated
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range tests {
		name := fmt.Sprintf("dw=%v_pad=%d_in=%dx%dx%d_f=%dx%d_s=%dx%d_d=%dx%d", c.depthwise, c.pad, c.inH, c.inW, c.inD, c.fH, c.fW, c.strideH, c.strideW, c.dilH, c.dilW)
		t.Run(name, func(t *testing.T) {
			outH, padH, err := outSize(c.pad, c.inH, c.fH, c.strideH, c.dilH)
			if err != nil {
				t.Fatal(err)
			}
			outW, padW, err := outSize(c.pad, c.inW, c.fW, c.strideW, c.dilW)
			if err != nil {
				t.Fatal(err)
			}
			k := &convKernel{
				depthwise: c.depthwise, batches: 2, inH: c.inH, inW: c.inW, inD: c.inD,
				outH: outH, outW: outW, outD: c.outD, fH: c.fH, fW: c.fW, fD: c.inD,
				strideH: c.strideH, strideW: c.strideW, dilH: c.dilH, dilW: c.dilW, padH: padH, padW: padW,
				inOff: 128 - int32(rng.IntN(20)), outOff: int32(rng.IntN(40)) - 20, actMin: -128, actMax: 127,
			}
			nf := c.outD * c.fH * c.fW * c.inD
			if c.depthwise {
				k.depthMul, k.fD, nf = c.outD/c.inD, c.outD, c.fH*c.fW*c.outD
			}
			rnd := func(n int) []int8 {
				s := make([]int8, n)
				for i := range s {
					s[i] = int8(rng.IntN(256) - 128)
				}
				return s
			}
			k.in, k.filter, k.out = rnd(2*c.inH*c.inW*c.inD), rnd(nf), make([]int8, 2*outH*outW*c.outD)
			k.bias, k.mult, k.shift = make([]int32, c.outD), make([]int32, c.outD), make([]int, c.outD)
			k.acc, k.fsum = make([]int32, c.outD), make([]int32, c.outD)
			win := nf / c.outD
			for oc := range c.outD {
				k.bias[oc] = int32(rng.IntN(2000) - 1000)
				k.mult[oc], k.shift[oc] = quantizeMultiplier(0.0005 + rng.Float64()*0.002)
				if !c.depthwise {
					for _, v := range k.filter[oc*win : (oc+1)*win] {
						k.fsum[oc] += int32(v)
					}
				}
			}
			k.eval(nil)
			want := refConv(k)
			for i := range want {
				if k.out[i] != want[i] {
					t.Fatalf("output %d: %d, want %d", i, k.out[i], want[i])
				}
			}
		})
	}
}
