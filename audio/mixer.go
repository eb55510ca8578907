package audio

import (
	"fmt"
	"math"
	"time"
)

// Priority orders the mixer's tracks: while a higher one plays, lower ones are ducked.
type Priority uint8

// Track priorities, lowest first.
const (
	Media  Priority = iota // music, radio, podcasts
	Alert                  // timers, alarms, notifications
	Dialog                 // replies and announcements
	Earcon                 // short state tones: over everything, briefly
	numPriorities
)

// String returns "media", "alert" or "dialog".
func (p Priority) String() string {
	switch p {
	case Media:
		return "media"
	case Alert:
		return "alert"
	case Dialog:
		return "dialog"
	case Earcon:
		return "earcon"
	}
	return fmt.Sprintf("priority(%d)", uint8(p))
}

// MixerOpts configures a Mixer.
type MixerOpts struct {
	SampleRate int           // Hz of the output (the speaker's rate)
	DuckDB     float64       // gain of a track while a higher-priority one plays, -60..0 dB
	Ramp       time.Duration // how long gain changes take (avoids clicks)
	Buffer     time.Duration // audio the dialog track can hold ahead of playback (TTS arrives faster than it plays); the others hold less
	Volume     int           // initial master volume 0..100
}

// DefaultMixerOpts are the mixer defaults: duck by 20 dB with a 50 ms ramp, 20 s per track.
var DefaultMixerOpts = MixerOpts{SampleRate: 16000, DuckDB: -20, Ramp: 50 * time.Millisecond, Buffer: 20 * time.Second, Volume: 80}

// Mixer mixes the speaker's tracks into mono blocks at its rate: earcons over dialog
// over alerts over media, each lower track ducked while a higher one plays. It is owned by the
// listener goroutine (the speaker is clocked with the mic) and allocates nothing per
// block. Not safe for concurrent use.
type Mixer struct {
	rate   int
	tracks [numPriorities]Track
	duck   float32
	step   float32 // gain change per sample while ramping
	volume float32
	acc    []float32
}

// NewMixer returns a mixer. Blocks passed to Mix may be up to 100 ms long.
func NewMixer(o MixerOpts) (*Mixer, error) {
	if err := (Format{SampleRate: o.SampleRate, Channels: 1}).Validate(); err != nil {
		return nil, err
	}
	if o.DuckDB < -60 || o.DuckDB > 0 {
		return nil, fmt.Errorf("audio: mixer duck %g dB out of range -60..0", o.DuckDB)
	}
	if o.Buffer < 100*time.Millisecond {
		return nil, fmt.Errorf("audio: mixer buffer %v shorter than 100ms", o.Buffer)
	}
	m := &Mixer{
		rate: o.SampleRate,
		duck: float32(math.Pow(10, o.DuckDB/20)),
		acc:  make([]float32, o.SampleRate/10),
	}
	m.step = 1
	if n := (Format{SampleRate: o.SampleRate}).Frames(o.Ramp); n > 0 {
		m.step = 1 / float32(n)
	}
	m.SetVolume(o.Volume)
	for p := range m.tracks {
		t := &m.tracks[p]
		t.rate = o.SampleRate
		buf := o.Buffer
		switch Priority(p) {
		case Earcon:
			buf = min(buf, 3*time.Second) // chimes are short
		case Alert, Media:
			buf = min(buf, 10*time.Second) // their producers write as it plays
		}
		t.ring = make([]float32, Format{SampleRate: o.SampleRate}.Frames(buf))
		t.gain = 1
		t.scratch = make([]float32, mixChunk)
		t.out = make([]float32, 0, 4*mixChunk+16)
	}
	return m, nil
}

// SampleRate returns the output rate in Hz.
func (m *Mixer) SampleRate() int { return m.rate }

// BlockFrames returns the frames in one 10 ms block at the mixer's rate.
func (m *Mixer) BlockFrames() int { return m.rate / 100 }

// SetVolume sets the master volume, 0..100 (clamped), on a squared (perceptual) curve.
func (m *Mixer) SetVolume(v int) {
	v = min(max(v, 0), 100)
	m.volume = float32(v*v) / 10000
}

// Track returns the track of priority p.
func (m *Mixer) Track(p Priority) *Track { return &m.tracks[p] }

