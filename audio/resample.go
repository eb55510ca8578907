package audio

import (
	"fmt"
	"math"
)

// Resampler converts a mono float32 stream from one sample rate to another with a
// polyphase windowed-sinc (Kaiser) low-pass filter. It keeps its state across calls, so a
// stream can be fed in chunks of any size.
//
// The filter passes up to 90 % of the lower Nyquist frequency and reaches its stopband
// (≥ 80 dB) at the lower Nyquist frequency, so content the output cannot represent is
// removed, not folded back (48 kHz → 16 kHz: flat to 7.2 kHz, ≥ 80 dB down from 8 kHz).
//
// Written here rather than taken from a library: the Go resamplers we found either
// allocate per call, use cgo (libsoxr) or have no stated stopband; this one allocates
// nothing after NewResampler. Not safe for concurrent use.
type Resampler struct {
	inRate, outRate int
	l, m            int         // upsample by l, decimate by m
	k               int         // taps per phase
	phases          [][]float32 // phases[p] is phase p's taps, time-reversed
	buf             []float32   // k-1 samples of history, then pending input
	n               int         // valid samples in buf
	pos             int         // index in buf of the oldest sample of the next output's window
	frac            int         // phase of the next output, 0..l-1
}

// Stopband attenuation and passband fraction of the resampler's filter.
const (
	resampleAttenDB  = 80.0
	resamplePassFrac = 0.90
)

// NewResampler returns a resampler from inRate to outRate (Hz). maxIn is the largest
// number of samples a single Process call will be given; Process allocates nothing while
// that holds.
func NewResampler(inRate, outRate, maxIn int) (*Resampler, error) {
	if inRate < 1000 || outRate < 1000 || inRate > 384000 || outRate > 384000 {
		return nil, fmt.Errorf("audio: resample %d → %d Hz: rates out of range 1000..384000", inRate, outRate)
	}
	if maxIn < 1 {
		return nil, fmt.Errorf("audio: resample: maxIn %d < 1", maxIn)
	}
	g := gcd(inRate, outRate)
	r := &Resampler{inRate: inRate, outRate: outRate, l: outRate / g, m: inRate / g}
	if r.l == 1 && r.m == 1 {
		r.k = 1
		r.phases = [][]float32{{1}}
	} else {
		r.design()
	}
	r.buf = make([]float32, r.k-1+maxIn)
	r.n = r.k - 1
	return r, nil
}

// design builds the Kaiser-windowed sinc prototype at rate l·inRate and splits it into
// l phases of k taps, each phase summing to about 1.
func (r *Resampler) design() {
	upRate := float64(r.l) * float64(r.inRate)
	nyq := 0.5 * float64(min(r.inRate, r.outRate))
	pass, stop := resamplePassFrac*nyq, nyq
	cutoff := 0.5 * (pass + stop) / upRate // cycles per up-rate sample
	width := 2 * math.Pi * (stop - pass) / upRate
	n := int(math.Ceil((resampleAttenDB-7.95)/(2.285*width))) + 1
	r.k = (n + r.l - 1) / r.l
	n = r.k * r.l
	beta := 0.1102 * (resampleAttenDB - 8.7)
	i0beta := besselI0(beta)
	h := make([]float64, n)
	center := float64(n-1) / 2
	var sum float64
	for j := range h {
		t := float64(j) - center
		x := 2 * cutoff * t
		sinc := 1.0
		if x != 0 {
			sinc = math.Sin(math.Pi*x) / (math.Pi * x)
		}
		w := t / center
		h[j] = 2 * cutoff * sinc * besselI0(beta*math.Sqrt(max(0, 1-w*w))) / i0beta
		sum += h[j]
	}
	scale := float64(r.l) / sum
	r.phases = make([][]float32, r.l)
	for p := range r.phases {
		taps := make([]float32, r.k)
		for k := 0; k < r.k; k++ {
			taps[r.k-1-k] = float32(h[p+k*r.l] * scale)
		}
		r.phases[p] = taps
	}
}

// InRate and OutRate return the rates in Hz.
func (r *Resampler) InRate() int  { return r.inRate }
func (r *Resampler) OutRate() int { return r.outRate }

// Delay returns the filter's group delay in output samples.
func (r *Resampler) Delay() float64 {
	return float64(r.k*r.l-1) / 2 / float64(r.m)
}

// MaxOut returns the most samples Process can produce from n input samples.
func (r *Resampler) MaxOut(n int) int { return (n*r.l)/r.m + 2 }

// Process resamples in and appends the output to dst, returning it. in must not be
// longer than maxIn. With cap(dst)-len(dst) ≥ MaxOut(len(in)) it allocates nothing.
func (r *Resampler) Process(dst, in []float32) []float32 {
	if len(in) > len(r.buf)-(r.k-1) {
		panic("audio: Resampler.Process: input longer than maxIn")
	}
	if r.l == 1 && r.m == 1 {
		return append(dst, in...)
	}
	// Make room: drop consumed history, keeping the window of the next output. pos never
	// passes n: each phase has k ≥ m/l taps (the filter is ≥ 50·m/l taps long), so the
	// last output's step lands inside the buffer.
	if r.pos > 0 {
		copy(r.buf, r.buf[r.pos:r.n])
		r.n -= r.pos
		r.pos = 0
	}
	r.n += copy(r.buf[r.n:], in)
	buf := r.buf[:r.n]
	for r.pos+r.k <= len(buf) {
		taps := r.phases[r.frac]
		win := buf[r.pos : r.pos+len(taps)]
		var acc0, acc1, acc2, acc3 float32
		i := 0
		for ; i+4 <= len(taps); i += 4 {
			acc0 += taps[i] * win[i]
			acc1 += taps[i+1] * win[i+1]
			acc2 += taps[i+2] * win[i+2]
			acc3 += taps[i+3] * win[i+3]
		}
		for ; i < len(taps); i++ {
			acc0 += taps[i] * win[i]
		}
		dst = append(dst, acc0+acc1+acc2+acc3)
		r.frac += r.m
		r.pos += r.frac / r.l
		r.frac %= r.l
	}
	return dst
}

// Reset clears the history, as at the start of a stream.
func (r *Resampler) Reset() {
	clear(r.buf)
	r.n, r.pos, r.frac = r.k-1, 0, 0
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// besselI0 is the zeroth-order modified Bessel function of the first kind.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 200; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}
