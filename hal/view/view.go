// Package view draws what the board's screen shows, and what a person sees of the
// board (LED ring and screen side by side) for the simulator and bench recordings.
//
// Screen views are functions of an anim.Scene, the card on display and a time, so
// they are tested frame by frame and stored as golden PNGs. Text uses the 7×13 basic
// font at integer scales; 128×64 panels get scale 1, 240-line displays scale 2. Colours
// are chosen so a half-luminance threshold (the SSD1306) keeps every view readable.
// A Renderer is not safe for concurrent use.
package view

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"time"

	xdraw "golang.org/x/image/draw"

	"github.com/genie-voice/genie/dialog/event"
	"github.com/genie-voice/genie/hal/anim"
)

// Shown is the card on the screen with its decoded cover (or a placeholder).
type Shown struct {
	Card
	Cover image.Image // nil = no image
	At    time.Duration
}

// Screen palette.
var (
	black  = color.RGBA{0, 0, 0, 255}
	white  = color.RGBA{255, 255, 255, 255}
	grey   = color.RGBA{150, 150, 160, 255}
	dim    = color.RGBA{60, 60, 66, 255}
	cyan   = color.RGBA{0, 190, 255, 255}
	green  = color.RGBA{0, 230, 130, 255}
	violet = color.RGBA{150, 110, 255, 255}
	red    = color.RGBA{255, 90, 80, 255} // bright enough to light an SSD1306 pixel
	badge  = color.RGBA{200, 0, 0, 255}   // dark enough that white text on it stays readable in mono
	amber  = color.RGBA{255, 170, 0, 255}
)

// header colours and labels per look.
func headerFor(l anim.Look, s *anim.Scene) (string, color.RGBA) {
	switch l {
	case anim.LookMuted:
		return "Muted", color.RGBA{150, 0, 0, 255}
	case anim.LookRinging:
		return "Timer", color.RGBA{170, 90, 0, 255}
	case anim.LookWake, anim.LookListening:
		return "Listening", color.RGBA{0, 80, 140, 255}
	case anim.LookThinking:
		return "Thinking", color.RGBA{70, 30, 150, 255}
	case anim.LookSpeaking:
		return "Speaking", color.RGBA{0, 80, 140, 255}
	case anim.LookExpecting:
		return "Your turn", color.RGBA{0, 110, 60, 255}
	case anim.LookError:
		return "Error", color.RGBA{160, 40, 0, 255}
	case anim.LookVolume:
		l2 := s.State
		if s.IsMuted() {
			return "Muted", color.RGBA{150, 0, 0, 255}
		}
		if l2 == event.Idle {
			return "genie", color.RGBA{40, 40, 48, 255}
		}
		return stateLabel(l2), color.RGBA{40, 40, 48, 255}
	}
	return "genie", color.RGBA{40, 40, 48, 255}
}

func stateLabel(s event.State) string {
	switch s {
	case event.Listening:
		return "Listening"
	case event.Thinking:
		return "Thinking"
	case event.Speaking:
		return "Speaking"
	case event.Expecting:
		return "Your turn"
	case event.Error:
		return "Error"
	}
	return "genie"
}

// Renderer draws screen frames of one size.
type Renderer struct {
	dst       *image.RGBA
	k         int // text scale
	cover     image.Image
	coverFor  image.Image
	coverSize int
}

// NewRenderer returns a renderer for a w×h screen.
func NewRenderer(w, h int) *Renderer {
	k := 1
	if h >= 200 && w >= 220 {
		k = 2
	}
	return &Renderer{dst: image.NewRGBA(image.Rect(0, 0, w, h)), k: k}
}

// Bounds returns the screen size.
func (r *Renderer) Bounds() image.Rectangle { return r.dst.Rect }

// Draw renders the screen at t and returns the frame, which the renderer reuses on the
// next call.
func (r *Renderer) Draw(s *anim.Scene, c *Shown, t time.Duration) *image.RGBA {
	dst, k := r.dst, r.k
	fillRect(dst, dst.Rect, black)
	look := s.LookAt(t)
	label, bg := headerFor(look, s)
	hh := (glyphH + 3) * k
	head := image.Rect(0, 0, dst.Rect.Dx(), hh)
	fillRect(dst, head, bg)
	text(dst, 3*k, 2*k, label, white, k)
	// Right side of the header: mute mark or a running timer.
	if s.IsMuted() && look != anim.LookMuted {
		right(dst, head, k, "MIC OFF", white)
	} else if s.Timer.Active {
		right(dst, head, k, clock(s.Timer.Remaining(t)), white)
	}
	body := image.Rect(0, hh, dst.Rect.Dx(), dst.Rect.Dy())
	if look == anim.LookVolume {
		r.volume(body, s)
		return dst
	}
	switch {
	case look == anim.LookMuted:
		r.muted(body)
	case look == anim.LookRinging:
		r.ringing(body, s, t)
	case c != nil && look != anim.LookWake && look != anim.LookListening:
		r.card(body, c, s, t)
	default:
		r.state(body, look, s, t)
	}
	return dst
}

