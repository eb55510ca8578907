package led

import (
	"bytes"
	"encoding/hex"
	"image/color"
	"strings"
	"testing"

	"periph.io/x/conn/v3/spi/spitest"
)

var (
	red   = color.RGBA{255, 0, 0, 255}
	green = color.RGBA{0, 255, 0, 255}
	blue  = color.RGBA{0, 0, 255, 255}
	odd   = color.RGBA{0x01, 0x80, 0xfe, 255}
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lastTx returns the bytes of the last SPI transaction.
func lastTx(t *testing.T, r *spitest.Record) []byte {
	t.Helper()
	if len(r.Ops) == 0 {
		t.Fatal("nothing written to SPI")
	}
	return r.Ops[len(r.Ops)-1].W
}

func TestAPA102Bytes(t *testing.T) {
	// Frame: 4 zero bytes, per LED 0xFF (global brightness 31) then B, G, R scaled by
	// intensity/255, then NumLEDs/16+1 bytes of 0xFF to clock the data through.
	tests := []struct {
		name      string
		intensity uint8
		colours   []color.RGBA
		want      string
	}{
		{"rgb_full", 255, []color.RGBA{red, green, blue}, "00000000 ff0000ff ff00ff00 ffff0000 ff"},
		{"half", 128, []color.RGBA{red, odd, blue}, "00000000 ff000080 ff7f4001 ff800000 ff"},
		{"missing_leds_off", 255, []color.RGBA{odd}, "00000000 fffe8001 ff000000 ff000000 ff"},
		{"extra_ignored", 255, []color.RGBA{blue, blue, blue, red}, "00000000 ffff0000 ffff0000 ffff0000 ff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &spitest.Record{}
			s, err := NewAPA102(r, &Opts{NumLEDs: 3, Intensity: 255})
			if err != nil {
				t.Fatal(err)
			}
			s.SetBrightness(tt.intensity)
			if err := s.Show(tt.colours); err != nil {
				t.Fatal(err)
			}
			if got, want := lastTx(t, r), unhex(t, tt.want); !bytes.Equal(got, want) {
				t.Fatalf("wrote % x\nwant    % x", got, want)
			}
		})
	}
}

func TestAPA102HaltTurnsRingOff(t *testing.T) {
	r := &spitest.Record{}
	s, err := NewAPA102(r, &Opts{NumLEDs: 3, Intensity: 255})
	if err != nil {
		t.Fatal(err)
	}
	s.Show([]color.RGBA{red, red, red})
	if err := s.Halt(); err != nil {
		t.Fatal(err)
	}
	// Brightness 1 with black colour: off.
	if got, want := lastTx(t, r), unhex(t, "00000000 e1000000 e1000000 e1000000 ff"); !bytes.Equal(got, want) {
		t.Fatalf("Halt wrote % x, want % x", got, want)
	}
	if got := s.String(); got != "APA102{3 LEDs, record}" {
		t.Fatalf("String() = %q", got)
	}
}

// nrz encodes bytes the way a WS2812 on 2.5 MHz SPI needs them, independently of
// periph: MSB first, each bit 4 SPI bits, 1 → 1110, 0 → 1000.
func nrz(grb ...byte) []byte {
	var out []byte
	for _, b := range grb {
		var w uint32
		for i := 7; i >= 0; i-- {
			w <<= 4
			if b>>i&1 == 1 {
				w |= 0xE
			} else {
				w |= 0x8
			}
		}
		out = append(out, byte(w>>24), byte(w>>16), byte(w>>8), byte(w))
	}
	return out
}

func TestWS2812Bytes(t *testing.T) {
	latch := []byte{0, 0, 0}
	tests := []struct {
		name       string
		brightness uint8
		colours    []color.RGBA
		grb        []byte
	}{
		{"rgb_full", 255, []color.RGBA{red, green}, []byte{0, 255, 0, 255, 0, 0}},
		{"odd", 255, []color.RGBA{odd, blue}, []byte{0x80, 0x01, 0xfe, 0, 0, 255}},
		{"half", 128, []color.RGBA{odd, red}, []byte{0x40, 0x01, 0x7f, 0, 0x80, 0}},
		{"missing_off", 255, []color.RGBA{red}, []byte{0, 255, 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &spitest.Record{}
			s, err := NewWS2812(r, &Opts{NumLEDs: 2, Intensity: tt.brightness})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Show(tt.colours); err != nil {
				t.Fatal(err)
			}
			want := append(append(append([]byte(nil), latch...), nrz(tt.grb...)...), latch...)
			if got := lastTx(t, r); !bytes.Equal(got, want) {
				t.Fatalf("wrote % x\nwant    % x", got, want)
			}
		})
	}
	if got := nrz(0x80); !bytes.Equal(got, []byte{0xe8, 0x88, 0x88, 0x88}) {
		t.Fatalf("reference encoder is wrong: % x", got)
	}
}

func TestOptsRejectBadLEDCount(t *testing.T) {
	for _, n := range []int{0, -1, 256} {
		if _, err := NewAPA102(&spitest.Record{}, &Opts{NumLEDs: n}); err == nil {
			t.Errorf("NewAPA102 with %d LEDs: no error", n)
		}
		if _, err := NewWS2812(&spitest.Record{}, &Opts{NumLEDs: n}); err == nil {
			t.Errorf("NewWS2812 with %d LEDs: no error", n)
		}
	}
}

func TestShowAllocatesNothing(t *testing.T) {
	s, err := NewAPA102(spitest.NewRecordRaw(discard{}), &Opts{NumLEDs: 12, Intensity: 96})
	if err != nil {
		t.Fatal(err)
	}
	c := make([]color.RGBA, 12)
	if a := testing.AllocsPerRun(50, func() { s.Show(c) }); a != 0 {
		t.Fatalf("Show allocates %v times", a)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkAPA102Show12 sends one frame to a 12-LED ring; at 30 fps it must stay far
// under 33 ms.
func BenchmarkAPA102Show12(b *testing.B) {
	s, err := NewAPA102(spitest.NewRecordRaw(discard{}), &Opts{NumLEDs: 12, Intensity: 96})
	if err != nil {
		b.Fatal(err)
	}
	c := make([]color.RGBA, 12)
	b.ReportAllocs()
	for b.Loop() {
		s.Show(c)
	}
}
