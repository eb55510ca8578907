package train

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// NumFeatures is the number of feature channels per frame (the microfrontend's 40
// filterbank channels).
const NumFeatures = 40

// InputScale is the float value of one step of the int8 model input: the float
// input is (q+128)×InputScale, so features map to 0..1.
const InputScale = 1.0 / 256

// Arch describes the network: a stack of 1-D convolutions over time (each
// VALID, with a stride, ReLU) on a window of Window feature frames, then
// optionally a hidden dense layer of Hidden ReLU units over all final frames,
// then one dense unit and a sigmoid.
//
// The exported model streams: every inference sees Stride new frames and each
// layer computes only its newest output frame from the inputs it keeps in its
// own state. That needs a streamable architecture (checked by NewNet): the
// first layer's stride is Stride, every later layer's stride is 1, and
// (Window−Kernels[0]) is a multiple of Stride, so the newest output of every
// layer ends at the newest input frame.
type Arch struct {
	Window   int   // input frames, a multiple of Stride
	Stride   int   // frames per streaming inference (3 like microWakeWord)
	Channels []int // output channels per conv layer
	Kernels  []int // kernel size (frames) per conv layer
	Strides  []int // time stride per conv layer: Stride for the first, 1 for the rest
	// Hidden is the number of ReLU units of a dense layer between the conv
	// stack and the output unit; 0 for none, so the output unit weighs the
	// final conv frames linearly. A linear read-out can only add up evidence
	// frame by frame; hidden units can require parts of the phrase together.
	// 32 units fitted the training voices better but, over four seeds, gained
	// on one only and missed more phrases over babble on three (BENCHMARKS.md),
	// so the default is 0.
	Hidden int `json:",omitempty"`
}

// DefaultArch is the default recipe: about 19 k parameters, a 1.05 s window.
//
// It replaces the earlier non-streamable {5,5,5} kernels with strides {2,2,2}
// (17 k parameters) while keeping what mattered about it: the same 105-frame
// window, 32 channels per layer and the same receptive field of the conv
// stack (30 frames = 300 ms here, 29 before), with a dense unit over all 26
// final frames. The first layer takes 6 frames at the streaming stride 3 (two
// inferences' worth, so neighbouring outputs overlap as the old stride-2
// layers did); the later layers stride 1. Training costs about 10 % more per
// window (5.5 × 10⁵ multiply-adds forward, 5.0 × 10⁵ before; with the blocked
// kernels below BenchmarkTrainExample is within noise of the old arch on the
// old kernels), but the exported model computes one output frame per layer
// per inference: 1.9 × 10⁴ multiply-adds instead of 5.0 × 10⁵.
var DefaultArch = Arch{
	Window:   105,
	Stride:   3,
	Channels: []int{32, 32, 32},
	Kernels:  []int{6, 5, 5},
	Strides:  []int{3, 1, 1},
}

// layer is one conv layer's geometry.
type layer struct {
	inT, inC   int
	outT, outC int
	k, s       int
	w, b       int // parameter offsets: weights [outC][k][inC], bias [outC]
}

// Net is the float network. Its parameters live in one slice so the optimizer and
// checkpoints treat them as a vector.
type Net struct {
	Arch   Arch
	Params []float32
	layers []layer
	fcIn   int // size of the flattened final conv frames
	hidW   int // hidden weight offset [Hidden][fcIn]; biases at hidW+Hidden·fcIn
	outIn  int // output unit input size: fcIn, or Hidden with a hidden layer
	fcW    int // output unit weight offset; bias at fcW+outIn
}

// NewNet builds a network with He-initialised weights drawn from rng.
func NewNet(a Arch, rng *rand.Rand) (*Net, error) {
	n, err := newShape(a)
	if err != nil {
		return nil, err
	}
	for _, l := range n.layers {
		std := math.Sqrt(2 / float64(l.k*l.inC))
		for i := range l.outC * l.k * l.inC {
			n.Params[l.w+i] = float32(rng.NormFloat64() * std)
		}
	}
	if h := a.Hidden; h > 0 {
		std := math.Sqrt(2 / float64(n.fcIn))
		for i := range h * n.fcIn {
			n.Params[n.hidW+i] = float32(rng.NormFloat64() * std)
		}
	}
	std := math.Sqrt(1 / float64(n.outIn))
	for i := range n.outIn {
		n.Params[n.fcW+i] = float32(rng.NormFloat64() * std)
	}
	n.Params[n.fcW+n.outIn] = -2 // start with a low positive rate
	return n, nil
}

