// Package configs holds genie's board profiles: the typed Config, its defaults, a strict
// YAML loader and Validate. A profile says where the mic and speaker are, how the
// listener, dialog and upstream behave, and which LEDs, buttons, screen and MCU the
// board has.
//
// Loading is strict: an unknown key, a wrong type or an out-of-range value fails with an
// error that names the file, the line and the field. The profiles shipped with genie are
// embedded (see Builtin) so a device needs nothing but the binary.
package configs

import (
	"time"
)

// Config is one board profile.
type Config struct {
	Board    string   `yaml:"board"`    // profile name, e.g. "bench"
	Name     string   `yaml:"name"`     // satellite name shown upstream
	Area     string   `yaml:"area"`     // room, e.g. "kitchen"
	DataDir  string   `yaml:"data_dir"` // state (timers, models); default $XDG_DATA_HOME/genie
	OutDir   string   `yaml:"out_dir"`  // where bench runs write utterances and speaker wavs
	Mic      Mic      `yaml:"mic"`
	Speaker  Speaker  `yaml:"speaker"`
	Listener Listener `yaml:"listener"`
	Triggers Triggers `yaml:"triggers"`
	Wakeword Wakeword `yaml:"wakeword"`
	VAD      VAD      `yaml:"vad"`
	Dialog   Dialog   `yaml:"dialog"`
	Mixer    Mixer    `yaml:"mixer"`
	Upstream Upstream `yaml:"upstream"`
	HAL      HAL      `yaml:"hal"`
}

// Audio backends.
const (
	BackendWav       = "wav"       // a wav file (bench)
	BackendPortAudio = "portaudio" // a sound card through PortAudio
	BackendNull      = "null"      // discard (speaker only)
)

// Mic says where the microphone audio comes from.
type Mic struct {
	Backend    string        `yaml:"backend"`     // wav | portaudio
	File       string        `yaml:"file"`        // wav: path, relative to the working directory
	Repeat     bool          `yaml:"repeat"`      // wav: loop the file forever
	Speed      string        `yaml:"speed"`       // wav: "realtime" or "max"
	Device     string        `yaml:"device"`      // portaudio: device name (substring) or index; "" = default
	SampleRate int           `yaml:"sample_rate"` // portaudio: Hz, 8000..48000
	Channels   int           `yaml:"channels"`    // portaudio: channels to open, 1..8
	Channel    int           `yaml:"channel"`     // which channel to use; -1 = mix all down
	Latency    time.Duration `yaml:"latency"`     // portaudio: suggested latency
	GainDB     float64       `yaml:"gain_db"`     // dB applied after conversion, -20..+30
}

// Speaker says where replies and earcons go.
type Speaker struct {
	Backend    string        `yaml:"backend"`     // wav | portaudio | null
	File       string        `yaml:"file"`        // wav: path of the file written
	Device     string        `yaml:"device"`      // portaudio: device name (substring) or index
	SampleRate int           `yaml:"sample_rate"` // Hz of the mixer and device, 8000..48000
	Channels   int           `yaml:"channels"`    // 1..8; mono is copied to every channel
	Latency    time.Duration `yaml:"latency"`     // portaudio: suggested latency
	Volume     int           `yaml:"volume"`      // initial volume, 0..100
}

// Listener tunes the listener loop.
type Listener struct {
	PreRoll    time.Duration `yaml:"preroll"`     // audio kept before a trigger, default 500ms
	QueueDepth int           `yaml:"queue_depth"` // blocks buffered towards the upstream
}

// Triggers lists what starts a turn besides the wake word.
type Triggers struct {
	PushToTalk PushToTalk `yaml:"push_to_talk"`
}

// PushToTalk is the action button. On the bench, presses can be scheduled.
type PushToTalk struct {
	Enabled bool            `yaml:"enabled"`
	PressAt []time.Duration `yaml:"press_at"` // bench: presses at these offsets into the mic stream
}

// Wakeword lists the wake-word models to run.
type Wakeword struct {
	Models     []WakeModel   `yaml:"models"`
	VADGate    bool          `yaml:"vad_gate"`   // only accept wakes while the VAD model hears speech
	Refractory time.Duration `yaml:"refractory"` // ignore further wakes this long after one
}

// WakeModel names one model by name (looked up in the data dir and the built-ins) or path.
type WakeModel struct {
	Name        string  `yaml:"name"`        // e.g. "hey_genie" or "okay_nabu"
	Path        string  `yaml:"path"`        // manifest .json path; overrides Name lookup
	Sensitivity float64 `yaml:"sensitivity"` // probability cutoff override, 0 = manifest's
	// Window overrides the manifest's sliding_window_size: how many of the
	// newest outputs (one per 30 ms inference) are averaged, 1..100; 0 = the
	// manifest's. 1 fires about 90 ms sooner on microWakeWord models (BENCHMARKS.md).
	Window int `yaml:"window"`
}

