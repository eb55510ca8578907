package vad

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
)

// TestPowerSpectrumMatchesDFT checks the folded, packed real FFT against the even bins
// of a direct 256-point DFT of the windowed frame.
func TestPowerSpectrumMatchesDFT(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var x [frameLen]float32
	for i := range x {
		x[i] = float32(rng.NormFloat64()) + float32(math.Sin(float64(i)*0.3))
	}
	var p [numBins]float32
	var z fftScratch
	powerSpectrum(&p, &x, &z)
	for k := 0; k < numBins; k++ {
		var s complex128
		for n := range x {
			s += complex(float64(x[n]*hannWin[n]), 0) * cmplx.Exp(complex(0, -2*math.Pi*float64(2*k*n)/frameLen))
		}
		want := real(s)*real(s) + imag(s)*imag(s)
		if d := math.Abs(float64(p[k]) - want); d > 1e-3*want+1e-3 {
			t.Errorf("bin %d: power %g, DFT %g", k, p[k], want)
		}
	}
}

func BenchmarkPowerSpectrum(b *testing.B) {
	var x [frameLen]float32
	for i := range x {
		x[i] = float32(math.Sin(float64(i) * 0.3))
	}
	var p [numBins]float32
	var z fftScratch
	for b.Loop() {
		powerSpectrum(&p, &x, &z)
	}
}
