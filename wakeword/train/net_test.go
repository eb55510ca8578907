package train

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// forward64 is a plain float64 forward pass of n on the int8 window x, written
// from the Arch description alone, as the reference for gradients.
func forward64(n *Net, x []int8) float64 {
	a := n.Arch
	p := n.Params
	in := make([]float64, len(x))
	for i, v := range x {
		in[i] = float64(int(v)+128) * InputScale
	}
	t, c, off := a.Window, NumFeatures, 0
	for li := range a.Channels {
		k, s, oc := a.Kernels[li], a.Strides[li], a.Channels[li]
		outT := (t-k)/s + 1
		out := make([]float64, outT*oc)
		w, b := off, off+oc*k*c
		for ot := range outT {
			for o := range oc {
				sum := float64(p[b+o])
				for dt := range k {
					for ic := range c {
						sum += float64(p[w+(o*k+dt)*c+ic]) * in[(ot*s+dt)*c+ic]
					}
				}
				out[ot*oc+o] = max(sum, 0)
			}
		}
		off = b + oc
		in, t, c = out, outT, oc
	}
	if h := a.Hidden; h > 0 {
		hid := make([]float64, h)
		for j := range h {
			sum := float64(p[off+h*len(in)+j])
			for i, v := range in {
				sum += float64(p[off+j*len(in)+i]) * v
			}
			hid[j] = max(sum, 0)
		}
		off += h * (len(in) + 1)
		in = hid
	}
	z := float64(p[off+len(in)])
	for i, v := range in {
		z += float64(p[off+i]) * v
	}
	return z
}

