//go:build !cgo || noportaudio

package portaudio

// Built without cgo or with -tags noportaudio: every entry point reports ErrNotBuilt.

func devices() ([]Device, error) { return nil, ErrNotBuilt }

func openSource(Opts) (*Source, error) { return nil, ErrNotBuilt }

func openSink(Opts) (*Sink, error) { return nil, ErrNotBuilt }
