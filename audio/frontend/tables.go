package frontend

import (
	"fmt"
	"math"
)

// Fixed-point formats of the microfrontend stages.
const (
	windowBits      = 12 // window coefficients are Q12
	filterbankBits  = 12 // filterbank weights are Q12
	noiseBits       = 14 // noise smoothing coefficients are Q14
	pcanSnrBits     = 12
	pcanOutputBits  = 6
	wdfBits         = 32                // intervals of the PCAN gain function
	wdfLUTSize      = 4*wdfBits - 3     // entries of the PCAN gain table
	logScaleLog2    = 16                // the log2 fraction is Q16
	logSegmentsLog2 = 7                 // 128 segments in the log2 correction table
	logCoeff        = 45426             // ln(2) in Q16
	filterbankAlign = 2                 // channel starts are aligned to 2 bins (4 bytes of int16)
	filterbankBlock = 4                 // channel widths are padded to multiples of 4
	int16Max        = 0x7fff            //
	logScale        = 1 << logScaleLog2 //
)

// Note on float arithmetic: the C code computes its tables in float32. Every
// intermediate result below is converted to float32 explicitly, which also keeps the Go
// compiler from fusing a multiply and an add (as it may on arm64) and so keeps the
// tables identical on every architecture.

// windowCoefficients returns the Q12 Hann window of n samples, as WindowPopulateState.
func windowCoefficients(n int) []int16 {
	c := make([]int16, n)
	arg := float32(float32(math.Pi)*2) / float32(n)
	for i := range c {
		x := float32(arg * float32(float32(i)+0.5))
		v := float32(0.5 - float32(0.5*cosf(x)))
		c[i] = int16(math.Floor(float64(float32(float32(v*(1<<windowBits)) + 0.5))))
	}
	return c
}

func cosf(x float32) float32 { return float32(math.Cos(float64(x))) }
func powf(x, y float32) float32 {
	return float32(math.Pow(float64(x), float64(y)))
}

// freqToMel converts Hz to mel like the microfrontend (1127 ln(1 + f/700)).
func freqToMel(f float32) float32 { return float32(1127 * log1pf(float32(f/700))) }

// filterbank holds the mel filterbank tables (FilterbankState).
type filterbank struct {
	start, end int     // FFT bins start..end-1 carry energy
	freqStarts []int16 // per channel (+1 leading): first FFT bin, aligned
	wStarts    []int16 // per channel: offset in weights/unweights
	widths     []int16 // per channel: bins, padded to filterbankBlock
	weights    []int16 // Q12 weight of each bin for its channel
	unweights  []int16 // Q12 weight of each bin for the next channel (1 - weight)
}