func right(dst *image.RGBA, head image.Rectangle, k int, s string, c color.RGBA) {
	text(dst, head.Max.X-textWidth(s, k)-3*k, 2*k, s, c, k)
}

// clock formats d as m:ss (or h:mm:ss), rounding up so 0:00 means done.
func clock(d time.Duration) string {
	sec := int64((d + time.Second - 1) / time.Second)
	if sec >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", sec/3600, sec/60%60, sec%60)
	}
	return fmt.Sprintf("%d:%02d", sec/60, sec%60)
}

// lines draws wrapped text from y down to the bottom of b and returns the next y.
func (r *Renderer) lines(b image.Rectangle, x, y int, s string, c color.RGBA, k, maxLines int) int {
	width := (b.Max.X - x - 2*k) / (glyphW * k)
	room := (b.Max.Y - y) / ((glyphH + 1) * k)
	for _, l := range wrap(s, width, min(maxLines, room)) {
		text(r.dst, x, y, l, c, k)
		y += (glyphH + 1) * k
	}
	return y
}

func (r *Renderer) state(b image.Rectangle, look anim.Look, s *anim.Scene, t time.Duration) {
	dst, k := r.dst, r.k
	dt := t - s.StateAt
	mid := b.Min.Y + b.Dy()/2
	switch look {
	case anim.LookOff, anim.LookTimer:
		if s.Timer.Active {
			centerText(dst, b, b.Min.Y+4*k, "timer "+s.Timer.ID, grey, k)
			bk := 2 * k
			centerText(dst, b, mid-glyphH*bk/2+4*k, clock(s.Timer.Remaining(t)), amber, bk)
			return
		}
		centerText(dst, b, mid-2*glyphH*k+k, "genie", white, 2*k)
		centerText(dst, b, mid+glyphH*k/2+k, "say \"hey genie\"", grey, k)
	case anim.LookWake, anim.LookListening, anim.LookExpecting:
		c := cyan
		if look == anim.LookExpecting {
			c = green
		}
		if look == anim.LookExpecting {
			centerText(dst, b, b.Max.Y-(glyphH+2)*k, "answer now", grey, k)
			b.Max.Y -= (glyphH + 2) * k
		}
		bars(dst, b, c, dt, k)
	case anim.LookThinking:
		y := b.Min.Y + 3*k
		if s.Transcript != "" {
			y = r.lines(b, 3*k, y, "\""+s.Transcript+"\"", white, k, 2)
		}
		dots(dst, image.Rect(b.Min.X, y, b.Max.X, b.Max.Y), violet, dt, k)
	case anim.LookSpeaking:
		y := b.Min.Y + 3*k
		if s.Transcript != "" {
			y = r.lines(b, 3*k, y, "\""+s.Transcript+"\"", grey, k, 2)
		}
		wave(dst, image.Rect(b.Min.X, y, b.Max.X, b.Max.Y), cyan, dt, k)
	case anim.LookError:
		cx := float64(b.Min.X + 14*k)
		cy := float64(b.Min.Y + 14*k)
		warning(dst, cx, cy, float64(10*k))
		msg := s.Error
		if msg == "" {
			msg = "something went wrong"
		}
		r.lines(b, 30*k, b.Min.Y+4*k, msg, white, k, 4)
	}
}

// bars draws five level bars moving like a voice meter.
func bars(dst *image.RGBA, b image.Rectangle, c color.RGBA, dt time.Duration, k int) {
	const n = 5
	w := 6 * k
	gap := 4 * k
	total := n*w + (n-1)*gap
	x0 := b.Min.X + (b.Dx()-total)/2
	maxH := b.Dy() - 10*k
	mid := b.Min.Y + b.Dy()/2
	sec := dt.Seconds()
	for i := range n {
		f := 0.25 + 0.75*math.Abs(math.Sin(2*math.Pi*(sec*1.3+float64(i)*0.21)))*(0.6+0.4*math.Sin(float64(i)*1.7+sec*3))
		h := max(int(f*float64(maxH)), 2*k)
		x := x0 + i*(w+gap)
		fillRect(dst, image.Rect(x, mid-h/2, x+w, mid+h/2), c)
	}
}

