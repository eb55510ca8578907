package vad

import (
	"math/rand/v2"
	"testing"

	"github.com/genie-voice/genie/audio"
)

// noiseBlocks returns n blocks of Gaussian white noise at RMS amplitude rms (full scale 32768).
func noiseBlocks(seed uint64, n int, rms float64) []audio.Block {
	rng := rand.New(rand.NewPCG(seed, 1))
	bs := make([]audio.Block, n)
	for i := range bs {
		bs[i].Start = int64(i) * audio.BlockSamples
		for j := range bs[i].Samples {
			bs[i].Samples[j] = int16(max(-32768, min(32767, rng.NormFloat64()*rms)))
		}
	}
	return bs
}

// BenchmarkSubBandBlock measures one 10 ms block. Budget: 2 µs per block on the bench
// machine, so the VAD costs 0.02 % of one core in real time.
func BenchmarkSubBandBlock(b *testing.B) {
	benchVAD(b, NewSubBand(nil))
}

// BenchmarkFullBandBlock measures the baseline detector; same budget.
func BenchmarkFullBandBlock(b *testing.B) {
	benchVAD(b, NewFullBand(nil))
}

func benchVAD(b *testing.B, v audio.VAD) {
	bs := noiseBlocks(1, 256, 1000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v.Process(&bs[i&255])
		i++
	}
}

func TestProcessAllocatesNothing(t *testing.T) {
	bs := noiseBlocks(1, 64, 1000)
	for _, v := range []audio.VAD{NewSubBand(nil), NewFullBand(nil)} {
		i := 0
		if a := testing.AllocsPerRun(500, func() { v.Process(&bs[i&63]); i++ }); a != 0 {
			t.Errorf("%T.Process: %v allocs per block, want 0", v, a)
		}
	}
}
