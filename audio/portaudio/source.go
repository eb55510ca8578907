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

// stream is the device side of a Source or Sink: a PortAudio blocking stream, or a
// scripted device in tests. Its methods are called from the pump goroutine only.
type stream interface {
	// read fills p (whole frames), blocking until the device has them. overflow
	// reports that the device dropped input before these samples.
	read(p []int16) (overflow bool, err error)
	// write plays p (whole frames), blocking until the device took it. underflow
	// reports that the device ran dry before these samples.
	write(p []int16) (underflow bool, err error)
	// drain waits until what was written has played and stops the stream.
	drain() error
	// close stops the stream at once and releases the device.
	close() error
}

// chunk is one unit of the queue between the pump and Read or Write.
type chunk struct {
	samples []int16 // full length: Opts.Chunk of frames
	n       int     // samples in use (sinks write partial chunks)
	gap     bool    // source: the device dropped input before this chunk
}

// queue is the fixed pool of chunks shared by Source and Sink: free chunks go to the
// side that fills them, full ones to the side that empties them. Both channels can
// hold every chunk, so returning one never blocks.
type queue struct {
	free, full chan *chunk
}

func newQueue(f audio.Format, chunkLen, bufLen time.Duration) queue {
	frames := max(f.Frames(chunkLen), 1)
	n := max(int(bufLen/chunkLen), 2)
	q := queue{free: make(chan *chunk, n), full: make(chan *chunk, n)}
	for range n {
		q.free <- &chunk{samples: make([]int16, frames*f.Channels)}
	}
	return q
}

// Source captures from a device. It implements audio.Source, io.Closer and the
// Overruns and Latency capabilities. Read must be called from one goroutine at a time;
// Close may be called from any goroutine.
type Source struct {
	dev     Device
	format  audio.Format
	latency time.Duration
	timeout time.Duration
	st      stream
	q       queue

	cur *chunk // chunk being copied out by Read; owned by Read
	off int    // samples of cur already returned

	timer    *time.Timer
	overruns atomic.Uint64
	closed   atomic.Bool

	done      chan struct{} // closed by Close
	exited    chan struct{} // closed when the pump has released the device
	pumpErr   error         // why the pump stopped; written before exited is closed
	closeOnce sync.Once
	closeErr  error
}

// newSource starts the pump on st, which must already be running.
func newSource(dev Device, f audio.Format, latency time.Duration, o Opts, st stream) *Source {
	s := &Source{
		dev: dev, format: f, latency: latency, timeout: o.Timeout, st: st,
		q:     newQueue(f, o.Chunk, o.Buffer),
		timer: time.NewTimer(time.Hour),
		done:  make(chan struct{}), exited: make(chan struct{}),
	}
	s.timer.Stop()
	go s.pump()
	return s
}

// pump reads chunks from the device into the queue until Close or a device error.
// When the queue is full it waits, so a slow reader makes the device overflow, which
// the device reports on the next read.
func (s *Source) pump() {
	defer close(s.exited)
	defer func() {
		if err := s.st.close(); err != nil && s.pumpErr == nil {
			s.pumpErr = fmt.Errorf("portaudio: close %v: %w", s.dev, err)
		}
	}()
	for {
		var c *chunk
		select {
		case c = <-s.q.free:
		case <-s.done:
			return
		}
		gap, err := s.st.read(c.samples)
		if err != nil {
			s.pumpErr = fmt.Errorf("portaudio: read %v: %w (%w)", s.dev, ErrDeviceLost, err)
			return
		}
		c.n, c.gap = len(c.samples), gap
		s.q.full <- c
		select {
		case <-s.done:
			return
		default:
		}
	}
}

// Format returns the device's format.
func (s *Source) Format() audio.Format { return s.format }

// Device returns the device that was opened.
func (s *Source) Device() Device { return s.dev }

// Latency returns the input latency PortAudio reported for the stream.
func (s *Source) Latency() time.Duration { return s.latency }

// Overruns returns how many times the device dropped input because it was not read
// in time.
func (s *Source) Overruns() uint64 { return s.overruns.Load() }

// String returns e.g. `portaudio.Source{#0 "genie_capture" (ALSA), 16000 Hz/1ch}`.
func (s *Source) String() string { return fmt.Sprintf("portaudio.Source{%v, %v}", s.dev, s.format) }

// Read copies up to len(p) samples (whole frames) of captured audio into p. It blocks
// until at least one chunk is there, then returns what is there without waiting more.
// Input dropped by the device is reported once with (0, audio.ErrOverrun) between the
// samples before and after the gap. A failed or silent device gives an error wrapping
// ErrDeviceLost; after Close, Read returns io.EOF. It does not retain p and allocates
// nothing.
func (s *Source) Read(p []int16) (int, error) {
	p = p[:len(p)-len(p)%s.format.Channels]
	if s.closed.Load() {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) {
		if s.cur == nil {
			select {
			case s.cur = <-s.q.full:
			default:
				if n > 0 {
					return n, nil
				}
				c, err := s.wait()
				if err != nil {
					return 0, err
				}
				s.cur = c
			}
			s.off = 0
		}
		if s.off == 0 && s.cur.gap {
			if n > 0 {
				return n, nil // report the gap on the next call
			}
			s.cur.gap = false
			s.overruns.Add(1)
			return 0, audio.ErrOverrun
		}
		m := copy(p[n:], s.cur.samples[s.off:s.cur.n])
		n += m
		s.off += m
		if s.off == s.cur.n {
			s.q.free <- s.cur
			s.cur = nil
		}
	}
	return n, nil
}

// wait blocks until the pump delivers a chunk, the pump stops, or the watchdog fires.
func (s *Source) wait() (*chunk, error) {
	s.timer.Reset(s.timeout)
	defer s.timer.Stop()
	select {
	case c := <-s.q.full:
		return c, nil
	case <-s.exited:
		select {
		case c := <-s.q.full: // deliver what was captured before the failure
			return c, nil
		default:
		}
		if s.closed.Load() || s.pumpErr == nil {
			return nil, io.EOF
		}
		return nil, s.pumpErr
	case <-s.done:
		return nil, io.EOF
	case <-s.timer.C:
		return nil, fmt.Errorf("portaudio: read %v: %w: no audio for %v", s.dev, ErrDeviceLost, s.timeout)
	}
}

// Close stops the stream and releases the device. It waits up to Opts.Timeout for the
// device to stop; a Read blocked in another goroutine returns io.EOF.
func (s *Source) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.done)
		select {
		case <-s.exited:
			if s.pumpErr != nil && !errors.Is(s.pumpErr, ErrDeviceLost) {
				s.closeErr = s.pumpErr
			}
		case <-time.After(s.timeout):
			s.closeErr = fmt.Errorf("portaudio: close %v: %w: device did not stop within %v", s.dev, ErrDeviceLost, s.timeout)
		}
	})
	return s.closeErr
}

var _ audio.Source = (*Source)(nil)
