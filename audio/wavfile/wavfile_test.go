package wavfile

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/audiotest"
)

// rawWav builds a WAV file by hand so every width and tag can be tested without the
// encoder under test.
func rawWav(tag, channels, rate, bits int, data []byte) []byte {
	b := make([]byte, 44, 44+len(data))
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+len(data)))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], uint16(tag))
	binary.LittleEndian.PutUint16(b[22:], uint16(channels))
	binary.LittleEndian.PutUint32(b[24:], uint32(rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(rate*channels*bits/8))
	binary.LittleEndian.PutUint16(b[32:], uint16(channels*bits/8))
	binary.LittleEndian.PutUint16(b[34:], uint16(bits))
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(len(data)))
	return append(b, data...)
}

// extensibleWav is rawWav with a 40-byte WAVE_FORMAT_EXTENSIBLE fmt chunk whose
// subformat GUID starts with sub (1 PCM, 3 IEEE float).
func extensibleWav(sub, channels, rate, bits int, data []byte) []byte {
	b := rawWav(tagExtensible, channels, rate, bits, data)
	ext := make([]byte, 24)
	binary.LittleEndian.PutUint16(ext[0:], 22)           // cbSize
	binary.LittleEndian.PutUint16(ext[2:], uint16(bits)) // valid bits
	binary.LittleEndian.PutUint16(ext[8:], uint16(sub))  // subformat GUID, first field
	copy(ext[10:], "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71")
	binary.LittleEndian.PutUint32(b[16:], 40)
	binary.LittleEndian.PutUint32(b[4:], uint32(60+len(data)))
	return append(append(b[:36:36], ext...), b[36:]...)
}

func write(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.wav")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadsEveryPCMWidth(t *testing.T) {
	want := []int16{0, 256, -256, 32512, -32768, 12800}
	enc := map[int]func(v int16) []byte{
		8:  func(v int16) []byte { return []byte{byte(int(v>>8) + 128)} },
		16: func(v int16) []byte { return binary.LittleEndian.AppendUint16(nil, uint16(v)) },
		24: func(v int16) []byte { return []byte{0x7f, byte(v), byte(uint16(v) >> 8)} },
		32: func(v int16) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)<<16|0x1234) },
	}
	for _, bits := range []int{8, 16, 24, 32} {
		for _, ch := range []int{1, 2} {
			var data []byte
			var w []int16
			for _, v := range want {
				for range ch {
					data = append(data, enc[bits](v)...)
					w = append(w, v)
				}
			}
			t.Run(filepath.Join(string(rune('0'+bits/8)), string(rune('0'+ch))), func(t *testing.T) {
				src, err := Open(write(t, rawWav(1, ch, 22050, bits, data)), Opts{Speed: Max})
				if err != nil {
					t.Fatal(err)
				}
				defer src.Close()
				if f := src.Format(); f != (audio.Format{SampleRate: 22050, Channels: ch}) {
					t.Errorf("format %v", f)
				}
				audiotest.TestSource(t, src, w)
			})
		}
	}
}

// TestReadsFloat reads IEEE float samples of 32 and 64 bits, plain and extensible,
// scaled to int16 and clipped beyond ±1.
func TestReadsFloat(t *testing.T) {
	in := []float64{0, 0.5, -0.5, 1, -1, 1.5, -2, 1.0 / 32768}
	want := []int16{0, 16384, -16384, 32767, -32768, 32767, -32768, 1}
	for _, tc := range []struct {
		name string
		bits int
		ext  bool
	}{{"float32", 32, false}, {"float64", 64, false}, {"extensible_float32", 32, true}} {
		t.Run(tc.name, func(t *testing.T) {
			var data []byte
			for _, v := range in {
				if tc.bits == 32 {
					data = binary.LittleEndian.AppendUint32(data, math.Float32bits(float32(v)))
				} else {
					data = binary.LittleEndian.AppendUint64(data, math.Float64bits(v))
				}
			}
			b := rawWav(tagFloat, 1, 48000, tc.bits, data)
			if tc.ext {
				b = extensibleWav(tagFloat, 1, 48000, tc.bits, data)
			}
			src, err := Open(write(t, b), Opts{Speed: Max})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if !src.Info().Float || src.Info().Frames != int64(len(in)) {
				t.Errorf("info %+v", src.Info())
			}
			audiotest.TestSource(t, src, want)
		})
	}
	// An extensible PCM file is still read as PCM.
	src, err := Open(write(t, extensibleWav(tagPCM, 1, 16000, 16, []byte{0, 1, 0, 2})), Opts{Speed: Max})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	audiotest.TestSource(t, src, []int16{256, 512})
}

