package audio

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// Canonical sample rate, channel count and block length of the listener loop.
const (
	SampleRate   = 16000                 // Hz
	BlockSamples = 160                   // samples per block (10 ms at 16 kHz, mono)
	BlockLen     = 10 * time.Millisecond // duration of one block
)

// Canonical is the format of the listener loop: 16 kHz mono.
var Canonical = Format{SampleRate: SampleRate, Channels: 1}

// ErrOverrun reports that a capture device dropped samples because they were not read
// in time. The stream goes on after it.
var ErrOverrun = errors.New("audio: capture overrun")

// Format is interleaved signed 16-bit little-endian PCM.
type Format struct {
	SampleRate int // Hz, e.g. 16000
	Channels   int // 1 = mono
}

// String returns e.g. "16000 Hz/1ch".
func (f Format) String() string { return fmt.Sprintf("%d Hz/%dch", f.SampleRate, f.Channels) }

// Validate reports whether f is a format genie can convert: 8–48 kHz (plus 96 kHz for
// files) and 1–8 channels.
func (f Format) Validate() error {
	if f.SampleRate < 8000 || f.SampleRate > 96000 {
		return fmt.Errorf("audio: sample rate %d Hz out of range 8000..96000", f.SampleRate)
	}
	if f.Channels < 1 || f.Channels > 8 {
		return fmt.Errorf("audio: %d channels out of range 1..8", f.Channels)
	}
	return nil
}

// Frames returns the number of frames in d, rounded down.
func (f Format) Frames(d time.Duration) int {
	return int(int64(d) * int64(f.SampleRate) / int64(time.Second))
}

// Duration returns the length of n frames.
func (f Format) Duration(frames int) time.Duration {
	return time.Duration(int64(frames) * int64(time.Second) / int64(f.SampleRate))
}

// SampleTime converts a canonical sample index to the time since the start of the stream.
func SampleTime(sample int64) time.Duration {
	return time.Duration(sample * int64(time.Second) / SampleRate)
}

// Samples converts a duration to a count of canonical (16 kHz) samples, rounded down.
func Samples(d time.Duration) int64 { return int64(d) * SampleRate / int64(time.Second) }

// Source produces interleaved frames in its Format.
//
// Read reads up to len(p) samples, whole frames only, and returns how many. Like
// io.Reader it may return fewer (ReadFull loops). It must not retain p. At the end of
// the stream it returns io.EOF.
type Source interface {
	Format() Format
	Read(p []int16) (n int, err error)
}

// Sink consumes interleaved frames in its Format.
//
// Write writes len(p) samples (whole frames) or returns an error. It must not retain p.
type Sink interface {
	Format() Format
	Write(p []int16) (n int, err error)
}

// ReadFull reads exactly len(p) samples from src. It returns io.EOF only if no sample
// was read, io.ErrUnexpectedEOF if the stream ended part way (the rest of p is zeroed),
// io.ErrNoProgress if src keeps returning (0, nil), and passes other errors through with
// the count read so far.
func ReadFull(src Source, p []int16) (int, error) {
	n, empty := 0, 0
	for n < len(p) {
		m, err := src.Read(p[n:])
		n += m
		switch {
		case errors.Is(err, io.EOF):
			if n == 0 {
				return 0, io.EOF
			}
			clear(p[n:])
			return n, io.ErrUnexpectedEOF
		case err != nil:
			return n, err
		case m == 0:
			if empty++; empty >= 100 {
				return n, io.ErrNoProgress
			}
		default:
			empty = 0
		}
	}
	return n, nil
}

// Block is one 10 ms block of canonical audio, stamped with the index of its first
// sample in the mic stream. Blocks are passed by value between goroutines.
type Block struct {
	Start   int64               // index of Samples[0] in the canonical mic stream
	Samples [BlockSamples]int16 // 16 kHz mono
}

// End returns the index one past the block's last sample.
func (b *Block) End() int64 { return b.Start + BlockSamples }

// Clip is a whole piece of audio held in memory, such as an earcon or a reply.
type Clip struct {
	Format  Format
	Samples []int16 // interleaved
}

// Frames returns the number of frames in c.
func (c Clip) Frames() int {
	if c.Format.Channels == 0 {
		return 0
	}
	return len(c.Samples) / c.Format.Channels
}

// Duration returns the length of c.
func (c Clip) Duration() time.Duration { return c.Format.Duration(c.Frames()) }
