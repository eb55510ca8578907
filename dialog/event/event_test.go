package event

import (
	"strings"
	"testing"
)

func TestBusFansOutAndCountsDrops(t *testing.T) {
	b := NewBus(false)
	fast, slow := b.Subscribe(10), b.Subscribe(1)
	for i := range 5 {
		b.Publish(Event{Kind: KindButton, Sample: int64(i)})
	}
	if len(fast) != 5 || len(slow) != 1 {
		t.Errorf("fast got %d, slow got %d; want 5 and 1", len(fast), len(slow))
	}
	if b.Dropped() != 4 {
		t.Errorf("dropped %d, want 4", b.Dropped())
	}
	b.Close()
	n := 0
	for range fast {
		n++
	}
	if n != 5 {
		t.Errorf("drained %d after Close", n)
	}
}

func TestPublishAllocatesNothing(t *testing.T) {
	b := NewBus(false)
	ch := b.Subscribe(1)
	e := Event{Kind: KindState, State: Listening, Reason: "button"}
	if a := testing.AllocsPerRun(100, func() { b.Publish(e); <-ch }); a != 0 {
		t.Errorf("Publish allocates %.1f", a)
	}
}

func TestTimelineLine(t *testing.T) {
	tests := []struct {
		e    Event
		want string
	}{
		{Event{Kind: KindState, Sample: 24000, State: Listening, Reason: "button", Turn: 1}, `   1.500s  state           listening reason="button" turn=1`},
		{Event{Kind: KindWake, Sample: 16000, Source: "okay_nabu", Score: 0.97}, `   1.000s  wake            source="okay_nabu" score=0.970`},
		{Event{Kind: KindSpeechEnd, Sample: 48000, Decided: 59200, Reason: "speech-end"}, `   3.000s  speech-end      reason="speech-end" decided=3.700s`},
		{Event{Kind: KindEnd, Sample: 160}, `   0.010s  end`},
	}
	for _, tt := range tests {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
	if !strings.Contains(Kind(200).String(), "200") || !strings.Contains(State(99).String(), "99") {
		t.Error("unknown kinds and states must print their number")
	}
}
