package audio

import (
	"fmt"
	"math"
	"testing"
)

func sine(rate int, hz, amp float64, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(amp * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
	}
	return s
}

// resampleAll feeds in through r in uneven chunks, as a device would.
func resampleAll(t testing.TB, r *Resampler, in []float32) []float32 {
	t.Helper()
	out := make([]float32, 0, r.MaxOut(len(in))+16)
	chunks := []int{1, 479, 160, 161, 159, 1024}
	for i, c := 0, 0; i < len(in); c++ {
		n := min(chunks[c%len(chunks)], len(in)-i)
		out = r.Process(out, in[i:i+n])
		i += n
	}
	return out
}

// fitSine returns the power of the best-fitting sine at hz and the power of what is left.
func fitSine(x []float32, rate int, hz float64) (signal, residual float64) {
	var ss, sc, cc, xs, xc float64
	for i, v := range x {
		w := 2 * math.Pi * hz * float64(i) / float64(rate)
		s, c := math.Sin(w), math.Cos(w)
		ss += s * s
		cc += c * c
		sc += s * c
		xs += float64(v) * s
		xc += float64(v) * c
	}
	det := ss*cc - sc*sc
	a := (xs*cc - xc*sc) / det
	b := (xc*ss - xs*sc) / det
	for i, v := range x {
		w := 2 * math.Pi * hz * float64(i) / float64(rate)
		fit := a*math.Sin(w) + b*math.Cos(w)
		signal += fit * fit
		e := float64(v) - fit
		residual += e * e
	}
	return signal / float64(len(x)), residual / float64(len(x))
}

func rms(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(x)))
}

func TestResampleRoundTripKeeps60dB(t *testing.T) {
	for _, mid := range []int{16000, 22050, 11025, 8000} {
		t.Run(fmt.Sprint(mid), func(t *testing.T) {
			in := sine(48000, 1000, 0.5, 48000*2)
			down, err := NewResampler(48000, mid, 1024)
			if err != nil {
				t.Fatal(err)
			}
			up, err := NewResampler(mid, 48000, 1024)
			if err != nil {
				t.Fatal(err)
			}
			x := resampleAll(t, down, in)
			y := resampleAll(t, up, x)
			// Skip the filters' start-up and the tail.
			steady := y[4800 : len(y)-4800]
			sig, res := fitSine(steady, 48000, 1000)
			snr := 10 * math.Log10(sig/res)
			t.Logf("48k → %d → 48k: SNR %.1f dB, %d → %d → %d samples", mid, snr, len(in), len(x), len(y))
			if snr < 60 {
				t.Errorf("SNR %.1f dB, want ≥ 60 dB", snr)
			}
			if n := len(y); n < len(in)-8 || n > len(in)+8 {
				t.Errorf("round trip gave %d samples for %d", n, len(in))
			}
		})
	}
}

func TestResampleFiltersAboveNyquist(t *testing.T) {
	tests := []struct {
		in, out int
		hz      float64
		wantDB  float64 // output level relative to input, upper bound (negative: must be filtered)
		pass    bool    // true: level must be within 0.5 dB instead
	}{
		{48000, 16000, 10000, -60, false}, // would alias to 6 kHz
		{48000, 16000, 8500, -60, false},  // just past the new Nyquist
		{48000, 16000, 15000, -60, false}, // would alias to 1 kHz
		{44100, 16000, 12000, -60, false},
		{48000, 16000, 7000, 0, true},
		{48000, 16000, 1000, 0, true},
		{16000, 48000, 3000, 0, true},
		{8000, 16000, 3500, 0, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d_to_%d_at_%gHz", tt.in, tt.out, tt.hz), func(t *testing.T) {
			r, err := NewResampler(tt.in, tt.out, 4096)
			if err != nil {
				t.Fatal(err)
			}
			in := sine(tt.in, tt.hz, 0.5, tt.in)
			out := resampleAll(t, r, in)
			skip := int(r.Delay()) * 2
			level := 20 * math.Log10(rms(out[skip:len(out)-skip])/rms(in))
			t.Logf("level %.1f dB", level)
			if tt.pass {
				if math.Abs(level) > 0.5 {
					t.Errorf("passband tone at %.1f dB, want within 0.5 dB", level)
				}
			} else if level > tt.wantDB {
				t.Errorf("tone above the output Nyquist at %.1f dB, want ≤ %.0f dB (aliasing)", level, tt.wantDB)
			}
		})
	}
}

func TestResamplerRejectsBadRates(t *testing.T) {
	for _, r := range [][2]int{{0, 16000}, {16000, 10}, {1e6, 16000}} {
		if _, err := NewResampler(r[0], r[1], 160); err == nil {
			t.Errorf("NewResampler(%d, %d) accepted", r[0], r[1])
		}
	}
}

func TestResampleAllocatesNothing(t *testing.T) {
	r, _ := NewResampler(48000, 16000, 480)
	in := sine(48000, 440, 0.3, 480)
	out := make([]float32, 0, r.MaxOut(480))
	allocs := testing.AllocsPerRun(100, func() { out = r.Process(out[:0], in) })
	if allocs != 0 {
		t.Errorf("Process allocates %.1f times per call", allocs)
	}
}

func BenchmarkResample48kTo16kBlock(b *testing.B) {
	// One 10 ms block of a 48 kHz mic; must stay far below 10 ms on a Pi Zero 2 W.
	r, _ := NewResampler(48000, 16000, 480)
	in := sine(48000, 440, 0.3, 480)
	out := make([]float32, 0, r.MaxOut(480))
	b.ReportAllocs()
	for b.Loop() {
		out = r.Process(out[:0], in)
	}
}
