package view

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // card images may be GIF
	_ "image/jpeg"
	_ "image/png"
)

// CardKind says how a card is laid out.
type CardKind uint8

// Card kinds.
const (
	CardInfo    CardKind = iota // title and text
	CardConfirm                 // a question to confirm, e.g. an order: Yes/No hint
	CardTimer                   // a timer: the time left, big
	CardMedia                   // a song: cover, title, artist
	CardStream                  // a live stream: cover with a LIVE badge
)

var cardNames = [...]string{"info", "confirm", "timer", "media", "stream"}

// String returns the kind's name.
func (k CardKind) String() string {
	if int(k) < len(cardNames) {
		return cardNames[k]
	}
	return "card(?)"
}

// Card is content the upstream pushes to the screen.
type Card struct {
	Kind     CardKind
	Title    string // e.g. song title, "Confirm order"
	Text     string // e.g. artist, the question
	ImageURL string // http(s) URL of a cover; fetched by hal.Board
	Image    []byte // PNG, JPEG or GIF bytes; used instead of ImageURL when set
}

// Limits on card images, against decompression bombs.
const (
	MaxImageBytes  = 8 << 20
	MaxImagePixels = 4096 * 4096
)

// ErrImage means a card image could not be used.
var ErrImage = errors.New("view: bad card image")

// DecodeImage decodes card image bytes, refusing anything over the limits.
func DecodeImage(b []byte) (image.Image, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrImage)
	}
	if len(b) > MaxImageBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrImage, len(b), MaxImageBytes)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrImage, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxImagePixels {
		return nil, fmt.Errorf("%w: %s is %dx%d", ErrImage, format, cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrImage, format, err)
	}
	return img, nil
}

// Placeholder is what a card shows instead of an image that failed: a grey square
// with a cross.
func Placeholder(size int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	grey := color.RGBA{70, 70, 78, 255}
	fillRect(img, img.Rect, grey)
	light := color.RGBA{150, 150, 160, 255}
	w := max(float64(size)/24, 1)
	s := float64(size)
	line(img, s*0.25, s*0.25, s*0.75, s*0.75, w, light)
	line(img, s*0.75, s*0.25, s*0.25, s*0.75, w, light)
	ring(img, s/2, s/2, s*0.36, w, light)
	return img
}
