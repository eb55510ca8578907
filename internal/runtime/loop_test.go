package runtime

import (
	"testing"
	"time"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/listener"
	"github.com/genie-voice/genie/configs"
	"github.com/genie-voice/genie/dialog"
	"github.com/genie-voice/genie/dialog/event"
)

// loop is the per-block path of a live run (listener → engine → mixer → speaker queue)
// built without files, with the upstream queue drained by a goroutine.
type loop struct {
	lst  *listener.Listener
	h    *handler
	blk  audio.Block
	stop chan struct{}
}

func newLoop(tb testing.TB, pressEvery time.Duration, vad audio.VAD) *loop {
	tb.Helper()
	c := configs.Default()
	c.Speaker.Backend = configs.BackendNull
	c.Speaker.SampleRate = 48000
	spk, err := openSpeaker(c, nil, false, nil, tb.Logf)
	if err != nil {
		tb.Fatal(err)
	}
	mixer, err := audio.NewMixer(audio.MixerOpts{SampleRate: 48000, DuckDB: -20, Ramp: 50 * time.Millisecond, Buffer: 5 * time.Second, Volume: 80})
	if err != nil {
		tb.Fatal(err)
	}
	lst, err := listener.New(canonicalTone{}, listener.Opts{VAD: vad})
	if err != nil {
		tb.Fatal(err)
	}
	up := make(chan dialog.Up, 2000) // blocks come 1000× faster than real time here
	down := make(chan dialog.Down, 8)
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-up:
			case <-stop:
				return
			}
		}
	}()
	bus := event.NewBus(false)
	events := bus.Subscribe(64)
	go func() {
		for range events {
		}
	}()
	presses := make([]time.Duration, 0, 1000)
	for t := time.Second; t < 1000*time.Second; t += pressEvery {
		presses = append(presses, t)
	}
	eng, err := dialog.NewEngine(dialog.EngineOpts{
		Bus: bus, Mixer: mixer, PreRoll: lst.PreRoll(), Up: up, Down: down,
		Inputs:   []dialog.Inputs{NewSchedule("action", presses)},
		Endpoint: dialog.EndpointOpts{MaxUtterance: 2 * time.Second, NoSpeechTimeout: 5 * time.Second, TrailingSilence: 700 * time.Millisecond},
		Earcons:  true, ReplyTimeout: time.Second, Volume: 80,
	})
	if err != nil {
		tb.Fatal(err)
	}
	l := &loop{lst: lst, h: &handler{eng: eng, mixer: mixer, spk: spk, rate: 48000}, stop: stop}
	for i := range l.blk.Samples {
		l.blk.Samples[i] = int16(i * 50)
	}
	tb.Cleanup(func() { close(stop); spk.close(); bus.Close() })
	return l
}

func (l *loop) step() {
	l.lst.Step(&l.blk, l.h)
	l.blk.Start += audio.BlockSamples
}

// canonicalTone is a Source the loop never reads from in these tests (Step is driven
// directly); it only gives the listener its format.
type canonicalTone struct{}

func (canonicalTone) Format() audio.Format        { return audio.Canonical }
func (canonicalTone) Read(p []int16) (int, error) { return len(p), nil }

func TestLoopAllocatesNothingPerBlock(t *testing.T) {
	l := newLoop(t, 6*time.Second, newEnergyVAD())
	// Warm up: the first turn builds the earcon track's state.
	for range 800 {
		l.step()
	}
	states := map[event.State]bool{}
	allocs := testing.AllocsPerRun(2000, func() {
		l.step()
		states[l.h.eng.State()] = true
	})
	if allocs != 0 {
		t.Errorf("the per-block path allocates %.2f times per block", allocs)
	}
	for _, s := range []event.State{event.Idle, event.Listening, event.Thinking, event.Error} {
		if !states[s] {
			t.Errorf("the measured blocks never reached %v (saw %v)", s, states)
		}
	}
}

// BenchmarkLoopBlock measures one 10 ms block through listener, dialog engine and a
// 48 kHz mixer, with a push-to-talk turn every 6 s. Budget: far under 10 ms on a Pi
// Zero 2 W; this is the fixed cost before wake word and VAD.
func BenchmarkLoopBlock(b *testing.B) {
	l := newLoop(b, 6*time.Second, nil)
	b.ReportAllocs()
	for b.Loop() {
		l.step()
	}
}

// BenchmarkLoopBlockWithVAD is BenchmarkLoopBlock with the classic VAD (the bench
// board's loop without wake words).
func BenchmarkLoopBlockWithVAD(b *testing.B) {
	l := newLoop(b, 6*time.Second, newEnergyVAD())
	b.ReportAllocs()
	for b.Loop() {
		l.step()
	}
}
