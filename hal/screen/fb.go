package screen

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"io"
)

// PixelFormat is a framebuffer pixel layout.
type PixelFormat uint8

// Pixel formats, both little-endian in memory.
const (
	RGB565   PixelFormat = iota + 1 // 16 bits: R 5 bits at 11, G 6 at 5, B 5 at 0
	XRGB8888                        // 32 bits: B, G, R, X bytes; X written as 0xFF
)

// String returns the format's name.
func (f PixelFormat) String() string {
	switch f {
	case RGB565:
		return "RGB565"
	case XRGB8888:
		return "XRGB8888"
	}
	return "PixelFormat(?)"
}

// Bytes returns the bytes per pixel.
func (f PixelFormat) Bytes() int {
	if f == RGB565 {
		return 2
	}
	return 4
}

// Geometry is a framebuffer's layout, from QueryFB on a device or given by hand.
type Geometry struct {
	Width, Height int         // visible pixels
	Stride        int         // bytes per line (line_length), ≥ Width×bytes per pixel
	Format        PixelFormat //
}

// FB is a Linux framebuffer (or any file laid out like one). It writes whole rows with
// WriteAt, so it works on /dev/fbN without mmap and on a plain file in tests.
type FB struct {
	w    io.WriterAt
	name string
	g    Geometry
	row  []byte
}

// NewFB returns a framebuffer writing to w (an open /dev/fbN) laid out as g. name is
// used in errors and String. Halt blanks the screen; the owner closes w.
func NewFB(w io.WriterAt, name string, g Geometry) (*FB, error) {
	if g.Format != RGB565 && g.Format != XRGB8888 {
		return nil, fmt.Errorf("screen: %s: unsupported pixel format %d", name, g.Format)
	}
	if g.Width <= 0 || g.Height <= 0 || g.Width > 8192 || g.Height > 8192 {
		return nil, fmt.Errorf("screen: %s: bad size %dx%d", name, g.Width, g.Height)
	}
	if g.Stride == 0 {
		g.Stride = g.Width * g.Format.Bytes()
	}
	if g.Stride < g.Width*g.Format.Bytes() {
		return nil, fmt.Errorf("screen: %s: stride %d bytes is less than %d pixels of %s", name, g.Stride, g.Width, g.Format)
	}
	return &FB{w: w, name: name, g: g, row: make([]byte, g.Width*g.Format.Bytes())}, nil
}

// String returns e.g. "FB{/dev/fb0 480x320 RGB565}".
func (f *FB) String() string {
	return fmt.Sprintf("FB{%s %dx%d %s}", f.name, f.g.Width, f.g.Height, f.g.Format)
}

// Geometry returns the layout.
func (f *FB) Geometry() Geometry { return f.g }

// ColorModel returns RGBA: the device quantises.
func (f *FB) ColorModel() color.Model { return color.RGBAModel }

// Bounds returns the visible area.
func (f *FB) Bounds() image.Rectangle { return image.Rect(0, 0, f.g.Width, f.g.Height) }

// Draw copies src (from sp) into the area r, converting to the pixel format, one
// WriteAt per row.
func (f *FB) Draw(r image.Rectangle, src image.Image, sp image.Point) error {
	r = r.Intersect(f.Bounds())
	bpp := f.g.Format.Bytes()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := f.row[:r.Dx()*bpp]
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.RGBAModel.Convert(src.At(sp.X+x-r.Min.X, sp.Y+y-r.Min.Y)).(color.RGBA)
			f.put(row[(x-r.Min.X)*bpp:], c)
		}
		if _, err := f.w.WriteAt(row, int64(y*f.g.Stride+r.Min.X*bpp)); err != nil {
			return fmt.Errorf("screen: write %s: %w", f.name, err)
		}
	}
	return nil
}

func (f *FB) put(p []byte, c color.RGBA) {
	if f.g.Format == RGB565 {
		binary.LittleEndian.PutUint16(p, uint16(c.R>>3)<<11|uint16(c.G>>2)<<5|uint16(c.B>>3))
		return
	}
	p[0], p[1], p[2], p[3] = c.B, c.G, c.R, 0xFF
}

// Halt blanks the screen to black.
func (f *FB) Halt() error {
	return f.Draw(f.Bounds(), image.NewUniform(color.Black), image.Point{})
}