// dots draws three dots, one lit at a time.
func dots(dst *image.RGBA, b image.Rectangle, c color.RGBA, dt time.Duration, k int) {
	lit := int(dt/(300*time.Millisecond)) % 3
	if dt < 0 {
		lit = 0
	}
	rad := float64(4 * k)
	cy := float64(b.Min.Y + b.Dy()/2)
	for i := range 3 {
		col := dim
		if i == lit {
			col = c
		}
		disc(dst, float64(b.Min.X+b.Dx()/2+(i-1)*14*k), cy, rad, col)
	}
}

// wave draws a sine wave whose phase moves with time.
func wave(dst *image.RGBA, b image.Rectangle, c color.RGBA, dt time.Duration, k int) {
	if b.Dy() < 6*k {
		return
	}
	mid := float64(b.Min.Y + b.Dy()/2)
	amp := float64(b.Dy())/2 - 3*float64(k)
	ph := dt.Seconds() * 2 * math.Pi * 1.25
	for x := b.Min.X + 4*k; x < b.Max.X-4*k; x++ {
		f := float64(x-b.Min.X) / float64(b.Dx())
		env := math.Sin(math.Pi * f)
		y := mid + amp*env*math.Sin(f*4*math.Pi*2-ph)*0.8
		disc(dst, float64(x), y, float64(k), c)
	}
}

// warning draws a red ring with an exclamation mark (outline, so it reads in mono).
func warning(dst *image.RGBA, cx, cy, rad float64) {
	w := math.Max(rad/5, 1.5)
	ring(dst, cx, cy, rad-w/2, w, red)
	line(dst, cx, cy-rad*0.5, cx, cy+rad*0.1, w, red)
	disc(dst, cx, cy+rad*0.42, w*0.6, red)
}

func (r *Renderer) muted(b image.Rectangle) {
	dst, k := r.dst, r.k
	rad := float64(min(b.Dy()/2-4*k, 22*k))
	cx := float64(b.Min.X) + rad + float64(8*k)
	cy := float64(b.Min.Y + b.Dy()/2)
	w := math.Max(rad/7, 1.5)
	// Microphone: capsule, stand, base; crossed out.
	disc(dst, cx, cy-rad*0.3, rad*0.28, white)
	disc(dst, cx, cy+rad*0.05, rad*0.28, white)
	fillRect(dst, image.Rect(int(cx-rad*0.28), int(cy-rad*0.3), int(cx+rad*0.28+1), int(cy+rad*0.05)), white)
	line(dst, cx, cy+rad*0.45, cx, cy+rad*0.7, w, white)
	line(dst, cx-rad*0.3, cy+rad*0.72, cx+rad*0.3, cy+rad*0.72, w, white)
	ring(dst, cx, cy, rad, w, red)
	line(dst, cx-rad*0.7, cy-rad*0.7, cx+rad*0.7, cy+rad*0.7, w*1.3, red)
	x := int(cx+rad) + 6*k
	y := b.Min.Y + b.Dy()/2 - glyphH*k - k
	text(dst, x, y, "Microphone", white, k)
	text(dst, x, y+(glyphH+2)*k, "off", white, k)
}

func (r *Renderer) ringing(b image.Rectangle, s *anim.Scene, t time.Duration) {
	dst, k := r.dst, r.k
	on := (t-s.Timer.RingAt)%time.Second < 500*time.Millisecond
	fg, bg := amber, black
	if on {
		fg, bg = black, amber
	}
	fillRect(dst, b, bg)
	centerText(dst, b, b.Min.Y+b.Dy()/2-glyphH*k-2*k, "TIME'S UP", fg, 2*k)
	if s.Timer.ID != "" {
		centerText(dst, b, b.Min.Y+b.Dy()/2+glyphH*k/2+2*k, s.Timer.ID, fg, k)
	}
}

