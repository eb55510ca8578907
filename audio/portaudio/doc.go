// Package portaudio captures and plays audio through PortAudio
// (github.com/gordonklaus/portaudio): it lists devices, opens an input or output
// device by name or index, and presents it as an audio.Source or audio.Sink in the
// device's native Format. Conversion to the canonical 16 kHz mono is not done here.
//
// The real backend needs cgo and libportaudio (Debian: portaudio19-dev) and is built
// with `cgo && !noportaudio`. With CGO_ENABLED=0 or -tags noportaudio the package
// still builds: Devices, OpenSource and OpenSink then return ErrNotBuilt, so genie
// stays a pure-Go binary for wav, network and HAL work.
//
// # Streams
//
// A Source or Sink owns one PortAudio blocking stream and one goroutine (the pump)
// that moves fixed 10 ms chunks between the stream and a bounded queue. Read and Write
// only copy between the caller's slice and the queue; they block on channels, never
// spin, and allocate nothing. A capture overflow is reported once, between the samples
// before and after the gap, as audio.ErrOverrun and counted by Overruns. A device that
// fails, or delivers nothing for Opts.Timeout, makes Read or Write return an error
// wrapping ErrDeviceLost.
//
// ResilientSource and ResilientSink wrap a Source or Sink: on loss they report an
// event, keep the stream going with wall-clock-paced silence (capture) or dropped
// samples (playback), reopen the device with exponential backoff (100 ms doubling to
// 5 s) and report when it is back.
//
// # Devices
//
// Opts.Device is an index or a part of a name (see Devices and `genie devices`). On
// Linux PortAudio lists ALSA cards (hw:N,M) and the PCMs of the ALSA configuration;
// ALSA_CONFIG_PATH selects another configuration, which is how the tests run without
// a sound card (testdata/asound.conf.tmpl). ALSA's and JACK's own messages go to
// SetLibraryLog, not stderr. PortAudio scans for devices only when it is first
// initialized: while any stream is open, a device plugged in later is not seen, so a
// lost USB device comes back by reopening its old index or name.
//
// github.com/gordonklaus/portaudio fails Go's checkptr, which -race turns on: test
// with -race -gcflags=github.com/gordonklaus/portaudio=-d=checkptr=0 (the real-device
// tests skip themselves under -race without it).
//
// Units: sample rates are int Hz; lengths of time are time.Duration; a sample is one
// channel value, a frame is one sample per channel.
//
// Concurrency: Read (Write) must be called from one goroutine at a time; Close may be
// called from any goroutine, also while Read or Write is blocked.
package portaudio
