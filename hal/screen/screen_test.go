package screen

import (
	"bytes"
	"encoding/hex"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"periph.io/x/conn/v3/i2c/i2ctest"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ssd1306Init is the init sequence for 128×64 behind the I²C command byte 0x00.
const ssd1306Init = "00 ae d300 40 a1 c8 da12 81ff a4 a6 d5f0 8d14 d9f1 db40 2e a83f 2000 21007f 220007 af"

func TestSSD1306Bytes(t *testing.T) {
	bus := &i2ctest.Record{}
	s, err := NewSSD1306(bus, &DefaultSSD1306Opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(bus.Ops) != 1 || bus.Ops[0].Addr != 0x3C || !bytes.Equal(bus.Ops[0].W, unhex(t, ssd1306Init)) {
		t.Fatalf("init wrote %+v\nwant addr 0x3c % x", bus.Ops, unhex(t, ssd1306Init))
	}
	img := image.NewRGBA(image.Rect(0, 0, 128, 64))
	img.Set(0, 0, color.White)
	img.Set(1, 0, color.RGBA{0x60, 0x60, 0x60, 255}) // dark grey: below half, stays off
	img.Set(2, 0, color.RGBA{255, 255, 0, 255})      // yellow: lit
	img.Set(127, 63, color.White)
	if err := s.Draw(s.Bounds(), img, image.Point{}); err != nil {
		t.Fatal(err)
	}
	// First frame: every page, each a command (page, column 0) then 128 data bytes.
	ops := bus.Ops[1:]
	if len(ops) != 16 {
		t.Fatalf("first draw: %d transactions, want 16", len(ops))
	}
	for p := range 8 {
		cmd, data := ops[2*p].W, ops[2*p+1].W
		if want := []byte{0x00, 0xB0 | byte(p), 0x00, 0x10}; !bytes.Equal(cmd, want) {
			t.Fatalf("page %d command % x, want % x", p, cmd, want)
		}
		want := make([]byte, 129)
		want[0] = 0x40
		switch p {
		case 0:
			want[1], want[3] = 0x01, 0x01 // (0,0) and (2,0): bit 0 of columns 0 and 2
		case 7:
			want[128] = 0x80 // (127,63): bit 7 of column 127
		}
		if !bytes.Equal(data, want) {
			t.Fatalf("page %d data % x\nwant % x", p, data, want)
		}
	}
	// Second frame: only the changed column of the changed page is sent.
	bus.Ops = nil
	img.Set(5, 9, color.White)
	if err := s.Draw(s.Bounds(), img, image.Point{}); err != nil {
		t.Fatal(err)
	}
	if len(bus.Ops) != 2 || !bytes.Equal(bus.Ops[0].W, unhex(t, "00 b1 05 10")) || !bytes.Equal(bus.Ops[1].W, unhex(t, "40 02")) {
		t.Fatalf("second draw wrote %+v, want page 1 column 5 = 0x02", bus.Ops)
	}
	if err := s.Halt(); err != nil || !bytes.Equal(bus.Ops[2].W, unhex(t, "00 ae")) {
		t.Fatalf("Halt: %v, wrote %+v", err, bus.Ops[2:])
	}
}

func TestSSD1306OtherAddress(t *testing.T) {
	bus := &i2ctest.Record{}
	if _, err := NewSSD1306(bus, &SSD1306Opts{W: 128, H: 32, Addr: 0x3D}); err != nil {
		t.Fatal(err)
	}
	if bus.Ops[0].Addr != 0x3D {
		t.Fatalf("wrote to %#x, want 0x3d", bus.Ops[0].Addr)
	}
	if _, err := NewSSD1306(bus, &SSD1306Opts{W: 100, H: 64}); err == nil {
		t.Fatal("width 100 accepted")
	}
}

func TestFBBytes(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 2))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	img.Set(1, 0, color.RGBA{0, 255, 0, 255})
	img.Set(2, 0, color.RGBA{0, 0, 255, 255})
	img.Set(3, 0, color.RGBA{255, 255, 255, 255})
	img.Set(0, 1, color.RGBA{0x12, 0x34, 0x56, 255})
	tests := []struct {
		name string
		g    Geometry
		want string
	}{
		// RGB565 little-endian (0x123456 → 2<<11|13<<5|10 = 0x11aa); stride 10 leaves 2 padding bytes per line untouched (0xAA).
		{"rgb565", Geometry{Width: 4, Height: 2, Stride: 10, Format: RGB565},
			"00f8 e007 1f00 ffff aaaa  aa11 0000 0000 0000 aaaa"},
		// XRGB8888: B, G, R, X.
		{"xrgb8888", Geometry{Width: 4, Height: 2, Stride: 16, Format: XRGB8888},
			"0000ffff 00ff00ff ff0000ff ffffffff  563412ff 000000ff 000000ff 000000ff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "fb0")
			if err := os.WriteFile(path, bytes.Repeat([]byte{0xAA}, tt.g.Stride*tt.g.Height), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fb, err := NewFB(f, path, tt.g)
			if err != nil {
				t.Fatal(err)
			}
			if err := fb.Draw(fb.Bounds(), img, image.Point{}); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			if want := unhex(t, tt.want); !bytes.Equal(got, want) {
				t.Fatalf("file % x\nwant % x", got, want)
			}
		})
	}
}

func TestFBRejectsBadGeometry(t *testing.T) {
	for _, g := range []Geometry{
		{Width: 4, Height: 2, Format: 0},
		{Width: 0, Height: 2, Format: RGB565},
		{Width: 4, Height: 2, Stride: 6, Format: RGB565},
	} {
		if _, err := NewFB(nil, "fb", g); err == nil {
			t.Errorf("NewFB(%+v): no error", g)
		}
	}
}

func TestQueryFBOnPlainFileNamesIt(t *testing.T) {
	if unsafe.Sizeof(fbVarScreenInfo{}) != 160 {
		t.Fatalf("fb_var_screeninfo is %d bytes, want 160", unsafe.Sizeof(fbVarScreenInfo{}))
	}
	want := uintptr(68) // 32-bit: unsigned long is 4 bytes
	if unsafe.Sizeof(uintptr(0)) == 8 {
		want = 80
	}
	if unsafe.Sizeof(fbFixScreenInfo{}) != want {
		t.Fatalf("fb_fix_screeninfo is %d bytes, want %d", unsafe.Sizeof(fbFixScreenInfo{}), want)
	}
	path := filepath.Join(t.TempDir(), "notfb")
	os.WriteFile(path, nil, 0o600)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := QueryFB(f); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("QueryFB on a plain file: %v", err)
	}
}
