package frontend

import (
	"fmt"
	"math"
	"math/bits"
)

// Frame is one feature vector: NumChannels log filterbank energies (observed 0..~700
// with DefaultConfig) for the window that ends at sample End.
type Frame struct {
	Values [NumChannels]uint16
	End    int64 // index one past the window's last sample in the canonical mic stream
}

// Frontend turns 16-bit mono samples into feature vectors. It keeps the last window's
// samples and the noise estimates between calls. Not safe for concurrent use.
type Frontend struct {
	cfg        Config
	size, step int // window and step, samples

	// window
	coeffs []int16 // Q12 Hann window, size
	input  []int16 // buffered samples, size
	used   int     // valid samples in input

	// FFT
	fft     *realFFT
	fftIn   []int16 // fft.n: windowed samples, zero beyond size
	fftOut  []cpx   // fft.n/2 + 1
	energy  []int32 // fft.n/2 + 1, squared magnitudes
	fb      *filterbank
	work    []uint64 // NumChannels+1 filterbank accumulators
	signal  []uint32 // NumChannels channel amplitudes through the later stages
	corrBit int      // log2(FFT size) - 1 - filterbankBits/2

	// noise reduction (Q14)
	evenSmoothing, oddSmoothing, minRemaining uint32
	estimate                                  []uint32 // NumChannels noise estimates

	// PCAN
	gainLUT  []int16
	snrShift int

	last    Frame
	hasLast bool
}

// New validates c and builds the window, FFT, filterbank, PCAN and log tables.
func New(c Config) (*Frontend, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	f := &Frontend{cfg: c}
	f.size, f.step = c.windowSamples()
	f.coeffs = windowCoefficients(f.size)
	f.input = make([]int16, f.size)

	n := 1
	for n < f.size {
		n <<= 1
	}
	f.fft = newRealFFT(n)
	f.fftIn = make([]int16, n)
	f.fftOut = make([]cpx, n/2+1)
	f.energy = make([]int32, n/2+1)

	fb, err := newFilterbank(NumChannels, c.LowerBandHz, c.UpperBandHz, c.SampleRate, n/2+1)
	if err != nil {
		return nil, err
	}
	f.fb = fb
	f.work = make([]uint64, NumChannels+1)
	f.signal = make([]uint32, NumChannels)
	f.corrBit = bits.Len32(uint32(n)) - 1 - filterbankBits/2

	f.evenSmoothing = uint32(uint16(float32(c.NoiseEvenSmoothing * (1 << noiseBits))))
	f.oddSmoothing = uint32(uint16(float32(c.NoiseOddSmoothing * (1 << noiseBits))))
	f.minRemaining = uint32(uint16(float32(c.NoiseMinSignalRemaining * (1 << noiseBits))))
	f.estimate = make([]uint32, NumChannels)

	if c.PCAN {
		f.snrShift = c.PCANGainBits - f.corrBit - pcanSnrBits
		inputBits := c.NoiseSmoothingBits - f.corrBit
		if f.snrShift < 0 || inputBits < 0 || inputBits > 31 {
			return nil, fmt.Errorf("frontend: PCAN gain bits %d and noise smoothing bits %d do not fit an FFT of %d (need gain bits >= %d, smoothing bits >= %d)",
				c.PCANGainBits, c.NoiseSmoothingBits, n, f.corrBit+pcanSnrBits, f.corrBit)
		}
		f.gainLUT = pcanGainLUT(&c, inputBits)
	}
	return f, nil
}

// Config returns the settings f was built with.
func (f *Frontend) Config() Config { return f.cfg }

// Reset forgets all buffered samples and noise estimates, as at the start of a stream.
func (f *Frontend) Reset() {
	clear(f.input)
	f.used = 0
	clear(f.estimate)
	f.last = Frame{}
	f.hasLast = false
}

// Last returns the most recent frame, or nil before the first one. The Frame is
// owned by f and overwritten by the next completed window.
func (f *Frontend) Last() *Frame {
	if !f.hasLast {
		return nil
	}
	return &f.last
}

