package portaudio

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/genie-voice/genie/audio"
)

// errSinkClosed is returned by Write after Close.
var errSinkClosed = fmt.Errorf("portaudio: write: %w", io.ErrClosedPipe)

// Sink plays to a device. It implements audio.Sink, io.Closer and the Underruns and
// Latency capabilities. Write must be called from one goroutine at a time; Close may be
// called from any goroutine.
type Sink struct {
	dev     Device
	format  audio.Format
	latency time.Duration
	timeout time.Duration
	bufLen  time.Duration
	st      stream
	q       queue

	timer     *time.Timer
	underruns atomic.Uint64
	closed    atomic.Bool

	closing   chan struct{} // closed by Close: drain the queue and stop
	exited    chan struct{} // closed when the pump has released the device
	pumpErr   error         // why the pump stopped; written before exited is closed
	closeOnce sync.Once
	closeErr  error
}

// newSink starts the pump on st, which must already be running.
func newSink(dev Device, f audio.Format, latency time.Duration, o Opts, st stream) *Sink {
	s := &Sink{
		dev: dev, format: f, latency: latency, timeout: o.Timeout, bufLen: o.Buffer, st: st,
		q:       newQueue(f, o.Chunk, o.Buffer),
		timer:   time.NewTimer(time.Hour),
		closing: make(chan struct{}), exited: make(chan struct{}),
	}
	s.timer.Stop()
	go s.pump()
	return s
}

// pump writes queued chunks to the device until Close (after draining) or an error.
// An underflow counts only if the queue was not empty before the write: a gap in what
// the caller wrote is silence, not an underrun.
func (s *Sink) pump() {
	defer close(s.exited)
	for {
		var c *chunk
		waited := false
		select {
		case c = <-s.q.full:
		default:
			waited = true
			select {
			case c = <-s.q.full:
			case <-s.closing:
				s.finish()
				return
			}
		}
		under, err := s.st.write(c.samples[:c.n])
		s.q.free <- c
		if err != nil {
			s.pumpErr = fmt.Errorf("portaudio: write %v: %w (%w)", s.dev, ErrDeviceLost, err)
			s.st.close()
			return
		}
		if under && !waited {
			s.underruns.Add(1)
		}
	}
}

// finish plays what is still queued, waits for the device to play it and releases it.
func (s *Sink) finish() {
	for len(s.q.full) > 0 {
		c := <-s.q.full
		_, err := s.st.write(c.samples[:c.n])
		s.q.free <- c
		if err != nil {
			s.pumpErr = fmt.Errorf("portaudio: write %v: %w (%w)", s.dev, ErrDeviceLost, err)
			s.st.close()
			return
		}
	}
	err := s.st.drain()
	if cerr := s.st.close(); err == nil {
		err = cerr
	}
	if err != nil {
		s.pumpErr = fmt.Errorf("portaudio: close %v: %w", s.dev, err)
	}
}

// Format returns the device's format.
func (s *Sink) Format() audio.Format { return s.format }

// Device returns the device that was opened.
func (s *Sink) Device() Device { return s.dev }

// Latency returns the output latency PortAudio reported for the stream; samples
// written also wait up to Opts.Buffer in the queue before the device.
func (s *Sink) Latency() time.Duration { return s.latency }

// Underruns returns how many times the device ran dry while audio was queued.
func (s *Sink) Underruns() uint64 { return s.underruns.Load() }

// String returns e.g. `portaudio.Sink{#1 "genie_playback" (ALSA), 16000 Hz/1ch}`.
func (s *Sink) String() string { return fmt.Sprintf("portaudio.Sink{%v, %v}", s.dev, s.format) }

// Write queues p (whole frames) for playback, blocking while the queue is full, so a
// writer is paced by the device. It returns len(p) or an error: one wrapping
// ErrDeviceLost when the device failed or took nothing for Opts.Timeout. It does not
// retain p and allocates nothing.
func (s *Sink) Write(p []int16) (int, error) {
	if len(p)%s.format.Channels != 0 {
		return 0, fmt.Errorf("portaudio: write of %d samples is not whole %d-channel frames", len(p), s.format.Channels)
	}
	n := 0
	for n < len(p) {
		if s.closed.Load() {
			return n, errSinkClosed
		}
		c, err := s.freeChunk()
		if err != nil {
			return n, err
		}
		c.n = copy(c.samples, p[n:])
		c.gap = false
		n += c.n
		s.q.full <- c
	}
	return n, nil
}

// freeChunk waits for an empty chunk, the pump to stop, or the watchdog.
func (s *Sink) freeChunk() (*chunk, error) {
	select {
	case <-s.exited: // the device failed: say so now, not once the queue is full
		if s.pumpErr != nil && !s.closed.Load() {
			return nil, s.pumpErr
		}
		return nil, errSinkClosed
	default:
	}
	select {
	case c := <-s.q.free:
		return c, nil
	default:
	}
	s.timer.Reset(s.timeout)
	defer s.timer.Stop()
	select {
	case c := <-s.q.free:
		return c, nil
	case <-s.exited:
		if s.pumpErr != nil && !s.closed.Load() {
			return nil, s.pumpErr
		}
		return nil, errSinkClosed
	case <-s.closing:
		return nil, errSinkClosed
	case <-s.timer.C:
		return nil, fmt.Errorf("portaudio: write %v: %w: device took nothing for %v", s.dev, ErrDeviceLost, s.timeout)
	}
}

// Close plays what is queued, waits for the device to finish and releases it. It
// gives up after Opts.Buffer plus Opts.Timeout. A Write blocked in another goroutine
// returns an error.
func (s *Sink) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.closing)
		select {
		case <-s.exited:
			if s.pumpErr != nil && !errors.Is(s.pumpErr, ErrDeviceLost) {
				s.closeErr = s.pumpErr
			}
		case <-time.After(s.bufLen + s.latency + s.timeout):
			s.closeErr = fmt.Errorf("portaudio: close %v: %w: device did not stop within %v", s.dev, ErrDeviceLost, s.bufLen+s.latency+s.timeout)
		}
	})
	return s.closeErr
}

var _ audio.Sink = (*Sink)(nil)
