// Package anim holds what the board shows (the Scene, built from dialog events) and
// the LED ring animation for every state, as a pure function of the scene and a time.
//
// Times are time.Duration on one timeline: the sample time of the mic stream in a
// bench run, or time since start in a live run. Nothing here reads a clock, so every
// frame can be computed and tested on its own. Ring allocates nothing.
package anim

import (
	"image/color"
	"math"
	"time"

	"github.com/genie-voice/genie/dialog/event"
)

// How long transient overlays last.
const (
	WakeFlash  = 300 * time.Millisecond  // white flash after a wake word
	VolumeShow = 1500 * time.Millisecond // volume bar after a volume change
)

// Never is the time of something that has not happened.
const Never = time.Duration(math.MinInt64 / 2)

// Timer is the running or ringing timer, if any.
type Timer struct {
	ID      string
	Active  bool          // running
	Total   time.Duration // length when started
	Left    time.Duration // time left at At
	At      time.Duration // when Left was reported
	Ringing bool          // finished and not yet dismissed
	RingAt  time.Duration
}

// Remaining returns the time left at t, never negative.
func (tm *Timer) Remaining(t time.Duration) time.Duration {
	return max(tm.Left-(t-tm.At), 0)
}

// Scene is everything the LEDs and the screen show. The zero value is not ready: use
// NewScene.
type Scene struct {
	State      event.State
	StateAt    time.Duration
	WakeAt     time.Duration
	Muted      bool // the mute switch or button (the dialog's Muted state also counts)
	MutedAt    time.Duration
	Volume     int // 0..100
	VolumeAt   time.Duration
	Timer      Timer
	Transcript string // what the user said in this turn
	Error      string // detail of the last error
}

// NewScene returns an idle scene with nothing pending.
func NewScene() Scene {
	return Scene{StateAt: 0, WakeAt: Never, MutedAt: Never, VolumeAt: Never, Volume: 50,
		Timer: Timer{At: Never, RingAt: Never}}
}

// Apply updates the scene with an event that happened at time at.
func (s *Scene) Apply(e event.Event, at time.Duration) {
	switch e.Kind {
	case event.KindState:
		s.State, s.StateAt = e.State, at
		if e.State == event.Idle || e.State == event.Listening && e.Reason != "follow-up" {
			s.Error = ""
		}
		if e.State == event.Error && e.Detail != "" {
			s.Error = e.Detail
		}
	case event.KindWake:
		s.WakeAt = at
		s.Transcript = ""
	case event.KindButton:
		if s.Timer.Ringing {
			s.Timer.Ringing = false // any button silences a ringing timer
		}
	case event.KindMute:
		s.SetMuted(e.Value != 0, at)
	case event.KindVolume:
		s.Volume, s.VolumeAt = int(min(max(e.Value, 0), 100)), at
	case event.KindTranscript:
		s.Transcript = e.Detail
	case event.KindError:
		s.Error = e.Detail
	case event.KindTimer:
		left := time.Duration(e.Value) * time.Second
		switch e.Reason {
		case "started":
			s.Timer = Timer{ID: e.Source, Active: true, Total: left, Left: left, At: at, RingAt: Never}
		case "updated":
			s.Timer.Left, s.Timer.At = left, at
			if left > s.Timer.Total {
				s.Timer.Total = left
			}
		case "cancelled":
			s.Timer.Active, s.Timer.Ringing = false, false
		case "finished":
			s.Timer.Active, s.Timer.Ringing, s.Timer.RingAt = false, true, at
		}
	}
}

// SetMuted sets the mute switch state at time at.
func (s *Scene) SetMuted(on bool, at time.Duration) {
	if on != s.Muted {
		s.Muted, s.MutedAt = on, at
	}
}

// IsMuted reports whether the board shows muted: the switch or the dialog state.
func (s *Scene) IsMuted() bool { return s.Muted || s.State == event.Muted }

// Look names what the ring shows at t, in priority order of the overlays.
type Look uint8

// Looks.
const (
	LookOff Look = iota
	LookVolume
	LookMuted
	LookRinging
	LookWake
	LookListening
	LookThinking
	LookSpeaking
	LookExpecting
	LookError
	LookTimer
	numLooks
)

var lookNames = [numLooks]string{"off", "volume", "muted", "timer-ringing", "wake", "listening",
	"thinking", "speaking", "expecting", "error", "timer"}

// String returns the look's name, used in frame file names.
func (l Look) String() string {
	if l < numLooks {
		return lookNames[l]
	}
	return "look(?)"
}

// LookAt returns what the ring shows at t.
func (s *Scene) LookAt(t time.Duration) Look {
	switch {
	case t-s.VolumeAt < VolumeShow && t >= s.VolumeAt:
		return LookVolume
	case s.IsMuted():
		return LookMuted
	case s.Timer.Ringing:
		return LookRinging
	case t-s.WakeAt < WakeFlash && t >= s.WakeAt:
		return LookWake
	}
	switch s.State {
	case event.Listening:
		return LookListening
	case event.Thinking:
		return LookThinking
	case event.Speaking:
		return LookSpeaking
	case event.Expecting:
		return LookExpecting
	case event.Error:
		return LookError
	}
	if s.Timer.Active {
		return LookTimer
	}
	return LookOff
}

