package frontend

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
)

// parseWAV reads a RIFF/WAVE file of 16-bit PCM, mono, at rate Hz. It walks the
// chunks instead of assuming a 44-byte header. Test helper: the product reads wav
// files through audio/wavfile.
func parseWAV(b []byte, rate int) ([]int16, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, errors.New("wav: not a RIFF/WAVE file")
	}
	var haveFmt bool
	for p := 12; p+8 <= len(b); {
		id := string(b[p : p+4])
		size := int64(binary.LittleEndian.Uint32(b[p+4 : p+8]))
		p += 8
		if size > int64(len(b)-p) {
			return nil, fmt.Errorf("wav: chunk %q at byte %d: size %d past end of file", id, p-8, size)
		}
		body := b[p : p+int(size)]
		switch id {
		case "fmt ":
			if len(body) < 16 {
				return nil, fmt.Errorf("wav: fmt chunk of %d bytes, want >= 16", len(body))
			}
			format := binary.LittleEndian.Uint16(body[0:2])
			ch := binary.LittleEndian.Uint16(body[2:4])
			sr := binary.LittleEndian.Uint32(body[4:8])
			bps := binary.LittleEndian.Uint16(body[14:16])
			if format != 1 || ch != 1 || int64(sr) != int64(rate) || bps != 16 {
				return nil, fmt.Errorf("wav: format %d, %d channels, %d Hz, %d bits; want PCM mono %d Hz 16-bit", format, ch, sr, bps, rate)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, errors.New("wav: data chunk before fmt chunk")
			}
			s := make([]int16, len(body)/2)
			for i := range s {
				s[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return s, nil
		}
		p += int(size) + int(size&1)
	}
	return nil, errors.New("wav: no data chunk")
}

func FuzzParseWAV(f *testing.F) {
	f.Add(wavBytes([]int16{1, -2, 3}, 16000))
	f.Add(wavBytes(nil, 16000))
	f.Add(wavBytes([]int16{0}, 8000))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEdata\xff\xff\xff\xff"))
	f.Add([]byte("RIFF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseWAV(b, 16000)
		if err == nil && len(s) > len(b)/2 {
			t.Fatalf("%d samples from %d bytes", len(s), len(b))
		}
	})
}

func TestParseWAVReadsSamples(t *testing.T) {
	want := []int16{0, 1, -1, 32767, -32768}
	got, err := parseWAV(wavBytes(want, 16000), 16000)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if _, err := parseWAV(wavBytes(want, 8000), 16000); err == nil {
		t.Fatal("8 kHz file accepted as 16 kHz")
	}
}

// wavBytes encodes s as a 44-byte-header mono 16-bit wav.
func wavBytes(s []int16, rate int) []byte {
	b := make([]byte, 44+2*len(s))
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*len(s)))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], uint32(rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(2*rate))
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*len(s)))
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(v))
	}
	return b
}
