// Package frontend computes the 40-channel log filterbank features that microWakeWord
// models (and the microWakeWord VAD model) consume, bit for bit as the TensorFlow Lite
// Micro audio "microfrontend" C library does with its kissfft int16 build, configured
// the way ESPHome's micro_wake_word component configures it.
//
// The pipeline per feature vector is: Hann window (Q12) over the last 30 ms, input
// scaling to use the full int16 range, 512-point fixed-point real FFT, power spectrum,
// mel filterbank (Q12 weights) with integer square root, per-channel noise reduction
// (Q14 smoothing), PCAN automatic gain control (piecewise-quadratic gain table) and a
// fixed-point natural logarithm scaled by 2^6. Every stage uses the same integer
// arithmetic as the C code, including its truncations and 16-bit wrap-arounds, so the
// output matches the reference exactly; the tables (window, filterbank, gain and log
// tables, FFT twiddles) are computed in New with float32 arithmetic that mirrors the C
// single-precision code.
//
// Units: sample rates are int Hz, window and step lengths are time.Duration, positions
// in the mic stream are sample indices (int64) of the canonical 16 kHz stream, band
// limits are Hz. A Frame here is one feature vector (NumChannels values), not an audio
// frame.
//
// Concurrency: a Frontend is not safe for concurrent use; the listener loop owns it.
// After New, Process, Feed, Last and Reset allocate nothing.
package frontend