// Process consumes samples (16 kHz mono for DefaultConfig) whose first sample has
// index start in the mic stream. It returns true and fills out when a window
// completed: with DefaultConfig first after 480 samples, then every 160. Blocks of at
// most one step (160 samples) see every frame; if samples is longer and completes
// several windows, out holds the last one (use Feed to see them all). It allocates
// nothing and does not retain samples.
func (f *Frontend) Process(samples []int16, start int64, out *Frame) bool {
	done := false
	for len(samples) > 0 {
		n, ok := f.Feed(samples, start)
		if ok {
			*out = f.last
			done = true
		}
		samples = samples[n:]
		start += int64(n)
	}
	return done
}

// Feed consumes samples up to the end of the next window, like the C
// FrontendProcessSamples: it returns how many samples it consumed and whether a
// window completed with the last of them; the new frame is then available from Last.
// start is the stream index of samples[0]. It allocates nothing and does not retain
// samples.
func (f *Frontend) Feed(samples []int16, start int64) (n int, ok bool) {
	n = copy(f.input[f.used:], samples)
	f.used += n
	if f.used < f.size {
		return n, false
	}
	f.compute(&f.last.Values)
	f.last.End = start + int64(n)
	f.hasLast = true
	copy(f.input, f.input[f.step:])
	f.used -= f.step
	return n, true
}

// compute runs one full window through every stage into v.
func (f *Frontend) compute(v *[NumChannels]uint16) {
	// Window (Q12), tracking the largest magnitude to scale the FFT input. The windowed
	// samples go straight into the FFT input, which stays zero beyond the window.
	in, co, win := f.input[:f.size], f.coeffs[:f.size], f.fftIn[:f.size]
	var maxAbs int16
	for i, x := range in {
		w := int16((int32(x) * int32(co[i])) >> windowBits)
		win[i] = w
		if w < 0 {
			w = -w // -32768 stays negative, as in C
		}
		if w > maxAbs {
			maxAbs = w
		}
	}
	shift := 15 - bits.Len16(uint16(maxAbs))
	f.fft.transform(f.fftIn, shift, f.fftOut)

	// Power spectrum over the bins the filterbank reads. The int32 sum wraps like the
	// C code and is sign-extended when accumulated.
	fb := f.fb
	out, energy := f.fftOut[fb.start:fb.end], f.energy[fb.start:fb.end]
	for i, c := range out {
		r, im := int32(c.r), int32(c.i)
		energy[i] = r*r + im*im
	}

	// Filterbank: each bin adds weight*energy to its channel and
	// unweight*energy to the next one.
	var wAcc, uAcc uint64
	work := f.work[:NumChannels+1]
	for ch := range work {
		s, ws, width := int(fb.freqStarts[ch]), int(fb.wStarts[ch]), int(fb.widths[ch])
		mags := f.energy[s : s+width]
		wts := fb.weights[ws : ws+width]
		uwts := fb.unweights[ws : ws+width]
		for j, m := range mags {
			e := uint64(int64(m))
			wAcc += uint64(int64(wts[j])) * e
			uAcc += uint64(int64(uwts[j])) * e
		}
		work[ch] = wAcc
		wAcc, uAcc = uAcc, 0
	}
	sig := f.signal[:NumChannels]
	for i := range sig {
		sig[i] = sqrt64(work[i+1]) >> shift
	}

	// Noise reduction.
	est := f.estimate[:NumChannels]
	sb := uint(f.cfg.NoiseSmoothingBits)
	for i, s := range sig {
		sm := f.evenSmoothing
		if i&1 != 0 {
			sm = f.oddSmoothing
		}
		up := s << sb
		e := uint32((uint64(up)*uint64(sm) + uint64(est[i])*uint64(1<<noiseBits-sm)) >> noiseBits)
		est[i] = e
		if e > up {
			e = up
		}
		floor := uint32((uint64(s) * uint64(f.minRemaining)) >> noiseBits)
		sub := (up - e) >> sb
		sig[i] = max(sub, floor)
	}

	// PCAN gain control, driven by the noise estimates.
	if f.gainLUT != nil {
		lut := f.gainLUT
		for i, s := range sig {
			gain := uint32(int32(wideDynamicFunction(est[i], lut)))
			snr := uint32((uint64(s) * uint64(gain)) >> f.snrShift)
			sig[i] = pcanShrink(snr)
		}
	}

	// Log scale.
	for i, s := range sig {
		if f.cfg.Log {
			if f.corrBit < 0 {
				s >>= uint(-f.corrBit)
			} else {
				s <<= uint(f.corrBit)
			}
			if s > 1 {
				s = logScaled(s, uint(f.cfg.LogScaleShift))
			} else {
				s = 0
			}
		}
		v[i] = uint16(min(s, 0xffff))
	}
}