func newShape(a Arch) (*Net, error) {
	if a.Stride < 1 || a.Window < a.Stride || a.Window%a.Stride != 0 {
		return nil, fmt.Errorf("train: window %d is not a multiple of stride %d", a.Window, a.Stride)
	}
	if len(a.Channels) == 0 || len(a.Kernels) != len(a.Channels) || len(a.Strides) != len(a.Channels) {
		return nil, fmt.Errorf("train: architecture needs equal numbers of channels, kernels and strides")
	}
	n := &Net{Arch: a}
	t, c, off := a.Window, NumFeatures, 0
	for i := range a.Channels {
		l := layer{inT: t, inC: c, outC: a.Channels[i], k: a.Kernels[i], s: a.Strides[i]}
		if l.k < 1 || l.s < 1 || l.outC < 1 || t < l.k {
			return nil, fmt.Errorf("train: layer %d: kernel %d stride %d on %d frames", i, l.k, l.s, t)
		}
		l.outT = (t-l.k)/l.s + 1
		l.w = off
		off += l.outC * l.k * l.inC
		l.b = off
		off += l.outC
		n.layers = append(n.layers, l)
		t, c = l.outT, l.outC
	}
	if err := a.streamable(); err != nil {
		return nil, err
	}
	if a.Hidden < 0 {
		return nil, fmt.Errorf("train: %d hidden units", a.Hidden)
	}
	n.fcIn, n.outIn = t*c, t*c
	if a.Hidden > 0 {
		n.hidW = off
		off += a.Hidden * (n.fcIn + 1)
		n.outIn = a.Hidden
	}
	n.fcW = off
	off += n.outIn + 1
	n.Params = make([]float32, off)
	return n, nil
}

// Check reports whether a is a geometry NewNet accepts: the layers fit the
// window and Export can stream them.
func (a Arch) Check() error {
	_, err := newShape(a)
	return err
}

// streamable checks the geometry Export's per-layer streaming needs; newShape
// has checked that the layers fit the window.
func (a Arch) streamable() error {
	const why = "a streamable architecture has first-layer stride = Stride, later strides 1 and (Window−Kernels[0]) a multiple of Stride"
	if a.Strides[0] != a.Stride {
		return fmt.Errorf("train: layer 0 has stride %d, want the streaming stride %d (%s)", a.Strides[0], a.Stride, why)
	}
	for i, s := range a.Strides[1:] {
		if s != 1 {
			return fmt.Errorf("train: layer %d has stride %d, want 1 (%s)", i+1, s, why)
		}
	}
	if a.Kernels[0] < a.Stride || (a.Window-a.Kernels[0])%a.Stride != 0 {
		return fmt.Errorf("train: window %d and first kernel %d: the layer's last output would not end at the newest frame (%s)", a.Window, a.Kernels[0], why)
	}
	return nil
}

// NumParams returns the number of parameters.
func (n *Net) NumParams() int { return len(n.Params) }

// Clone returns a deep copy of n.
func (n *Net) Clone() *Net {
	c := *n
	c.Params = append([]float32(nil), n.Params...)
	return &c
}

// work holds one example's activations and gradients; one per goroutine.
type work struct {
	acts      [][]float32 // acts[0] input window, acts[i+1] output of layer i (post-ReLU)
	dacts     [][]float32
	hid, dhid []float32 // hidden dense layer output (post-ReLU) and its gradient
}

func (n *Net) newWork() *work {
	w := &work{}
	w.acts = append(w.acts, make([]float32, n.Arch.Window*NumFeatures))
	w.dacts = append(w.dacts, nil)
	for _, l := range n.layers {
		w.acts = append(w.acts, make([]float32, l.outT*l.outC))
		w.dacts = append(w.dacts, make([]float32, l.outT*l.outC))
	}
	w.hid, w.dhid = make([]float32, n.Arch.Hidden), make([]float32, n.Arch.Hidden)
	return w
}

// setInput converts an int8 window (Window×40, oldest frame first) to floats.
func (w *work) setInput(x []int8) {
	in := w.acts[0]
	for i, v := range x {
		in[i] = float32(int(v)+128) * InputScale
	}
}

