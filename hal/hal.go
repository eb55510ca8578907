package hal

import (
	"image/color"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/display"
)

// Strip is an LED strip or ring: LED i shows colour i. Implementations: led.APA102,
// led.WS2812, the MCU's ring, and haltest.Strip.
type Strip interface {
	conn.Resource // String, and Halt: all LEDs off; the bus stays open
	// Len returns the number of LEDs.
	Len() int
	// SetBrightness sets the global brightness, 0..255, for the next Show.
	SetBrightness(b uint8)
	// Show sends colours c; extra colours are ignored and missing LEDs are turned off.
	// Alpha is ignored. Show must not retain c.
	Show(c []color.RGBA) error
}

// Screen is a display: periph's display.Drawer (ColorModel, Bounds, Draw, Halt).
// Implementations: ssd1306.Dev (via screen.NewSSD1306), screen.FB, haltest.Screen.
type Screen interface {
	display.Drawer
}

// InputKind says what a user did.
type InputKind uint8

// Input kinds.
const (
	Press     InputKind = iota + 1 // a button went down (debounced)
	Release                        // it came back up
	LongPress                      // it has been held for the long-press time; Release follows
	Mute                           // the effective mute state changed: On
)

// String returns the kind's name.
func (k InputKind) String() string {
	switch k {
	case Press:
		return "press"
	case Release:
		return "release"
	case LongPress:
		return "long-press"
	case Mute:
		return "mute"
	}
	return "input(?)"
}

// Input is one thing the user did on the board.
type Input struct {
	Kind   InputKind
	Button string // config button name: action, mute, volume_up, volume_down
	On     bool   // Mute: true = muted
}

// MuteSwitch is the board's mute state: the hardware switch, the mute button and
// SetMute (e.g. a voice command) all feed it. While State is true nothing may be
// captured or sent. Safe for concurrent use.
type MuteSwitch interface {
	// State reports whether the microphones are muted. It is an atomic load: call it
	// for every audio block.
	State() bool
	// Watch returns a channel that receives the state after every change. A slow reader
	// only misses intermediate states, never the latest one.
	Watch() <-chan bool
}
