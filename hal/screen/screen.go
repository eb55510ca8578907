// Package screen drives displays: an SSD1306 128×64 monochrome OLED on I²C (periph.io's
// ssd1306 driver, with a luminance threshold so colour views stay readable) and the
// Linux framebuffer (/dev/fbN) in RGB565 or XRGB8888 for boards with a real display.
//
// Every display implements periph's display.Drawer. Draw sends a frame synchronously;
// not safe for concurrent use (hal.Board draws from one goroutine).
//
// # Datasheet
//
// SSD1306: https://cdn-shop.adafruit.com/datasheets/SSD1306.pdf (I²C control byte 0x00
// before commands, 0x40 before display data; GDDRAM in 8 pages of 8 rows, LSB on top).
// Framebuffer: https://www.kernel.org/doc/html/latest/fb/api.html (fb_var_screeninfo,
// fb_fix_screeninfo, packed pixels, line_length bytes per row).
package screen

import (
	"fmt"
	"image"
	"image/color"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/devices/v3/ssd1306"
	"periph.io/x/devices/v3/ssd1306/image1bit"
)

// SSD1306Opts configures an SSD1306.
type SSD1306Opts struct {
	W, H    int    // pixels: 128×64 or 128×32
	Addr    uint16 // I²C address, 0x3C (default) or 0x3D
	Rotated bool   // the panel is mounted upside down
}

// DefaultSSD1306Opts is the common 0.96" module.
var DefaultSSD1306Opts = SSD1306Opts{W: 128, H: 64, Addr: 0x3C}

// SSD1306 is a monochrome OLED. A pixel lights when its luminance is at least half.
type SSD1306 struct {
	dev *ssd1306.Dev
	img *image1bit.VerticalLSB
}

// NewSSD1306 initialises the display on bus b. Halt turns the panel off and leaves the
// bus open; its owner closes it.
func NewSSD1306(b i2c.Bus, o *SSD1306Opts) (*SSD1306, error) {
	addr := o.Addr
	if addr == 0 {
		addr = 0x3C
	}
	bus := b
	if addr != 0x3C {
		bus = &readdress{Bus: b, addr: addr}
	}
	d, err := ssd1306.NewI2C(bus, &ssd1306.Opts{W: o.W, H: o.H, Rotated: o.Rotated})
	if err != nil {
		return nil, fmt.Errorf("screen: ssd1306 at %#x on %s: %w", addr, b, err)
	}
	return &SSD1306{dev: d, img: image1bit.NewVerticalLSB(d.Bounds())}, nil
}

// readdress sends the ssd1306 driver's fixed 0x3C transactions to another address.
type readdress struct {
	i2c.Bus
	addr uint16
}

func (r *readdress) Tx(_ uint16, w, rd []byte) error { return r.Bus.Tx(r.addr, w, rd) }

// String returns the driver's description.
func (s *SSD1306) String() string { return s.dev.String() }

// ColorModel returns the 1-bit model.
func (s *SSD1306) ColorModel() color.Model { return image1bit.BitModel }

// Bounds returns the panel size.
func (s *SSD1306) Bounds() image.Rectangle { return s.dev.Bounds() }

// Draw thresholds src (from sp) at half luminance into the area r and sends the
// changed part of the panel.
func (s *SSD1306) Draw(r image.Rectangle, src image.Image, sp image.Point) error {
	r = r.Intersect(s.img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			s.img.SetBit(x, y, image1bit.Bit(Lit(src.At(sp.X+x-r.Min.X, sp.Y+y-r.Min.Y))))
		}
	}
	if err := s.dev.Draw(s.img.Rect, s.img, image.Point{}); err != nil {
		return fmt.Errorf("screen: ssd1306: %w", err)
	}
	return nil
}

// Halt turns the panel off; the next Draw turns it on.
func (s *SSD1306) Halt() error { return s.dev.Halt() }

// Lit reports whether a monochrome panel lights a pixel of colour c: when its
// luminance (Rec. 601) is at least half.
func Lit(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return 299*r+587*g+114*b >= 1000*0x8000
}
