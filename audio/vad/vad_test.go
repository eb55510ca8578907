package vad

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/vad/vadeval"
	"github.com/genie-voice/genie/audio/wavfile"
)

// blocks cuts a signal (full scale ±1) into 16-bit blocks, dropping a partial last block.
func blocks(x []float64) []audio.Block {
	bs := make([]audio.Block, len(x)/audio.BlockSamples)
	for i := range bs {
		bs[i].Start = int64(i) * audio.BlockSamples
		for j := range bs[i].Samples {
			v := x[i*audio.BlockSamples+j] * 32768
			bs[i].Samples[j] = int16(max(-32768, min(32767, math.Round(v))))
		}
	}
	return bs
}

// Stationary noises at an RMS level in dBFS.
func white(rng *rand.Rand, n int, dbfs float64) []float64 {
	g := math.Pow(10, dbfs/20)
	x := make([]float64, n)
	for i := range x {
		x[i] = g * rng.NormFloat64()
	}
	return x
}

func pink(rng *rand.Rand, n int, dbfs float64) []float64 {
	x := make([]float64, n)
	var b0, b1, b2, p float64
	for i := range x {
		w := rng.NormFloat64()
		b0 = 0.99765*b0 + w*0.0990460
		b1 = 0.96300*b1 + w*0.2965164
		b2 = 0.57000*b2 + w*1.0526913
		x[i] = b0 + b1 + b2 + w*0.1848
		p += x[i] * x[i]
	}
	g := math.Pow(10, dbfs/20) / math.Sqrt(p/float64(n))
	for i := range x {
		x[i] *= g
	}
	return x
}

// hum is mains hum at f0 Hz with 10 harmonics falling off as 1/k, plus a faint hiss.
func hum(rng *rand.Rand, n int, dbfs, f0 float64) []float64 {
	x := make([]float64, n)
	var p float64
	for i := range x {
		t := float64(i) / audio.SampleRate
		for k := 1; k <= 10; k++ {
			x[i] += math.Sin(2*math.Pi*f0*float64(k)*t+float64(k)) / float64(k)
		}
		x[i] += 0.003 * rng.NormFloat64()
		p += x[i] * x[i]
	}
	g := math.Pow(10, dbfs/20) / math.Sqrt(p/float64(n))
	for i := range x {
		x[i] *= g
	}
	return x
}

func detectors() map[string]func() audio.VAD {
	return map[string]func() audio.VAD{
		"SubBand":  func() audio.VAD { return NewSubBand(nil) },
		"FullBand": func() audio.VAD { return NewFullBand(nil) },
	}
}

// TestSteadyNoiseIsNotSpeech feeds 6 s of stationary noise. After the first second the
// detector must have adapted: no more than 1 % of blocks may score as speech.
func TestSteadyNoiseIsNotSpeech(t *testing.T) {
	const n = 6 * audio.SampleRate
	rng := rand.New(rand.NewPCG(7, 7))
	noises := []struct {
		name string
		x    []float64
	}{
		{"white-60dBFS", white(rng, n, -60)},
		{"white-30dBFS", white(rng, n, -30)},
		{"white-15dBFS", white(rng, n, -15)},
		{"pink-40dBFS", pink(rng, n, -40)},
		{"pink-20dBFS", pink(rng, n, -20)},
		{"hum50Hz-30dBFS", hum(rng, n, -30, 50)},
		{"hum60Hz-20dBFS", hum(rng, n, -20, 60)},
	}
	for name, mk := range detectors() {
		for _, nz := range noises {
			t.Run(name+"/"+nz.name, func(t *testing.T) {
				v := mk()
				var speech, total int
				var maxP float32
				for i, b := range blocks(nz.x) {
					p := v.Process(&b)
					if i < 100 {
						continue
					}
					total++
					maxP = max(maxP, p)
					if p >= 0.5 {
						speech++
					}
				}
				if speech*100 > total {
					t.Errorf("%d of %d noise blocks scored as speech (max p %.2f)", speech, total, maxP)
				}
			})
		}
	}
}

// TestNoiseStepIsTrackedWithin2s raises white noise by 30 dB: within 2 s of the step
// (the 1.6 s minimum-statistics window plus smoothing) the detector must call it
// non-speech again.
func TestNoiseStepIsTrackedWithin2s(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	x := append(white(rng, 3*audio.SampleRate, -60), white(rng, 6*audio.SampleRate, -30)...)
	for name, mk := range detectors() {
		t.Run(name, func(t *testing.T) {
			v := mk()
			var late int
			for i, b := range blocks(x) {
				p := v.Process(&b)
				if i >= 500 && p >= 0.5 { // 2 s after the step at block 300
					late++
				}
			}
			if late > 3 {
				t.Errorf("%d blocks scored as speech more than 2 s after a noise step", late)
			}
		})
	}
}

