// Package led drives LED rings and strips over SPI with periph.io's device drivers:
// APA102 (apa102) and WS2812/SK6812 (nrzled, NRZ bits encoded into SPI bytes).
//
// Colours are 8-bit sRGB per channel. Brightness is a global 0..255 scale applied by the
// device (APA102) or by scaling the colours (WS2812). A Show sends one whole frame in one
// SPI transaction. Not safe for concurrent use; hal.Board calls it from one goroutine.
//
// # Datasheet
//
// APA102: https://cdn-shop.adafruit.com/product-files/2343/APA102C.pdf (start frame of
// 32 zero bits, then per LED 0b111 + 5-bit global brightness, blue, green, red, then an
// end frame). WS2812B: https://cdn-shop.adafruit.com/datasheets/WS2812B.pdf (GRB, 800 kHz
// NRZ; over SPI at 2.5 MHz each data bit becomes 4 SPI bits, 1 = 1110, 0 = 1000).
package led

import (
	"errors"
	"fmt"
	"image/color"

	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/devices/v3/apa102"
	"periph.io/x/devices/v3/nrzled"
)

// Opts configures a strip.
type Opts struct {
	NumLEDs   int   // number of LEDs, 1..255
	Intensity uint8 // initial brightness 0..255; caps current draw
}

// DefaultOpts suits the ReSpeaker 2-mic HAT (3 APA102 LEDs).
var DefaultOpts = Opts{NumLEDs: 3, Intensity: 96}

func (o *Opts) check() error {
	if o.NumLEDs < 1 || o.NumLEDs > 255 {
		return fmt.Errorf("led: %d LEDs, want 1..255", o.NumLEDs)
	}
	return nil
}

// APA102 is a strip of APA102 LEDs on SPI (20 MHz, mode 3). Brightness uses the 8-bit
// colour PWM (periph's DisableGlobalPWM) for flicker-free, linear output.
type APA102 struct {
	dev  *apa102.Dev
	port string
	n    int
	rgb  []byte
}

// NewAPA102 connects to p. Halt leaves the port open; its owner closes it.
func NewAPA102(p spi.Port, o *Opts) (*APA102, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	d, err := apa102.New(p, &apa102.Opts{NumPixels: o.NumLEDs, Intensity: o.Intensity, Temperature: apa102.NeutralTemp, DisableGlobalPWM: true})
	if err != nil {
		return nil, fmt.Errorf("led: apa102 on %s: %w", p, err)
	}
	return &APA102{dev: d, port: fmt.Sprint(p), n: o.NumLEDs, rgb: make([]byte, 3*o.NumLEDs)}, nil
}

// String returns e.g. "APA102{3 LEDs, SPI0.0}".
func (a *APA102) String() string { return fmt.Sprintf("APA102{%d LEDs, %s}", a.n, a.port) }

// Len returns the number of LEDs.
func (a *APA102) Len() int { return a.n }

// SetBrightness sets the brightness for the next Show.
func (a *APA102) SetBrightness(b uint8) { a.dev.Intensity = b }

// Show sends c. It allocates nothing.
func (a *APA102) Show(c []color.RGBA) error {
	pack(a.rgb, c, 255)
	if _, err := a.dev.Write(a.rgb); err != nil {
		return fmt.Errorf("led: apa102: %w", err)
	}
	return nil
}

// Halt turns every LED off.
func (a *APA102) Halt() error { return a.dev.Halt() }

// WS2812 is a strip of WS2812B (NeoPixel) or SK6812 RGB LEDs on SPI MOSI at 2.5 MHz.
type WS2812 struct {
	dev        *nrzled.Dev
	port       string
	n          int
	brightness uint8
	rgb        []byte
}

// NewWS2812 connects to p, which must support 2.5 MHz. The SPI buffer must hold
// 12×NumLEDs+6 bytes (raise spidev.bufsiz for long strips).
func NewWS2812(p spi.Port, o *Opts) (*WS2812, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	d, err := nrzled.NewSPI(p, &nrzled.Opts{NumPixels: o.NumLEDs, Channels: 3, Freq: 2500 * physic.KiloHertz})
	if err != nil {
		return nil, fmt.Errorf("led: ws2812 on %s: %w", p, err)
	}
	return &WS2812{dev: d, port: fmt.Sprint(p), n: o.NumLEDs, brightness: o.Intensity, rgb: make([]byte, 3*o.NumLEDs)}, nil
}

// String returns e.g. "WS2812{12 LEDs, SPI0.0}".
func (w *WS2812) String() string { return fmt.Sprintf("WS2812{%d LEDs, %s}", w.n, w.port) }

// Len returns the number of LEDs.
func (w *WS2812) Len() int { return w.n }

// SetBrightness sets the brightness for the next Show; colours are scaled by b/255.
func (w *WS2812) SetBrightness(b uint8) { w.brightness = b }

// Show sends c scaled by the brightness. It allocates nothing.
func (w *WS2812) Show(c []color.RGBA) error {
	pack(w.rgb, c, w.brightness)
	if _, err := w.dev.Write(w.rgb); err != nil {
		return fmt.Errorf("led: ws2812: %w", err)
	}
	return nil
}

// Halt turns every LED off.
func (w *WS2812) Halt() error {
	clear(w.rgb)
	if _, err := w.dev.Write(w.rgb); err != nil {
		return errors.Join(errors.New("led: ws2812 halt"), err)
	}
	return nil
}

// pack writes c as RGB bytes scaled by b/255 (rounded) into dst, zero-filling the rest.
func pack(dst []byte, c []color.RGBA, b uint8) {
	n := min(len(c), len(dst)/3)
	for i, p := range c[:n] {
		dst[3*i], dst[3*i+1], dst[3*i+2] = Scale(p.R, b), Scale(p.G, b), Scale(p.B, b)
	}
	clear(dst[3*n:])
}

// Scale returns v×b/255, rounded to nearest.
func Scale(v, b uint8) uint8 { return uint8((uint16(v)*uint16(b) + 127) / 255) }
