package view

import (
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"io"
	"math"
	"slices"
	"time"

	"github.com/genie-voice/genie/hal/screen"
)

// Sizes of the board picture.
const (
	ringPanel = 192 // px, square
	margin    = 12
	bezel     = 6
	labelH    = 18
)

var (
	bgColour     = color.RGBA{236, 236, 240, 255}
	deviceColour = color.RGBA{34, 36, 40, 255}
	unlit        = color.RGBA{62, 62, 66, 255}
	labelColour  = color.RGBA{40, 40, 48, 255}
)

// RingPanel draws the LEDs as a person sees them on the device: a dark top with each
// LED a diffuser lit in its colour scaled by brightness (0..255), with a glow around
// it. Up to 4 LEDs sit in a row (as on the ReSpeaker HAT); more form a ring.
func RingPanel(dst *image.RGBA, r image.Rectangle, leds []color.RGBA, brightness uint8) {
	fillRect(dst, r, bgColour)
	cx, cy := float64(r.Min.X)+float64(r.Dx())/2, float64(r.Min.Y)+float64(r.Dy())/2
	size := float64(min(r.Dx(), r.Dy()))
	disc(dst, cx, cy, size/2-2, deviceColour)
	n := len(leds)
	if n == 0 {
		return
	}
	pos := make([][2]float64, n)
	ledR := size / 14
	if n <= 4 {
		step := size / 5
		for i := range pos {
			pos[i] = [2]float64{cx + (float64(i)-float64(n-1)/2)*step, cy}
		}
	} else {
		rad := size * 0.33
		ledR = math.Min(ledR, math.Pi*rad/float64(n)*0.7)
		for i := range pos {
			a := 2*math.Pi*float64(i)/float64(n) - math.Pi/2 // LED 0 at the top, clockwise
			pos[i] = [2]float64{cx + rad*math.Cos(a), cy + rad*math.Sin(a)}
		}
	}
	f := float64(brightness) / 255
	lit := make([]color.RGBA, n)
	for i, c := range leds {
		lit[i] = color.RGBA{uint8(float64(c.R)*f + 0.5), uint8(float64(c.G)*f + 0.5), uint8(float64(c.B)*f + 0.5), 255}
	}
	// Glow first (light adds up), then the diffusers on top.
	glowR := ledR * 3
	for i, p := range pos {
		c := lit[i]
		if c.R|c.G|c.B == 0 {
			continue
		}
		b := image.Rect(int(p[0]-glowR), int(p[1]-glowR), int(p[0]+glowR+1), int(p[1]+glowR+1)).Intersect(r)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				d := math.Hypot(float64(x)+0.5-p[0], float64(y)+0.5-p[1]) / glowR
				if d < 1 {
					add(dst, x, y, c, 0.55*(1-d)*(1-d))
				}
			}
		}
	}
	for i, p := range pos {
		c := lit[i]
		m := float64(max(c.R, c.G, c.B)) / 255
		// A diffuser: dim grey when off, saturating towards the LED colour and white
		// in the centre when bright.
		body := color.RGBA{
			uint8(float64(unlit.R)*(1-m) + float64(c.R)*m),
			uint8(float64(unlit.G)*(1-m) + float64(c.G)*m),
			uint8(float64(unlit.B)*(1-m) + float64(c.B)*m), 255}
		disc(dst, p[0], p[1], ledR, body)
		if m > 0.05 {
			hot := color.RGBA{
				uint8(math.Min(float64(c.R)+120*m, 255)),
				uint8(math.Min(float64(c.G)+120*m, 255)),
				uint8(math.Min(float64(c.B)+120*m, 255)), 255}
			disc(dst, p[0], p[1], ledR*0.45, hot)
		}
	}
}

// Frame is one moment of the board as recorded.
type Frame struct {
	At         time.Duration
	Label      string       // e.g. "listening"
	LEDs       []color.RGBA // nil = the board has no LEDs
	Brightness uint8
	Screen     image.Image // nil = the board has no screen
	Mono       bool        // show the screen as a monochrome OLED (SSD1306) shows it
}

// oled is the colour of a lit pixel on a white OLED panel.
var oled = color.RGBA{215, 235, 255, 255}