// TestFixtureSpeechScoresHigh scores the labelled fixture: speech blocks must rank far
// above non-speech ones (block-level ROC-AUC) and most blocks must be called right at 0.5.
func TestFixtureSpeechScoresHigh(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "vad")
	f, err := os.Open(filepath.Join(dir, "labels.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lab, err := vadeval.ReadLabels(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		det, file string
		minAUC    float64
		minF1     float64
	}{
		{"SubBand", "s01_none_clean.wav", 0.97, 0.9},
		{"SubBand", "s01_white_10db.wav", 0.93, 0.85},
		{"FullBand", "s01_none_clean.wav", 0.97, 0.85},
	}
	for _, tt := range tests {
		t.Run(tt.det+"/"+tt.file, func(t *testing.T) {
			pcm, err := wavfile.LoadCanonical(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			v := detectors()[tt.det]()
			x := make([]float64, len(pcm))
			for i, s := range pcm {
				x[i] = float64(s) / 32768
			}
			bs := blocks(x)
			scores := make([]float32, len(bs))
			for i := range bs {
				scores[i] = v.Process(&bs[i])
			}
			truth := vadeval.BlockTruth(lab[tt.file], len(bs))
			auc, err := vadeval.AUC(scores, truth)
			if err != nil {
				t.Fatal(err)
			}
			f1 := vadeval.Confusion(scores, truth, 0.5).F1()
			t.Logf("AUC %.4f F1 %.3f", auc, f1)
			if auc < tt.minAUC || f1 < tt.minF1 {
				t.Errorf("AUC %.4f, F1 %.3f; want at least %.2f, %.2f", auc, f1, tt.minAUC, tt.minF1)
			}
		})
	}
}

// TestResetRestartsTheStream checks that after Reset a detector scores a stream exactly
// as a new one does.
func TestResetRestartsTheStream(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	x := white(rng, 3*audio.SampleRate, -40)
	for i := audio.SampleRate; i < 2*audio.SampleRate; i++ {
		x[i] += 0.1 * math.Sin(2*math.Pi*220*float64(i)/audio.SampleRate)
	}
	bs := blocks(x)
	for name, mk := range detectors() {
		t.Run(name, func(t *testing.T) {
			v := mk()
			first := make([]float32, len(bs))
			for i := range bs {
				first[i] = v.Process(&bs[i])
			}
			v.Reset()
			for i := range bs {
				if p := v.Process(&bs[i]); p != first[i] {
					t.Fatalf("block %d after Reset: p %v, first run %v", i, p, first[i])
				}
			}
		})
	}
}

func TestProbabilityStaysInRange(t *testing.T) {
	var b audio.Block
	extremes := []func(i int) int16{
		func(int) int16 { return 0 },
		func(int) int16 { return 32767 },
		func(int) int16 { return -32768 },
		func(i int) int16 { return int16(32767 * (i&1*2 - 1)) },
	}
	for name, mk := range detectors() {
		v := mk()
		for _, f := range extremes {
			for range 300 {
				for i := range b.Samples {
					b.Samples[i] = f(i)
				}
				if p := v.Process(&b); !(p >= 0 && p <= 1) {
					t.Fatalf("%s: p = %v, want 0..1", name, p)
				}
			}
		}
	}
}

func TestLog2f(t *testing.T) {
	for _, x := range []float32{1e-20, 1e-6, 0.1, 0.5, 1, 1.4142, 1.5, 2, 3, 10, 4096, 1e6, 3e38} {
		got, want := log2f(x), math.Log2(float64(x))
		if math.Abs(float64(got)-want) > 1e-4 {
			t.Errorf("log2f(%g) = %v, want %v", x, got, want)
		}
	}
}

func TestProcessAllocatesNothing(t *testing.T) {
	bs := blocks(white(rand.New(rand.NewPCG(1, 1)), 64*audio.BlockSamples, -30))
	for name, mk := range detectors() {
		v := mk()
		i := 0
		if a := testing.AllocsPerRun(500, func() { v.Process(&bs[i&63]); i++ }); a != 0 {
			t.Errorf("%s.Process: %v allocs per block, want 0", name, a)
		}
	}
}

// BenchmarkVADBlock measures one 10 ms block of the default detector (SubBand). Budget:
// 2 µs per block on the bench machine (0.02 % of one core in real time), so the VAD is
// free next to the wake word.
func BenchmarkVADBlock(b *testing.B) {
	benchVAD(b, NewSubBand(nil))
}

// BenchmarkFullBandBlock measures the baseline detector; same budget.
func BenchmarkFullBandBlock(b *testing.B) {
	benchVAD(b, NewFullBand(nil))
}

func benchVAD(b *testing.B, v audio.VAD) {
	bs := blocks(white(rand.New(rand.NewPCG(1, 1)), 256*audio.BlockSamples, -30))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v.Process(&bs[i&255])
		i++
	}
}
