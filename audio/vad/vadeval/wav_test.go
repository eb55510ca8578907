package vadeval

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// wavBytes builds a canonical 44-byte-header PCM wav.
func wavBytes(rate uint32, chans, bits uint16, samples []int16, extra []byte) []byte {
	var b bytes.Buffer
	data := len(samples) * 2
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+data+len(extra)))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, uint32(16))
	binary.Write(&b, binary.LittleEndian, uint16(1))
	binary.Write(&b, binary.LittleEndian, chans)
	binary.Write(&b, binary.LittleEndian, rate)
	binary.Write(&b, binary.LittleEndian, rate*uint32(chans)*uint32(bits/8))
	binary.Write(&b, binary.LittleEndian, chans*bits/8)
	binary.Write(&b, binary.LittleEndian, bits)
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(data))
	binary.Write(&b, binary.LittleEndian, samples)
	b.Write(extra)
	return b.Bytes()
}

func TestReadWav(t *testing.T) {
	samples := []int16{0, 1, -1, 32767, -32768, 1000}
	list := append([]byte("LIST"), 4, 0, 0, 0, 'I', 'N', 'F', 'O')
	tests := []struct {
		name    string
		in      []byte
		want    []int16
		wantErr string
	}{
		{"mono16k", wavBytes(16000, 1, 16, samples, nil), samples, ""},
		{"trailingChunk", wavBytes(16000, 1, 16, samples, list), samples, ""},
		{"rate48k", wavBytes(48000, 1, 16, samples, nil), nil, "48000 Hz"},
		{"stereo", wavBytes(16000, 2, 16, samples, nil), nil, "2 channels"},
		{"garbage", []byte("this is not a wav file at all, not even close"), nil, "wav"},
		{"empty", nil, nil, "wav"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadWav(bytes.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slicesEqual(got, tt.want) {
				t.Errorf("samples = %v, want %v", got, tt.want)
			}
		})
	}
}

func slicesEqual(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func FuzzReadWav(f *testing.F) {
	f.Add(wavBytes(16000, 1, 16, []int16{1, 2, 3}, nil))
	f.Add(wavBytes(44100, 2, 16, []int16{1, 2, 3, 4}, nil))
	f.Add(wavBytes(16000, 1, 8, []int16{1}, nil))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ReadWav(bytes.NewReader(b))
		if err == nil && len(s) > len(b) {
			t.Fatalf("%d samples from %d bytes", len(s), len(b))
		}
	})
}
