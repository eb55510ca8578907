package portaudio

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/genie-voice/genie/audio"
)

// ErrNotBuilt is returned by every function that needs the PortAudio library when genie
// was built without it.
var ErrNotBuilt = errors.New("portaudio: genie was built without PortAudio (CGO_ENABLED=0 or -tags noportaudio)")

// ErrDeviceNotFound matches (errors.Is) the error of OpenSource and OpenSink when no
// device fits Opts.Device; the error text lists the devices there are.
var ErrDeviceNotFound = errors.New("portaudio: device not found")

// ErrDeviceLost is wrapped by the error of Read or Write when the device failed or
// delivered nothing for Opts.Timeout. The stream is dead after it: close it and open
// the device again (ResilientSource and ResilientSink do that).
var ErrDeviceLost = errors.New("portaudio: device lost")

// Opts says which device to open and how. The zero value opens the default device in
// mono at its default sample rate.
type Opts struct {
	// Device is a device index ("3"), or a name or part of one, matched without regard
	// to case: an exact name wins, otherwise the first device (by index) whose name
	// contains it and that has channels in the wanted direction. "" is the default device.
	Device     string
	SampleRate int           // Hz, 8000..96000; 0 = the device's default sample rate
	Channels   int           // channels to open, 1..8; 0 = 1
	Latency    time.Duration // suggested device latency; 0 = the device's default high latency
	Chunk      time.Duration // audio moved per PortAudio call; 0 = 10 ms
	Buffer     time.Duration // queue between the device and Read/Write; 0 = 100 ms
	Timeout    time.Duration // no audio for this long means the device is lost; 0 = 2 s
}

// Defaults used for zero fields of Opts.
const (
	DefaultChunk   = 10 * time.Millisecond
	DefaultBuffer  = 100 * time.Millisecond
	DefaultTimeout = 2 * time.Second
)

// validate checks the fields that do not depend on the device.
func (o *Opts) validate() error {
	if o.SampleRate != 0 {
		if err := (audio.Format{SampleRate: o.SampleRate, Channels: 1}).Validate(); err != nil {
			return fmt.Errorf("portaudio: %w", err)
		}
	}
	if o.Channels < 0 || o.Channels > 8 {
		return fmt.Errorf("portaudio: %d channels out of range 1..8", o.Channels)
	}
	if o.Latency < 0 || o.Latency > 2*time.Second {
		return fmt.Errorf("portaudio: latency %v out of range 0..2s", o.Latency)
	}
	if o.Chunk < 0 || o.Chunk > time.Second {
		return fmt.Errorf("portaudio: chunk %v out of range 0..1s", o.Chunk)
	}
	if o.Buffer < 0 || o.Buffer > 10*time.Second {
		return fmt.Errorf("portaudio: buffer %v out of range 0..10s", o.Buffer)
	}
	if o.Timeout < 0 {
		return fmt.Errorf("portaudio: negative timeout %v", o.Timeout)
	}
	return nil
}

// withDefaults returns o with zero fields filled in for device d.
func (o Opts) withDefaults(d Device, input bool) Opts {
	if o.SampleRate == 0 {
		o.SampleRate = d.DefaultSampleRate
	}
	if o.Channels == 0 {
		o.Channels = 1
	}
	if o.Latency == 0 {
		o.Latency = d.DefaultHighOutputLatency
		if input {
			o.Latency = d.DefaultHighInputLatency
		}
	}
	if o.Chunk == 0 {
		o.Chunk = DefaultChunk
	}
	if o.Buffer == 0 {
		o.Buffer = DefaultBuffer
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	return o
}

// Device describes one PortAudio device.
type Device struct {
	Index                    int
	Name                     string
	HostAPI                  string // e.g. "ALSA"
	MaxInputChannels         int
	MaxOutputChannels        int
	DefaultSampleRate        int // Hz
	DefaultLowInputLatency   time.Duration
	DefaultHighInputLatency  time.Duration
	DefaultLowOutputLatency  time.Duration
	DefaultHighOutputLatency time.Duration
	DefaultInput             bool // the default input device
	DefaultOutput            bool // the default output device
}

// String returns e.g. `#3 "USB Audio: - (hw:1,0)" (ALSA)`.
func (d Device) String() string { return fmt.Sprintf("#%d %q (%s)", d.Index, d.Name, d.HostAPI) }

// channels returns the device's maximum channel count in one direction.
func (d Device) channels(input bool) int {
	if input {
		return d.MaxInputChannels
	}
	return d.MaxOutputChannels
}

// findDevice picks the device spec names among devs (see Opts.Device).
func findDevice(devs []Device, spec string, input bool) (Device, error) {
	dir := "output"
	if input {
		dir = "input"
	}
	if spec == "" {
		for _, d := range devs {
			if (input && d.DefaultInput) || (!input && d.DefaultOutput) {
				return d, nil
			}
		}
		return Device{}, notFound(fmt.Sprintf("portaudio: no default %s device; %s", dir, listDevices(devs, input)))
	}
	if i, err := strconv.Atoi(spec); err == nil && spec[0] != '-' && spec[0] != '+' {
		for _, d := range devs {
			if d.Index != i {
				continue
			}
			if d.channels(input) == 0 {
				return Device{}, fmt.Errorf("portaudio: device %v has no %s channels", d, dir)
			}
			return d, nil
		}
		return Device{}, notFound(fmt.Sprintf("portaudio: %s device %d not found; %s", dir, i, listDevices(devs, input)))
	}
	for _, d := range devs {
		if d.channels(input) > 0 && strings.EqualFold(d.Name, spec) {
			return d, nil
		}
	}
	want := strings.ToLower(spec)
	for _, d := range devs {
		if d.channels(input) > 0 && strings.Contains(strings.ToLower(d.Name), want) {
			return d, nil
		}
	}
	return Device{}, notFound(fmt.Sprintf("portaudio: %s device %q not found; %s", dir, spec, listDevices(devs, input)))
}

// notFound is an error that matches ErrDeviceNotFound and carries the full text.
type notFound string

func (e notFound) Error() string { return string(e) }

// Is makes errors.Is(err, ErrDeviceNotFound) true.
func (e notFound) Is(target error) bool { return target == ErrDeviceNotFound }

// listDevices names the devices with channels in one direction, for error messages.
func listDevices(devs []Device, input bool) string {
	var b strings.Builder
	for _, d := range devs {
		if d.channels(input) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d %q", d.Index, d.Name)
	}
	if b.Len() == 0 {
		if input {
			return "there are no input devices"
		}
		return "there are no output devices"
	}
	if input {
		return "inputs: " + b.String()
	}
	return "outputs: " + b.String()
}
