package mcu

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCRC16CheckValue(t *testing.T) {
	if got := crc16([]byte("123456789")); got != 0x29B1 {
		t.Fatalf("crc16(123456789) = %04x, want 29b1", got)
	}
}

func TestCOBS(t *testing.T) {
	long := make([]byte, 254)
	for i := range long {
		long[i] = byte(i + 1)
	}
	tests := []struct {
		name     string
		raw, enc string
	}{
		{"zero", "00", "01 01"},
		{"two_zeros", "00 00", "01 01 01"},
		{"inner_zero", "11 22 00 33", "03 11 22 02 33"},
		{"no_zero", "11 22 33 44", "05 11 22 33 44"},
		{"trailing_zeros", "11 00 00 00", "02 11 01 01 01"},
		{"254_bytes", hex.EncodeToString(long), "ff " + hex.EncodeToString(long)},
		{"255_bytes", hex.EncodeToString(append(long[:254:254], 0xff)), "ff " + hex.EncodeToString(long) + " 02 ff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, enc := unhex(t, tt.raw), unhex(t, tt.enc)
			if got := appendCOBS(nil, raw); !bytes.Equal(got, enc) {
				t.Fatalf("encode(% x) = % x, want % x", raw, got, enc)
			}
			got, err := decodeCOBS(nil, enc)
			if err != nil || !bytes.Equal(got, raw) {
				t.Fatalf("decode(% x) = % x, %v; want % x", enc, got, err, raw)
			}
		})
	}
}

func TestFrameRoundTrip(t *testing.T) {
	body := make([]byte, 3+3*MaxLEDs)
	body[2] = MaxLEDs
	tests := []Frame{
		{Seq: 0, Type: TypeAck},
		{Seq: 255, Type: TypeHello, Body: []byte{1}},
		{Seq: 9, Type: TypeLEDs, Body: body},
		{Seq: 10, Type: Type(0x7e), Body: []byte{0, 0, 0}},
	}
	buf := make([]byte, 0, MaxFrame)
	for _, f := range tests {
		t.Run(f.Type.String(), func(t *testing.T) {
			wire := f.AppendEncode(nil)
			if bytes.IndexByte(wire[:len(wire)-1], 0) >= 0 || wire[len(wire)-1] != 0 {
				t.Fatalf("wire % x: want one 0x00, at the end", wire)
			}
			got, err := Decode(buf, wire[:len(wire)-1])
			if err != nil {
				t.Fatal(err)
			}
			if got.Seq != f.Seq || got.Type != f.Type || !bytes.Equal(got.Body, f.Body) {
				t.Fatalf("got %v, want %v", got, f)
			}
		})
	}
}

func TestDecoderSkipsGarbageAndKeepsGoing(t *testing.T) {
	good := Frame{Seq: 7, Type: TypeKey, Body: []byte{1, 1}}.AppendEncode(nil)
	bad := append([]byte(nil), good...)
	bad[3] ^= 0x40 // flip a bit: CRC mismatch
	var stream []byte
	stream = append(stream, good...)
	stream = append(stream, 0x12, 0x34, 0x00)                   // garbage: COBS says 0x12 bytes follow
	stream = append(stream, bad...)                             // corrupted
	stream = append(stream, good[:4]...)                        // truncated (sender died mid-frame)
	stream = append(stream, 0)                                  // resynchronising delimiter
	stream = append(stream, bytes.Repeat([]byte{0x55}, 600)...) // noise without a delimiter
	stream = append(stream, 0)
	stream = append(stream, good...)
	// Feed in uneven chunks, as a UART delivers them.
	d := NewDecoder()
	var got []string
	for i := 0; i < len(stream); i += 5 {
		d.Feed(stream[i:min(i+5, len(stream))], func(f Frame) { got = append(got, f.String()) })
	}
	want := []string{"seq=7 type=key key=mute action=press", "seq=7 type=key key=mute action=press"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("frames %q, want %q", got, want)
	}
	s := d.Stats()
	if s.Frames != 2 || s.Bad != 3 || s.TooLong != 1 {
		t.Fatalf("stats %+v, want 2 frames, 3 bad, 1 too long", s)
	}
}

func TestDecoderFeedAllocatesNothing(t *testing.T) {
	wire := Frame{Seq: 7, Type: TypeKey, Body: []byte{1, 1}}.AppendEncode(nil)
	d := NewDecoder()
	n := 0
	fn := func(Frame) { n++ }
	if a := testing.AllocsPerRun(100, func() { d.Feed(wire, fn) }); a != 0 {
		t.Fatalf("Feed allocates %v times per frame", a)
	}
}

