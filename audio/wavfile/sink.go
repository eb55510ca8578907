package wavfile

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/genie-voice/genie/audio"
	goaudio "github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

// Sink writes 16-bit PCM frames to a WAV file. The header is completed by Close.
// Not safe for concurrent use.
type Sink struct {
	name string
	f    *os.File
	enc  *wav.Encoder
	buf  goaudio.IntBuffer
	fmt  audio.Format
}

// Create creates (or truncates) path, making its directory if needed, and returns a
// Sink in format f.
func Create(path string, f audio.Format) (*Sink, error) {
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("wavfile: %s: %w", path, err)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("wavfile: %w", err)
		}
	}
	file, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("wavfile: %w", err)
	}
	s := &Sink{name: path, f: file, fmt: f, enc: wav.NewEncoder(file, f.SampleRate, 16, f.Channels, tagPCM)}
	s.buf.Format = &goaudio.Format{NumChannels: f.Channels, SampleRate: f.SampleRate}
	s.buf.SourceBitDepth = 16
	return s, nil
}

// Format returns the file's format.
func (s *Sink) Format() audio.Format { return s.fmt }

// Write appends whole frames.
func (s *Sink) Write(p []int16) (int, error) {
	if len(p)%s.fmt.Channels != 0 {
		return 0, fmt.Errorf("wavfile: %s: write of %d samples is not whole %d-channel frames", s.name, len(p), s.fmt.Channels)
	}
	if cap(s.buf.Data) < len(p) {
		s.buf.Data = make([]int, len(p))
	}
	s.buf.Data = s.buf.Data[:len(p)]
	for i, v := range p {
		s.buf.Data[i] = int(v)
	}
	if err := s.enc.Write(&s.buf); err != nil {
		return 0, fmt.Errorf("wavfile: %s: %w", s.name, err)
	}
	return len(p), nil
}

// Close writes the final header and closes the file.
func (s *Sink) Close() error {
	err := s.enc.Close()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("wavfile: %s: %w", s.name, err)
	}
	return nil
}

// Save writes a clip to path as 16-bit PCM.
func Save(path string, c audio.Clip) error {
	s, err := Create(path, c.Format)
	if err != nil {
		return err
	}
	if len(c.Samples) > 0 {
		if _, err := s.Write(c.Samples); err != nil {
			s.Close()
			return err
		}
	}
	return s.Close()
}

var _ audio.Sink = (*Sink)(nil)
