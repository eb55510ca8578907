//go:build cgo && !noportaudio

package portaudio

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/genie-voice/genie/audio"
	"github.com/gordonklaus/portaudio"
)

// paMu serializes PortAudio's global calls: Initialize and Terminate (reference
// counted by the binding without a lock), device enumeration (cached in package
// variables of the binding), and opening and closing streams.
var paMu sync.Mutex

// devices lists the devices with PortAudio initialized just for the call.
func devices() ([]Device, error) {
	paMu.Lock()
	defer paMu.Unlock()
	if err := portaudio.Initialize(); err != nil {
		return nil, fmt.Errorf("portaudio: initialize: %w", err)
	}
	defer portaudio.Terminate()
	devs, _, err := listLocked()
	return devs, err
}

// listLocked converts PortAudio's device list; paMu is held and PortAudio initialized.
func listLocked() ([]Device, []*portaudio.DeviceInfo, error) {
	infos, err := portaudio.Devices()
	if err != nil {
		return nil, nil, fmt.Errorf("portaudio: list devices: %w", err)
	}
	defIn, defOut := -1, -1
	if d, err := portaudio.DefaultInputDevice(); err == nil && d != nil {
		defIn = d.Index
	}
	if d, err := portaudio.DefaultOutputDevice(); err == nil && d != nil {
		defOut = d.Index
	}
	devs := make([]Device, len(infos))
	for i, d := range infos {
		api := ""
		if d.HostApi != nil {
			api = d.HostApi.Name
		}
		devs[i] = Device{
			Index:                    d.Index,
			Name:                     d.Name,
			HostAPI:                  api,
			MaxInputChannels:         d.MaxInputChannels,
			MaxOutputChannels:        d.MaxOutputChannels,
			DefaultSampleRate:        int(math.Round(d.DefaultSampleRate)),
			DefaultLowInputLatency:   d.DefaultLowInputLatency,
			DefaultHighInputLatency:  d.DefaultHighInputLatency,
			DefaultLowOutputLatency:  d.DefaultLowOutputLatency,
			DefaultHighOutputLatency: d.DefaultHighOutputLatency,
			DefaultInput:             d.Index == defIn,
			DefaultOutput:            d.Index == defOut,
		}
	}
	return devs, infos, nil
}

func openSource(o Opts) (*Source, error) {
	ps, d, o, f, err := openStream(o, true)
	if err != nil {
		return nil, err
	}
	return newSource(d, f, ps.s.Info().InputLatency, o, ps), nil
}

func openSink(o Opts) (*Sink, error) {
	ps, d, o, f, err := openStream(o, false)
	if err != nil {
		return nil, err
	}
	return newSink(d, f, ps.s.Info().OutputLatency, o, ps), nil
}

// openStream initializes PortAudio, finds the device and opens and starts a blocking
// stream on it. On success the stream holds one PortAudio reference, released by close.
func openStream(o Opts, input bool) (_ *paStream, _ Device, _ Opts, _ audio.Format, err error) {
	paMu.Lock()
	defer paMu.Unlock()
	if err := portaudio.Initialize(); err != nil {
		return nil, Device{}, o, audio.Format{}, fmt.Errorf("portaudio: initialize: %w", err)
	}
	defer func() {
		if err != nil {
			portaudio.Terminate()
		}
	}()
	devs, infos, err := listLocked()
	if err != nil {
		return nil, Device{}, o, audio.Format{}, err
	}
	d, err := findDevice(devs, o.Device, input)
	if err != nil {
		return nil, Device{}, o, audio.Format{}, err
	}
	o = o.withDefaults(d, input)
	f := audio.Format{SampleRate: o.SampleRate, Channels: o.Channels}
	if err := f.Validate(); err != nil {
		return nil, d, o, f, fmt.Errorf("portaudio: open %v: %w", d, err)
	}
	if have := d.channels(input); f.Channels > have {
		return nil, d, o, f, fmt.Errorf("portaudio: open %v: %d channels wanted, device has %d", d, f.Channels, have)
	}
	sp := portaudio.StreamDeviceParameters{Device: infos[d.Index], Channels: f.Channels, Latency: o.Latency}
	p := portaudio.StreamParameters{SampleRate: float64(f.SampleRate), FramesPerBuffer: portaudio.FramesPerBufferUnspecified}
	if input {
		p.Input = sp
	} else {
		p.Output = sp
	}
	ps := &paStream{}
	if ps.s, err = portaudio.OpenStream(p, &ps.buf); err != nil {
		return nil, d, o, f, fmt.Errorf("portaudio: open %v at %v: %w", d, f, err)
	}
	if err = ps.s.Start(); err != nil {
		ps.s.Close()
		return nil, d, o, f, fmt.Errorf("portaudio: start %v at %v: %w", d, f, err)
	}
	return ps, d, o, f, nil
}

// paStream is a started PortAudio blocking stream. The binding reads and writes the
// slice buf points at, so read and write aim buf at the caller's slice first.
type paStream struct {
	s      *portaudio.Stream
	buf    []int16
	closed bool
}

func (ps *paStream) read(p []int16) (bool, error) {
	ps.buf = p
	err := ps.s.Read()
	if errors.Is(err, portaudio.InputOverflowed) {
		return true, nil
	}
	return false, err
}

func (ps *paStream) write(p []int16) (bool, error) {
	ps.buf = p
	err := ps.s.Write()
	if errors.Is(err, portaudio.OutputUnderflowed) {
		return true, nil
	}
	return false, err
}

func (ps *paStream) drain() error { return ps.s.Stop() }

func (ps *paStream) close() error {
	if ps.closed {
		return nil
	}
	ps.closed = true
	ps.s.Abort() // fails harmlessly if drain already stopped it
	paMu.Lock()
	defer paMu.Unlock()
	err := ps.s.Close()
	portaudio.Terminate()
	return err
}
