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

// Backoff between attempts to reopen a lost device: the first attempt comes MinBackoff
// after the loss, and each failure doubles the wait up to MaxBackoff.
const (
	MinBackoff = 100 * time.Millisecond
	MaxBackoff = 5 * time.Second
)

// clock is the wall clock that ResilientSource and ResilientSink pace by while their
// device is lost. Tests inject a fake one.
type clock interface {
	Now() time.Time
	Sleep(d time.Duration)
}

// wallClock is the real clock.
type wallClock struct{}

func (wallClock) Now() time.Time        { return time.Now() }
func (wallClock) Sleep(d time.Duration) { time.Sleep(d) }

// goSpawn runs reopen attempts on their own goroutine, so a slow or hanging open never
// stalls the caller of Read or Write.
func goSpawn(f func()) { go f() }

// A device the resilient wrappers own.
type (
	sourceCloser interface {
		audio.Source
		io.Closer
	}
	sinkCloser interface {
		audio.Sink
		io.Closer
	}
)

// attempt is the outcome of one reopen.
type attempt[T io.Closer] struct {
	dev T
	err error
}

// resilient is the loss and reopen logic shared by ResilientSource and ResilientSink.
// Fields below mu are guarded by it; the rest belong to the goroutine calling Read or
// Write.
type resilient[T io.Closer] struct {
	format  audio.Format
	open    func() (T, error)
	onEvent func(lost bool, err error)
	clk     clock
	spawn   func(func())
	result  chan attempt[T] // at most one attempt runs at a time
	block   int64           // frames per paced step while lost (10 ms)
	losses  atomic.Uint64
	isLost  atomic.Bool

	mu     sync.Mutex
	dev    T // current device; written under mu by the caller's goroutine only
	closed bool

	lost    bool
	lostAt  time.Time // origin of the paced stream while lost
	frames  int64     // frames produced (or dropped) since lostAt
	backoff time.Duration
	next    time.Time // no attempt before this
	busy    bool      // an attempt is running
}

func newResilient[T io.Closer](dev T, f audio.Format, open func() (T, error), onEvent func(bool, error), clk clock, spawn func(func())) *resilient[T] {
	if onEvent == nil {
		onEvent = func(bool, error) {}
	}
	return &resilient[T]{
		format: f, open: open, onEvent: onEvent, clk: clk, spawn: spawn,
		result: make(chan attempt[T], 1),
		block:  int64(max(f.Frames(audio.BlockLen), 1)),
		dev:    dev,
	}
}

// lose switches to the lost state at time now, with the paced stream starting at from.
func (r *resilient[T]) lose(err error, now, from time.Time) {
	r.lost = true
	r.isLost.Store(true)
	r.losses.Add(1)
	r.lostAt, r.frames = from, 0
	r.backoff, r.next = MinBackoff, now.Add(MinBackoff)
	old := r.dev
	r.spawn(func() { old.Close() }) // a dead device may take long to close
	r.onEvent(true, err)
}

// poll starts a reopen attempt when one is due and returns the device once one is
// open; it never waits for an attempt.
func (r *resilient[T]) poll(now time.Time) bool {
	if !r.busy {
		if now.Before(r.next) {
			return false
		}
		r.busy = true
		r.spawn(r.tryOpen)
	}
	var a attempt[T]
	select {
	case a = <-r.result:
	default:
		return false
	}
	r.busy = false
	if a.err != nil {
		r.backoff = min(2*r.backoff, MaxBackoff)
		r.next = now.Add(r.backoff)
		return false
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		a.dev.Close()
		return false
	}
	r.dev = a.dev
	r.mu.Unlock()
	r.lost = false
	r.isLost.Store(false)
	r.onEvent(false, nil)
	return true
}

// tryOpen runs one attempt; the device is closed at once if the wrapper was closed.
func (r *resilient[T]) tryOpen() {
	dev, err := r.open()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		if err == nil {
			dev.Close()
		}
		return
	}
	r.result <- attempt[T]{dev, err}
}

