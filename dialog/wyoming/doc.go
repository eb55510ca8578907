// Package wyoming makes genie a Home Assistant voice satellite: a Wyoming protocol
// server (github.com/OHF-Voice/wyoming) that Home Assistant's wyoming integration
// connects to, implementing dialog.Upstream.
//
// # Protocol
//
// An event is one JSON header line {"type", "data"?, "data_length"?, "payload_length"?,
// "version"?}, then data_length bytes of JSON data (merged over the inline data), then
// payload_length bytes of payload (PCM for audio events). Reader and AppendEvent
// implement the framing with hard size limits; unknown fields and events are ignored.
//
// Home Assistant (homeassistant/components/wyoming) first probes with a short
// connection (describe → info, 1 s timeout), then opens its main connection and sends
// run-satellite, describe, and a ping 2 s after connecting and 2 s after each pong; it
// drops a connection that sends nothing for 5 s and reconnects 3 s later. On mute it
// sends pause-satellite and stops reading; on unmute it reconnects. Any connection may
// describe and ping; the one that sends run-satellite becomes the active one and
// replaces an older one.
//
// A turn goes out as detection (wake word turns), run-pipeline {asr → tts},
// audio-start, one audio-chunk per 10 ms block (16 kHz, 16-bit, mono, timestamps in ms
// from the start of the utterance) and audio-stop at the end of the utterance.
// Streaming stops at once on transcript, error, voice-stopped or pause-satellite.
// Reply audio (any rate, 8–32-bit, any channel count) reaches the dialog as mono int16;
// audio without a preceding synthesize is an announcement (turn 0). played is sent when
// the dialog reports the audio played.
//
// # Concurrency
//
// Run owns all protocol state on one goroutine (the hub); each connection has a reader
// and a writer goroutine. The hub never touches a socket: it queues events on the
// active connection's bounded write queue without blocking, so a stalled server drops
// the utterance (DownError) instead of stalling the dialog, and Link.Up is always
// drained. Writes carry a deadline; a write that stalls closes the connection.
// Forwarding one mic block allocates nothing.
package wyoming
