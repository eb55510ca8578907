package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBackwardMatchesFiniteDifferences checks every analytic gradient of a small
// network against central differences of the loss (float64 reference forward).
func TestBackwardMatchesFiniteDifferences(t *testing.T) {
	for _, tc := range []struct {
		name  string
		arch  Arch
		label bool
	}{
		{"positive", Arch{Window: 12, Stride: 3, Channels: []int{4, 3}, Kernels: []int{3, 2}, Strides: []int{2, 1}}, true},
		{"negative", Arch{Window: 9, Stride: 3, Channels: []int{3}, Kernels: []int{4}, Strides: []int{1}}, false},
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
			_, dz := bceGrad(z, tc.label, 1.5)
			grad := make([]float32, n.NumParams())
			n.backward(w, dz, grad)

			loss := func() float64 {
				w.setInput(x)
				l, _ := bceGrad(n.forward(w), tc.label, 1.5)
				return float64(l)
			}
			const h = 1e-2
			bad := 0
			for i := range n.Params {
				orig := n.Params[i]
				n.Params[i] = orig + h
				lp := loss()
				n.Params[i] = orig - h
				lm := loss()
				n.Params[i] = orig
				num := (lp - lm) / (2 * h)
				if d := math.Abs(num - float64(grad[i])); d > 2e-3+0.02*math.Abs(num) {
					bad++
					if bad < 5 {
						t.Errorf("param %d: analytic %g, numeric %g", i, grad[i], num)
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d gradients disagree", bad, n.NumParams())
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

func TestNewNetRejectsBadArch(t *testing.T) {
	for _, a := range []Arch{
		{Window: 10, Stride: 3, Channels: []int{2}, Kernels: []int{3}, Strides: []int{1}},
		{Window: 9, Stride: 3, Channels: []int{2}, Kernels: []int{10}, Strides: []int{1}},
		{Window: 9, Stride: 3, Channels: []int{2, 3}, Kernels: []int{3}, Strides: []int{1}},
	} {
		if _, err := NewNet(a, rand.New(rand.NewPCG(1, 1))); err == nil {
			t.Errorf("NewNet(%+v) accepted", a)
		}
	}
}
