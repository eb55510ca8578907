package view

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/genie-voice/genie/dialog/event"
	"github.com/genie-voice/genie/hal/anim"
)

func TestWrap(t *testing.T) {
	tests := []struct {
		in    string
		width int
		lines int
		want  string
	}{
		{"what's the weather like tomorrow", 12, 4, "what's the|weather like|tomorrow"},
		{"what's the weather like tomorrow", 12, 2, "what's the|weather l..."},
		{"supercalifragilistic", 8, 4, "supercal|ifragili|stic"},
		{"2x towels, 7.98 € “now”", 40, 1, `2x towels, 7.98 EUR "now"`},
		{"", 10, 2, ""},
	}
	for _, tt := range tests {
		if got := strings.Join(wrap(tt.in, tt.width, tt.lines), "|"); got != tt.want {
			t.Errorf("wrap(%q, %d, %d) = %q, want %q", tt.in, tt.width, tt.lines, got, tt.want)
		}
	}
}

func TestClock(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0:00", 500 * time.Millisecond: "0:01", 61 * time.Second: "1:01", 3725 * time.Second: "1:02:05",
	} {
		if got := clock(d); got != want {
			t.Errorf("clock(%v) = %q, want %q", d, got, want)
		}
	}
}

func pngOf(w, h int) []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h)))
	return b.Bytes()
}

func TestDecodeImage(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		ok   bool
	}{
		{"png", pngOf(8, 8), true},
		{"empty", nil, false},
		{"garbage", []byte("hello"), false},
		{"truncated", pngOf(8, 8)[:40], false},
		{"too_many_pixels", pngOf(5000, 4000), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeImage(tt.data)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrImage) {
				t.Fatalf("err %v is not ErrImage", err)
			}
		})
	}
}

func FuzzDecodeImage(f *testing.F) {
	f.Add(pngOf(4, 4))
	f.Add([]byte("GIF89a\x01\x00\x01\x00"))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe0})
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := DecodeImage(data)
		if err == nil && img.Bounds().Empty() {
			t.Fatal("decoded an empty image without error")
		}
	})
}

// TestRendererFitsEveryScreenSize draws every look and card on small and large
// screens; nothing may draw outside or panic, and the header keeps its colour.
func TestRendererFitsEveryScreenSize(t *testing.T) {
	cards := []*Shown{nil,
		{Card: Card{Kind: CardConfirm, Title: "Confirm", Text: strings.Repeat("long words ", 20)}},
		{Card: Card{Kind: CardMedia, Title: "Song", Text: "Artist"}, Cover: Placeholder(40)},
		{Card: Card{Kind: CardStream, Title: "Radio"}, Cover: Placeholder(300)},
		{Card: Card{Kind: CardTimer, Title: "Eggs", Text: "done"}},
	}
	states := []event.State{event.Idle, event.Listening, event.Thinking, event.Speaking, event.Expecting, event.Muted, event.Error}
	for _, size := range []image.Point{{128, 32}, {128, 64}, {240, 240}, {320, 240}, {480, 320}} {
		r := NewRenderer(size.X, size.Y)
		for _, st := range states {
			for _, c := range cards {
				s := anim.NewScene()
				s.Apply(event.Event{Kind: event.KindState, State: st}, 0)
				s.Apply(event.Event{Kind: event.KindTimer, Reason: "started", Value: 90}, 0)
				img := r.Draw(&s, c, 300*time.Millisecond)
				if img.Rect.Size() != size {
					t.Fatalf("%v: frame %v", size, img.Rect)
				}
				if p := img.RGBAAt(1, 1); p.R == 0 && p.G == 0 && p.B == 0 {
					t.Fatalf("%v %v: header pixel is black", size, st)
				}
			}
		}
	}
}