// VAD picks the voice activity detector.
type VAD struct {
	Kind      string  `yaml:"kind"`      // "energy" (classic), "neural" (microWakeWord VAD) or "none" (cap only)
	Threshold float64 `yaml:"threshold"` // speech probability threshold, 0..1
	Model     string  `yaml:"model"`     // neural: the VAD model's name or manifest path (default "vad")
}

// Dialog tunes turns.
type Dialog struct {
	MaxUtterance    time.Duration `yaml:"max_utterance"`     // cap on one utterance
	NoSpeechTimeout time.Duration `yaml:"no_speech_timeout"` // end the turn if no speech starts
	MinSpeech       time.Duration `yaml:"min_speech"`        // speech this long counts as started
	TrailingSilence time.Duration `yaml:"trailing_silence"`  // silence that ends the utterance
	FollowUpTimeout time.Duration `yaml:"follow_up_timeout"` // how long to wait for a follow-up
	Earcons         bool          `yaml:"earcons"`           // play wake/done/error tones
	ReplyTimeout    time.Duration `yaml:"reply_timeout"`     // give up waiting for the upstream
}

// Mixer tunes the speaker mixer.
type Mixer struct {
	DuckDB float64       `yaml:"duck_db"` // gain of lower priorities while a higher one plays, -60..0 dB
	Ramp   time.Duration `yaml:"ramp"`    // gain ramp length for ducking
}

// Upstream kinds.
const (
	UpstreamLocal   = "local"
	UpstreamWyoming = "wyoming"
)

// Upstream picks where utterances go.
type Upstream struct {
	Kind    string  `yaml:"kind"` // local | wyoming
	Local   Local   `yaml:"local"`
	Wyoming Wyoming `yaml:"wyoming"`
}

// Local is the built-in demo upstream: it saves each utterance and plays it back.
type Local struct {
	Echo bool `yaml:"echo"` // play the utterance back after the earcon
}

// Wyoming is the Home Assistant satellite server.
type Wyoming struct {
	Listen string `yaml:"listen"` // address, default ":10700"
	MDNS   bool   `yaml:"mdns"`   // advertise _wyoming._tcp
}

// HAL lists the board's hardware.
type HAL struct {
	LEDs    LEDs     `yaml:"leds"`
	Buttons []Button `yaml:"buttons"`
	Screen  Screen   `yaml:"screen"`
	MCU     MCU      `yaml:"mcu"`
}

// LED drivers.
const (
	DriverFake   = "fake"
	DriverNone   = "none"
	DriverAPA102 = "apa102"
	DriverWS2812 = "ws2812"
	DriverMCU    = "mcu"
)

// LEDs is the LED ring or strip.
type LEDs struct {
	Driver    string `yaml:"driver"`    // none | fake | apa102 | ws2812 | mcu
	Count     int    `yaml:"count"`     // number of LEDs, 1..255
	SPI       string `yaml:"spi"`       // periph SPI port name, e.g. "SPI0.0" or "/dev/spidev0.0"
	SpeedHz   int64  `yaml:"speed_hz"`  // SPI clock, Hz
	Intensity int    `yaml:"intensity"` // global brightness cap, 0..255
}

// Button is one GPIO (or fake/MCU) button.
type Button struct {
	Name      string        `yaml:"name"`       // action | mute | volume_up | volume_down
	Driver    string        `yaml:"driver"`     // gpio | fake | mcu
	Pin       string        `yaml:"pin"`        // periph pin name, e.g. "GPIO17"
	ActiveLow bool          `yaml:"active_low"` // pressed pulls the line low
	Debounce  time.Duration `yaml:"debounce"`
	LongPress time.Duration `yaml:"long_press"`
}

// Screen is an optional display.
type Screen struct {
	Driver string `yaml:"driver"` // none | fake | ssd1306 | fb | mcu
	I2C    string `yaml:"i2c"`    // ssd1306: periph I2C bus name
	Addr   int    `yaml:"addr"`   // ssd1306: I2C address
	Device string `yaml:"device"` // fb: /dev/fbN
	Width  int    `yaml:"width"`  // pixels
	Height int    `yaml:"height"` // pixels
}

// MCU is the microcontroller on a UART.
type MCU struct {
	Port string `yaml:"port"` // serial device, e.g. /dev/ttyS1; "" = none
	Baud int    `yaml:"baud"`
}