// sqrt32 is the filterbank's integer square root of a 32-bit value, rounded to
// nearest (the C code rounds up when the remainder exceeds the root, so x.5 cases
// cannot occur) and capped at 0xffff. The digit-by-digit loop of the C code yields the
// exact floor root and remainder; math.Sqrt gives the same floor root directly, as
// float64 holds every uint32 and the gap from a root to the next integer is far above
// its rounding error.
func sqrt32(num uint32) uint16 {
	r := uint32(math.Sqrt(float64(num)))
	if num-r*r > r && r != 0xffff {
		r++
	}
	return uint16(r)
}

// sqrt64 is the 64-bit version of sqrt32, capped at 0xffffffff. Like the C code it
// takes the 32-bit path when the upper word is clear, which caps roots just below 2^16
// at 0xffff.
func sqrt64(num uint64) uint32 {
	if num>>32 == 0 {
		return uint32(sqrt32(uint32(num)))
	}
	const maxRoot = 0xffffffff
	r := min(uint64(math.Sqrt(float64(num))), maxRoot) // float64 rounds num: correct below
	for r*r > num {
		r--
	}
	for r < maxRoot && (r+1)*(r+1) <= num {
		r++
	}
	if num-r*r > r && r != maxRoot {
		r++
	}
	return uint32(r)
}

// wideDynamicFunction evaluates the PCAN gain table at noise estimate x.
func wideDynamicFunction(x uint32, lut []int16) int16 {
	if x <= 2 {
		return lut[x]
	}
	interval := bits.Len32(x)
	l := lut[4*interval-6 : 4*interval-3]
	var frac int32
	if interval < 11 {
		frac = int32(int16((x << (11 - interval)) & 0x3ff))
	} else {
		frac = int32(int16((x >> (interval - 11)) & 0x3ff))
	}
	r := (int32(l[2]) * frac) >> 5
	r += int32(uint32(int32(l[1])) << 5)
	r *= frac
	r = (r + 1<<14) >> 15
	r += int32(l[0])
	return int16(r)
}

// pcanShrink compresses the gain-normalized signal: quadratic below 2 (in Q12),
// linear above.
func pcanShrink(x uint32) uint32 {
	if x < 2<<pcanSnrBits {
		return (x * x) >> (2 + 2*pcanSnrBits - pcanOutputBits)
	}
	return x>>(pcanSnrBits-pcanOutputBits) - 1<<pcanOutputBits
}

// logScaled is the microfrontend's fixed-point ln(x) * 2^scaleShift, rounded.
func logScaled(x uint32, scaleShift uint) uint32 {
	integer := uint32(bits.Len32(x) - 1)
	frac := log2Fraction(x, integer)
	log2 := integer<<logScaleLog2 + frac
	const round = logScale / 2
	loge := uint32((uint64(logCoeff)*uint64(log2) + round) >> logScaleLog2)
	return (loge<<scaleShift + round) >> logScaleLog2
}

// log2Fraction is the Q16 fractional part of log2(x), from the piecewise-linear
// correction table.
func log2Fraction(x, log2x uint32) uint32 {
	frac := int32(int64(x) - int64(1)<<log2x)
	if log2x < logScaleLog2 {
		frac <<= logScaleLog2 - log2x
	} else {
		frac >>= log2x - logScaleLog2
	}
	seg := uint32(frac) >> (logScaleLog2 - logSegmentsLog2)
	const segUnit = logScale >> logSegmentsLog2
	c0 := int32(logLUT[seg])
	c1 := int32(logLUT[seg+1])
	segBase := int32(segUnit * seg)
	rel := ((c1 - c0) * (frac - segBase)) >> logScaleLog2
	return uint32(frac + c0 + rel)
}

// QuantizeInput converts a feature value to the int8 input of a microWakeWord model
// exactly as ESPHome does, whatever the model's declared input quantization:
// ((v*256)+333)/666 - 128 with truncating division, clamped to -128..127.
func QuantizeInput(v uint16) int8 {
	q := (int32(v)*256+333)/666 - 128
	return int8(min(max(q, -128), 127))
}