func TestRejectsBadFiles(t *testing.T) {
	pcm := make([]byte, 3200)
	good := rawWav(1, 1, 16000, 16, pcm)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "shorter than a WAV header"},
		{"garbage", []byte(strings.Repeat("not a wav file at all, honestly ", 4)), "no RIFF/WAVE header"},
		{"float16", rawWav(3, 1, 16000, 16, pcm), "16-bit float samples"},
		{"mulaw", rawWav(7, 1, 8000, 8, pcm), "tag 7 is neither PCM (1) nor IEEE float (3)"},
		{"extensible_mulaw", extensibleWav(7, 1, 8000, 8, pcm), "tag 7 is neither"},
		{"extensible_short_fmt", rawWav(tagExtensible, 1, 16000, 16, pcm), "extensible fmt chunk of 16 bytes"},
		{"truncated", good[:len(good)-1000], "truncated: data chunk says 3200 bytes, file has 2200"},
		{"12bit", rawWav(1, 1, 16000, 12, pcm), "12 bits per sample"},
		{"rate_zero", rawWav(1, 1, 0, 16, pcm), "sample rate 0"},
		{"no_channels", rawWav(1, 0, 16000, 16, pcm), "no fmt chunk"},
		{"many_channels", rawWav(1, 64, 16000, 16, pcm), "64 channels"},
		{"huge_chunk", append(append(good[:12:12], "junk\xff\xff\xff\x7f"...), good[12:]...), `chunk "junk" at byte 12 claims 2147483647 bytes`},
		{"short_fmt", append(good[:16:16], append([]byte{4, 0, 0, 0}, good[20:]...)...), "fmt chunk of 4 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := write(t, tt.data)
			_, err := Open(p, Opts{})
			if err == nil {
				t.Fatal("Open accepted it")
			}
			if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want the file name and %q", err, tt.want)
			}
			if tt.name != "empty" && !errors.Is(err, ErrFormat) {
				t.Errorf("error does not wrap ErrFormat")
			}
		})
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.wav"), Opts{}); err == nil || !strings.Contains(err.Error(), "missing.wav") {
		t.Errorf("missing file: %v", err)
	}
}

func TestSinkRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "out.wav")
	f := audio.Format{SampleRate: 48000, Channels: 2}
	s, err := Create(p, f)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int16, 2*4800)
	for i := range want {
		want[i] = int16(10000 * math.Sin(float64(i)/7))
	}
	for i := 0; i < len(want); i += 960 {
		if _, err := s.Write(want[i : i+960]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Write(want[:3]); err == nil {
		t.Error("a write of 1.5 stereo frames was accepted")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.Format != f || len(c.Samples) != len(want) {
		t.Fatalf("loaded %v with %d samples", c.Format, len(c.Samples))
	}
	for i := range want {
		if c.Samples[i] != want[i] {
			t.Fatalf("sample %d = %d, want %d", i, c.Samples[i], want[i])
		}
	}
}

func TestRealtimePacing(t *testing.T) {
	p := write(t, rawWav(1, 1, 16000, 16, make([]byte, 2*16000)))
	now := time.Unix(0, 0)
	var slept time.Duration
	src, err := Open(p, Opts{Speed: Realtime, Now: func() time.Time { return now }, Sleep: func(d time.Duration) { slept += d; now = now.Add(d) }})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]int16, 160)
	for {
		if _, err := src.Read(buf); err != nil {
			break
		}
	}
	if slept != time.Second {
		t.Errorf("1 s of audio slept %v, want 1s", slept)
	}
}

func TestRepeatLoops(t *testing.T) {
	p := write(t, rawWav(1, 1, 16000, 16, binary.LittleEndian.AppendUint16(binary.LittleEndian.AppendUint16(nil, 1), 2)))
	src, err := Open(p, Opts{Speed: Max, Repeat: true})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]int16, 7)
	if _, err := audio.ReadFull(src, buf); err != nil {
		t.Fatal(err)
	}
	if want := []int16{1, 2, 1, 2, 1, 2, 1}; !equal(buf, want) {
		t.Errorf("repeat gave %v, want %v", buf, want)
	}
}

func equal(a, b []int16) bool {
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

func FuzzOpen(f *testing.F) {
	f.Add(rawWav(1, 1, 16000, 16, make([]byte, 320)))
	f.Add(rawWav(1, 2, 44100, 24, make([]byte, 600)))
	f.Add(rawWav(1, 1, 8000, 8, []byte{1, 2, 3}))
	f.Add(rawWav(3, 1, 16000, 32, make([]byte, 16)))
	f.Add(extensibleWav(3, 2, 48000, 32, make([]byte, 64)))
	f.Add(rawWav(3, 1, 16000, 64, []byte{0, 0, 0, 0, 0, 0, 0xf8, 0x7f})) // NaN
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEdata\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "f.wav")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		src, err := Open(p, Opts{Speed: Max})
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		defer src.Close()
		buf := make([]int16, 1024)
		for range 1000 {
			if _, err := src.Read(buf); err != nil {
				return
			}
		}
	})
}

func TestLoadCanonicalConverts(t *testing.T) {
	// 0.5 s of 48 kHz stereo becomes 0.5 s of 16 kHz mono, mixed down.
	var data []byte
	for range 24000 {
		data = binary.LittleEndian.AppendUint16(data, uint16(int16(3000)))
		data = binary.LittleEndian.AppendUint16(data, uint16(int16(1000)))
	}
	got, err := LoadCanonical(write(t, rawWav(1, 2, 48000, 16, data)))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 7900 || len(got) > 8000 {
		t.Fatalf("%d samples, want ≈8000", len(got))
	}
	if v := got[len(got)/2]; v < 1990 || v > 2010 {
		t.Errorf("mid sample %d, want the 2000 mean", v)
	}
}