// newFilterbank computes the tables of FilterbankPopulateState for numChannels mel
// channels over spectrumSize FFT bins.
func newFilterbank(numChannels int, lower, upper float32, sampleRate, spectrumSize int) (*filterbank, error) {
	n1 := numChannels + 1
	fb := &filterbank{
		freqStarts: make([]int16, n1),
		wStarts:    make([]int16, n1),
		widths:     make([]int16, n1),
	}
	// Centre frequencies on the mel scale.
	melLow := freqToMel(lower)
	melHi := freqToMel(upper)
	melSpacing := float32(float32(melHi-melLow) / float32(n1))
	centers := make([]float32, n1)
	for i := range centers {
		centers[i] = float32(melLow + float32(melSpacing*float32(i+1)))
	}

	hzPerBin := float32(float32(0.5*float32(sampleRate)) / float32(float32(spectrumSize)-1))
	fb.start = int(float32(1.5 + float32(lower/hzPerBin)))

	actualStarts := make([]int, n1)
	actualWidths := make([]int, n1)
	chanStart := fb.start
	wIndex := 0
	needsZeros := false
	for ch := 0; ch < n1; ch++ {
		f := chanStart
		for freqToMel(float32(float32(f)*hzPerBin)) <= centers[ch] {
			f++
			if f > spectrumSize {
				return nil, fmt.Errorf("frontend: filterbank channel %d runs past the spectrum", ch)
			}
		}
		width := f - chanStart
		actualStarts[ch] = chanStart
		actualWidths[ch] = width
		if width == 0 {
			// An empty channel reads one block of zero weights kept at the front.
			fb.freqStarts[ch] = 0
			fb.wStarts[ch] = 0
			fb.widths[ch] = filterbankBlock
			if !needsZeros {
				needsZeros = true
				for j := 0; j < ch; j++ {
					fb.wStarts[j] += filterbankBlock
				}
				wIndex += filterbankBlock
			}
		} else {
			aligned := chanStart / filterbankAlign * filterbankAlign
			alignedWidth := chanStart - aligned + width
			padded := ((alignedWidth-1)/filterbankBlock + 1) * filterbankBlock
			fb.freqStarts[ch] = int16(aligned)
			fb.wStarts[ch] = int16(wIndex)
			fb.widths[ch] = int16(padded)
			wIndex += padded
		}
		chanStart = f
	}

	fb.weights = make([]int16, wIndex)
	fb.unweights = make([]int16, wIndex)
	for ch := 0; ch < n1; ch++ {
		f := actualStarts[ch]
		offset := f - int(fb.freqStarts[ch])
		wStart := int(fb.wStarts[ch])
		denom := melLow
		if ch > 0 {
			denom = centers[ch-1]
		}
		for j := 0; j < actualWidths[ch]; j, f = j+1, f+1 {
			w := float32(float32(centers[ch]-freqToMel(float32(float32(f)*hzPerBin))) / float32(centers[ch]-denom))
			k := wStart + offset + j
			fb.weights[k] = int16(math.Floor(float64(float32(float32(w*(1<<filterbankBits)) + 0.5))))
			fb.unweights[k] = int16(math.Floor(float64(float32(float32(float32(1-w)*(1<<filterbankBits)) + 0.5))))
		}
		if f > fb.end {
			fb.end = f
		}
	}
	if fb.end >= spectrumSize {
		return nil, fmt.Errorf("frontend: filterbank end bin %d is above the spectrum size %d", fb.end, spectrumSize)
	}
	// The accumulation reads whole padded blocks: make sure they stay in the spectrum.
	for ch := 0; ch < n1; ch++ {
		if int(fb.freqStarts[ch])+int(fb.widths[ch]) > spectrumSize {
			return nil, fmt.Errorf("frontend: filterbank channel %d reads past the spectrum", ch)
		}
	}
	return fb, nil
}

// pcanGain is PcanGainLookupFunction: the Q(gainBits) gain for noise estimate x with
// inputBits fractional bits, (x + offset)^-strength, saturated to int16.
func pcanGain(c *Config, inputBits int, x uint32) int16 {
	xf := float32(float32(x) / float32(uint32(1)<<inputBits))
	g := float32(float32(uint32(1)<<c.PCANGainBits) * powf(float32(xf+c.PCANOffset), -c.PCANStrength))
	if g > int16Max {
		return int16Max
	}
	return int16(float32(g + 0.5))
}

// pcanGainLUT builds the piecewise-quadratic gain table of PcanGainControlPopulateState:
// entries 0 and 1 are the gains at 0 and 1, then for each interval [2^(i-1), 2^i) the
// gain at its start and two quadratic coefficients, at 4*i-6 .. 4*i-4. The fourth slot
// of each interval is unused and stays 0.
func pcanGainLUT(c *Config, inputBits int) []int16 {
	lut := make([]int16, wdfLUTSize)
	lut[0] = pcanGain(c, inputBits, 0)
	lut[1] = pcanGain(c, inputBits, 1)
	for interval := 2; interval <= wdfBits; interval++ {
		x0 := uint32(1) << (interval - 1)
		x1 := x0 + x0>>1
		x2 := 2 * x0
		if interval == wdfBits {
			x2 = x0 + (x0 - 1)
		}
		y0 := pcanGain(c, inputBits, x0)
		y1 := pcanGain(c, inputBits, x1)
		y2 := pcanGain(c, inputBits, x2)
		diff1 := int32(y1) - int32(y0)
		diff2 := int32(y2) - int32(y0)
		a1 := 4*diff1 - diff2
		a2 := diff2 - a1
		k := 4*interval - 6
		lut[k] = y0
		lut[k+1] = int16(a1)
		lut[k+2] = int16(a2)
	}
	return lut
}

// logLUT is the microfrontend's log2 correction table: entry i is
// round(2^16 * (log2(1 + i/128) - i/128)) for i = 0..128, plus one padding entry.
var logLUT = func() [1<<logSegmentsLog2 + 2]uint16 {
	var t [1<<logSegmentsLog2 + 2]uint16
	for i := 0; i <= 1<<logSegmentsLog2; i++ {
		x := float64(i) / (1 << logSegmentsLog2)
		t[i] = uint16(math.Round(logScale * float64(math.Log2(1+x)-x)))
	}
	return t
}()
