package frontend

import (
	"fmt"
	"math"
	"time"
)

// NumChannels is the number of filterbank channels, and so of values in a Frame.
const NumChannels = 40

// Config holds the settings of the front end. Field names follow the microfrontend's
// FrontendConfig; DefaultConfig is what ESPHome uses for microWakeWord models.
type Config struct {
	SampleRate int           // Hz of the input samples, e.g. 16000
	Window     time.Duration // length of the analysis window, whole ms, e.g. 30 ms
	Step       time.Duration // distance between windows, whole ms, e.g. 10 ms

	LowerBandHz float32 // lower edge of the first mel channel, Hz
	UpperBandHz float32 // upper edge of the last mel channel, Hz

	// Noise reduction: a per-channel low-pass estimate of the noise floor is subtracted.
	NoiseSmoothingBits      int     // the signal is scaled by 2^bits before smoothing, 0..16
	NoiseEvenSmoothing      float32 // smoothing coefficient of even channels, 0..1
	NoiseOddSmoothing       float32 // smoothing coefficient of odd channels, 0..1
	NoiseMinSignalRemaining float32 // fraction of the signal always kept, 0..1

	// PCAN (per-channel amplitude normalization) gain control.
	PCAN         bool    // enable PCAN
	PCANStrength float32 // gain normalization exponent, 0 (off) .. 1 (full)
	PCANOffset   float32 // added to the noise estimate in the denominator, > 0
	PCANGainBits int     // fractional bits of the gain, 1..30

	Log           bool // take the fixed-point natural logarithm of the channel values
	LogScaleShift int  // the logarithm is scaled by 2^shift, 0..16
}

// DefaultConfig holds the settings ESPHome's micro_wake_word component uses
// (preprocessor_settings.h): 16 kHz, 30 ms window, 10 ms step, 125–7500 Hz, noise
// reduction, PCAN and log scale on.
var DefaultConfig = Config{
	SampleRate:              16000,
	Window:                  30 * time.Millisecond,
	Step:                    10 * time.Millisecond,
	LowerBandHz:             125,
	UpperBandHz:             7500,
	NoiseSmoothingBits:      10,
	NoiseEvenSmoothing:      0.025,
	NoiseOddSmoothing:       0.06,
	NoiseMinSignalRemaining: 0.05,
	PCAN:                    true,
	PCANStrength:            0.95,
	PCANOffset:              80,
	PCANGainBits:            21,
	Log:                     true,
	LogScaleShift:           6,
}

// windowSamples returns the window and step lengths in samples, computed like the
// C code (size_ms * sample_rate / 1000).
func (c *Config) windowSamples() (size, step int) {
	return int(c.Window.Milliseconds()) * c.SampleRate / 1000, int(c.Step.Milliseconds()) * c.SampleRate / 1000
}

// validate reports the first setting the front end cannot use.
func (c *Config) validate() error {
	if c.SampleRate < 8000 || c.SampleRate > 48000 {
		return fmt.Errorf("frontend: sample rate %d Hz out of range 8000..48000", c.SampleRate)
	}
	if c.Window <= 0 || c.Window%time.Millisecond != 0 || c.Window > time.Second {
		return fmt.Errorf("frontend: window %v must be whole milliseconds in 1ms..1s", c.Window)
	}
	if c.Step <= 0 || c.Step%time.Millisecond != 0 || c.Step > c.Window {
		return fmt.Errorf("frontend: step %v must be whole milliseconds in 1ms..window (%v)", c.Step, c.Window)
	}
	if size, _ := c.windowSamples(); size < 16 {
		return fmt.Errorf("frontend: window of %d samples is too short, want at least 16", size)
	}
	if !finite(c.LowerBandHz) || !finite(c.UpperBandHz) || c.LowerBandHz < 0 ||
		c.UpperBandHz <= c.LowerBandHz || c.UpperBandHz > float32(c.SampleRate)/2 {
		return fmt.Errorf("frontend: band %v..%v Hz invalid, want 0 <= lower < upper <= %d",
			c.LowerBandHz, c.UpperBandHz, c.SampleRate/2)
	}
	if c.NoiseSmoothingBits < 0 || c.NoiseSmoothingBits > 16 {
		return fmt.Errorf("frontend: noise smoothing bits %d out of range 0..16", c.NoiseSmoothingBits)
	}
	for _, v := range []struct {
		name string
		v    float32
	}{
		{"noise even smoothing", c.NoiseEvenSmoothing},
		{"noise odd smoothing", c.NoiseOddSmoothing},
		{"noise min signal remaining", c.NoiseMinSignalRemaining},
	} {
		if !finite(v.v) || v.v < 0 || v.v > 1 {
			return fmt.Errorf("frontend: %s %v out of range 0..1", v.name, v.v)
		}
	}
	if c.PCAN {
		if !finite(c.PCANStrength) || c.PCANStrength < 0 || c.PCANStrength > 1 {
			return fmt.Errorf("frontend: PCAN strength %v out of range 0..1", c.PCANStrength)
		}
		if !finite(c.PCANOffset) || c.PCANOffset <= 0 {
			return fmt.Errorf("frontend: PCAN offset %v must be > 0", c.PCANOffset)
		}
		if c.PCANGainBits < 1 || c.PCANGainBits > 30 {
			return fmt.Errorf("frontend: PCAN gain bits %d out of range 1..30", c.PCANGainBits)
		}
	}
	if c.LogScaleShift < 0 || c.LogScaleShift > 16 {
		return fmt.Errorf("frontend: log scale shift %d out of range 0..16", c.LogScaleShift)
	}
	return nil
}

func finite(f float32) bool { return !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) }