// pace waits until the paced stream has reached frames+need frames since lostAt and
// returns how many frames (at least need) are due.
func (r *resilient[T]) pace(need int64) int64 {
	rate := int64(r.format.SampleRate)
	due := int64(r.clk.Now().Sub(r.lostAt)) * rate / int64(time.Second)
	if due-r.frames >= need {
		return due - r.frames
	}
	at := r.lostAt.Add(time.Duration(((r.frames+need)*int64(time.Second) + rate - 1) / rate))
	r.clk.Sleep(at.Sub(r.clk.Now()))
	return need
}

// isClosed reports whether Close was called.
func (r *resilient[T]) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

// close closes the current device and any device an attempt still opens.
func (r *resilient[T]) close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	dev, lost := r.dev, r.isLost.Load()
	select {
	case a := <-r.result:
		if a.err == nil {
			a.dev.Close()
		}
	default:
	}
	r.mu.Unlock()
	if lost {
		return nil // lose already closes it
	}
	return dev.Close()
}

// ResilientSource is a capture device that survives its loss: when Read fails it
// reports the loss through the event callback, returns silence paced by the wall clock
// (so the sample clock keeps moving), reopens the device with exponential backoff
// (MinBackoff doubling to MaxBackoff) in the background and reports when it is back.
// It implements audio.Source, io.Closer and Overruns. Read must be called from one
// goroutine at a time; Close may be called from any goroutine.
type ResilientSource struct {
	r        *resilient[sourceCloser]
	lastOK   time.Time // when the device last delivered
	overruns atomic.Uint64
}

