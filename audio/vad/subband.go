package vad

import (
	"math"

	"github.com/genie-voice/genie/audio"
)

// NumSubBandFeatures is the length of a SubBand feature vector.
const NumSubBandFeatures = numBands + 13

// SubBandFeatures is what SubBand's logistic model sees for one block, SNRs in dB/10
// capped at maxSNRdB, averages exponential with the time constant given:
//
//	0..11  the 12 sub-band SNRs, 125 Hz..8 kHz, low to high
//	12     full-band SNR
//	13     largest sub-band SNR
//	14     fraction of sub-bands more than 10 dB above their noise
//	15     spread (standard deviation) of the sub-band SNRs
//	16, 17 full-band SNR averaged over about 50 ms and 200 ms
//	18     mean SNR of the bands from 375 Hz to 3.75 kHz averaged over about 200 ms
//	19     full-band SNR minus its 200 ms average
//	20     full-band SNR averaged over about 1 s
//	21     the smaller of the full-band SNR and its 200 ms average
//	22     mean |full-band SNR - its 200 ms average| over about 100 ms (modulation)
//	23     feature 14 averaged over about 50 ms
//	24     feature 13 averaged over about 50 ms
type SubBandFeatures [NumSubBandFeatures]float32

// SubBandWeights is a logistic model over SubBandFeatures: the probability of speech is
// 1/(1+exp(-(Bias + Σ W[i]·f[i]))).
type SubBandWeights struct {
	W    SubBandFeatures
	Bias float32
}

// SubBand is the default classic VAD: sub-band SNRs over minimum-statistics noise floors
// scored by a logistic model. It implements audio.VAD.
type SubBand struct {
	t       tracker
	w       SubBandWeights
	fast    float32 // smoothed full-band SNR, dB
	slow    float32
	speech  float32 // smoothed mean SNR of the 375 Hz..3.75 kHz bands, dB
	long    float32
	mod     float32 // smoothed |full-band SNR - 200 ms average|, dB
	overAvg float32 // smoothed fraction of bands over 10 dB
	maxAvg  float32 // smoothed largest band SNR, dB
	f       SubBandFeatures
	started bool
}

// NewSubBand returns a SubBand detector with weights w, or DefaultSubBandWeights if w is nil.
func NewSubBand(w *SubBandWeights) *SubBand {
	d := &SubBand{w: DefaultSubBandWeights}
	if w != nil {
		d.w = *w
	}
	return d
}

// Process returns the probability, 0..1, that b holds speech. It allocates nothing.
func (d *SubBand) Process(b *audio.Block) float32 {
	d.Analyze(b, &d.f)
	return logistic(d.w.Bias, d.w.W[:], d.f[:])
}

// Analyze advances the detector by one block, like Process, and writes the block's
// features to f instead of scoring them. It is used to fit and inspect the model.
func (d *SubBand) Analyze(b *audio.Block, f *SubBandFeatures) {
	d.t.update(b)
	var sum, sum2, maxSNR, over, speech, nSpeech float32
	for k := 0; k < numBands; k++ {
		s := d.t.band[k].snr()
		if s > maxSNRdB {
			s = maxSNRdB
		}
		f[k] = s / 10
		sum += s
		sum2 += s * s
		if s > maxSNR {
			maxSNR = s
		}
		if s > 10 {
			over++
		}
		if bandEdges[k] >= 2 && bandEdges[k+1] <= 33 { // the bands from 375 Hz to 3.75 kHz
			speech += s
			nSpeech++
		}
	}
	speech /= nSpeech
	mean := sum / numBands
	spread := sum2/numBands - mean*mean
	full := d.t.band[fullTrack].snr()
	if full > maxSNRdB {
		full = maxSNRdB
	}
	if !d.started {
		d.fast, d.slow, d.speech, d.long = full, full, speech, full
		d.overAvg, d.maxAvg = over/numBands, maxSNR
		d.started = true
	}
	d.mod += 0.1 * (abs32(full-d.slow) - d.mod)
	d.overAvg += 0.2 * (over/numBands - d.overAvg)
	d.maxAvg += 0.2 * (maxSNR - d.maxAvg)
	d.fast += 0.2 * (full - d.fast)
	d.slow += 0.05 * (full - d.slow)
	d.speech += 0.05 * (speech - d.speech)
	d.long += 0.01 * (full - d.long)
	f[numBands] = full / 10
	f[numBands+1] = maxSNR / 10
	f[numBands+2] = over / numBands
	f[numBands+3] = sqrt32(spread) / 10
	f[numBands+4] = d.fast / 10
	f[numBands+5] = d.slow / 10
	f[numBands+6] = d.speech / 10
	f[numBands+7] = (full - d.slow) / 10
	f[numBands+8] = d.long / 10
	f[numBands+9] = min(full, d.slow) / 10
	f[numBands+10] = d.mod / 10
	f[numBands+11] = d.overAvg
	f[numBands+12] = d.maxAvg / 10
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// Reset forgets all state, as at the start of a stream.
func (d *SubBand) Reset() {
	w := d.w
	*d = SubBand{w: w}
}

func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(max(x, 0)))) }

var _ audio.VAD = (*SubBand)(nil)

// maxSNRdB caps every SNR feature: beyond it a block is plainly speech, and uncapped
// values (60 dB over digital silence) would hold the smoothed features up long after
// speech ends.
const maxSNRdB = 30