func (r *Renderer) volume(b image.Rectangle, s *anim.Scene) {
	dst, k := r.dst, r.k
	label := fmt.Sprintf("Volume %d", s.Volume)
	centerText(dst, b, b.Min.Y+4*k, label, white, k)
	bar := image.Rect(b.Min.X+8*k, b.Min.Y+b.Dy()/2, b.Max.X-8*k, b.Min.Y+b.Dy()/2+10*k)
	fillRect(dst, bar, dim)
	fill := bar
	fill.Max.X = bar.Min.X + bar.Dx()*s.Volume/100
	fillRect(dst, fill, white)
}

// card lays out a card in the body: cover on the left when there is one.
func (r *Renderer) card(b image.Rectangle, c *Shown, s *anim.Scene, t time.Duration) {
	dst, k := r.dst, r.k
	x := b.Min.X + 3*k
	if c.Cover != nil {
		size := min(b.Dy()-4*k, b.Dx()*2/5)
		if c.Kind == CardInfo || c.Kind == CardConfirm || c.Kind == CardTimer {
			size = min(size, b.Dx()/3)
		}
		at := image.Pt(b.Min.X+2*k, b.Min.Y+2*k)
		r.drawCover(c.Cover, image.Rectangle{at, at.Add(image.Pt(size, size))})
		if c.Kind == CardStream {
			live := image.Rect(at.X+2*k, at.Y+2*k, at.X+2*k+textWidth("LIVE", k)+4*k, at.Y+(glyphH+4)*k)
			fillRect(dst, live, badge)
			text(dst, live.Min.X+2*k, live.Min.Y+2*k, "LIVE", white, k)
		}
		x = at.X + size + 4*k
	}
	y := b.Min.Y + 3*k
	tb := image.Rect(x, b.Min.Y, b.Max.X, b.Max.Y)
	switch c.Kind {
	case CardTimer:
		y = r.lines(tb, x, y, c.Title, grey, k, 1)
		left := clock(s.Timer.Remaining(t))
		if !s.Timer.Active && c.Text != "" {
			left = c.Text
		}
		bk := 2 * k
		if (b.Max.X-x)/(glyphW*bk) < len(left) {
			bk = k
		}
		text(dst, x, y+2*k, left, amber, bk)
	case CardConfirm:
		y = r.lines(tb, x, y, c.Title, amber, k, 1)
		r.lines(image.Rect(x, y, b.Max.X, b.Max.Y-(glyphH+4)*k), x, y, c.Text, white, k, 3)
		// Yes / No hint along the bottom.
		by := b.Max.Y - (glyphH+3)*k
		yes := image.Rect(x, by, x+textWidth("yes", k)+6*k, b.Max.Y-k)
		fillRect(dst, yes, color.RGBA{0, 140, 70, 255})
		text(dst, yes.Min.X+3*k, by+k, "yes", white, k)
		no := image.Rect(yes.Max.X+4*k, by, yes.Max.X+4*k+textWidth("no", k)+6*k, b.Max.Y-k)
		fillRect(dst, no, color.RGBA{150, 30, 20, 255})
		text(dst, no.Min.X+3*k, by+k, "no", white, k)
	case CardMedia, CardStream:
		y = r.lines(tb, x, y, c.Title, white, k, 2)
		y = r.lines(tb, x, y, c.Text, grey, k, 2)
		if c.Kind == CardMedia && s.State == event.Speaking {
			wave(dst, image.Rect(x, y, b.Max.X, b.Max.Y), cyan, t-s.StateAt, k)
		}
	default:
		y = r.lines(tb, x, y, c.Title, white, k, 2)
		r.lines(tb, x, y, c.Text, grey, k, 6)
	}
}

// drawCover scales img into r (cached, since covers rarely change).
func (r *Renderer) drawCover(img image.Image, at image.Rectangle) {
	if r.coverFor != img || r.coverSize != at.Dx() {
		scaled := image.NewRGBA(image.Rect(0, 0, at.Dx(), at.Dy()))
		// Crop to a centred square, then scale.
		sb := img.Bounds()
		side := min(sb.Dx(), sb.Dy())
		min := image.Pt(sb.Min.X+(sb.Dx()-side)/2, sb.Min.Y+(sb.Dy()-side)/2)
		src := image.Rectangle{Min: min, Max: min.Add(image.Pt(side, side))}
		xdraw.ApproxBiLinear.Scale(scaled, scaled.Rect, img, src, xdraw.Src, nil)
		r.cover, r.coverFor, r.coverSize = scaled, img, at.Dx()
	}
	xdraw.Draw(r.dst, at, r.cover, image.Point{}, xdraw.Src)
}
