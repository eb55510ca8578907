// Package audio owns genie's sample formats and the pieces every audio path is built
// from: Source and Sink, conversion between any device format (8–48 kHz, any channel
// count) and the canonical one (16 kHz mono signed 16-bit), 10 ms blocks stamped with
// their sample index, the pre-roll ring and the speaker mixer.
//
// Units: sample rates are int Hz; lengths of time are time.Duration; positions in the
// mic stream are sample indices (int64) of the canonical 16 kHz stream. A sample is one
// channel value, a frame is one sample per channel, a block is 160 canonical frames.
//
// Concurrency: unless a type says otherwise it is not safe for concurrent use; the
// listener loop owns its converters and ring, the speaker path owns the mixer.
package audio
