package vad

import "math"

// Sizes of the analysis frame and its spectrum.
const (
	frameLen = 256              // samples (16 ms at 16 kHz): the block plus 96 samples of history
	halfLen  = frameLen / 2     // complex FFT size used for the real transform
	numBins  = frameLen/2 + 1   // power bins 0..128, 62.5 Hz apart
	binHz    = 16000 / frameLen // Hz per bin
)

// Tables of the 256-point real FFT (one 128-point complex radix-2 FFT plus the split
// step), built once at package init so the transform allocates nothing.
var (
	fftTw   [halfLen / 2]complex64 // e^{-2πik/128}, k < 64
	splitTw [halfLen]complex64     // e^{-2πik/256}, k < 128
	bitRev  [halfLen]uint8
	hannWin [frameLen]float32
)

func init() {
	for k := range fftTw {
		s, c := math.Sincos(-2 * math.Pi * float64(k) / halfLen)
		fftTw[k] = complex(float32(c), float32(s))
	}
	for k := range splitTw {
		s, c := math.Sincos(-2 * math.Pi * float64(k) / frameLen)
		splitTw[k] = complex(float32(c), float32(s))
	}
	for i := range bitRev {
		r := 0
		for b := 0; b < 7; b++ {
			if i&(1<<b) != 0 {
				r |= 1 << (6 - b)
			}
		}
		bitRev[i] = uint8(r)
	}
	for i := range hannWin {
		hannWin[i] = float32(0.5 - 0.5*math.Cos(2*math.Pi*(float64(i)+0.5)/frameLen))
	}
}

// powerSpectrum windows x with a Hann window and writes |X[k]|², k = 0..128, to p.
// z is scratch space.
func powerSpectrum(p *[numBins]float32, x *[frameLen]float32, z *[halfLen]complex64) {
	// Pack even/odd samples as real/imaginary parts, in bit-reversed order.
	for n := 0; n < halfLen; n++ {
		z[bitRev[n]] = complex(x[2*n]*hannWin[2*n], x[2*n+1]*hannWin[2*n+1])
	}
	// Iterative radix-2 decimation in time.
	for size := 2; size <= halfLen; size <<= 1 {
		half := size >> 1
		step := halfLen / size
		for start := 0; start < halfLen; start += size {
			for j := 0; j < half; j++ {
				w := fftTw[j*step]
				a := z[start+j]
				b := z[start+j+half]
				br, bi := real(b), imag(b)
				wr, wi := real(w), imag(w)
				tr := br*wr - bi*wi
				ti := br*wi + bi*wr
				ar, ai := real(a), imag(a)
				z[start+j] = complex(ar+tr, ai+ti)
				z[start+j+half] = complex(ar-tr, ai-ti)
			}
		}
	}
	// Split: X[k] = E[k] + W^k O[k], with E = (Z[k] + conj Z[N-k])/2, O = (Z[k] - conj Z[N-k])/(2i).
	z0r, z0i := real(z[0]), imag(z[0])
	p[0] = (z0r + z0i) * (z0r + z0i)
	p[halfLen] = (z0r - z0i) * (z0r - z0i)
	for k := 1; k < halfLen; k++ {
		a, b := z[k], z[halfLen-k]
		ar, ai := real(a), imag(a)
		br, bi := real(b), -imag(b) // conj
		er, ei := 0.5*(ar+br), 0.5*(ai+bi)
		// With d = Z[k] - conj Z[N-k]: d/(2i) = (imag d - i·real d)/2.
		dr, di := ar-br, ai-bi
		or, oi := 0.5*di, -0.5*dr
		w := splitTw[k]
		wr, wi := real(w), imag(w)
		xr := er + or*wr - oi*wi
		xi := ei + or*wi + oi*wr
		p[k] = xr*xr + xi*xi
	}
}
