package anim

import (
	"image/color"
	"testing"
	"time"

	"github.com/genie-voice/genie/dialog/event"
)

const ms = time.Millisecond

func state(s event.State) event.Event { return event.Event{Kind: event.KindState, State: s} }

// lit counts LEDs that are not off.
func lit(c []color.RGBA) int {
	n := 0
	for _, p := range c {
		if p.R|p.G|p.B != 0 {
			n++
		}
	}
	return n
}

func TestRingFrames(t *testing.T) {
	type check func(t *testing.T, c []color.RGBA)
	all := func(want color.RGBA) check {
		return func(t *testing.T, c []color.RGBA) {
			for i, p := range c {
				if p != want {
					t.Fatalf("LED %d = %v, want %v (all: %v)", i, p, want, c)
				}
			}
		}
	}
	litN := func(want int) check {
		return func(t *testing.T, c []color.RGBA) {
			if got := lit(c); got != want {
				t.Fatalf("%d LEDs lit, want %d: %v", got, want, c)
			}
		}
	}
	brightest := func(want int) check {
		return func(t *testing.T, c []color.RGBA) {
			best := 0
			for i, p := range c {
				if int(p.B)+int(p.G) > int(c[best].B)+int(c[best].G) {
					best = i
				}
			}
			if best != want {
				t.Fatalf("brightest LED is %d, want %d: %v", best, want, c)
			}
		}
	}
	tests := []struct {
		name   string
		events []event.Event // applied at t=0 in order
		at     time.Duration
		look   Look
		check  check
	}{
		{"idle_is_dark", nil, time.Second, LookOff, litN(0)},
		{"wake_flash_starts_white", []event.Event{{Kind: event.KindWake}}, 0, LookWake, all(White)},
		{"wake_flash_ends_cyan", []event.Event{{Kind: event.KindWake}}, WakeFlash - ms, LookWake, func(t *testing.T, c []color.RGBA) {
			if c[0].R > 10 || c[0].B < 250 {
				t.Fatalf("end of flash %v, want near cyan", c[0])
			}
		}},
		{"listening_head_at_0", []event.Event{state(event.Listening)}, 0, LookListening, brightest(0)},
		{"listening_head_spins", []event.Event{state(event.Listening)}, 250 * ms, LookListening, brightest(3)},
		{"listening_full_turn", []event.Event{state(event.Listening)}, time.Second, LookListening, brightest(0)},
		{"expecting_spins_slower", []event.Event{state(event.Expecting)}, 250 * ms, LookExpecting, brightest(1)},
		{"thinking_dim_at_start", []event.Event{state(event.Thinking)}, 0, LookThinking, all(scale(Violet, 0.2))},
		{"thinking_bright_mid_pulse", []event.Event{state(event.Thinking)}, 600 * ms, LookThinking, all(Violet)},
		{"speaking_all_lit", []event.Event{state(event.Speaking)}, 100 * ms, LookSpeaking, litN(12)},
		{"muted_red", []event.Event{{Kind: event.KindMute, Value: 1}}, time.Second, LookMuted, all(color.RGBA{179, 0, 0, 255})},
		{"muted_state_red", []event.Event{state(event.Muted)}, time.Second, LookMuted, all(color.RGBA{179, 0, 0, 255})},
		{"muted_beats_listening", []event.Event{state(event.Listening), {Kind: event.KindMute, Value: 1}}, time.Second, LookMuted, litN(12)},
		{"error_blinks_on", []event.Event{state(event.Error)}, 100 * ms, LookError, all(scale(Orange, 0.8))},
		{"error_blinks_off", []event.Event{state(event.Error)}, 300 * ms, LookError, litN(0)},
		{"error_then_steady", []event.Event{state(event.Error)}, 3300 * ms, LookError, litN(12)},
		{"volume_half", []event.Event{{Kind: event.KindVolume, Value: 50}}, 100 * ms, LookVolume, litN(6)},
		{"volume_over_mute", []event.Event{{Kind: event.KindMute, Value: 1}, {Kind: event.KindVolume, Value: 100}}, 100 * ms, LookVolume, all(scale(White, 0.8))},
		{"volume_gone", []event.Event{{Kind: event.KindVolume, Value: 50}}, VolumeShow, LookOff, litN(0)},
		{"timer_half_left", []event.Event{{Kind: event.KindTimer, Reason: "started", Value: 120}}, 60 * time.Second, LookTimer, litN(6)},
		{"timer_full", []event.Event{{Kind: event.KindTimer, Reason: "started", Value: 120}}, 0, LookTimer, litN(12)},
		{"timer_ringing_on", []event.Event{{Kind: event.KindTimer, Reason: "finished"}}, 100 * ms, LookRinging, all(Amber)},
		{"timer_ringing_off", []event.Event{{Kind: event.KindTimer, Reason: "finished"}}, 600 * ms, LookRinging, litN(0)},
		{"button_silences_ringing", []event.Event{{Kind: event.KindTimer, Reason: "finished"}, {Kind: event.KindButton}}, 100 * ms, LookOff, litN(0)},
		{"timer_cancelled", []event.Event{{Kind: event.KindTimer, Reason: "started", Value: 60}, {Kind: event.KindTimer, Reason: "cancelled"}}, 100 * ms, LookOff, litN(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewScene()
			for _, e := range tt.events {
				s.Apply(e, 0)
			}
			if got := s.LookAt(tt.at); got != tt.look {
				t.Fatalf("look %v, want %v", got, tt.look)
			}
			c := make([]color.RGBA, 12)
			Ring(c, &s, tt.at)
			tt.check(t, c)
		})
	}
}

func TestRingWorksForThreeLEDs(t *testing.T) {
	s := NewScene()
	s.Apply(state(event.Listening), 0)
	c := make([]color.RGBA, 3)
	seen := map[int]bool{}
	for f := range 30 {
		Ring(c, &s, time.Duration(f)*time.Second/30)
		best := 0
		for i := range c {
			if c[i].B > c[best].B {
				best = i
			}
		}
		seen[best] = true
	}
	if len(seen) != 3 {
		t.Fatalf("head visited LEDs %v in one turn, want all 3", seen)
	}
}

func TestRingAllocatesNothing(t *testing.T) {
	s := NewScene()
	s.Apply(state(event.Speaking), 0)
	c := make([]color.RGBA, 12)
	if a := testing.AllocsPerRun(100, func() { Ring(c, &s, 123*ms) }); a != 0 {
		t.Fatalf("Ring allocates %v times", a)
	}
}

// BenchmarkRing12 computes one frame for 12 LEDs; at 30 fps the budget is 33 ms.
func BenchmarkRing12(b *testing.B) {
	s := NewScene()
	s.Apply(state(event.Listening), 0)
	c := make([]color.RGBA, 12)
	b.ReportAllocs()
	var t time.Duration
	for b.Loop() {
		t += 33 * ms
		Ring(c, &s, t)
	}
}