// TestDocExamples decodes every example in docs/mcu-protocol.md and encodes the good
// ones back to the same bytes.
func TestDocExamples(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "mcu-protocol.md")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var block string
	var wire []byte
	good, bad := 0, 0
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		switch {
		case s == "```mcu-example" || s == "```mcu-bad":
			block = s[3:]
		case s == "```":
			block = ""
		case block != "" && strings.HasPrefix(s, "wire:"):
			wire = unhex(t, strings.TrimPrefix(s, "wire:"))
		case block == "mcu-example" && strings.HasPrefix(s, "frame:"):
			want := strings.TrimSpace(strings.TrimPrefix(s, "frame:"))
			fr := decodeWire(t, wire)
			if err != nil {
				t.Fatalf("%s:%d: % x: %v", path, line, wire, err)
			}
			if got := fr.String(); got != want {
				t.Errorf("%s:%d: % x decodes to %q, want %q", path, line, wire, got, want)
			}
			enc := fr.AppendEncode(nil)
			if !bytes.HasSuffix(wire, enc) || len(wire)-len(enc) > 1 {
				t.Errorf("%s:%d: %q encodes to % x, want % x", path, line, want, enc, wire)
			}
			good++
		case block == "mcu-bad" && strings.HasPrefix(s, "error:"):
			want := strings.TrimSpace(strings.TrimPrefix(s, "error:"))
			d := NewDecoder()
			d.Feed(wire, func(f Frame) { t.Errorf("%s:%d: % x decoded to %v, want an error", path, line, wire, f) })
			st := d.Stats()
			if st.Bad != 1 || st.LastErr == nil || !strings.Contains(st.LastErr.Error(), want) {
				t.Errorf("%s:%d: % x: stats %+v, want one error containing %q", path, line, wire, st, want)
			}
			bad++
		}
	}
	if good < 10 || bad < 4 {
		t.Fatalf("found %d good and %d bad examples in %s; the parser or the doc is broken", good, bad, path)
	}
}

func decodeWire(t *testing.T, wire []byte) Frame {
	t.Helper()
	var got []Frame
	d := NewDecoder()
	d.Feed(wire, func(f Frame) {
		f.Body = append([]byte(nil), f.Body...)
		got = append(got, f)
	})
	if len(got) != 1 {
		t.Fatalf("% x: %d frames, stats %+v", wire, len(got), d.Stats())
	}
	return got[0]
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		enc  string
		want error
	}{
		{"empty_body_short", "01", ErrShort},
		{"zero_inside", "03 01 00 01", errCOBSZero},
		{"bad_crc", "06 04 11 01 30 3e", ErrCRC},
		{"bad_leds_count", hex.EncodeToString(Frame{Seq: 1, Type: TypeLEDs, Body: []byte{1, 0, 2, 1, 2, 3}}.AppendEncode(nil)), ErrBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := unhex(t, tt.enc)
			enc = bytes.TrimSuffix(enc, []byte{0})
			if _, err := Decode(nil, enc); !errors.Is(err, tt.want) {
				t.Fatalf("Decode(% x) = %v, want %v", enc, err, tt.want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Frame{Seq: 1, Type: TypeHello, Body: []byte{1}}.AppendEncode(nil))
	f.Add(Frame{Seq: 4, Type: TypeLEDs, Body: []byte{128, 0, 1, 255, 0, 0}}.AppendEncode(nil))
	f.Add(Frame{Seq: 1, Type: TypeVersion, Body: AppendVersion(nil, FirmwareVersion{1, 2, 3, "x"})}.AppendEncode(nil))
	f.Add([]byte{0x12, 0x34, 0x00, 0xff, 0x01, 0x00})
	f.Add(bytes.Repeat([]byte{0xff}, 300))
	f.Fuzz(func(t *testing.T, p []byte) {
		d := NewDecoder()
		d.Feed(p, func(fr Frame) {
			_ = fr.String()
			// A decoded frame must encode back to something that decodes the same.
			wire := fr.AppendEncode(nil)
			got, err := Decode(nil, wire[:len(wire)-1])
			if err != nil || got.Seq != fr.Seq || got.Type != fr.Type || !bytes.Equal(got.Body, fr.Body) {
				t.Fatalf("re-decode of %v: %v, %v", fr, got, err)
			}
		})
		if len(p) > 0 && p[len(p)-1] != 0 {
			_, _ = Decode(nil, p)
		}
	})
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}
