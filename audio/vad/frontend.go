package vad

import (
	"math"

	"github.com/genie-voice/genie/audio"
)

// Sub-bands of the spectrum, roughly mel spaced, as ranges [lo, hi) of 125 Hz bins:
// 125 Hz .. 8 kHz. Track numBands is the full band (bins 1..64).
const (
	numBands  = 12
	numTracks = numBands + 1
	fullTrack = numBands
)

// Every band spans at least two bins: a one-bin band of noise swings too much (its
// energy is exponentially distributed) to tell from speech.
var bandEdges = [numBands + 1]int{1, 3, 5, 7, 9, 12, 15, 19, 24, 30, 37, 46, numBins}

// Minimum-statistics noise tracking: the floor is the minimum of the smoothed energy over
// numSub sub-windows of subLen blocks (1.6 s), so it follows a step in stationary noise
// within 1.6 s while speech, which pauses between words, rarely lifts it.
const (
	subLen    = 20
	numSub    = 8
	smoothing = 0.5  // weight of the new block in the smoothed energy
	noiseGate = 6    // dB above the floor a block may be and still count as noise
	noiseRate = 0.05 // weight of a noise block in the noise level (about 200 ms)
	// floorDB is the lowest noise floor, per bin: white noise at about -80 dBFS, so
	// digital silence does not make every later sound infinitely loud.
	floorDB = -60
)

// dbPerLog2 converts log2 of a power ratio to dB.
const dbPerLog2 = 3.0102999566398

// tracker follows the energy and noise floor of numTracks bands.
type tracker struct {
	frame  [frameLen]float32 // last 256 samples, scaled to ±1
	z      fftScratch
	pow    [numBins]float32
	energy [numTracks]float32         // dB, this block
	smooth [numTracks]float32         // dB, smoothed over blocks
	floor  [numTracks]float32         // dB, minimum-statistics floor
	noise  [numTracks]float32         // dB, mean level of blocks near the floor
	curMin [numTracks]float32         // dB, minimum of the sub-window being filled
	mins   [numSub][numTracks]float32 // dB, minima of the last numSub sub-windows
	ring   [numTracks]float32         // dB, minimum over mins
	sub    int                        // sub-window being filled
	pos    int                        // blocks in the current sub-window
	blocks int64                      // blocks since Reset
}

// bandFloorDB is floorDB scaled to each band's bin count.
var bandFloorDB [numTracks]float32

func init() {
	for b := 0; b < numBands; b++ {
		bandFloorDB[b] = floorDB + dbPerLog2*log2f(float32(bandEdges[b+1]-bandEdges[b]))
	}
	bandFloorDB[fullTrack] = floorDB + dbPerLog2*log2f(float32(bandEdges[numBands]-bandEdges[0]))
}

func (t *tracker) reset() { *t = tracker{} }

// update analyses one block.
func (t *tracker) update(b *audio.Block) {
	copy(t.frame[:], t.frame[audio.BlockSamples:])
	dst := t.frame[frameLen-audio.BlockSamples:]
	for i, s := range b.Samples {
		dst[i] = float32(s) * (1.0 / 32768)
	}
	powerSpectrum(&t.pow, &t.frame, &t.z)
	var total float32
	for k := 0; k < numBands; k++ {
		var e float32
		for _, p := range t.pow[bandEdges[k]:bandEdges[k+1]] {
			e += p
		}
		total += e
		t.energy[k] = dbPerLog2 * log2f(e+1e-20)
	}
	t.energy[fullTrack] = dbPerLog2 * log2f(total+1e-20)

	first := t.blocks == 0
	t.blocks++
	if first {
		t.smooth = t.energy
		for s := range t.mins {
			for k := range t.mins[s] {
				t.mins[s][k] = math.MaxFloat32
			}
		}
		t.ring = t.mins[0]
		t.curMin = t.energy
	}
	for k := range t.energy {
		e := t.energy[k]
		if e < bandFloorDB[k] {
			e = bandFloorDB[k]
		}
		s := t.smooth[k] + smoothing*(e-t.smooth[k])
		if first {
			s = e
		}
		t.smooth[k] = s
		if s < t.curMin[k] {
			t.curMin[k] = s
		}
		fl := min(t.curMin[k], t.ring[k])
		t.floor[k] = fl
		// The minimum sits well below the noise's typical level; average the blocks
		// that are close to it for an unbiased noise level, never below the minimum.
		n := t.noise[k]
		if first {
			n = s
		}
		if s < fl+noiseGate {
			n += noiseRate * (s - n)
		}
		t.noise[k] = max(n, fl)
	}
	if t.pos++; t.pos == subLen {
		t.mins[t.sub] = t.curMin
		t.sub = (t.sub + 1) % numSub
		t.pos = 0
		t.ring = t.mins[0]
		for j := 1; j < numSub; j++ {
			for k := range t.ring {
				t.ring[k] = min(t.ring[k], t.mins[j][k])
			}
		}
		for k := range t.curMin {
			t.curMin[k] = math.MaxFloat32
		}
	}
}

// snr returns band k's smoothed energy over its noise level in dB, at least 0.
func (t *tracker) snr(k int) float32 {
	d := t.smooth[k] - t.noise[k]
	if d < 0 {
		return 0
	}
	return d
}

// log2f is log2(x) for x > 0 to about 1e-5, without math's float64 round trip.
func log2f(x float32) float32 {
	bits := math.Float32bits(x)
	e := int32(bits>>23&0xff) - 127
	m := math.Float32frombits(bits&0x007fffff | 0x3f800000) // [1, 2)
	if m > math.Sqrt2 {
		m *= 0.5
		e++
	}
	// log2(m) = 2/ln2 · atanh(y), y = (m-1)/(m+1), |y| < 0.172.
	y := (m - 1) / (m + 1)
	y2 := y * y
	return float32(e) + y*(2.8853900817779268+y2*(0.9617966939259756+y2*(0.5770780163555854+y2*0.4121985831111324)))
}

// sigmoid maps a log-odds value to a probability.
func sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }
