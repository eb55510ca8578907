// Package haltest has fakes for every HAL device: they record everything they were
// told (colours, brightness, frames) so tests and bench runs can check and replay it,
// and fake buses (periph's spitest, i2ctest and gpiotest) so real drivers run on any
// machine. Fakes are safe for concurrent use.
package haltest

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io"
	"os"
	"sync"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spitest"

	"github.com/genie-voice/genie/hal/screen"
)

// Strip is a fake LED strip that records every frame shown.
type Strip struct {
	mu         sync.Mutex
	n          int
	brightness uint8
	frames     [][]color.RGBA
	dropped    int
	halted     bool
}

// History bounds what the fakes keep, so a long bench run does not grow without end:
// the newest StripFrames strip frames and ScreenFrames distinct screen frames.
const (
	StripFrames  = 4096
	ScreenFrames = 16
)

// keepLast drops the oldest entries beyond max and returns how many it dropped.
func keepLast[T any](s []T, max int) ([]T, int) {
	if len(s) <= max {
		return s, 0
	}
	n := len(s) - max
	return append(s[:0], s[n:]...), n
}

// NewStrip returns a fake strip of n LEDs at brightness 255.
func NewStrip(n int) *Strip { return &Strip{n: n, brightness: 255} }

// String returns "FakeStrip{n LEDs}".
func (s *Strip) String() string { return fmt.Sprintf("FakeStrip{%d LEDs}", s.n) }

// Len returns the number of LEDs.
func (s *Strip) Len() int { return s.n }

// SetBrightness records the brightness.
func (s *Strip) SetBrightness(b uint8) {
	s.mu.Lock()
	s.brightness = b
	s.mu.Unlock()
}

// Brightness returns the last brightness set.
func (s *Strip) Brightness() uint8 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.brightness
}

// Show records a copy of c, padded or cut to Len, alpha forced to 255.
func (s *Strip) Show(c []color.RGBA) error {
	f := make([]color.RGBA, s.n)
	for i := range f {
		f[i].A = 255
		if i < len(c) {
			f[i].R, f[i].G, f[i].B = c[i].R, c[i].G, c[i].B
		}
	}
	s.mu.Lock()
	s.frames = append(s.frames, f)
	var d int
	s.frames, d = keepLast(s.frames, StripFrames)
	s.dropped += d
	s.halted = false
	s.mu.Unlock()
	return nil
}

// Halt records an all-off frame.
func (s *Strip) Halt() error {
	s.Show(nil)
	s.mu.Lock()
	s.halted = true
	s.mu.Unlock()
	return nil
}

// Frames returns the frames shown so far, the newest StripFrames of them.
func (s *Strip) Frames() [][]color.RGBA {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]color.RGBA(nil), s.frames...)
}

// Last returns the last frame shown, or nil.
func (s *Strip) Last() []color.RGBA {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.frames) == 0 {
		return nil
	}
	return s.frames[len(s.frames)-1]
}

// Screen is a fake display that records every frame that differs from the previous.
type Screen struct {
	rect    image.Rectangle
	mu      sync.Mutex
	cur     *image.RGBA
	scratch *image.RGBA // the next frame is composed here; cloned only if it differs
	frames  []*image.RGBA
	dropped int
	draws   int
}

// NewScreen returns a fake w×h screen.
func NewScreen(w, h int) *Screen {
	r := image.Rect(0, 0, w, h)
	return &Screen{rect: r, cur: image.NewRGBA(r), scratch: image.NewRGBA(r)}
}

// String returns "FakeScreen{WxH}".
func (s *Screen) String() string {
	return fmt.Sprintf("FakeScreen{%dx%d}", s.rect.Dx(), s.rect.Dy())
}

// ColorModel returns RGBA.
func (s *Screen) ColorModel() color.Model { return color.RGBAModel }

// Bounds returns the screen size.
func (s *Screen) Bounds() image.Rectangle { return s.rect }

// Draw draws src into r and records the screen if it changed.
func (s *Screen) Draw(r image.Rectangle, src image.Image, sp image.Point) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.draws++
	prev, next := s.cur, s.scratch
	copy(next.Pix, prev.Pix)
	draw.Draw(next, r, src, sp, draw.Src)
	if len(s.frames) > 0 && bytes.Equal(next.Pix, prev.Pix) {
		return nil
	}
	s.cur = &image.RGBA{Pix: bytes.Clone(next.Pix), Stride: next.Stride, Rect: next.Rect}
	s.frames = append(s.frames, next)
	var d int
	s.frames, d = keepLast(s.frames, ScreenFrames)
	s.dropped += d
	return nil
}

// Halt blanks the screen.
func (s *Screen) Halt() error {
	return s.Draw(s.Bounds(), image.NewUniform(color.Black), image.Point{})
}

// Frames returns the distinct frames drawn so far, the newest ScreenFrames of them
// (each is immutable).
func (s *Screen) Frames() []*image.RGBA {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*image.RGBA(nil), s.frames...)
}

// Last returns what the screen shows now.
func (s *Screen) Last() *image.RGBA {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// Draws returns how many times Draw was called.
func (s *Screen) Draws() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.draws
}

// Buses hands out fake buses by name, for building real drivers in tests. Missing
// names are created on first use.
type Buses struct {
	mu   sync.Mutex
	SPIs map[string]*spitest.Record
	I2Cs map[string]*i2ctest.Record
	Pins map[string]*gpiotest.Pin
	// Serial opens a serial port; nil = error.
	SerialOpen func(name string, baud int) (io.ReadWriteCloser, error)
	// FBs maps a framebuffer path to its fake geometry; the path is a plain file.
	FBs map[string]screen.Geometry
}

// NewBuses returns empty fake buses.
func NewBuses() *Buses {
	return &Buses{SPIs: map[string]*spitest.Record{}, I2Cs: map[string]*i2ctest.Record{},
		Pins: map[string]*gpiotest.Pin{}, FBs: map[string]screen.Geometry{}}
}

// SPI returns the recorder for name.
func (b *Buses) SPI(name string) (spi.PortCloser, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.SPIs[name]
	if !ok {
		r = &spitest.Record{}
		b.SPIs[name] = r
	}
	return r, nil
}

// I2C returns the recorder for name.
func (b *Buses) I2C(name string) (i2c.BusCloser, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.I2Cs[name]
	if !ok {
		r = &i2ctest.Record{}
		b.I2Cs[name] = r
	}
	return nopCloser{r}, nil
}

type nopCloser struct{ *i2ctest.Record }

func (nopCloser) Close() error { return nil }

// Pin returns the fake pin for name, with an edge channel.
func (b *Buses) Pin(name string) (gpio.PinIO, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, ok := b.Pins[name]
	if !ok {
		p = &gpiotest.Pin{N: name, EdgesChan: make(chan gpio.Level, 16)}
		b.Pins[name] = p
	}
	return p, nil
}

// Serial opens name with SerialOpen.
func (b *Buses) Serial(name string, baud int) (io.ReadWriteCloser, error) {
	if b.SerialOpen == nil {
		return nil, errors.New("haltest: no serial ports")
	}
	return b.SerialOpen(name, baud)
}

// Framebuffer opens path as a plain file with the geometry from FBs.
func (b *Buses) Framebuffer(path string) (*os.File, screen.Geometry, error) {
	b.mu.Lock()
	g, ok := b.FBs[path]
	b.mu.Unlock()
	if !ok {
		return nil, screen.Geometry{}, fmt.Errorf("haltest: no framebuffer %s", path)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	return f, g, err
}
