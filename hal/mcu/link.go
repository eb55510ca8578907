package mcu

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// EventKind says what a link Event reports.
type EventKind uint8

// Link event kinds.
const (
	EventUp      EventKind = iota + 1 // the MCU answered Hello: the link works
	EventDown                         // the session ended; Err says why
	EventKey                          // a key: Key, Action
	EventMute                         // the mute switch moved: On
	EventVersion                      // the firmware version arrived: Version
)

// String returns the kind's name.
func (k EventKind) String() string {
	switch k {
	case EventUp:
		return "up"
	case EventDown:
		return "down"
	case EventKey:
		return "key"
	case EventMute:
		return "mute"
	case EventVersion:
		return "version"
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// Event is something that happened on the link.
type Event struct {
	Kind    EventKind
	Key     Key
	Action  Action
	On      bool            // EventMute: switch position, true = muted
	Version FirmwareVersion // EventVersion
	Err     error           // EventDown
}

// Opts configures a Link.
type Opts struct {
	// Open opens the port. Run calls it again whenever the port fails, e.g. after a
	// USB-serial adapter was unplugged and plugged back.
	Open func() (io.ReadWriteCloser, error)
	// AckTimeout is how long to wait for an ack before resending; default 100ms.
	AckTimeout time.Duration
	// Retries is how many times a frame is resent before the link is declared dead and
	// the port reopened; default 3.
	Retries int
	// Heartbeat is the interval of host heartbeats; default 1s.
	Heartbeat time.Duration
	// Backoff is the first wait before reopening the port; it doubles up to 8×. Default 250ms.
	Backoff time.Duration
	// Logf logs link changes (never per frame); nil = silent.
	Logf func(format string, args ...any)
}

// DefaultOpts are the defaults for the zero fields of Opts.
var DefaultOpts = Opts{AckTimeout: 100 * time.Millisecond, Retries: 3, Heartbeat: time.Second, Backoff: 250 * time.Millisecond}

// ErrNoAck means the MCU did not acknowledge a frame after every retry.
var ErrNoAck = errors.New("mcu: no ack")

// Link is the host end of the MCU protocol. Setters only record the wanted state and
// return at once; the session goroutine sends the newest state, so a slow or absent MCU
// never blocks the caller, and a reconnected MCU gets the whole state again.
// Safe for concurrent use.
type Link struct {
	o      Opts
	kick   chan struct{}
	events chan Event
	dec    *Decoder

	mu         sync.Mutex
	mute, amp  bool
	volume     uint8
	brightness uint8
	leds       []color.RGBA
	dirty      uint8 // dirty* bits
	ledsFrom   int   // next LED chunk to send; -1 = none

	up         atomic.Bool
	retries    atomic.Uint64
	reconnects atomic.Uint64
	dropped    atomic.Uint64
}

const (
	dirtyMute = 1 << iota
	dirtyAmp
	dirtyVolume
	dirtyQuery
	dirtyHeartbeat
	dirtyLEDs
	dirtyState = dirtyMute | dirtyAmp | dirtyVolume | dirtyLEDs
)

// New returns a Link. Call Run (or Serve) to drive it.
func New(o *Opts) (*Link, error) {
	l := &Link{o: *o, kick: make(chan struct{}, 1), events: make(chan Event, 64), dec: NewDecoder(), ledsFrom: -1}
	if l.o.AckTimeout <= 0 {
		l.o.AckTimeout = DefaultOpts.AckTimeout
	}
	if l.o.Retries <= 0 {
		l.o.Retries = DefaultOpts.Retries
	}
	if l.o.Heartbeat <= 0 {
		l.o.Heartbeat = DefaultOpts.Heartbeat
	}
	if l.o.Backoff <= 0 {
		l.o.Backoff = DefaultOpts.Backoff
	}
	if l.o.Logf == nil {
		l.o.Logf = func(string, ...any) {}
	}
	return l, nil
}

// String returns "mcu.Link{up}" or "mcu.Link{down}".
func (l *Link) String() string {
	if l.up.Load() {
		return "mcu.Link{up}"
	}
	return "mcu.Link{down}"
}

// Events returns the channel of link events. Events are dropped (and counted) when
// nobody reads it.
func (l *Link) Events() <-chan Event { return l.events }

// Up reports whether the MCU answered in the current session.
func (l *Link) Up() bool { return l.up.Load() }

// SetMute tells the MCU the effective mute state (it lights the mute LED).
func (l *Link) SetMute(on bool) { l.set(func() { l.mute = on }, dirtyMute) }

// SetAmp turns the amplifier on or off.
func (l *Link) SetAmp(on bool) { l.set(func() { l.amp = on }, dirtyAmp) }

// SetVolume sets the volume, 0..100 (clamped).
func (l *Link) SetVolume(v int) {
	l.set(func() { l.volume = uint8(min(max(v, 0), 100)) }, dirtyVolume)
}

// SetLEDs sends colours c (copied; alpha ignored) at brightness 0..255. The newest frame
// replaces one not yet sent.
func (l *Link) SetLEDs(brightness uint8, c []color.RGBA) {
	l.set(func() {
		l.brightness = brightness
		l.leds = append(l.leds[:0], c...)
		l.ledsFrom = 0
	}, dirtyLEDs)
}

// QueryVersion asks for the firmware version; it arrives as an EventVersion.
func (l *Link) QueryVersion() { l.set(func() {}, dirtyQuery) }

// Halt turns the LEDs off and the amplifier off; it does not close the port.
func (l *Link) Halt() error {
	l.set(func() {
		clear(l.leds)
		l.ledsFrom = 0
		l.amp = false
	}, dirtyLEDs|dirtyAmp)
	return nil
}

func (l *Link) set(f func(), bits uint8) {
	l.mu.Lock()
	f()
	l.dirty |= bits
	l.mu.Unlock()
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// Stats counts link trouble.
type Stats struct {
	DecodeStats
	Retries       uint64 // frames resent for lack of an ack
	Reconnects    uint64 // times the port was reopened
	EventsDropped uint64 // events lost because Events was not read
}

// Stats returns the counters.
func (l *Link) Stats() Stats {
	return Stats{DecodeStats: l.dec.Stats(), Retries: l.retries.Load(), Reconnects: l.reconnects.Load(), EventsDropped: l.dropped.Load()}
}

// Run opens the port with Opts.Open and serves it; when the port fails it closes it,
// waits and reopens it, until ctx is done. It returns ctx.Err().
func (l *Link) Run(ctx context.Context) error {
	if l.o.Open == nil {
		return errors.New("mcu: Opts.Open is nil")
	}
	wait := l.o.Backoff
	for first := true; ; first = false {
		rw, err := l.o.Open()
		if err != nil {
			err = fmt.Errorf("mcu: open: %w", err)
		} else {
			if !first {
				l.reconnects.Add(1)
			}
			start := time.Now()
			err = l.Serve(ctx, rw)
			rw.Close()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if time.Since(start) > 8*l.o.Backoff {
				wait = l.o.Backoff
			}
		}
		l.o.Logf("%v; reopening in %v", err, wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 8*l.o.Backoff)
	}
}

type rxFrame struct {
	seq  uint8
	typ  Type
	n    uint8
	body [MaxBody]byte
}

// Serve runs one session over rw until rw fails or ctx is done: it says Hello, sends
// the whole wanted state, then keeps it in sync, acks and reports what the MCU sends.
// The caller owns rw and must close it after Serve returns so the reader stops.
func (l *Link) Serve(ctx context.Context, rw io.ReadWriter) (err error) {
	done := make(chan struct{})
	defer close(done)
	in := make(chan rxFrame, 8)
	errc := make(chan error, 1)
	l.dec.Reset()
	go l.read(rw, in, errc, done)
	defer func() {
		l.up.Store(false)
		l.emit(Event{Kind: EventDown, Err: err})
	}()

	s := session{l: l, w: rw, lastRx: -1}
	l.mu.Lock()
	l.dirty |= dirtyState
	if len(l.leds) > 0 {
		l.ledsFrom = 0
	}
	l.mu.Unlock()
	if err := s.send(TypeHello, []byte{Version}); err != nil {
		return err
	}
	ackT := time.NewTimer(l.o.AckTimeout)
	defer ackT.Stop()
	hb := time.NewTicker(l.o.Heartbeat)
	defer hb.Stop()
	for {
		if !s.waiting {
			if ok, err := s.sendNext(); err != nil {
				return err
			} else if ok {
				ackT.Reset(l.o.AckTimeout)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-errc:
			return fmt.Errorf("mcu: read: %w", err)
		case f := <-in:
			if err := s.receive(&f); err != nil {
				return err
			}
		case <-ackT.C:
			if !s.waiting {
				continue
			}
			if s.tries >= l.o.Retries {
				return fmt.Errorf("%w for %s seq %d after %d tries", ErrNoAck, s.outType, s.outSeq, s.tries+1)
			}
			s.tries++
			l.retries.Add(1)
			if _, err := rw.Write(s.wbuf); err != nil {
				return fmt.Errorf("mcu: write: %w", err)
			}
			ackT.Reset(l.o.AckTimeout)
		case <-hb.C:
			l.set(func() {}, dirtyHeartbeat)
		case <-l.kick:
		}
	}
}

func (l *Link) read(r io.Reader, in chan<- rxFrame, errc chan<- error, done <-chan struct{}) {
	var buf [256]byte
	for {
		n, err := r.Read(buf[:])
		if n > 0 {
			l.dec.Feed(buf[:n], func(f Frame) {
				var rx rxFrame
				rx.seq, rx.typ, rx.n = f.Seq, f.Type, uint8(copy(rx.body[:], f.Body))
				select {
				case in <- rx:
				case <-done:
				}
			})
		}
		if err != nil {
			errc <- err
			return
		}
		select {
		case <-done:
			return
		default:
		}
	}
}

func (l *Link) emit(e Event) {
	select {
	case l.events <- e:
	default:
		l.dropped.Add(1)
	}
}

// session is the state of one Serve call, owned by its goroutine.
type session struct {
	l       *Link
	w       io.Writer
	seq     uint8
	lastRx  int // seq of the last delivered frame from the MCU; -1 = none
	waiting bool
	outSeq  uint8
	outType Type
	tries   int
	wbuf    []byte
	body    []byte
	start   time.Time
}

// send writes a new reliable frame and waits for its ack.
func (s *session) send(t Type, body []byte) error {
	s.seq++
	s.outSeq, s.outType, s.tries, s.waiting = s.seq, t, 0, true
	s.wbuf = Frame{Seq: s.seq, Type: t, Body: body}.AppendEncode(append(s.wbuf[:0], 0))
	if _, err := s.w.Write(s.wbuf); err != nil {
		return fmt.Errorf("mcu: write: %w", err)
	}
	return nil
}

// sendNext sends the most important dirty item, if any.
func (s *session) sendNext() (bool, error) {
	l := s.l
	l.mu.Lock()
	var t Type
	b := s.body[:0]
	switch d := l.dirty; {
	case d&dirtyMute != 0:
		t, b = TypeMute, append(b, bool8(l.mute))
		l.dirty &^= dirtyMute
	case d&dirtyAmp != 0:
		t, b = TypeAmp, append(b, bool8(l.amp))
		l.dirty &^= dirtyAmp
	case d&dirtyVolume != 0:
		t, b = TypeVolume, append(b, l.volume)
		l.dirty &^= dirtyVolume
	case d&dirtyQuery != 0:
		t = TypeQuery
		l.dirty &^= dirtyQuery
	case d&dirtyHeartbeat != 0:
		if s.start.IsZero() {
			s.start = time.Now()
		}
		t, b = TypeHeartbeat, AppendHeartbeat(b, uint32(time.Since(s.start)/time.Millisecond))
		l.dirty &^= dirtyHeartbeat
	case d&dirtyLEDs != 0 && l.ledsFrom >= 0 && l.ledsFrom < len(l.leds):
		end := min(l.ledsFrom+MaxLEDs, len(l.leds))
		t, b = TypeLEDs, AppendLEDs(b, l.brightness, uint8(l.ledsFrom), l.leds[l.ledsFrom:end])
		if l.ledsFrom = end; end == len(l.leds) {
			l.dirty &^= dirtyLEDs
			l.ledsFrom = -1
		}
	default:
		l.dirty &^= dirtyLEDs
		l.mu.Unlock()
		return false, nil
	}
	l.mu.Unlock()
	s.body = b
	return true, s.send(t, b)
}

func (s *session) receive(f *rxFrame) error {
	l := s.l
	if f.typ == TypeAck {
		if s.waiting && f.seq == s.outSeq {
			s.waiting = false
			if s.outType == TypeHello {
				l.up.Store(true)
				l.o.Logf("mcu: link up")
				l.emit(Event{Kind: EventUp})
			}
		}
		return nil
	}
	// Everything else is acked, even duplicates (our ack may have been lost).
	ack := Frame{Seq: f.seq, Type: TypeAck}.AppendEncode(make([]byte, 0, 8))
	if _, err := s.w.Write(ack); err != nil {
		return fmt.Errorf("mcu: write ack: %w", err)
	}
	if f.typ == TypeHello {
		// The MCU (re)started: it lost our state.
		s.lastRx = int(f.seq)
		l.set(func() {
			if len(l.leds) > 0 {
				l.ledsFrom = 0
			}
		}, dirtyState)
		return nil
	}
	if int(f.seq) == s.lastRx {
		return nil // a resend of a frame already delivered
	}
	s.lastRx = int(f.seq)
	body := f.body[:f.n]
	switch f.typ {
	case TypeKey:
		l.emit(Event{Kind: EventKey, Key: Key(body[0]), Action: Action(body[1])})
	case TypeMute:
		l.emit(Event{Kind: EventMute, On: body[0] == 1})
	case TypeVersion:
		l.emit(Event{Kind: EventVersion, Version: ParseVersion(body)})
	}
	return nil
}
