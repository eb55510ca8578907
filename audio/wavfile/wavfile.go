// Package wavfile reads and writes WAV files as audio Sources and Sinks, using
// github.com/go-audio/wav for the RIFF structure. Sources accept PCM of 8, 16, 24 and
// 32 bits and IEEE float of 32 and 64 bits (plain or WAVE_FORMAT_EXTENSIBLE), any rate
// from 8 to 96 kHz and 1–8 channels, and deliver int16 frames in the file's own format (wrap them in audio.NewConverter for the canonical one). They can
// be paced in real time, like a microphone, or read as fast as possible.
//
// Every error names the file and the problem; malformed input never panics.
package wavfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/genie-voice/genie/audio"
	"github.com/go-audio/wav"
)

// ErrFormat is wrapped by every error about a file that is not a WAV genie can read.
var ErrFormat = errors.New("not a readable PCM or float wav")

// Info describes a WAV file's PCM data.
type Info struct {
	Format   audio.Format
	Bits     int   // bits per sample: 8, 16, 24 or 32, or 32 or 64 for float
	Float    bool  // IEEE float samples (nominally -1..1; beyond it they clip)
	Frames   int64 // frames in the data chunk
	DataOff  int64 // byte offset of the first sample
	DataSize int64 // bytes of sample data
}

// Duration returns the length of the audio.
func (i Info) Duration() time.Duration {
	return time.Duration(i.Frames * int64(time.Second) / int64(i.Format.SampleRate))
}

// wav format tags.
const (
	tagPCM        = 1
	tagFloat      = 3
	tagExtensible = 0xFFFE
)

// probe reads the headers of r (size bytes long) and checks that the data is PCM genie
// can read and that the file holds as many bytes as the data chunk claims.
func probe(name string, r io.ReadSeeker, size int64) (info Info, err error) {
	defer func() {
		// go-audio/wav trusts header fields; a crafted file must not crash genie.
		if p := recover(); p != nil {
			err = fmt.Errorf("wavfile: %s: %w: malformed header (%v)", name, ErrFormat, p)
		}
	}()
	fail := func(format string, args ...any) (Info, error) {
		return Info{}, fmt.Errorf("wavfile: %s: %w: "+format, append([]any{name, ErrFormat}, args...)...)
	}
	if size < 44 {
		return fail("file is %d bytes, shorter than a WAV header", size)
	}
	var magic [12]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return fail("header: %v", err)
	}
	if string(magic[0:4]) != "RIFF" || string(magic[8:12]) != "WAVE" {
		return fail("no RIFF/WAVE header")
	}
	// go-audio/wav skips unknown chunks by reading through them, so a header claiming a
	// gigabyte-long chunk would stall it: walk the chunk list first and check every size
	// against the file.
	// The walk also reads the sample format: go-audio/wav does not say which
	// one an extensible fmt chunk's subformat GUID names.
	tag := -1
	for pos := int64(12); pos+8 <= size; {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return fail("chunk at byte %d: %v", pos, err)
		}
		id, n := string(ch[:4]), int64(binary.LittleEndian.Uint32(ch[4:]))
		if id == "data" {
			break // its size is checked against the file below
		}
		if id == "fmt " && (n < 16 || n > 64) {
			return fail("fmt chunk of %d bytes", n)
		}
		if n > size-pos-8 {
			return fail("chunk %q at byte %d claims %d bytes, %d left", id, pos, n, size-pos-8)
		}
		if id == "fmt " {
			var fmtChunk [64]byte
			if _, err := io.ReadFull(r, fmtChunk[:n]); err != nil {
				return fail("fmt chunk: %v", err)
			}
			tag = int(binary.LittleEndian.Uint16(fmtChunk[0:]))
			if tag == tagExtensible {
				if n < 40 {
					return fail("extensible fmt chunk of %d bytes, want 40", n)
				}
				tag = int(binary.LittleEndian.Uint16(fmtChunk[24:])) // the subformat GUID's first field
			}
		}
		pos += 8 + n + n&1
		if _, err := r.Seek(pos, io.SeekStart); err != nil {
			return Info{}, fmt.Errorf("wavfile: %s: %w", name, err)
		}
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return Info{}, fmt.Errorf("wavfile: %s: %w", name, err)
	}
	d := wav.NewDecoder(r)
	d.ReadInfo()
	if err := d.Err(); err != nil {
		return fail("header: %v", err)
	}
	if d.NumChans == 0 {
		return fail("no fmt chunk")
	}
	float := tag == tagFloat
	switch {
	case tag != tagPCM && tag != tagFloat:
		return fail("sample format tag %d is neither PCM (1) nor IEEE float (3); compressed wavs are not supported", tag)
	case float && d.BitDepth != 32 && d.BitDepth != 64:
		return fail("%d-bit float samples, want 32 or 64", d.BitDepth)
	case !float && d.BitDepth != 8 && d.BitDepth != 16 && d.BitDepth != 24 && d.BitDepth != 32:
		return fail("%d bits per sample, want 8, 16, 24 or 32", d.BitDepth)
	}
	f := audio.Format{SampleRate: int(d.SampleRate), Channels: int(d.NumChans)}
	if err := f.Validate(); err != nil {
		return fail("%v", err)
	}
	if err := d.FwdToPCM(); err != nil || d.PCMChunk == nil {
		return fail("no data chunk")
	}
	off, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return Info{}, fmt.Errorf("wavfile: %s: %w", name, err)
	}
	frameBytes := int64(d.BitDepth/8) * int64(d.NumChans)
	claimed := int64(d.PCMSize)
	have := size - off
	switch {
	case claimed == 0 || claimed == 0xFFFFFFFF:
		claimed = have // written by a streaming recorder that never went back to fix the size
	case claimed > have:
		return fail("truncated: data chunk says %d bytes, file has %d", claimed, have)
	}
	claimed -= claimed % frameBytes
	return Info{Format: f, Bits: int(d.BitDepth), Float: float, Frames: claimed / frameBytes, DataOff: off, DataSize: claimed}, nil
}

