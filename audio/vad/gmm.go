package vad

import (
	"math"

	"github.com/genie-voice/genie/audio"
)

// GMM sub-bands, WebRTC style (roughly octaves up to 2 kHz, then 1 kHz wide), as ranges
// [lo, hi) of 125 Hz bins: 125-250, 250-500, 500-1k, 1-2k, 2-3k, 3-4k, 4-8k Hz.
const numGMMBands = 7

var gmmEdges = [numGMMBands + 1]int{1, 2, 4, 8, 16, 24, 32, numBins}

// NumGMMFeatures is the length of a GMM feature vector.
const NumGMMFeatures = numGMMBands + 1

// GMMFeatures is what GMM's logistic model sees: each band's log-likelihood ratio of the
// speech over the noise Gaussian (nats/10), then their sum.
type GMMFeatures [NumGMMFeatures]float32

// GMMWeights is a logistic model over GMMFeatures.
type GMMWeights struct {
	W    GMMFeatures
	Bias float32
}

// GMM is an experimental WebRTC-style detector: per band, one Gaussian for the noise
// log-energy and one for speech, adapted online (noise on blocks judged non-speech,
// speech on blocks judged speech, the noise mean also falling at once to any lower
// level), with the per-band log-likelihood ratios scored by a logistic model. It was
// measured against SubBand on the labelled set and lost; it is kept to reproduce that.
type GMM struct {
	frame  [frameLen]float32
	z      fftScratch
	pow    [numBins]float32
	mn, vn [numGMMBands]float32 // noise mean (dB) and variance (dB²)
	ms, vs [numGMMBands]float32 // speech mean and variance
	w      GMMWeights
	f      GMMFeatures
	blocks int64
}

// NewGMM returns a GMM detector with weights w, or DefaultGMMWeights if w is nil.
func NewGMM(w *GMMWeights) *GMM {
	d := &GMM{w: DefaultGMMWeights}
	if w != nil {
		d.w = *w
	}
	return d
}

// Process returns the probability, 0..1, that b holds speech. It allocates nothing.
func (d *GMM) Process(b *audio.Block) float32 {
	d.Analyze(b, &d.f)
	x := d.w.Bias
	for i, v := range d.f {
		x += d.w.W[i] * v
	}
	return sigmoid(x)
}

// Analyze advances the detector by one block and writes its features to f.
func (d *GMM) Analyze(b *audio.Block, f *GMMFeatures) {
	copy(d.frame[:], d.frame[audio.BlockSamples:])
	dst := d.frame[frameLen-audio.BlockSamples:]
	for i, s := range b.Samples {
		dst[i] = float32(s) * (1.0 / 32768)
	}
	powerSpectrum(&d.pow, &d.frame, &d.z)
	first := d.blocks == 0
	d.blocks++
	var x [numGMMBands]float32
	var total float32
	for k := range x {
		var e float32
		for _, p := range d.pow[gmmEdges[k]:gmmEdges[k+1]] {
			e += p
		}
		n := float32(gmmEdges[k+1] - gmmEdges[k])
		x[k] = max(dbPerLog2*log2f(e+1e-30), floorDB+dbPerLog2*log2f(n))
		if first {
			d.mn[k], d.vn[k] = x[k], 9
			d.ms[k], d.vs[k] = x[k]+15, 64
		}
		dn, ds := x[k]-d.mn[k], x[k]-d.ms[k]
		llr := 0.5*dn*dn/d.vn[k] - 0.5*ds*ds/d.vs[k] + 0.5*float32(math.Log(float64(d.vn[k]/d.vs[k])))
		llr = min(max(llr, -20), 20)
		f[k] = llr / 10
		total += llr
	}
	f[numGMMBands] = total / 10
	speech := total > 0
	for k := range x {
		dn, ds := x[k]-d.mn[k], x[k]-d.ms[k]
		switch {
		case dn < 0:
			d.mn[k] += 0.2 * dn
		case !speech:
			d.mn[k] += 0.02 * dn
			d.vn[k] += 0.02 * (dn*dn - d.vn[k])
		default:
			d.mn[k] += 0.002 * dn // a slow drift keeps up with rising noise
			d.ms[k] += 0.02 * ds
			d.vs[k] += 0.02 * (ds*ds - d.vs[k])
		}
		d.vn[k] = min(max(d.vn[k], 1), 100)
		d.vs[k] = min(max(d.vs[k], 4), 400)
		d.ms[k] = max(d.ms[k], d.mn[k]+6)
	}
}

// Reset forgets all state, as at the start of a stream.
func (d *GMM) Reset() {
	w := d.w
	*d = GMM{w: w}
}

var _ audio.VAD = (*GMM)(nil)
