// Package vad holds genie's classic voice activity detectors: cheap, allocation-free
// scorers that turn each 10 ms block of canonical audio (audio.Block, 16 kHz mono) into a
// speech probability, and adapt to stationary noise (white, pink, mains hum) so steady
// noise is not called speech.
//
// SubBand, the default ("energy" in the CLI), measures 16 sub-band energies from a
// 256-sample FFT per block, tracks each band's noise floor with minimum statistics over a
// 2.4 s window, and feeds the sub-band SNRs and a few context features to a logistic model
// fitted offline on a synthetic labelled set (scripts/vadset, scripts/vadfit). FullBand is
// the simpler variant it was measured against: the same noise tracking on the broadband
// energy alone.
//
// Units: energies and SNRs are dB; probabilities are 0..1; a block is 160 samples (10 ms).
// The detectors look at the block and the 96 samples before it, so a block's score
// describes the 16 ms ending at its last sample.
//
// Concurrency: a detector keeps state across blocks and is not safe for concurrent use;
// give each stream its own. Process and Reset allocate nothing.
//
// # Measuring and refitting
//
// The models in weights.go are fitted on the train half of the synthetic labelled set and
// scored on the test half (disjoint voices and sentences):
//
//	go run ./scripts/vadset -out out/vadset -seed 1
//	go run ./scripts/vadset -out out/vadset-train -seed 2 -part train
//	go run ./scripts/vadfit -set out/vadset-train        # rewrites weights.go
//	go run ./cmd/genie bench vad --set out/vadset --vad energy,fullband --png roc.png
//
// Changing a feature or the noise tracking needs a refit; TestSteadyNoiseIsNotSpeech and
// TestNoiseStepIsTrackedWithin2s then check the refitted model still ignores steady noise.
package vad