// forward returns the logit for the input already in w.acts[0].
func (n *Net) forward(w *work) float32 {
	p := n.Params
	for li, l := range n.layers {
		in, out := w.acts[li], w.acts[li+1]
		win := l.k * l.inC
		x := func(t int) []float32 { return in[t*l.s*l.inC:][:win] }
		// Two channels by two frames at a time: each load feeds two
		// multiply-adds.
		c := 0
		for ; c+2 <= l.outC; c += 2 {
			w0, w1 := p[l.w+c*win:][:win], p[l.w+(c+1)*win:][:win]
			b0, b1 := p[l.b+c], p[l.b+c+1]
			t := 0
			for ; t+2 <= l.outT; t += 2 {
				s00, s01, s10, s11 := dot22(w0, w1, x(t), x(t+1))
				o0, o1 := out[t*l.outC+c:], out[(t+1)*l.outC+c:]
				o0[0], o0[1] = max(b0+s00, 0), max(b1+s10, 0)
				o1[0], o1[1] = max(b0+s01, 0), max(b1+s11, 0)
			}
			if t < l.outT {
				out[t*l.outC+c] = max(b0+dot32(w0, x(t)), 0)
				out[t*l.outC+c+1] = max(b1+dot32(w1, x(t)), 0)
			}
		}
		if c < l.outC {
			w0 := p[l.w+c*win:][:win]
			for t := range l.outT {
				out[t*l.outC+c] = max(p[l.b+c]+dot32(w0, x(t)), 0)
			}
		}
	}
	in := w.acts[len(w.acts)-1]
	if len(w.hid) > 0 {
		for j := range w.hid {
			w.hid[j] = max(p[n.hidB()+j]+dot32(p[n.hidW+j*n.fcIn:][:n.fcIn], in), 0)
		}
		in = w.hid
	}
	return p[n.fcW+n.outIn] + dot32(p[n.fcW:][:n.outIn], in)
}

// hidB is the offset of the hidden layer's biases.
func (n *Net) hidB() int { return n.hidW + n.Arch.Hidden*n.fcIn }

// backward accumulates into grad the gradient of the loss whose derivative with
// respect to the logit is dlogit, for the activations of the last forward.
func (n *Net) backward(w *work, dlogit float32, grad []float32) {
	p := n.Params
	last := len(w.acts) - 1
	dl := w.dacts[last]
	if len(w.hid) > 0 {
		for j, a := range w.hid {
			grad[n.fcW+j] += dlogit * a
			w.dhid[j] = 0
			if a > 0 {
				w.dhid[j] = dlogit * p[n.fcW+j]
			}
		}
		clear(dl)
		for j, g := range w.dhid {
			if g == 0 {
				continue
			}
			grad[n.hidB()+j] += g
			axpy(grad[n.hidW+j*n.fcIn:][:n.fcIn], g, w.acts[last])
			axpy(dl, g, p[n.hidW+j*n.fcIn:][:n.fcIn])
		}
	} else {
		for i, a := range w.acts[last] {
			grad[n.fcW+i] += dlogit * a
			dl[i] = dlogit * p[n.fcW+i]
		}
	}
	grad[n.fcW+n.outIn] += dlogit
	for li := len(n.layers) - 1; li >= 0; li-- {
		l := n.layers[li]
		in, out, dout := w.acts[li], w.acts[li+1], w.dacts[li+1]
		win := l.k * l.inC
		// Through the ReLU: no gradient where the output was clipped.
		for j, v := range out {
			if v <= 0 {
				dout[j] = 0
			}
		}
		x := func(t int) []float32 { return in[t*l.s*l.inC:][:win] }
		// Weights: grad_c += Σ_t dout[t,c]·x_t, two frames at a time.
		for c := range l.outC {
			gw := grad[l.w+c*win:][:win]
			t0, g0 := -1, float32(0)
			for t := range l.outT {
				g := dout[t*l.outC+c]
				if g == 0 {
					continue
				}
				grad[l.b+c] += g
				if t0 < 0 {
					t0, g0 = t, g
					continue
				}
				axpy2(gw, g0, x(t0), g, x(t))
				t0 = -1
			}
			if t0 >= 0 {
				axpy(gw, g0, x(t0))
			}
		}
		if li == 0 {
			continue
		}
		// Inputs: din_t += Σ_c dout[t,c]·W_c, two channels at a time.
		din := w.dacts[li]
		clear(din)
		for t := range l.outT {
			d := din[t*l.s*l.inC:][:win]
			c0, g0 := -1, float32(0)
			for c, g := range dout[t*l.outC:][:l.outC] {
				if g == 0 {
					continue
				}
				if c0 < 0 {
					c0, g0 = c, g
					continue
				}
				axpy2(d, g0, p[l.w+c0*win:][:win], g, p[l.w+c*win:][:win])
				c0 = -1
			}
			if c0 >= 0 {
				axpy(d, g0, p[l.w+c0*win:][:win])
			}
		}
	}
}

