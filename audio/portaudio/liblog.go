package portaudio

import "sync/atomic"

// libLog receives the messages of the sound libraries under PortAudio.
var libLog atomic.Pointer[func(msg string)]

// SetLibraryLog sends the messages ALSA and JACK write about devices (a missing card, no
// JACK server) to f, one line each, prefixed "alsa: " or "jack: "; nil, the default,
// drops them. Without it they clutter stderr each time PortAudio scans for devices. It
// works on Linux; elsewhere the libraries print as they do. f may be called from any
// thread, also while an Open call is under way, and must not call back into this
// package.
func SetLibraryLog(f func(msg string)) {
	if f == nil {
		libLog.Store(nil)
		return
	}
	libLog.Store(&f)
}
