package button

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

const ms = time.Millisecond

func TestDebouncer(t *testing.T) {
	type step struct {
		at      time.Duration
		pressed bool
	}
	tests := []struct {
		name  string
		steps []step
		want  string
	}{
		{"clean_press", []step{{0, true}, {20 * ms, true}, {100 * ms, false}, {120 * ms, false}}, "press@20ms release@120ms"},
		{"bounce_then_press", []step{{0, true}, {2 * ms, false}, {3 * ms, true}, {10 * ms, true}, {23 * ms, true}}, "press@23ms"},
		{"glitch_ignored", []step{{0, true}, {5 * ms, false}, {30 * ms, false}, {60 * ms, false}}, ""},
		{"release_bounce", []step{{0, true}, {20 * ms, true}, {200 * ms, false}, {205 * ms, true}, {210 * ms, false}, {230 * ms, false}}, "press@20ms release@230ms"},
		{"long_press", []step{{0, true}, {20 * ms, true}, {500 * ms, true}, {1020 * ms, true}, {1500 * ms, true}, {2000 * ms, false}, {2020 * ms, false}}, "press@20ms long-press@1.02s release@2.02s"},
		{"short_of_long", []step{{0, true}, {20 * ms, true}, {1019 * ms, false}, {1039 * ms, false}}, "press@20ms release@1.039s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Debouncer{Debounce: 20 * ms, LongPress: time.Second}
			var got []string
			for _, s := range tt.steps {
				if k := d.Update(s.pressed, s.at); k != 0 {
					got = append(got, fmt.Sprintf("%s@%v", k, s.at))
				}
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Fatalf("events %q, want %q", g, tt.want)
			}
		})
	}
}

func TestDebouncerNext(t *testing.T) {
	d := Debouncer{Debounce: 20 * ms, LongPress: time.Second}
	if _, ok := d.Next(); ok {
		t.Fatal("idle debouncer has a deadline")
	}
	d.Update(true, 5*ms)
	if at, ok := d.Next(); !ok || at != 25*ms {
		t.Fatalf("Next after edge = %v %v, want 25ms", at, ok)
	}
	d.Update(true, 25*ms)
	if at, ok := d.Next(); !ok || at != 1025*ms {
		t.Fatalf("Next after press = %v %v, want 1.025s", at, ok)
	}
}

// TestGPIOButtonEdges drives a gpiotest pin (active low, as on the ReSpeaker HAT) with
// bouncing edges and checks the debounced events.
func TestGPIOButtonEdges(t *testing.T) {
	pin := &gpiotest.Pin{N: "GPIO17", Num: 17, EdgesChan: make(chan gpio.Level, 16)}
	b, err := NewGPIO(pin, &Opts{ActiveLow: true, Debounce: 20 * ms, LongPress: 200 * ms})
	if err != nil {
		t.Fatal(err)
	}
	if pin.P != gpio.PullUp || pin.Read() != gpio.High {
		t.Fatalf("pin pull %v level %v, want pull-up and high", pin.P, pin.Read())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- b.Run(ctx) }()
	next := func() Kind {
		t.Helper()
		select {
		case e := <-b.Events():
			return e.Kind
		case <-time.After(3 * time.Second):
			t.Fatal("no button event")
			return 0
		}
	}
	// A glitch: low and back high at once is not a press.
	pin.EdgesChan <- gpio.Low
	pin.EdgesChan <- gpio.High
	// A bouncy press held past the long-press time, then a release.
	pin.EdgesChan <- gpio.Low
	pin.EdgesChan <- gpio.High
	pin.EdgesChan <- gpio.Low
	if k := next(); k != Press {
		t.Fatalf("got %v, want press", k)
	}
	if k := next(); k != LongPress {
		t.Fatalf("got %v, want long-press", k)
	}
	pin.EdgesChan <- gpio.High
	if k := next(); k != Release {
		t.Fatalf("got %v, want release", k)
	}
	// A short press.
	pin.EdgesChan <- gpio.Low
	if k := next(); k != Press {
		t.Fatalf("got %v, want press", k)
	}
	pin.EdgesChan <- gpio.High
	if k := next(); k != Release {
		t.Fatalf("got %v, want release", k)
	}
	select {
	case e := <-b.Events():
		t.Fatalf("extra event %v", e.Kind)
	case <-time.After(50 * ms):
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Run returned %v", err)
	}
	if got := b.String(); got != "Button{GPIO17}" {
		t.Fatalf("String() = %q", got)
	}
}