// dot22 returns the dot products of a and b (weights) with x and y (inputs):
// a·x, a·y, b·x, b·y. All have the length of a.
func dot22(a, b, x, y []float32) (ax, ay, bx, by float32) {
	n := len(a)
	b, x, y = b[:n], x[:n], y[:n]
	var ax0, ay0, bx0, by0, ax1, ay1, bx1, by1 float32
	i := 0
	for ; i+2 <= n; i += 2 {
		a0, b0, x0, y0 := a[i], b[i], x[i], y[i]
		a1, b1, x1, y1 := a[i+1], b[i+1], x[i+1], y[i+1]
		ax0 += a0 * x0
		ay0 += a0 * y0
		bx0 += b0 * x0
		by0 += b0 * y0
		ax1 += a1 * x1
		ay1 += a1 * y1
		bx1 += b1 * x1
		by1 += b1 * y1
	}
	if i < n {
		ax0 += a[i] * x[i]
		ay0 += a[i] * y[i]
		bx0 += b[i] * x[i]
		by0 += b[i] * y[i]
	}
	return ax0 + ax1, ay0 + ay1, bx0 + bx1, by0 + by1
}

// axpy2 does y += a*x + b*z.
func axpy2(y []float32, a float32, x []float32, b float32, z []float32) {
	x, z = x[:len(y)], z[:len(y)]
	for i := range y {
		y[i] += a*x[i] + b*z[i]
	}
}

func dot32(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// axpy does y += a*x.
func axpy(y []float32, a float32, x []float32) {
	x = x[:len(y)]
	for len(y) >= 4 && len(x) >= 4 {
		y[0] += a * x[0]
		y[1] += a * x[1]
		y[2] += a * x[2]
		y[3] += a * x[3]
		y, x = y[4:], x[4:]
	}
	for i := range y {
		y[i] += a * x[i]
	}
}

// Predict returns the probability for one int8 window (Window×40, oldest first).
func (n *Net) Predict(x []int8) float32 {
	w := n.newWork()
	w.setInput(x)
	return sigmoid(n.forward(w))
}

func sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

// bceGrad returns the weighted binary cross-entropy of logit z for label y and
// its derivative with respect to z.
func bceGrad(z float32, y bool, weight float32) (loss, dz float32) {
	p := sigmoid(z)
	// log(1+exp(-|z|)) form for stability.
	sp := float32(math.Log1p(math.Exp(-math.Abs(float64(z)))))
	if y {
		loss = sp + max(-z, 0)
		dz = p - 1
	} else {
		loss = sp + max(z, 0)
		dz = p
	}
	return weight * loss, weight * dz
}

// focalGrad returns the weighted focal loss −(1−p_t)^γ·log p_t of logit z
// for label y (p_t is the probability given to the true label) and its
// derivative with respect to z. γ = 0 is bceGrad. Examples the network
// already gets right weigh (1−p_t)^γ as much, so training time goes to the
// rare hard ones: phrases under babble, sentences near the cutoff.
func focalGrad(z float32, y bool, weight, gamma float32) (loss, dz float32) {
	if gamma == 0 {
		return bceGrad(z, y, weight)
	}
	s := float64(1)
	if !y {
		s = -1
	}
	sz := s * float64(z)
	logPt := -(math.Log1p(math.Exp(-math.Abs(sz))) + max(-sz, 0)) // log σ(sz)
	pt := math.Exp(logPt)
	q := 1 - pt
	g := float64(gamma)
	mod := math.Pow(q, g)
	loss = float32(-mod * logPt)
	dz = float32(s * (g*pt*mod*logPt - mod*q))
	return weight * loss, weight * dz
}