// NewResilientSource opens the input device o names, which must be there, and wraps it.
// Later opens use the format of the first (o.SampleRate and o.Channels filled in).
// onEvent (may be nil) is called on the goroutine calling Read with lost=true and the
// error when the device is lost and lost=false, nil when it is back; it must not block.
func NewResilientSource(o *Opts, onEvent func(lost bool, err error)) (*ResilientSource, error) {
	first, err := OpenSource(o)
	if err != nil {
		return nil, err
	}
	f := first.Format()
	ro := *o
	ro.SampleRate, ro.Channels = f.SampleRate, f.Channels
	open := func() (sourceCloser, error) {
		s, err := OpenSource(&ro)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return newResilientSource(first, open, onEvent, wallClock{}, goSpawn), nil
}

// newResilientSource wraps src; open reopens the device.
func newResilientSource(src sourceCloser, open func() (sourceCloser, error), onEvent func(bool, error), clk clock, spawn func(func())) *ResilientSource {
	f := src.Format()
	checked := func() (sourceCloser, error) {
		s, err := open()
		if err == nil && s.Format() != f {
			s.Close()
			return nil, fmt.Errorf("portaudio: reopened device delivers %v, want %v", s.Format(), f)
		}
		return s, err
	}
	return &ResilientSource{r: newResilient(src, f, checked, onEvent, clk, spawn), lastOK: clk.Now()}
}

// Format returns the device's format, which stays the same across reopens.
func (s *ResilientSource) Format() audio.Format { return s.r.format }

// Overruns returns how many times the device dropped input (audio.ErrOverrun).
func (s *ResilientSource) Overruns() uint64 { return s.overruns.Load() }

// Losses returns how many times the device was lost.
func (s *ResilientSource) Losses() uint64 { return s.r.losses.Load() }

// Lost reports whether the device is lost right now.
func (s *ResilientSource) Lost() bool { return s.r.isLost.Load() }

// Read reads up to len(p) samples (whole frames): from the device, or while it is lost,
// silence paced by the wall clock, at least 10 ms at a time. The silence makes up for
// the time since the device last delivered. Read returns audio.ErrOverrun as the device
// does, and io.EOF after Close. It does not retain p.
func (s *ResilientSource) Read(p []int16) (int, error) {
	r := s.r
	ch := r.format.Channels
	p = p[:len(p)-len(p)%ch]
	if len(p) == 0 {
		return 0, nil
	}
	if !r.lost {
		n, err := r.dev.Read(p)
		switch {
		case err == nil:
			s.lastOK = r.clk.Now()
			return n, nil
		case errors.Is(err, audio.ErrOverrun):
			s.lastOK = r.clk.Now()
			s.overruns.Add(1)
			return n, err
		case r.isClosed():
			return 0, io.EOF
		}
		r.lose(err, r.clk.Now(), s.lastOK)
		if n > 0 {
			return n, nil
		}
	}
	if r.isClosed() {
		return 0, io.EOF
	}
	if r.poll(r.clk.Now()) {
		s.lastOK = r.clk.Now()
		return s.Read(p)
	}
	frames := min(r.pace(min(r.block, int64(len(p)/ch))), int64(len(p)/ch))
	r.frames += frames
	clear(p[:frames*int64(ch)])
	return int(frames) * ch, nil
}

// Close closes the device and stops reopening it.
func (s *ResilientSource) Close() error { return s.r.close() }

// ResilientSink is a playback device that survives its loss: when Write fails it
// reports the loss through the event callback, drops what is written at the pace of
// the wall clock, reopens the device with exponential backoff (MinBackoff doubling to
// MaxBackoff) in the background and reports when it is back. It implements audio.Sink
// and io.Closer. Write must be called from one goroutine at a time; Close may be called
// from any goroutine.
type ResilientSink struct {
	r       *resilient[sinkCloser]
	dropped atomic.Uint64
}

// NewResilientSink opens the output device o names, which must be there, and wraps it.
// Later opens use the format of the first. onEvent is as for NewResilientSource, called
// on the goroutine calling Write.
func NewResilientSink(o *Opts, onEvent func(lost bool, err error)) (*ResilientSink, error) {
	first, err := OpenSink(o)
	if err != nil {
		return nil, err
	}
	f := first.Format()
	ro := *o
	ro.SampleRate, ro.Channels = f.SampleRate, f.Channels
	open := func() (sinkCloser, error) {
		s, err := OpenSink(&ro)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return newResilientSink(first, open, onEvent, wallClock{}, goSpawn), nil
}

// newResilientSink wraps snk; open reopens the device.
func newResilientSink(snk sinkCloser, open func() (sinkCloser, error), onEvent func(bool, error), clk clock, spawn func(func())) *ResilientSink {
	f := snk.Format()
	checked := func() (sinkCloser, error) {
		s, err := open()
		if err == nil && s.Format() != f {
			s.Close()
			return nil, fmt.Errorf("portaudio: reopened device takes %v, want %v", s.Format(), f)
		}
		return s, err
	}
	return &ResilientSink{r: newResilient(snk, f, checked, onEvent, clk, spawn)}
}

// Format returns the device's format, which stays the same across reopens.
func (s *ResilientSink) Format() audio.Format { return s.r.format }

// Dropped returns how many samples were dropped while the device was lost.
func (s *ResilientSink) Dropped() uint64 { return s.dropped.Load() }

// Losses returns how many times the device was lost.
func (s *ResilientSink) Losses() uint64 { return s.r.losses.Load() }

// Lost reports whether the device is lost right now.
func (s *ResilientSink) Lost() bool { return s.r.isLost.Load() }

// Write plays p (whole frames), or while the device is lost drops it, returning after
// the time p would have taken to play. It returns len(p), or an error for partial
// frames or after Close. It does not retain p.
func (s *ResilientSink) Write(p []int16) (int, error) {
	r := s.r
	ch := r.format.Channels
	if len(p)%ch != 0 {
		return 0, fmt.Errorf("portaudio: write of %d samples is not whole %d-channel frames", len(p), ch)
	}
	done := 0
	if !r.lost {
		n, err := r.dev.Write(p)
		if err == nil {
			return n, nil
		}
		if r.isClosed() {
			return n, err
		}
		done = n - n%ch
		now := r.clk.Now()
		r.lose(err, now, now)
	}
	if r.isClosed() {
		return done, errSinkClosed
	}
	if r.poll(r.clk.Now()) {
		n, err := s.Write(p[done:])
		return done + n, err
	}
	frames := int64((len(p) - done) / ch)
	if frames > 0 {
		r.pace(frames)
		r.frames += frames
		s.dropped.Add(uint64(frames) * uint64(ch))
	}
	return len(p), nil
}

// Close closes the device (playing what it has queued) and stops reopening it.
func (s *ResilientSink) Close() error { return s.r.close() }

var (
	_ audio.Source = (*ResilientSource)(nil)
	_ audio.Sink   = (*ResilientSink)(nil)
)