// TestBackwardMatchesFiniteDifferences checks analytic gradients against
// central differences of the loss computed in float64 by forward64: every
// parameter of small networks, and a sample of parameters of DefaultArch.
func TestBackwardMatchesFiniteDifferences(t *testing.T) {
	for _, tc := range []struct {
		name   string
		arch   Arch
		label  bool
		sample int // parameters checked; 0 for all
	}{
		{"positive", Arch{Window: 12, Stride: 3, Channels: []int{4, 3}, Kernels: []int{6, 2}, Strides: []int{3, 1}}, true, 0},
		{"negative", Arch{Window: 9, Stride: 3, Channels: []int{3}, Kernels: []int{3}, Strides: []int{3}}, false, 0},
		{"default_shape_small", Arch{Window: 33, Stride: 3, Channels: []int{4, 3, 2}, Kernels: []int{6, 5, 5}, Strides: []int{3, 1, 1}}, true, 0},
		{"hidden", Arch{Window: 12, Stride: 3, Channels: []int{4, 3}, Kernels: []int{6, 2}, Strides: []int{3, 1}, Hidden: 5}, true, 0},
		{"hidden_negative", Arch{Window: 9, Stride: 3, Channels: []int{3}, Kernels: []int{3}, Strides: []int{3}, Hidden: 3}, false, 0},
		{"default", DefaultArch, true, 300},
		{"default_hidden", withHidden(DefaultArch, 32), true, 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			n, err := NewNet(tc.arch, rng)
			if err != nil {
				t.Fatal(err)
			}
			for i := range n.Params {
				n.Params[i] += float32(rng.NormFloat64() * 0.1) // biases off zero: ReLU kinks away from 0
			}
			x := make([]int8, tc.arch.Window*NumFeatures)
			for i := range x {
				x[i] = int8(rng.IntN(256) - 128)
			}
			w := n.newWork()
			w.setInput(x)
			z := n.forward(w)
			if z64 := forward64(n, x); math.Abs(float64(z)-z64) > 1e-4*max(1, math.Abs(z64)) {
				t.Fatalf("forward gives logit %g, float64 reference %g", z, z64)
			}
			_, dz := bceGrad(z, tc.label, 1.5)
			grad := make([]float32, n.NumParams())
			n.backward(w, dz, grad)

			loss := func() float64 {
				z := forward64(n, x)
				sp := math.Log1p(math.Exp(-math.Abs(z)))
				if tc.label {
					return 1.5 * (sp + max(-z, 0))
				}
				return 1.5 * (sp + max(z, 0))
			}
			idx := rng.Perm(n.NumParams())
			if tc.sample > 0 {
				idx = idx[:tc.sample]
			}
			// A step of 2^-18 is small enough that hardly any of the thousands
			// of ReLU inputs cross 0; the float64 loss keeps the difference
			// accurate, and the divisor is the step the float32 parameter took.
			const h = 1.0 / (1 << 18)
			bad := 0
			for _, i := range idx {
				orig := n.Params[i]
				n.Params[i] = orig + h
				lp := loss()
				n.Params[i] = orig - h
				lm := loss()
				n.Params[i] = orig
				num := (lp - lm) / (float64(n.Params[i]+h) - float64(n.Params[i]-h))
				if d := math.Abs(num - float64(grad[i])); d > 1e-3+0.01*math.Abs(num) {
					bad++
					if bad < 5 {
						t.Errorf("param %d: analytic %g, numeric %g", i, grad[i], num)
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d gradients disagree", bad, len(idx))
			}
		})
	}
}

func TestBCEGradIsDerivative(t *testing.T) {
	for _, y := range []bool{false, true} {
		for _, z := range []float32{-30, -2, 0, 0.5, 3, 30} {
			l0, dz := bceGrad(z, y, 1)
			l1, _ := bceGrad(z+1e-2, y, 1)
			lm, _ := bceGrad(z-1e-2, y, 1)
			num := (l1 - lm) / 2e-2
			if math.Abs(float64(num-dz)) > 1e-3 || math.IsNaN(float64(l0)) {
				t.Errorf("y=%v z=%v: loss %v, d %v, numeric %v", y, z, l0, dz, num)
			}
		}
	}
}

// TestFocalGrad checks focalGrad's derivative against finite differences
// and its loss against cross-entropy.
func TestFocalGrad(t *testing.T) {
	for _, gamma := range []float32{0.5, 1, 2, 3} {
		for _, y := range []bool{false, true} {
			for _, z := range []float32{-30, -4, -1, 0, 0.5, 3, 30} {
				l0, dz := focalGrad(z, y, 1.5, gamma)
				l1, _ := focalGrad(z+1e-2, y, 1.5, gamma)
				lm, _ := focalGrad(z-1e-2, y, 1.5, gamma)
				num := (l1 - lm) / 2e-2
				if math.Abs(float64(num-dz)) > 2e-3 || math.IsNaN(float64(l0)) || l0 < 0 {
					t.Errorf("γ=%v y=%v z=%v: loss %v, d %v, numeric %v", gamma, y, z, l0, dz, num)
				}
				// The focusing term only ever lowers the loss, and most
				// for examples already right.
				bl, _ := bceGrad(z, y, 1.5)
				if l0 > bl+1e-6 {
					t.Errorf("γ=%v y=%v z=%v: focal %v above cross-entropy %v", gamma, y, z, l0, bl)
				}
			}
		}
	}
	// γ = 0 is cross-entropy; an example the net has right with p_t = 0.9
	// weighs (0.1)^2 = 1 % of its cross-entropy at γ = 2.
	l, d := focalGrad(1.2, true, 2, 0)
	bl, bd := bceGrad(1.2, true, 2)
	if l != bl || d != bd {
		t.Errorf("γ=0: %v, %v; cross-entropy %v, %v", l, d, bl, bd)
	}
	z := float32(math.Log(9)) // σ(z) = 0.9
	l, _ = focalGrad(z, true, 1, 2)
	bl, _ = bceGrad(z, true, 1)
	if r := l / bl; math.Abs(float64(r)-0.01) > 1e-4 {
		t.Errorf("p_t 0.9, γ 2: focal/cross-entropy %v, want 0.01", r)
	}
}

func TestNewNetRejectsBadArch(t *testing.T) {
	for _, tc := range []struct {
		name string
		arch Arch
		want string
	}{
		{"window_not_multiple_of_stride", Arch{Window: 10, Stride: 3, Channels: []int{2}, Kernels: []int{3}, Strides: []int{3}}, "multiple of stride"},
		{"kernel_longer_than_window", Arch{Window: 9, Stride: 3, Channels: []int{2}, Kernels: []int{10}, Strides: []int{3}}, "kernel 10"},
		{"missing_kernel", Arch{Window: 9, Stride: 3, Channels: []int{2, 3}, Kernels: []int{3}, Strides: []int{3, 1}}, "equal numbers"},
		{"old_default_strides_2", Arch{Window: 105, Stride: 3, Channels: []int{32, 32, 32}, Kernels: []int{5, 5, 5}, Strides: []int{2, 2, 2}}, "layer 0 has stride 2"},
		{"later_stride_2", Arch{Window: 30, Stride: 3, Channels: []int{4, 4}, Kernels: []int{6, 3}, Strides: []int{3, 2}}, "layer 1 has stride 2"},
		{"last_output_short_of_newest_frame", Arch{Window: 30, Stride: 3, Channels: []int{4}, Kernels: []int{5}, Strides: []int{3}}, "newest frame"},
		{"negative_hidden", Arch{Window: 9, Stride: 3, Channels: []int{2}, Kernels: []int{3}, Strides: []int{3}, Hidden: -1}, "-1 hidden units"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewNet(tc.arch, rand.New(rand.NewPCG(1, 1)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("NewNet(%+v): %v, want an error about %q", tc.arch, err, tc.want)
			}
		})
	}
}

func TestDefaultArchShape(t *testing.T) {
	n, err := NewNet(DefaultArch, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	// 32·6·40+32 + 2·(32·5·32+32) + 26·32+1: the figures DefaultArch's doc gives.
	if got := n.NumParams(); got != 18849 {
		t.Errorf("%d parameters, want 18849", got)
	}
	if got := n.layers[len(n.layers)-1].outT; got != 26 {
		t.Errorf("%d final frames, want 26", got)
	}
}

// TestDefaultArchInitUnchanged pins the initial weights NewNet draws for
// DefaultArch: the scripts reproduce the built-in models byte for byte only
// while they stay the same. The hash (FNV-1a over the little-endian float32
// parameters, seed PCG(1, 1)) was taken before Arch.Hidden existed.
func TestDefaultArchInitUnchanged(t *testing.T) {
	n, err := NewNet(DefaultArch, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	h := fnv.New64a()
	var b [4]byte
	for _, v := range n.Params {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		h.Write(b[:])
	}
	if got, want := h.Sum64(), uint64(0x9c999b317f5e7c5b); got != want {
		t.Errorf("initial weights hash %#x, want %#x", got, want)
	}
}