// Mix fills out (mono, at the mixer's rate, at most 100 ms) with the next samples of
// every track and returns a bit set (1<<Priority) of the tracks that finished playing
// in this block: they were closed and are now drained.
func (m *Mixer) Mix(out []int16) (finished uint8) {
	acc := m.acc[:len(out)]
	clear(acc)
	for p := range m.tracks {
		t := &m.tracks[p]
		target := float32(1)
		for q := p + 1; q < len(m.tracks); q++ {
			if m.tracks[q].active() {
				target = m.duck
			}
		}
		if t.mixInto(acc, target, m.step) {
			finished |= 1 << p
		}
	}
	var clipped uint64
	vol := m.volume
	for i, v := range acc {
		out[i] = to16(v*vol, &clipped)
	}
	return finished
}

// Active reports whether the track of priority p has audio queued or is open.
func (m *Mixer) Active(p Priority) bool { return m.tracks[p].active() }

// mixChunk is the most input frames a Track converts at a time.
const mixChunk = 1024

// Track is one of the mixer's inputs: a ring of samples at the mixer's rate, filled by
// Write in any format and drained by Mix.
type Track struct {
	rate      int
	ring      []float32
	r, w      int64 // read and write counts; w-r samples are queued
	open      bool  // between Start and Close/Stop
	closed    bool  // Close was called; report finished when drained
	gain      float32
	in        Format
	rs        *Resampler
	resamples map[int]*Resampler // by input rate; built once per rate
	scratch   []float32
	out       []float32
}

// Start begins a new stream in format f, dropping whatever was queued. The first Start
// with a new input rate builds a resampler (an allocation at stream start, never per block).
func (t *Track) Start(f Format) error {
	if err := f.Validate(); err != nil {
		return err
	}
	t.Stop()
	t.in, t.open, t.closed = f, true, false
	if f.SampleRate == t.rate {
		t.rs = nil
		return nil
	}
	if t.resamples == nil {
		t.resamples = map[int]*Resampler{}
	}
	rs := t.resamples[f.SampleRate]
	if rs == nil {
		var err error
		if rs, err = NewResampler(f.SampleRate, t.rate, mixChunk); err != nil {
			return err
		}
		t.resamples[f.SampleRate] = rs
	}
	rs.Reset()
	t.rs = rs
	return nil
}

// Free returns how many more frames in the stream's input format Write can take now.
func (t *Track) Free() int {
	free := len(t.ring) - int(t.w-t.r)
	if t.rs != nil {
		free = free*t.in.SampleRate/t.rate - 2
	}
	return max(free, 0)
}

// Write queues interleaved samples in the format given to Start (channels are mixed
// down). It takes whole frames up to Free and returns the number of samples taken.
func (t *Track) Write(p []int16) int {
	if !t.open || t.closed {
		return 0
	}
	ch := t.in.Channels
	frames := min(len(p)/ch, t.Free())
	for done := 0; done < frames; {
		n := min(frames-done, mixChunk)
		mono := t.scratch[:n]
		toMono(mono, p[done*ch:(done+n)*ch], ch, -1, 1)
		if t.rs != nil {
			t.out = t.rs.Process(t.out[:0], mono)
			mono = t.out
		}
		for _, v := range mono {
			t.ring[t.w%int64(len(t.ring))] = v
			t.w++
		}
		done += n
	}
	return frames * ch
}

// Close marks the end of the stream: Mix reports the track finished once it drains.
func (t *Track) Close() { t.closed = true }

// Stop drops everything queued at once; the track reports no finish.
func (t *Track) Stop() {
	t.r, t.w = 0, 0
	t.open, t.closed = false, false
}

// Queued returns the duration of audio waiting to play.
func (t *Track) Queued() time.Duration {
	return Format{SampleRate: t.rate}.Duration(int(t.w - t.r))
}

func (t *Track) active() bool { return t.open && (t.w > t.r || !t.closed) }

// mixInto adds the track's next samples to acc, ramping its gain towards target, and
// reports whether the stream just finished.
func (t *Track) mixInto(acc []float32, target, step float32) bool {
	if !t.open {
		return false
	}
	n := len(t.ring)
	for i := range acc {
		if t.r == t.w {
			break
		}
		switch {
		case t.gain < target:
			t.gain = min(t.gain+step, target)
		case t.gain > target:
			t.gain = max(t.gain-step, target)
		}
		acc[i] += t.ring[t.r%int64(n)] * t.gain
		t.r++
	}
	if t.closed && t.r == t.w {
		t.open, t.closed = false, false
		t.r, t.w = 0, 0
		return true
	}
	return false
}
