package vad

import "math"

// Sizes of the analysis frame and its spectrum.
//
// The 256-sample Hann-windowed frame is folded in time to 128 samples (x[n] + x[n+128]),
// whose 128-point DFT is exactly the even bins of the 256-point DFT: 125 Hz bins with the
// leakage of the 16 ms window, at less than half the cost. Neighbouring 62.5 Hz bins of a
// Hann window are strongly correlated, so band energies lose little.
const (
	frameLen = 256           // samples (16 ms at 16 kHz): the block plus 96 samples of history
	foldLen  = frameLen / 2  // folded frame, transformed as a real sequence
	halfLen  = foldLen / 2   // complex FFT size used for the real transform
	numBins  = foldLen/2 + 1 // power bins 0..64, 125 Hz apart
	logHalf  = 6             // log2(halfLen)
)

// Tables of the 256-point real FFT (one 128-point complex radix-2 FFT on split real and
// imaginary arrays, plus the split step), built once at package init so the transform
// allocates nothing.
var (
	// twRe and twIm hold, for FFT sizes 8..halfLen one after the other, the twiddles
	// e^{-2πij/size}, j < size/2: cos in twRe, sin in twIm.
	twRe, twIm       [halfLen - 4]float32
	splitRe, splitIm [halfLen]float32 // e^{-2πik/256}
	bitRev           [halfLen]uint8
	hannWin          [frameLen]float32
)

func init() {
	off := 0
	for size := 8; size <= halfLen; size <<= 1 {
		for j := 0; j < size/2; j++ {
			s, c := math.Sincos(-2 * math.Pi * float64(j) / float64(size))
			twRe[off+j], twIm[off+j] = float32(c), float32(s)
		}
		off += size / 2
	}
	for k := range splitRe {
		s, c := math.Sincos(-2 * math.Pi * float64(k) / foldLen)
		splitRe[k], splitIm[k] = float32(c), float32(s)
	}
	for i := range bitRev {
		r := 0
		for b := 0; b < logHalf; b++ {
			if i&(1<<b) != 0 {
				r |= 1 << (logHalf - 1 - b)
			}
		}
		bitRev[i] = uint8(r)
	}
	for i := range hannWin {
		hannWin[i] = float32(0.5 - 0.5*math.Cos(2*math.Pi*(float64(i)+0.5)/frameLen))
	}
}

// fftScratch is the working memory of powerSpectrum.
type fftScratch struct {
	fold   [foldLen]float32
	re, im [halfLen]float32
}

// powerSpectrum windows x with a Hann window and writes |X[2k]|², k = 0..64, of its
// 256-point DFT to p.
func powerSpectrum(p *[numBins]float32, x *[frameLen]float32, z *fftScratch) {
	re, im := &z.re, &z.im
	// Window and fold, then pack even/odd samples as real/imaginary parts in
	// bit-reversed order.
	y := &z.fold
	lo, hi := x[:foldLen], x[foldLen:]
	wlo, whi := hannWin[:foldLen], hannWin[foldLen:]
	for n := range y {
		y[n] = lo[n]*wlo[n] + hi[n]*whi[n]
	}
	for n := 0; n < halfLen; n++ {
		r := bitRev[n] & (halfLen - 1)
		re[r], im[r] = y[2*n], y[2*n+1]
	}
	// Sizes 2 and 4 together: twiddles 1 and -i need no multiplies.
	for s := 0; s < halfLen; s += 4 {
		a0r, a0i := re[s]+re[s+1], im[s]+im[s+1]
		a1r, a1i := re[s]-re[s+1], im[s]-im[s+1]
		b0r, b0i := re[s+2]+re[s+3], im[s+2]+im[s+3]
		b1r, b1i := re[s+2]-re[s+3], im[s+2]-im[s+3]
		re[s], im[s] = a0r+b0r, a0i+b0i
		re[s+2], im[s+2] = a0r-b0r, a0i-b0i
		// b1 · (-i) = (b1i, -b1r)
		re[s+1], im[s+1] = a1r+b1i, a1i-b1r
		re[s+3], im[s+3] = a1r-b1i, a1i+b1r
	}
	// Sizes 8 and 16, then 32 and 64, two radix-2 stages per pass (radix-2²): for
	// stage sizes m and 2m the four size-m/2 sub-transforms a, b, c, d of a group give
	// u = a ± W_m b, v = c ± W_m d, then X = u ± W_2m v, where the odd quarter's
	// twiddle W_2m^(j+m/2) = -i·W_2m^j.
	off := 0
	for m := 8; m <= halfLen; m <<= 2 {
		q := m >> 1
		w1r, w1i := twRe[off:off+q], twIm[off:off+q]         // W_m^j, j < m/2
		w2r, w2i := twRe[off+q:off+q+m], twIm[off+q:off+q+m] // W_2m^j, j < m
		for g := 0; g < halfLen; g += 2 * m {
			for j := 0; j < q; j++ {
				a, b, c, d := g+j, g+j+q, g+j+m, g+j+m+q
				br := re[b]*w1r[j] - im[b]*w1i[j]
				bi := re[b]*w1i[j] + im[b]*w1r[j]
				dr := re[d]*w1r[j] - im[d]*w1i[j]
				di := re[d]*w1i[j] + im[d]*w1r[j]
				u0r, u0i := re[a]+br, im[a]+bi
				u1r, u1i := re[a]-br, im[a]-bi
				v0r, v0i := re[c]+dr, im[c]+di
				v1r, v1i := re[c]-dr, im[c]-di
				t0r := v0r*w2r[j] - v0i*w2i[j]
				t0i := v0r*w2i[j] + v0i*w2r[j]
				t1r := v1r*w2r[j] - v1i*w2i[j]
				t1i := v1r*w2i[j] + v1i*w2r[j]
				re[a], im[a] = u0r+t0r, u0i+t0i
				re[c], im[c] = u0r-t0r, u0i-t0i
				re[b], im[b] = u1r+t1i, u1i-t1r // u1 - i·t1
				re[d], im[d] = u1r-t1i, u1i+t1r // u1 + i·t1
			}
		}
		off += q + m
	}
	// Split: X[k] = E[k] + W^k O[k] with E = (Z[k] + conj Z[N-k])/2 and
	// O = (Z[k] - conj Z[N-k])/(2i); with d = Z[k] - conj Z[N-k], d/(2i) = (imag d - i·real d)/2.
	p[0] = (re[0] + im[0]) * (re[0] + im[0])
	p[halfLen] = (re[0] - im[0]) * (re[0] - im[0])
	for k := 1; k < halfLen; k++ {
		ar, ai := re[k], im[k]
		br, bi := re[halfLen-k], -im[halfLen-k]
		er, ei := 0.5*(ar+br), 0.5*(ai+bi)
		or, oi := 0.5*(ai-bi), -0.5*(ar-br)
		wr, wi := splitRe[k], splitIm[k]
		xr := er + or*wr - oi*wi
		xi := ei + or*wi + oi*wr
		p[k] = xr*xr + xi*xi
	}
}