// Palette of the ring.
var (
	Cyan   = color.RGBA{0, 170, 255, 255}
	Green  = color.RGBA{0, 255, 140, 255}
	Violet = color.RGBA{110, 40, 255, 255}
	Red    = color.RGBA{255, 0, 0, 255}
	Orange = color.RGBA{255, 60, 0, 255}
	Amber  = color.RGBA{255, 140, 0, 255}
	White  = color.RGBA{255, 255, 255, 255}
)

// Ring fills dst (one colour per LED, in ring order) with the animation at t.
func Ring(dst []color.RGBA, s *Scene, t time.Duration) {
	n := len(dst)
	if n == 0 {
		return
	}
	off := color.RGBA{A: 255}
	for i := range dst {
		dst[i] = off
	}
	switch look := s.LookAt(t); look {
	case LookVolume:
		lit := (s.Volume*n + 50) / 100
		for i := range lit {
			dst[i] = scale(White, 0.8)
		}
		if lit == 0 && s.Volume > 0 {
			dst[0] = scale(White, 0.3)
		}
	case LookMuted:
		fill(dst, scale(Red, 0.7))
	case LookRinging:
		if phase(t-s.Timer.RingAt, time.Second) < 0.5 {
			fill(dst, Amber)
		}
	case LookWake:
		f := 1 - float64(t-s.WakeAt)/float64(WakeFlash)
		fill(dst, mix(Cyan, White, f))
	case LookListening:
		spin(dst, Cyan, phase(t-s.StateAt, time.Second))
	case LookExpecting:
		spin(dst, Green, phase(t-s.StateAt, 2*time.Second))
	case LookThinking:
		p := phase(t-s.StateAt, 1200*time.Millisecond)
		fill(dst, scale(Violet, 0.2+0.8*(0.5-0.5*math.Cos(2*math.Pi*p))))
	case LookSpeaking:
		p := phase(t-s.StateAt, 800*time.Millisecond)
		for i := range dst {
			w := 0.5 + 0.5*math.Sin(2*math.Pi*(p+float64(i)/float64(n)))
			dst[i] = scale(Cyan, 0.45+0.55*w)
		}
	case LookError:
		if dt := t - s.StateAt; dt < 3*time.Second && phase(dt, 500*time.Millisecond) >= 0.5 {
			break // blinking for 3 s, then steady
		}
		fill(dst, scale(Orange, 0.8))
	case LookTimer:
		tm := &s.Timer
		left := tm.Remaining(t)
		lit := n
		if tm.Total > 0 {
			lit = int((int64(left)*int64(n) + int64(tm.Total) - 1) / int64(tm.Total))
		}
		for i := range lit {
			dst[i] = scale(Amber, 0.5)
		}
		if lit > 0 {
			// The last lit LED breathes, so a running timer is visibly alive.
			p := phase(t, time.Second)
			dst[lit-1] = scale(Amber, 0.2+0.8*(0.5+0.5*math.Cos(2*math.Pi*p)))
		}
	}
}

// spin draws a bright head with a fading tail going round once per period (p = 0..1).
func spin(dst []color.RGBA, c color.RGBA, p float64) {
	n := float64(len(dst))
	head := p * n
	tail := math.Max(n/2, 1.5)
	for i := range dst {
		d := math.Mod(head-float64(i)+n, n) // how far LED i is behind the head
		f := 0.12
		if d < tail {
			f = math.Max(f, 1-d/tail)
		}
		if ahead := n - d; ahead < 1 {
			f = math.Max(f, 1-ahead) // the head is about to reach LED i
		}
		dst[i] = scale(c, f)
	}
}

// phase returns how far d is into its period, 0 ≤ p < 1.
func phase(d, period time.Duration) float64 {
	m := d % period
	if m < 0 {
		m += period
	}
	return float64(m) / float64(period)
}

func fill(dst []color.RGBA, c color.RGBA) {
	for i := range dst {
		dst[i] = c
	}
}

// scale returns c×f, f in 0..1.
func scale(c color.RGBA, f float64) color.RGBA {
	f = math.Min(math.Max(f, 0), 1)
	return color.RGBA{uint8(float64(c.R)*f + 0.5), uint8(float64(c.G)*f + 0.5), uint8(float64(c.B)*f + 0.5), 255}
}

// mix returns a×(1-f) + b×f.
func mix(a, b color.RGBA, f float64) color.RGBA {
	f = math.Min(math.Max(f, 0), 1)
	m := func(x, y uint8) uint8 { return uint8(float64(x)*(1-f) + float64(y)*f + 0.5) }
	return color.RGBA{m(a.R, b.R), m(a.G, b.G), m(a.B, b.B), 255}
}
