package vad

import "github.com/genie-voice/genie/audio"

// NumFullBandFeatures is the length of a FullBand feature vector.
const NumFullBandFeatures = 3

// FullBandFeatures is what FullBand's logistic model sees for one block: the full-band
// SNR and its averages over about 50 ms and 200 ms, all in dB/10.
type FullBandFeatures [NumFullBandFeatures]float32

// FullBandWeights is a logistic model over FullBandFeatures.
type FullBandWeights struct {
	W    FullBandFeatures
	Bias float32
}

// FullBand is the baseline classic VAD: the broadband energy of the last 16 ms over its
// noise level, with the same noise tracking as SubBand, scored by a logistic model. It
// implements audio.VAD.
type FullBand struct {
	w          FullBandWeights
	hist       [frameLen - audio.BlockSamples]float32 // high-passed samples before the block
	prev       float32                                // last raw sample, for the high-pass
	lvl        level
	clk        clock
	fast, slow float32 // smoothed SNR, dB
	f          FullBandFeatures
}

// NewFullBand returns a FullBand detector with weights w, or DefaultFullBandWeights if w is nil.
func NewFullBand(w *FullBandWeights) *FullBand {
	d := &FullBand{w: DefaultFullBandWeights}
	if w != nil {
		d.w = *w
	}
	return d
}

// Process returns the probability, 0..1, that b holds speech. It allocates nothing.
func (d *FullBand) Process(b *audio.Block) float32 {
	d.Analyze(b, &d.f)
	return logistic(d.w.Bias, d.w.W[:], d.f[:])
}

// Analyze advances the detector by one block and writes its features to f.
func (d *FullBand) Analyze(b *audio.Block, f *FullBandFeatures) {
	// Energy of the last 256 samples (the span SubBand sees) after a first-difference
	// high-pass that drops DC and most mains hum.
	var e float32
	for _, h := range d.hist {
		e += h * h
	}
	const keep = audio.BlockSamples - len(d.hist) // first block sample kept as history
	prev := d.prev
	for i, s := range b.Samples {
		x := float32(s) * (1.0 / 32768)
		h := x - prev
		prev = x
		e += h * h
		if i >= keep {
			d.hist[i-keep] = h
		}
	}
	d.prev = prev
	first, done := d.clk.tick()
	// White noise at -80 dBFS over 256 samples, after the high-pass.
	const minDB = -80 + 3 + 24.1
	d.lvl.update(e, minDB, first)
	if done >= 0 {
		d.lvl.endSub(done)
	}
	snr := min(d.lvl.snr(), 50)
	if first {
		d.fast, d.slow = snr, snr
	}
	d.fast += 0.2 * (snr - d.fast)
	d.slow += 0.05 * (snr - d.slow)
	f[0] = snr / 10
	f[1] = d.fast / 10
	f[2] = d.slow / 10
}

// Reset forgets all state, as at the start of a stream.
func (d *FullBand) Reset() {
	w := d.w
	*d = FullBand{w: w}
}

var _ audio.VAD = (*FullBand)(nil)
