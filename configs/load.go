package configs

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed *.yaml
var builtin embed.FS

// Builtin returns the names of the profiles compiled into genie ("bench", …).
func Builtin() []string {
	ents, _ := builtin.ReadDir(".")
	var names []string
	for _, e := range ents {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	return names
}

// Error is a configuration error with its place in the file.
type Error struct {
	File  string // path or "builtin:NAME"
	Line  int    // 1-based; 0 if unknown
	Field string // dotted path, e.g. "mic.sample_rate"
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("configs: ")
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

// Load reads a profile from path. If path has no directory and no such file exists, a
// built-in profile of that name ("bench", "bench.yaml", "configs/bench.yaml") is used,
// so a device needs no config files. Relative file paths inside a loaded file stay
// relative to the working directory, as a user typed them.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		name := strings.TrimSuffix(filepath.Base(path), ".yaml") + ".yaml"
		if b, berr := builtin.ReadFile(name); berr == nil && (filepath.Dir(path) == "." || filepath.Dir(path) == "configs") {
			return Parse("builtin:"+name, b)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("configs: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes a profile strictly over the defaults and validates it. name is used in
// errors.
func Parse(name string, data []byte) (*Config, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: name, Msg: "file is empty"}
		}
		return nil, yamlError(name, err)
	}
	c := Default()
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(c); err != nil {
		return nil, yamlError(name, err)
	}
	if err := c.Validate(); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return nil, &Error{File: name, Line: lineOf(&root, fe.Field), Field: fe.Field, Msg: fe.Msg}
		}
		return nil, &Error{File: name, Msg: err.Error()}
	}
	return c, nil
}

// yamlError turns yaml.v3's "yaml: line 3: field foo not found in type configs.Mic"
// into an Error naming the file and line.
func yamlError(name string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		e := &Error{File: name, Msg: strings.Join(te.Errors, "; ")}
		var line int
		if _, serr := fmt.Sscanf(te.Errors[0], "line %d:", &line); serr == nil {
			e.Line = line
			msg := te.Errors[0][strings.Index(te.Errors[0], ":")+2:]
			if len(te.Errors) > 1 {
				msg += fmt.Sprintf(" (and %d more)", len(te.Errors)-1)
			}
			e.Msg = strings.Replace(msg, "not found in type configs.", "is not a known key of ", 1)
		}
		return e
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{File: name, Msg: msg}
	var line int
	if _, serr := fmt.Sscanf(msg, "line %d:", &line); serr == nil {
		e.Line = line
		e.Msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
	}
	return e
}

// lineOf finds the line of a dotted field path ("mic.sample_rate", "hal.buttons.1.pin")
// in a YAML document, or the deepest part of it that exists.
func lineOf(root *yaml.Node, field string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, part := range strings.Split(field, ".") {
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == part {
					line = n.Content[i].Line
					next = n.Content[i+1]
					break
				}
			}
		case yaml.SequenceNode:
			var idx int
			if _, err := fmt.Sscanf(part, "%d", &idx); err == nil && idx >= 0 && idx < len(n.Content) {
				next = n.Content[idx]
				line = next.Line
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}

// DataPath returns the directory for genie's state (timers, downloaded models):
// data_dir if set, else $XDG_DATA_HOME/genie, else ~/.local/share/genie.
func (c *Config) DataPath() string {
	if c.DataDir != "" {
		return c.DataDir
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "genie")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "genie")
	}
	return filepath.Join(os.TempDir(), "genie")
}

// FieldError is a Validate failure for one field.
type FieldError struct {
	Field string // dotted YAML path
	Msg   string
}

