// Package wakeword runs microWakeWord streaming wake-word models in pure Go and
// decides, exactly as ESPHome's micro_wake_word component does, when a wake word
// was heard.
//
// A Model is a manifest (the microWakeWord v2 JSON) plus its int8 TFLite model,
// checked at load by package wakeword/tflite. An Engine runs one or more models,
// optionally gated by the VAD model, on the 40-channel feature frames of the
// audio front end, one frame per 10 ms step. Each model is invoked once per
// Stride frames (3 for the published models); its raw uint8 outputs go through
// ESPHome's sliding-window average, cutoff and cool-off logic. The window
// (how many outputs are averaged) and the cutoff can be overridden per model;
// a window of 1 fires about 90 ms sooner on the published models.
//
// Units: samples are canonical 16 kHz indices, probabilities are 0..1, cutoffs
// are given as probabilities and applied as ESPHome applies them, truncated to
// uint8 (int(cutoff*255)).
//
// An Engine allocates everything in NewEngine; Process allocates nothing and
// does no I/O. An Engine is not safe for concurrent use; a Model is immutable and
// may be shared by several Engines.
package wakeword
