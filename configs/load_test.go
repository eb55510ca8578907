package configs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEveryProfileLoads(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("want at least 3 profiles, got %v (%v)", files, err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(f, ".yaml"), func(t *testing.T) {
			c, err := Load(f)
			if err != nil {
				t.Fatal(err)
			}
			if c.Board != strings.TrimSuffix(f, ".yaml") {
				t.Errorf("board = %q, want the file's name", c.Board)
			}
		})
	}
}

func TestBenchProfile(t *testing.T) {
	c, err := Load("bench.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Mic.Backend != BackendWav || c.Speaker.Backend != BackendWav || c.Upstream.Kind != UpstreamLocal {
		t.Errorf("bench must be wav → wav with the local upstream, got %+v %+v %q", c.Mic, c.Speaker, c.Upstream.Kind)
	}
	if got := c.Wakeword.Models; len(got) != 1 || got[0].Name != "hey_genie" {
		t.Errorf("wake models = %v, want the built-in hey_genie", got)
	}
	if c.Listener.PreRoll != 500*time.Millisecond {
		t.Errorf("preroll = %v, want the 500ms default", c.Listener.PreRoll)
	}
}

func TestRespeakerProfile(t *testing.T) {
	c, err := Load("rpi-respeaker-2mic.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.HAL.LEDs.Driver != DriverAPA102 || c.HAL.LEDs.Count != 3 || c.HAL.LEDs.SPI != "SPI0.0" {
		t.Errorf("LEDs = %+v, want 3 APA102 on SPI0.0", c.HAL.LEDs)
	}
	if len(c.HAL.Buttons) != 1 || c.HAL.Buttons[0].Pin != "GPIO17" {
		t.Errorf("buttons = %+v, want the action button on GPIO17", c.HAL.Buttons)
	}
}

func TestBuiltinProfilesNeedNoFiles(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, name := range []string{"bench", "bench.yaml", "configs/bench.yaml"} {
		c, err := Load(name)
		if err != nil {
			t.Fatalf("Load(%q) outside the repo: %v", name, err)
		}
		if c.Board != "bench" {
			t.Errorf("Load(%q).Board = %q", name, c.Board)
		}
	}
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		wantLine int
		wantIn   []string
	}{
		{"unknown_key", "board: x\nmic:\n  backend: wav\n  file: a.wav\n  sampel_rate: 16000\n", 5, []string{"sampel_rate", "not a known key"}},
		{"wrong_type", "board: x\nmic:\n  backend: wav\n  file: a.wav\n  sample_rate: fast\n", 5, []string{"fast", "int"}},
		{"out_of_range_rate", "board: x\nmic:\n  backend: wav\n  file: a.wav\n  sample_rate: 96000\n", 5, []string{"mic.sample_rate", "96000", "8000..48000"}},
		{"bad_backend", "board: x\nmic:\n  backend: alsa\n", 3, []string{"mic.backend", `"alsa"`}},
		{"wav_without_file", "board: x\nmic:\n  backend: wav\n", 2, []string{"mic.file", "required"}},
		{"bad_duration", "board: x\nlistener:\n  preroll: 10 minutes\n", 3, []string{"10 minutes"}},
		{"preroll_too_long", "board: x\nmic: {backend: wav, file: a.wav}\nlistener:\n  preroll: 1m\n", 4, []string{"listener.preroll", "1m0s"}},
		{"negative_press", "board: x\nmic: {backend: wav, file: a.wav}\ntriggers:\n  push_to_talk:\n    press_at: [1s, -2s]\n", 5, []string{"press_at.1", "negative"}},
		{"button_without_pin", "board: x\nmic: {backend: wav, file: a.wav}\nhal:\n  buttons:\n    - name: action\n      driver: gpio\n", 5, []string{"hal.buttons.0.pin", "required"}},
		{"bad_button_name", "board: x\nmic: {backend: wav, file: a.wav}\nhal:\n  buttons:\n    - name: jump\n      driver: fake\n", 5, []string{"hal.buttons.0.name", "jump"}},
		{"channel_beyond_channels", "board: x\nmic:\n  backend: wav\n  file: a.wav\n  channels: 2\n  channel: 2\n", 6, []string{"mic.channel", "-1..1"}},
		{"wake_window", "board: x\nmic: {backend: wav, file: a.wav}\nwakeword:\n  models:\n    - name: okay_nabu\n      window: 200\n", 6, []string{"wakeword.models.0.window", "200", "0..100"}},
		{"not_yaml", "board: [unclosed\n", 1, []string{"bad.yaml"}},
		{"empty", "", 0, []string{"empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("Parse accepted it")
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is %T, want *configs.Error", err, err)
			}
			if ce.Line != tt.wantLine {
				t.Errorf("line = %d, want %d (%v)", ce.Line, tt.wantLine, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "configs: bad.yaml") {
				t.Errorf("error %q does not start with the file name", msg)
			}
			for _, w := range tt.wantIn {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"bench.yaml", "rpi-respeaker-2mic.yaml", "mcu-uart.yaml"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("mic: {sample_rate: 1e9}"))
	f.Add([]byte("hal:\n  buttons:\n    - {name: action, driver: gpio}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err == nil {
			if verr := c.Validate(); verr != nil {
				t.Fatalf("Parse accepted a config that Validate rejects: %v", verr)
			}
		}
	})
}