// Stat returns the PCM info of a WAV file.
func Stat(path string) (Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return Info{}, fmt.Errorf("wavfile: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Info{}, fmt.Errorf("wavfile: %w", err)
	}
	return probe(path, f, st.Size())
}

// Speed says how fast a Source delivers its frames.
type Speed uint8

// Source speeds.
const (
	Max      Speed = iota // as fast as the reader asks
	Realtime              // one second of audio per second of wall time, like a microphone
)

// ParseSpeed parses "max" or "realtime".
func ParseSpeed(s string) (Speed, error) {
	switch s {
	case "max":
		return Max, nil
	case "realtime", "":
		return Realtime, nil
	}
	return 0, fmt.Errorf("wavfile: speed %q is not max or realtime", s)
}

// Opts configures Open.
type Opts struct {
	Speed  Speed
	Repeat bool // start again at the end, forever
	// Sleep waits for d; nil means time.Sleep. Tests inject a fake clock.
	Sleep func(d time.Duration)
	// Now returns the wall time; nil means time.Now.
	Now func() time.Time
}

// Source reads a WAV file's frames as int16. It streams from the file (memory does not
// grow with its length) and allocates nothing per Read. Not safe for concurrent use.
type Source struct {
	name  string
	f     *os.File
	info  Info
	opts  Opts
	raw   []byte
	pos   int64 // frames delivered from the current pass
	total int64 // frames delivered overall (for pacing)
	start time.Time
}

// readChunk is the most frames read from the file at a time.
const readChunk = 4096

