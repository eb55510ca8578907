package portaudio

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// pi5Devices is what PortAudio lists on a Raspberry Pi 5 with a ReSpeaker 2-mic HAT
// (names as ALSA reports them).
var pi5Devices = []Device{
	{Index: 0, Name: "vc4-hdmi-0: MAI PCM i2s-hifi-0 (hw:0,0)", HostAPI: "ALSA", MaxOutputChannels: 2},
	{Index: 1, Name: "seeed-2mic-voicecard: bcm2835-i2s-wm8960-hifi wm8960-hifi-0 (hw:2,0)", HostAPI: "ALSA", MaxInputChannels: 2, MaxOutputChannels: 2},
	{Index: 2, Name: "sysdefault", HostAPI: "ALSA", MaxInputChannels: 128, MaxOutputChannels: 128},
	{Index: 3, Name: "Seeed", HostAPI: "ALSA", MaxOutputChannels: 2},
	{Index: 4, Name: "default", HostAPI: "ALSA", MaxInputChannels: 128, MaxOutputChannels: 128, DefaultInput: true, DefaultOutput: true},
}

func TestFindDevice(t *testing.T) {
	tests := []struct {
		spec  string
		input bool
		want  int    // index, or -1 for an error
		err   string // part of the error
	}{
		{"", true, 4, ""},
		{"", false, 4, ""},
		{"1", true, 1, ""},
		{"0", false, 0, ""},
		{"0", true, -1, "has no input channels"},
		{"9", true, -1, `input device 9 not found; inputs: 1 "seeed-2mic-voicecard`},
		{"-1", true, -1, `input device "-1" not found`},
		{"seeed", false, 3, ""},            // exact name (any case) beats an earlier substring match
		{"SEEED", true, 1, ""},             // Seeed has no input: the substring match
		{"wm8960", true, 1, ""},            // substring
		{"hw:0,0", false, 0, ""},           // substring with punctuation
		{"hw:0,0", true, -1, "not found"},  // the HDMI output has no input
		{"usb", true, -1, "not found"},     // nothing
		{"default", true, 4, ""},           // exact
		{"DEFAULT", false, 4, ""},          // exact, any case
		{"sys", true, 2, ""},               // first substring match
		{" seeed", true, -1, "not found"},  // no trimming: spaces are part of names
		{"+1", true, -1, `"+1" not found`}, // not an index
	}
	for _, tt := range tests {
		dir := "out"
		if tt.input {
			dir = "in"
		}
		t.Run(dir+"/"+strings.ReplaceAll(tt.spec, " ", "_"), func(t *testing.T) {
			d, err := findDevice(pi5Devices, tt.spec, tt.input)
			if tt.want >= 0 {
				if err != nil || d.Index != tt.want {
					t.Errorf("findDevice(%q) = %v, %v; want #%d", tt.spec, d, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("findDevice(%q) = %v, %v; want an error containing %q", tt.spec, d, err, tt.err)
			}
			if strings.Contains(tt.err, "not found") && !errors.Is(err, ErrDeviceNotFound) {
				t.Errorf("error %v does not match ErrDeviceNotFound", err)
			}
		})
	}
}

func TestFindDeviceWithoutDevices(t *testing.T) {
	_, err := findDevice(nil, "", true)
	if err == nil || !errors.Is(err, ErrDeviceNotFound) || !strings.Contains(err.Error(), "no default input device; there are no input devices") {
		t.Errorf("no devices: %v", err)
	}
}

func TestOptsValidate(t *testing.T) {
	tests := []struct {
		opts Opts
		err  string // "" = valid
	}{
		{Opts{}, ""},
		{Opts{SampleRate: 16000, Channels: 2, Latency: 50 * time.Millisecond}, ""},
		{Opts{SampleRate: 7999}, "sample rate 7999 Hz out of range"},
		{Opts{SampleRate: 192000}, "sample rate 192000 Hz out of range"},
		{Opts{Channels: 9}, "9 channels out of range"},
		{Opts{Channels: -1}, "-1 channels out of range"},
		{Opts{Latency: -time.Millisecond}, "latency -1ms out of range"},
		{Opts{Chunk: 2 * time.Second}, "chunk 2s out of range"},
		{Opts{Buffer: -1}, "buffer -1ns out of range"},
		{Opts{Timeout: -1}, "negative timeout"},
	}
	for _, tt := range tests {
		err := tt.opts.validate()
		if (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%+v: %v, want %q", tt.opts, err, tt.err)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "portaudio: ") {
			t.Errorf("error %q lacks the package prefix", err)
		}
	}
}

// FuzzFindDevice checks that any device spec gives a device with channels in the
// wanted direction or an error, never a panic.
func FuzzFindDevice(f *testing.F) {
	for _, s := range []string{"", "0", "1", "99", "-1", "+1", "seeed", "hw:2,0", "DEFAULT", "ü", "\x00", "1e3", " 1"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, spec string, input bool) {
		d, err := findDevice(pi5Devices, spec, input)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "portaudio: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			return
		}
		if d.channels(input) == 0 {
			t.Errorf("findDevice(%q, %v) = %v, which has no channels that way", spec, input, d)
		}
	})
}