func (e *FieldError) Error() string { return "configs: " + e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Default returns the defaults every profile starts from.
func Default() *Config {
	return &Config{
		Board:  "custom",
		Name:   "genie",
		OutDir: "out",
		Mic: Mic{
			Backend: BackendPortAudio, Speed: "realtime", SampleRate: 16000, Channels: 1,
			Channel: 0, Latency: 20 * time.Millisecond,
		},
		Speaker: Speaker{
			Backend: BackendPortAudio, SampleRate: 16000, Channels: 1,
			Latency: 60 * time.Millisecond, Volume: 80,
		},
		Listener: Listener{PreRoll: 500 * time.Millisecond, QueueDepth: 200},
		Triggers: Triggers{PushToTalk: PushToTalk{Enabled: true}},
		Wakeword: Wakeword{Refractory: 2 * time.Second},
		VAD:      VAD{Kind: "energy", Threshold: 0.5, Model: "vad"},
		Dialog: Dialog{
			MaxUtterance: 12 * time.Second, NoSpeechTimeout: 5 * time.Second,
			MinSpeech: 300 * time.Millisecond, TrailingSilence: 700 * time.Millisecond,
			FollowUpTimeout: 8 * time.Second, Earcons: true, ReplyTimeout: 15 * time.Second,
		},
		Mixer:    Mixer{DuckDB: -20, Ramp: 50 * time.Millisecond},
		Upstream: Upstream{Kind: UpstreamLocal, Local: Local{Echo: true}, Wyoming: Wyoming{Listen: ":10700", MDNS: true}},
		HAL: HAL{
			LEDs:   LEDs{Driver: DriverNone, Count: 12, Intensity: 96},
			Screen: Screen{Driver: DriverNone},
			MCU:    MCU{Baud: 115200},
		},
	}
}

// Validate checks every value's range. It returns a *FieldError for the first problem.
func (c *Config) Validate() error {
	oneOf := func(field, v string, allowed ...string) error {
		for _, a := range allowed {
			if v == a {
				return nil
			}
		}
		return fieldErr(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
	inRange := func(field string, v, lo, hi int) error {
		if v < lo || v > hi {
			return fieldErr(field, "%d out of range %d..%d", v, lo, hi)
		}
		return nil
	}
	durRange := func(field string, v, lo, hi time.Duration) error {
		if v < lo || v > hi {
			return fieldErr(field, "%v out of range %v..%v", v, lo, hi)
		}
		return nil
	}
	checks := []func() error{
		func() error { return oneOf("mic.backend", c.Mic.Backend, BackendWav, BackendPortAudio) },
		func() error {
			if c.Mic.Backend == BackendWav && c.Mic.File == "" {
				return fieldErr("mic.file", "required with backend wav")
			}
			return nil
		},
		func() error { return oneOf("mic.speed", c.Mic.Speed, "realtime", "max") },
		func() error { return inRange("mic.sample_rate", c.Mic.SampleRate, 8000, 48000) },
		func() error { return inRange("mic.channels", c.Mic.Channels, 1, 8) },
		func() error { return inRange("mic.channel", c.Mic.Channel, -1, c.Mic.Channels-1) },
		func() error { return durRange("mic.latency", c.Mic.Latency, 0, time.Second) },
		func() error {
			if c.Mic.GainDB < -20 || c.Mic.GainDB > 30 {
				return fieldErr("mic.gain_db", "%g out of range -20..30", c.Mic.GainDB)
			}
			return nil
		},
		func() error {
			return oneOf("speaker.backend", c.Speaker.Backend, BackendWav, BackendPortAudio, BackendNull)
		},
		func() error {
			if c.Speaker.Backend == BackendWav && c.Speaker.File == "" {
				return fieldErr("speaker.file", "required with backend wav")
			}
			return nil
		},
		func() error { return inRange("speaker.sample_rate", c.Speaker.SampleRate, 8000, 48000) },
		func() error { return inRange("speaker.channels", c.Speaker.Channels, 1, 8) },
		func() error { return durRange("speaker.latency", c.Speaker.Latency, 0, time.Second) },
		func() error { return inRange("speaker.volume", c.Speaker.Volume, 0, 100) },
		func() error { return durRange("listener.preroll", c.Listener.PreRoll, 0, 5*time.Second) },
		func() error { return inRange("listener.queue_depth", c.Listener.QueueDepth, 10, 10000) },
		func() error {
			for i, d := range c.Triggers.PushToTalk.PressAt {
				if d < 0 {
					return fieldErr(fmt.Sprintf("triggers.push_to_talk.press_at.%d", i), "%v is negative", d)
				}
			}
			return nil
		},
		func() error {
			for i, m := range c.Wakeword.Models {
				f := fmt.Sprintf("wakeword.models.%d", i)
				if m.Name == "" && m.Path == "" {
					return fieldErr(f, "needs a name or a path")
				}
				if m.Sensitivity < 0 || m.Sensitivity >= 1 {
					return fieldErr(f+".sensitivity", "%g out of range 0..1 (0 = the manifest's cutoff)", m.Sensitivity)
				}
				if m.Window < 0 || m.Window > 100 {
					return fieldErr(f+".window", "%d out of range 0..100 (0 = the manifest's sliding window)", m.Window)
				}
			}
			return nil
		},
		func() error { return durRange("wakeword.refractory", c.Wakeword.Refractory, 0, time.Minute) },
		func() error { return oneOf("vad.kind", c.VAD.Kind, "energy", "neural", "none") },
		func() error {
			if c.VAD.Threshold <= 0 || c.VAD.Threshold >= 1 {
				return fieldErr("vad.threshold", "%g out of range (0, 1)", c.VAD.Threshold)
			}
			return nil
		},
		func() error {
			return durRange("dialog.max_utterance", c.Dialog.MaxUtterance, 500*time.Millisecond, 2*time.Minute)
		},
		func() error {
			return durRange("dialog.no_speech_timeout", c.Dialog.NoSpeechTimeout, 500*time.Millisecond, time.Minute)
		},
		func() error { return durRange("dialog.min_speech", c.Dialog.MinSpeech, 0, 5*time.Second) },
		func() error {
			return durRange("dialog.trailing_silence", c.Dialog.TrailingSilence, 100*time.Millisecond, 10*time.Second)
		},
		func() error { return durRange("dialog.follow_up_timeout", c.Dialog.FollowUpTimeout, 0, time.Minute) },
		func() error {
			return durRange("dialog.reply_timeout", c.Dialog.ReplyTimeout, time.Second, 5*time.Minute)
		},
		func() error {
			if c.Mixer.DuckDB < -60 || c.Mixer.DuckDB > 0 {
				return fieldErr("mixer.duck_db", "%g out of range -60..0", c.Mixer.DuckDB)
			}
			return nil
		},
		func() error { return durRange("mixer.ramp", c.Mixer.Ramp, 0, time.Second) },
		func() error { return oneOf("upstream.kind", c.Upstream.Kind, UpstreamLocal, UpstreamWyoming) },
		func() error {
			return oneOf("hal.leds.driver", c.HAL.LEDs.Driver, DriverNone, DriverFake, DriverAPA102, DriverWS2812, DriverMCU)
		},
		func() error { return inRange("hal.leds.count", c.HAL.LEDs.Count, 1, 255) },
		func() error { return inRange("hal.leds.intensity", c.HAL.LEDs.Intensity, 0, 255) },
		func() error {
			if (c.HAL.LEDs.Driver == DriverAPA102 || c.HAL.LEDs.Driver == DriverWS2812) && c.HAL.LEDs.SPI == "" {
				return fieldErr("hal.leds.spi", "required with driver %s", c.HAL.LEDs.Driver)
			}
			return nil
		},
		func() error {
			for i, b := range c.HAL.Buttons {
				f := fmt.Sprintf("hal.buttons.%d", i)
				if err := oneOf(f+".name", b.Name, "action", "mute", "volume_up", "volume_down", "stop"); err != nil {
					return err
				}
				if err := oneOf(f+".driver", b.Driver, "gpio", DriverFake, DriverMCU); err != nil {
					return err
				}
				if b.Driver == "gpio" && b.Pin == "" {
					return fieldErr(f+".pin", "required with driver gpio")
				}
				if err := durRange(f+".debounce", b.Debounce, 0, time.Second); err != nil {
					return err
				}
				if err := durRange(f+".long_press", b.LongPress, 0, 10*time.Second); err != nil {
					return err
				}
			}
			return nil
		},
		func() error {
			return oneOf("hal.screen.driver", c.HAL.Screen.Driver, DriverNone, DriverFake, "ssd1306", "fb", DriverMCU)
		},
		func() error {
			if c.HAL.Screen.Driver == DriverNone {
				return nil
			}
			if err := inRange("hal.screen.width", c.HAL.Screen.Width, 8, 4096); err != nil {
				return err
			}
			return inRange("hal.screen.height", c.HAL.Screen.Height, 8, 4096)
		},
		func() error {
			if c.HAL.MCU.Port == "" {
				return nil
			}
			return inRange("hal.mcu.baud", c.HAL.MCU.Baud, 1200, 4000000)
		},
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}
