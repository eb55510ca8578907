package audio

import (
	"fmt"
	"math"
)

// ConvertOpts says how a device stream maps to mono.
type ConvertOpts struct {
	Channel int     // channel to keep, 0-based; -1 mixes all channels down
	GainDB  float64 // dB applied after the mix, -20..+30
}

// Converter is a Source of canonical 16 kHz mono audio read from a Source of any rate
// and channel count: channel select or downmix, resampling, gain, rounding and clipping.
// After NewConverter it allocates nothing. Not safe for concurrent use.
type Converter struct {
	src     Source
	in      Format
	ch      int
	gain    float32
	rs      *Resampler
	raw     []int16   // interleaved device frames
	mono    []float32 // one chunk of mono input
	out     []float32 // resampled, not yet returned
	off     int       // consumed prefix of out
	clipped uint64
}

// maxConvertChunk bounds the device frames the converter reads at a time. It reads
// 10 ms of the device's rate (480 frames at 48 kHz): reading more would make a paced
// source deliver blocks in bursts and delay the loop's reactions.
const maxConvertChunk = 960

// NewConverter returns a Source of Canonical audio read from src.
func NewConverter(src Source, o ConvertOpts) (*Converter, error) {
	in := src.Format()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if o.Channel < -1 || o.Channel >= in.Channels {
		return nil, fmt.Errorf("audio: channel %d of a %d-channel source", o.Channel, in.Channels)
	}
	chunk := min(max(in.SampleRate/100, 1), maxConvertChunk)
	rs, err := NewResampler(in.SampleRate, SampleRate, chunk)
	if err != nil {
		return nil, err
	}
	return &Converter{
		src: src, in: in, ch: o.Channel, rs: rs,
		gain: float32(math.Pow(10, o.GainDB/20)),
		raw:  make([]int16, chunk*in.Channels),
		mono: make([]float32, chunk),
		out:  make([]float32, 0, rs.MaxOut(chunk)+BlockSamples),
	}, nil
}

// Format returns Canonical.
func (c *Converter) Format() Format { return Canonical }

// Clipped returns how many output samples were clipped to the int16 range.
func (c *Converter) Clipped() uint64 { return c.clipped }

// Read fills p with canonical samples. It returns fewer than len(p) only with an error.
func (c *Converter) Read(p []int16) (int, error) {
	n := 0
	for n < len(p) {
		if c.off == len(c.out) {
			c.out, c.off = c.out[:0], 0
			if err := c.fill(); err != nil {
				return n, err
			}
			continue
		}
		m := copy16(p[n:], c.out[c.off:], &c.clipped)
		c.off += m
		n += m
	}
	return n, nil
}

// fill reads one chunk from the source into c.out.
func (c *Converter) fill() error {
	k, err := c.src.Read(c.raw)
	frames := k / c.in.Channels
	if frames > 0 {
		mono := c.mono[:frames]
		toMono(mono, c.raw[:frames*c.in.Channels], c.in.Channels, c.ch, c.gain)
		c.out = c.rs.Process(c.out, mono)
	}
	if err != nil && frames > 0 && len(c.out) > 0 {
		return nil // return what we have; the error comes back on the next read
	}
	return err
}

// toMono writes one float per frame: the selected channel, or the mean of all.
func toMono(dst []float32, src []int16, channels, ch int, gain float32) {
	const scale = 1.0 / 32768
	g := gain * scale
	if channels == 1 {
		src = src[:len(dst)]
		for i, v := range src {
			dst[i] = float32(v) * g
		}
		return
	}
	if ch >= 0 {
		for i := range dst {
			dst[i] = float32(src[i*channels+ch]) * g
		}
		return
	}
	g /= float32(channels)
	for i := range dst {
		var s int32
		for _, v := range src[i*channels : (i+1)*channels] {
			s += int32(v)
		}
		dst[i] = float32(s) * g
	}
}

// copy16 converts floats in -1..1 to int16 with rounding and clipping, counting clips.
func copy16(dst []int16, src []float32, clipped *uint64) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, v := range src {
		dst[i] = to16(v, clipped)
	}
	return n
}

// to16 converts one float in -1..1 to int16, rounding to nearest and clipping.
func to16(v float32, clipped *uint64) int16 {
	x := v * 32768
	switch {
	case x >= 32767:
		if x > 32767.5 {
			*clipped++
		}
		return 32767
	case x <= -32768:
		if x < -32768.5 {
			*clipped++
		}
		return -32768
	}
	return int16(math.Round(float64(x)))
}

// SinkConverter is a Sink of mono audio at one rate that writes to a Sink of another
// rate and channel count, copying the mono signal to every channel. After
// NewSinkConverter it allocates nothing for writes of up to maxFrames. Not safe for
// concurrent use.
type SinkConverter struct {
	dst     Sink
	from    Format
	rs      *Resampler
	mono    []float32
	out     []float32
	raw     []int16
	clipped uint64
}

// NewSinkConverter returns a Sink in Format{rate, 1} writing to dst. Writes must be at
// most maxFrames long.
func NewSinkConverter(dst Sink, rate, maxFrames int) (*SinkConverter, error) {
	f := Format{SampleRate: rate, Channels: 1}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	out := dst.Format()
	if err := out.Validate(); err != nil {
		return nil, err
	}
	rs, err := NewResampler(rate, out.SampleRate, maxFrames)
	if err != nil {
		return nil, err
	}
	maxOut := rs.MaxOut(maxFrames)
	return &SinkConverter{
		dst: dst, from: f, rs: rs,
		mono: make([]float32, maxFrames),
		out:  make([]float32, 0, maxOut),
		raw:  make([]int16, maxOut*out.Channels),
	}, nil
}

// Format returns the mono input format.
func (s *SinkConverter) Format() Format { return s.from }

// Write converts p and writes it to the destination sink.
func (s *SinkConverter) Write(p []int16) (int, error) {
	if len(p) > len(s.mono) {
		return 0, fmt.Errorf("audio: sink write of %d frames, max %d", len(p), len(s.mono))
	}
	mono := s.mono[:len(p)]
	toMono(mono, p, 1, 0, 1)
	s.out = s.rs.Process(s.out[:0], mono)
	ch := s.dst.Format().Channels
	raw := s.raw[:len(s.out)*ch]
	for i, v := range s.out {
		x := to16(v, &s.clipped)
		for c := range ch {
			raw[i*ch+c] = x
		}
	}
	if _, err := s.dst.Write(raw); err != nil {
		return 0, err
	}
	return len(p), nil
}
