package portaudio

// Devices lists the devices PortAudio sees, in index order. Each call initializes
// PortAudio, which scans the host APIs (ALSA, JACK, ...) afresh unless a stream is open.
func Devices() ([]Device, error) { return devices() }

// OpenSource opens an input device for capture and starts it. A nil o means the zero
// Opts. The Source delivers the device's native format (o.SampleRate, o.Channels);
// close it to release the device.
func OpenSource(o *Opts) (*Source, error) {
	if o == nil {
		o = &Opts{}
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	return openSource(*o)
}

// OpenSink opens an output device for playback and starts it. A nil o means the zero
// Opts. Close it to play what is queued and release the device.
func OpenSink(o *Opts) (*Sink, error) {
	if o == nil {
		o = &Opts{}
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	return openSink(*o)
}
