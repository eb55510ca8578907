package view

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"strings"

	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// face is the only font: 7×13 pixels, drawn at integer scales.
var face = basicfont.Face7x13

const (
	glyphW = 7
	glyphH = 13
	ascent = 11
)

// fillRect fills r with c.
func fillRect(dst draw.Image, r image.Rectangle, c color.Color) {
	draw.Draw(dst, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// text draws s with its top-left corner at (x, y), each font pixel as a k×k block, and
// returns the x after the last glyph. Runes the font lacks are drawn as '?'.
func text(dst *image.RGBA, x, y int, s string, c color.RGBA, k int) int {
	for _, r := range s {
		_, mask, mp, adv, ok := face.Glyph(fixed.P(0, ascent), r)
		if !ok {
			_, mask, mp, adv, _ = face.Glyph(fixed.P(0, ascent), '?')
		}
		am, _ := mask.(*image.Alpha)
		for py := 0; py < glyphH; py++ {
			for px := 0; px < glyphW; px++ {
				if am == nil || am.AlphaAt(mp.X+px, mp.Y+py).A <= 0x80 {
					continue
				}
				block(dst, x+px*k, y+py*k, k, c)
			}
		}
		x += adv.Round() * k
	}
	return x
}

// block fills a k×k square at (x, y), clipped to dst.
func block(dst *image.RGBA, x, y, k int, c color.RGBA) {
	r := image.Rect(x, y, x+k, y+k).Intersect(dst.Rect)
	for yy := r.Min.Y; yy < r.Max.Y; yy++ {
		i := dst.PixOffset(r.Min.X, yy)
		for xx := r.Min.X; xx < r.Max.X; xx++ {
			dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = c.R, c.G, c.B, c.A
			i += 4
		}
	}
}

// textWidth returns the width of s in pixels at scale k.
func textWidth(s string, k int) int { return len([]rune(s)) * glyphW * k }

// centerText draws s centred horizontally in r at y.
func centerText(dst *image.RGBA, r image.Rectangle, y int, s string, c color.RGBA, k int) {
	text(dst, r.Min.X+(r.Dx()-textWidth(s, k))/2, y, s, c, k)
}

// clean replaces typographic characters the font lacks with ASCII look-alikes.
var clean = strings.NewReplacer("€", "EUR", "…", "...", "“", "\"", "”", "\"", "‘", "'", "’", "'", "–", "-", "—", "-", "\n", " ")

// wrap breaks s into at most maxLines lines of at most width runes; the last line
// ends in "..." when text was cut.
func wrap(s string, width, maxLines int) []string {
	if width < 4 || maxLines < 1 {
		return nil
	}
	var lines []string
	var cur []rune
	for _, w := range strings.Fields(clean.Replace(s)) {
		wr := []rune(w)
		for len(wr) > width { // a word longer than a line is split
			if len(cur) > 0 {
				lines, cur = append(lines, string(cur)), nil
			}
			lines, wr = append(lines, string(wr[:width])), wr[width:]
		}
		switch {
		case len(cur) == 0:
			cur = wr
		case len(cur)+1+len(wr) <= width:
			cur = append(append(cur, ' '), wr...)
		default:
			lines, cur = append(lines, string(cur)), wr
		}
	}
	if len(cur) > 0 {
		lines = append(lines, string(cur))
	}
	if len(lines) > maxLines {
		last := []rune(lines[maxLines-1])
		if len(last) > width-3 {
			last = last[:width-3]
		}
		lines = append(lines[:maxLines-1], string(last)+"...")
	}
	return lines
}

// disc fills a circle of radius rad at (cx, cy) with c, antialiased at the edge.
func disc(dst *image.RGBA, cx, cy, rad float64, c color.RGBA) {
	r := image.Rect(int(cx-rad-1), int(cy-rad-1), int(cx+rad+2), int(cy+rad+2)).Intersect(dst.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
			if a := math.Min(math.Max(rad-d+0.5, 0), 1); a > 0 {
				blend(dst, x, y, c, a)
			}
		}
	}
}

// ring draws a circle outline of width w.
func ring(dst *image.RGBA, cx, cy, rad, w float64, c color.RGBA) {
	r := image.Rect(int(cx-rad-w), int(cy-rad-w), int(cx+rad+w+1), int(cy+rad+w+1)).Intersect(dst.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			d := math.Abs(math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy) - rad)
			if a := math.Min(math.Max(w/2-d+0.5, 0), 1); a > 0 {
				blend(dst, x, y, c, a)
			}
		}
	}
}

// line draws a line of width w from (x0, y0) to (x1, y1).
func line(dst *image.RGBA, x0, y0, x1, y1, w float64, c color.RGBA) {
	steps := int(math.Hypot(x1-x0, y1-y0)) + 1
	for i := 0; i <= steps; i++ {
		f := float64(i) / float64(steps)
		disc(dst, x0+(x1-x0)*f, y0+(y1-y0)*f, w/2, c)
	}
}

// blend paints c over the pixel at (x, y) with coverage a (0..1).
func blend(dst *image.RGBA, x, y int, c color.RGBA, a float64) {
	i := dst.PixOffset(x, y)
	p := dst.Pix[i : i+4 : i+4]
	p[0] = uint8(float64(p[0])*(1-a) + float64(c.R)*a + 0.5)
	p[1] = uint8(float64(p[1])*(1-a) + float64(c.G)*a + 0.5)
	p[2] = uint8(float64(p[2])*(1-a) + float64(c.B)*a + 0.5)
	p[3] = 255
}

// add adds c×a to the pixel at (x, y), saturating: light, not paint.
func add(dst *image.RGBA, x, y int, c color.RGBA, a float64) {
	i := dst.PixOffset(x, y)
	p := dst.Pix[i : i+3 : i+3]
	p[0] = uint8(math.Min(float64(p[0])+float64(c.R)*a, 255))
	p[1] = uint8(math.Min(float64(p[1])+float64(c.G)*a, 255))
	p[2] = uint8(math.Min(float64(p[2])+float64(c.B)*a, 255))
}
