//go:build cgo && !noportaudio && linux

package portaudio

/*
#cgo pkg-config: alsa jack
void genieRouteLibMessages(void);
*/
import "C"

// ALSA and JACK print to stderr whenever PortAudio scans for devices: dozens of lines
// about missing cards and an absent JACK server on a board without them, again on
// every reopen. Their messages go to the function given to SetLibraryLog instead.
func init() { C.genieRouteLibMessages() }

//export genieLibMessage
func genieLibMessage(msg *C.char) {
	if f := libLog.Load(); f != nil {
		(*f)(C.GoString(msg))
	}
}
