// Package button turns GPIO lines into debounced press, release and long-press
// events. The Debouncer is a pure state machine driven by (level, time) samples so it
// is tested step by step; GPIO runs it on a periph gpio.PinIn with edge detection.
//
// Times are time.Duration since an arbitrary origin (the GPIO loop uses a monotonic
// clock). A level must stay unchanged for Debounce before it counts; a press held for
// LongPress emits LongPress once, and the Release still follows.
package button

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// Kind is what happened to a button.
type Kind uint8

// Event kinds.
const (
	Press Kind = iota + 1
	Release
	LongPress
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case Press:
		return "press"
	case Release:
		return "release"
	case LongPress:
		return "long-press"
	}
	return "kind(?)"
}

// Event is one debounced button event.
type Event struct {
	Kind Kind
	At   time.Duration // when it was decided
}

// Debouncer decides presses from raw levels. Not safe for concurrent use.
type Debouncer struct {
	Debounce  time.Duration // a level must hold this long to count, e.g. 20ms
	LongPress time.Duration // held this long is a long press; 0 = never

	raw, stable bool
	changedAt   time.Duration
	pressedAt   time.Duration
	longSent    bool
}

// Update records the raw level (true = pressed) sampled at now and returns the event it
// decides, if any (0 = none). Call it on every edge and at the time Next returns.
func (d *Debouncer) Update(pressed bool, now time.Duration) Kind {
	if pressed != d.raw {
		d.raw, d.changedAt = pressed, now
	}
	if d.raw != d.stable && now-d.changedAt >= d.Debounce {
		d.stable = d.raw
		if d.stable {
			d.pressedAt, d.longSent = now, false
			return Press
		}
		return Release
	}
	if d.stable && !d.longSent && d.LongPress > 0 && now-d.pressedAt >= d.LongPress {
		d.longSent = true
		return LongPress
	}
	return 0
}

// Next returns when Update must be called again even without an edge, and false if
// nothing is pending.
func (d *Debouncer) Next() (time.Duration, bool) {
	if d.raw != d.stable {
		return d.changedAt + d.Debounce, true
	}
	if d.stable && !d.longSent && d.LongPress > 0 {
		return d.pressedAt + d.LongPress, true
	}
	return 0, false
}

// Pressed reports the debounced state.
func (d *Debouncer) Pressed() bool { return d.stable }

// Opts configures a GPIO button.
type Opts struct {
	ActiveLow bool          // pressed pulls the line low (internal pull-up is enabled)
	Debounce  time.Duration // default 20ms
	LongPress time.Duration // default 1s; negative = no long press
}

// DefaultOpts suits the ReSpeaker HAT button on GPIO17 (active low).
var DefaultOpts = Opts{ActiveLow: true, Debounce: 20 * time.Millisecond, LongPress: time.Second}

// GPIO is a push button on a GPIO line.
type GPIO struct {
	pin       gpio.PinIn
	activeLow bool
	db        Debouncer
	events    chan Event
	dropped   atomic.Uint64
	start     time.Time
}

// NewGPIO configures p as an input with the matching pull and both-edge detection.
func NewGPIO(p gpio.PinIn, o *Opts) (*GPIO, error) {
	pull := gpio.PullDown
	if o.ActiveLow {
		pull = gpio.PullUp
	}
	if err := p.In(pull, gpio.BothEdges); err != nil {
		return nil, fmt.Errorf("button: %s: %w", p, err)
	}
	b := &GPIO{pin: p, activeLow: o.ActiveLow, events: make(chan Event, 16), start: time.Now()}
	b.db.Debounce, b.db.LongPress = o.Debounce, o.LongPress
	if b.db.Debounce <= 0 {
		b.db.Debounce = DefaultOpts.Debounce
	}
	if b.db.LongPress == 0 {
		b.db.LongPress = DefaultOpts.LongPress
	} else if b.db.LongPress < 0 {
		b.db.LongPress = 0
	}
	return b, nil
}

// String returns e.g. "Button{GPIO17}".
func (b *GPIO) String() string { return "Button{" + b.pin.Name() + "}" }

// Events returns the debounced events. Events are dropped (and counted) if nobody reads.
func (b *GPIO) Events() <-chan Event { return b.events }

// Dropped returns how many events were lost because Events was not read.
func (b *GPIO) Dropped() uint64 { return b.dropped.Load() }

// Run watches the line until ctx is done. It wakes on every edge and at debounce and
// long-press deadlines, and at least every 100 ms to notice ctx.
func (b *GPIO) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		wait := 100 * time.Millisecond
		if at, ok := b.db.Next(); ok {
			wait = min(wait, max(at-time.Since(b.start), 0))
		}
		b.pin.WaitForEdge(wait)
		pressed := b.pin.Read() == gpio.High
		if b.activeLow {
			pressed = !pressed
		}
		if k := b.db.Update(pressed, time.Since(b.start)); k != 0 {
			select {
			case b.events <- Event{Kind: k, At: time.Since(b.start)}:
			default:
				b.dropped.Add(1)
			}
		}
	}
	return ctx.Err()
}

// Halt does nothing: an input has nothing to turn off.
func (b *GPIO) Halt() error { return nil }