// Open opens a WAV file as a Source.
func Open(path string, o Opts) (*Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("wavfile: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("wavfile: %w", err)
	}
	info, err := probe(path, f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	if info.Frames == 0 && o.Repeat {
		f.Close()
		return nil, fmt.Errorf("wavfile: %s: no audio to repeat", path)
	}
	if _, err := f.Seek(info.DataOff, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("wavfile: %s: %w", path, err)
	}
	if o.Sleep == nil {
		o.Sleep = time.Sleep
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Source{
		name: path, f: f, info: info, opts: o,
		raw: make([]byte, readChunk*info.Format.Channels*info.Bits/8),
	}, nil
}

// Info returns the file's PCM info.
func (s *Source) Info() Info { return s.info }

// Format returns the file's rate and channel count.
func (s *Source) Format() audio.Format { return s.info.Format }

// Read reads whole frames into p, pacing them in real time if asked.
func (s *Source) Read(p []int16) (int, error) {
	ch := s.info.Format.Channels
	frames := int64(min(len(p)/ch, readChunk))
	if frames == 0 {
		return 0, fmt.Errorf("wavfile: %s: read buffer of %d samples holds no whole %d-channel frame", s.name, len(p), ch)
	}
	if s.pos == s.info.Frames {
		if !s.opts.Repeat {
			return 0, io.EOF
		}
		if _, err := s.f.Seek(s.info.DataOff, io.SeekStart); err != nil {
			return 0, fmt.Errorf("wavfile: %s: rewind: %w", s.name, err)
		}
		s.pos = 0
	}
	frames = min(frames, s.info.Frames-s.pos)
	bps := s.info.Bits / 8
	raw := s.raw[:int(frames)*ch*bps]
	if _, err := io.ReadFull(s.f, raw); err != nil {
		return 0, fmt.Errorf("wavfile: %s: read at frame %d: %w", s.name, s.pos, err)
	}
	decode(p[:int(frames)*ch], raw, s.info.Bits, s.info.Float)
	s.pos += frames
	s.pace(frames)
	return int(frames) * ch, nil
}

// pace sleeps until the wall clock catches up with the frames delivered.
func (s *Source) pace(frames int64) {
	if s.opts.Speed != Realtime {
		return
	}
	if s.total == 0 {
		s.start = s.opts.Now()
	}
	s.total += frames
	due := s.start.Add(time.Duration(s.total * int64(time.Second) / int64(s.info.Format.SampleRate)))
	if wait := due.Sub(s.opts.Now()); wait > 0 {
		s.opts.Sleep(wait)
	}
}

// decode converts little-endian samples of any supported width to int16: the top 16
// bits of PCM (8-bit wav is unsigned), float scaled by 32768 and clipped.
func decode(dst []int16, raw []byte, bits int, float bool) {
	switch {
	case float && bits == 32:
		for i := range dst {
			dst[i] = floatTo16(float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))))
		}
		return
	case float:
		for i := range dst {
			dst[i] = floatTo16(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
		}
		return
	}
	switch bits {
	case 8:
		for i := range dst {
			dst[i] = int16(int(raw[i])-128) << 8
		}
	case 16:
		for i := range dst {
			dst[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	case 24:
		for i := range dst {
			dst[i] = int16(uint16(raw[3*i+1]) | uint16(raw[3*i+2])<<8)
		}
	case 32:
		for i := range dst {
			dst[i] = int16(binary.LittleEndian.Uint32(raw[4*i:]) >> 16)
		}
	}
}

// Close closes the file.
func (s *Source) Close() error { return s.f.Close() }

// Load reads a whole WAV file into memory as a Clip in its own format.
func Load(path string) (audio.Clip, error) {
	s, err := Open(path, Opts{Speed: Max})
	if err != nil {
		return audio.Clip{}, err
	}
	defer s.Close()
	c := audio.Clip{Format: s.Format(), Samples: make([]int16, s.info.Frames*int64(s.info.Format.Channels))}
	if _, err := audio.ReadFull(s, c.Samples); err != nil && len(c.Samples) > 0 {
		return audio.Clip{}, err
	}
	return c, nil
}

var _ audio.Source = (*Source)(nil)

// LoadCanonical reads a whole WAV file of any supported format and returns it as
// canonical 16 kHz mono samples (channels mixed down, resampled as the mic path does).
func LoadCanonical(path string) ([]int16, error) {
	s, err := Open(path, Opts{Speed: Max})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	c, err := audio.NewConverter(s, audio.ConvertOpts{Channel: -1})
	if err != nil {
		return nil, fmt.Errorf("wavfile: %s: %w", path, err)
	}
	out := make([]int16, 0, s.info.Frames*audio.SampleRate/int64(s.info.Format.SampleRate)+audio.BlockSamples)
	buf := make([]int16, 4096)
	for {
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// floatTo16 scales a float sample (nominally -1..1) to int16, clipping; NaN is 0.
func floatTo16(v float64) int16 {
	v = math.Round(v * 32768)
	switch {
	case v >= 32767:
		return 32767
	case v <= -32768:
		return -32768
	case v != v:
		return 0
	}
	return int16(v)
}