// Layout returns the size of a composed board picture for a screen of size s (zero if
// none) and whether there are LEDs, and the integer scale the screen is shown at.
func layout(s image.Point, leds bool) (image.Point, int) {
	w, h, scale := margin, 0, 1
	if leds {
		w += ringPanel + margin
		h = ringPanel
	}
	if s.X > 0 {
		scale = max(1, ringPanel/s.Y)
		w += s.X*scale + 2*bezel + margin
		h = max(h, s.Y*scale+2*bezel)
	}
	return image.Pt(max(w, 200), h+2*margin+labelH), scale
}

// Compose draws f as a person would see the board: the LED panel on the left, the
// screen (pixels scaled up, in a bezel) on the right and a label line below.
func Compose(f *Frame) *image.RGBA {
	var ss image.Point
	if f.Screen != nil {
		ss = f.Screen.Bounds().Size()
	}
	size, scale := layout(ss, f.LEDs != nil)
	dst := image.NewRGBA(image.Rectangle{Max: size})
	fillRect(dst, dst.Rect, bgColour)
	x := margin
	if f.LEDs != nil {
		RingPanel(dst, image.Rect(x, margin, x+ringPanel, margin+ringPanel), f.LEDs, f.Brightness)
		x += ringPanel + margin
	}
	if f.Screen != nil {
		outer := image.Rect(x, margin, x+ss.X*scale+2*bezel, margin+ss.Y*scale+2*bezel)
		fillRect(dst, outer, color.RGBA{12, 12, 14, 255})
		sb := f.Screen.Bounds()
		for y := 0; y < ss.Y; y++ {
			for xx := 0; xx < ss.X; xx++ {
				c := color.RGBAModel.Convert(f.Screen.At(sb.Min.X+xx, sb.Min.Y+y)).(color.RGBA)
				if f.Mono {
					if screen.Lit(c) {
						c = oled
					} else {
						c = black
					}
				}
				x0, y0 := outer.Min.X+bezel+xx*scale, outer.Min.Y+bezel+y*scale
				for py := y0; py < y0+scale; py++ {
					i := dst.PixOffset(x0, py)
					for px := 0; px < scale; px++ {
						copy(dst.Pix[i+4*px:i+4*px+4], []byte{c.R, c.G, c.B, 255})
					}
				}
			}
		}
	}
	text(dst, margin, size.Y-margin-glyphH+2, fmt.Sprintf("%7.3fs  %s", f.At.Seconds(), f.Label), labelColour, 1)
	return dst
}

// Paletted converts img for GIF encoding with its own palette: the 256 most frequent
// colours, every other colour mapped to the nearest of them (no dithering, so LED
// glows stay smooth and flat areas exact).
func Paletted(img image.Image) *image.Paletted {
	b := img.Bounds()
	rgba, ok := img.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(b)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				rgba.Set(x, y, img.At(x, y))
			}
		}
	}
	count := map[color.RGBA]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			count[rgba.RGBAAt(x, y)]++
		}
	}
	colours := make([]color.RGBA, 0, len(count))
	for c := range count {
		colours = append(colours, c)
	}
	slices.SortFunc(colours, func(a, c color.RGBA) int {
		if d := count[c] - count[a]; d != 0 {
			return d
		}
		return int(a.R)<<16 | int(a.G)<<8 | int(a.B) - (int(c.R)<<16 | int(c.G)<<8 | int(c.B))
	})
	pal := make(color.Palette, 0, 256)
	for _, c := range colours[:min(len(colours), 256)] {
		pal = append(pal, c)
	}
	p := image.NewPaletted(b, pal)
	index := make(map[color.RGBA]uint8, len(colours))
	for i, c := range pal {
		index[c.(color.RGBA)] = uint8(i)
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := rgba.RGBAAt(x, y)
			i, ok := index[c]
			if !ok {
				i = uint8(pal.Index(c))
				index[c] = i
			}
			p.Pix[p.PixOffset(x, y)] = i
		}
	}
	return p
}

// WriteGIF writes frames as a looping animated GIF, each shown until the next one's
// time (the last for last).
func WriteGIF(w io.Writer, frames []*Frame, last time.Duration) error {
	g := &gif.GIF{}
	for i, f := range frames {
		next := f.At + last
		if i+1 < len(frames) {
			next = frames[i+1].At
		}
		g.Image = append(g.Image, Paletted(Compose(f)))
		g.Delay = append(g.Delay, max(int((next-f.At)/(10*time.Millisecond)), 2))
	}
	return gif.EncodeAll(w, g)
}
