package dialog

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/listener"
	"github.com/genie-voice/genie/dialog/event"
)

// rig drives an Engine block by block, as the listener would, and records events and
// the messages sent upstream.
type rig struct {
	t       *testing.T
	eng     *Engine
	mixer   *audio.Mixer
	pre     *audio.PreRoll
	up      chan Up
	down    chan Down
	events  <-chan event.Event
	presses []Input
	muted   bool
	echo    bool // the mic hears the speaker: each block is the last speaker block
	spk     [160]int16
	spkPeak int16 // loudest speaker sample so far
	step    listener.Step
	log     []string
	evs     []event.Event
	ups     []Up
}

func newRig(t *testing.T, upDepth int, mod func(*EngineOpts)) *rig {
	t.Helper()
	mixer, err := audio.NewMixer(audio.MixerOpts{SampleRate: 16000, DuckDB: -20, Ramp: 10 * time.Millisecond, Buffer: 10 * time.Second, Volume: 100})
	if err != nil {
		t.Fatal(err)
	}
	bus := event.NewBus(false)
	r := &rig{t: t, mixer: mixer, pre: audio.NewPreRoll(500 * time.Millisecond), up: make(chan Up, upDepth), down: make(chan Down, 64), events: bus.Subscribe(4096)}
	o := EngineOpts{
		Bus: bus, Mixer: mixer, PreRoll: r.pre, Up: r.up, Down: r.down, Inputs: []Inputs{r}, Muter: r,
		Endpoint: DefaultEndpointOpts, Earcons: true, ReplyTimeout: 3 * time.Second, ErrorHold: time.Second, Volume: 50,
		FollowUpTimeout: 4 * time.Second,
	}
	if mod != nil {
		mod(&o)
	}
	if r.eng, err = NewEngine(o); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) Poll(_ int64, dst []Input) []Input {
	dst = append(dst, r.presses...)
	r.presses = r.presses[:0]
	return dst
}
func (r *rig) SetMuted(m bool) { r.muted = m }
func (r *rig) Muted() bool     { return r.muted }

// run feeds d of blocks; speech says whether the VAD hears speech in them.
func (r *rig) run(d time.Duration, speech bool) {
	for range int(d / audio.BlockLen) {
		r.step.Muted = r.muted
		r.step.Speech = speech && !r.muted
		r.step.Wakes = r.step.Wakes[:0]
		if r.echo {
			r.step.Block.Samples = r.spk
		}
		r.eng.HandleBlock(&r.step)
		r.eng.Mixed(r.mixer.Mix(r.spk[:]), r.step.Block.End())
		for _, v := range r.spk {
			r.spkPeak = max(r.spkPeak, v)
		}
		r.pre.Push(&r.step.Block)
		r.step.Block.Start += audio.BlockSamples
		r.collect()
	}
}

func (r *rig) collect() {
	for {
		select {
		case e := <-r.events:
			r.evs = append(r.evs, e)
			s := e.Kind.String()
			if e.Kind == event.KindState {
				s += ":" + e.State.String()
			}
			r.log = append(r.log, fmt.Sprintf("%.2f %s", e.Time().Seconds(), s))
		case u := <-r.up:
			r.ups = append(r.ups, u)
		default:
			return
		}
	}
}

// find returns the last event of kind k.
func (r *rig) find(k event.Kind) event.Event {
	r.t.Helper()
	for i := len(r.evs) - 1; i >= 0; i-- {
		if r.evs[i].Kind == k {
			return r.evs[i]
		}
	}
	r.t.Fatalf("no %v event", k)
	return event.Event{}
}

func (r *rig) press(b string) { r.presses = append(r.presses, Input{Kind: InputPress, Button: b}) }

func (r *rig) wantLog(want ...string) {
	r.t.Helper()
	got := strings.Join(r.log, "\n")
	for _, w := range want {
		i := strings.Index(got, w)
		if i < 0 {
			r.t.Fatalf("events lack %q (in order); got:\n%s", w, strings.Join(r.log, "\n"))
		}
		got = got[i+len(w):]
	}
}

func (r *rig) upKinds() map[UpKind]int {
	m := map[UpKind]int{}
	for _, u := range r.ups {
		m[u.Kind]++
	}
	return m
}

func (r *rig) reply(turn int64, d time.Duration, followUp bool) {
	r.down <- Down{Kind: DownReplyStart, Turn: turn, Format: audio.Canonical}
	s := make([]int16, audio.Canonical.Frames(d))
	for i := range s {
		s[i] = 1000
	}
	r.down <- Down{Kind: DownReplyAudio, Turn: turn, Format: audio.Canonical, Samples: s}
	r.down <- Down{Kind: DownReplyEnd, Turn: turn, FollowUp: followUp}
}

func TestButtonTurnWithVADEndpointing(t *testing.T) {
	r := newRig(t, 10000, nil)
	r.run(time.Second, false)
	r.press("action")
	r.run(500*time.Millisecond, false)
	r.run(1500*time.Millisecond, true)
	r.run(time.Second, false)
	r.wantLog("1.01 button", "1.01 state:listening", "1.01 utterance-start", "1.50 speech-start",
		"3.00 speech-end", "3.70 utterance-end", "3.70 state:thinking")
	// The speech-end event carries where speech stopped and when that was decided.
	se := r.find(event.KindSpeechEnd)
	if se.Sample != 3*16000 || se.Decided != 3*16000+11200 {
		t.Errorf("speech-end at sample %d decided %d, want 48000 and 59200 (0.7 s later)", se.Sample, se.Decided)
	}
	// The speech-end event carries where speech stopped and when it was decided.
	k := r.upKinds()
	if k[UpTurnStart] != 1 || k[UpTurnEnd] != 1 {
		t.Fatalf("upstream got %v", k)
	}
	// Pre-roll: 0.5 s up to the end of the press's block, then 0.5 s of silence (the
	// press's block included), 1.5 s of speech and 0.7 s of trailing silence.
	if want := 49 + 50 + 150 + 70; k[UpAudio] != want {
		t.Errorf("upstream got %d blocks, want %d", k[UpAudio], want)
	}
	if r.ups[1].Block.Start != 16160-8000 {
		t.Errorf("first block starts at %d, want 500 ms before the press's block ended", r.ups[1].Block.Start)
	}
	r.reply(1, 500*time.Millisecond, false)
	r.run(time.Second, false)
	r.wantLog("state:speaking", "reply-start", "reply-end", "state:idle")
	if r.upKinds()[UpPlayed] != 1 {
		t.Error("no played sent after the reply")
	}
}

func TestNoSpeechTimesOut(t *testing.T) {
	r := newRig(t, 10000, nil)
	r.press("action")
	r.run(6*time.Second, false)
	r.wantLog("state:listening", "5.01 no-speech", "utterance-end", "state:idle")
	if k := r.upKinds(); k[UpTurnCancel] != 1 || k[UpTurnEnd] != 0 {
		t.Errorf("upstream got %v, want a cancel and no end", k)
	}
}

func TestStopButtonEndsSpeakingAtOnce(t *testing.T) {
	r := newRig(t, 10000, nil)
	r.press("action")
	r.run(300*time.Millisecond, true)
	r.run(800*time.Millisecond, false)
	r.reply(1, 5*time.Second, false)
	r.run(500*time.Millisecond, false)
	r.press("stop")
	r.run(10*time.Millisecond, false)
	r.wantLog("state:speaking", "button", "state:idle")
	if r.mixer.Active(audio.Dialog) {
		t.Error("the reply still plays after stop")
	}
	if r.upKinds()[UpPlayed] != 0 {
		t.Error("played was sent for a reply that was stopped")
	}
}

func TestMuteCancelsTheTurn(t *testing.T) {
	r := newRig(t, 10000, nil)
	r.press("action")
	r.run(500*time.Millisecond, true)
	r.press("mute")
	r.run(100*time.Millisecond, true)
	r.wantLog("state:listening", "button", "mute", "utterance-end", "state:muted")
	if k := r.upKinds(); k[UpTurnCancel] != 1 || k[UpMute] != 1 {
		t.Errorf("upstream got %v, want a cancel and a mute", k)
	}
	n := r.upKinds()[UpAudio]
	r.press("action") // ignored while muted: no turn, no audio
	r.run(time.Second, true)
	if got := r.upKinds()[UpAudio]; got != n {
		t.Errorf("%d blocks went upstream while muted", got-n)
	}
	r.press("mute")
	r.run(20*time.Millisecond, false)
	r.wantLog("state:muted", "state:idle")
}

func TestSlowUpstreamDropsTheUtteranceWithoutBlocking(t *testing.T) {
	r := newRig(t, 20, nil) // nobody reads Up: it fills after 20 messages
	r.press("action")
	done := make(chan struct{})
	go func() {
		for range 300 {
			r.step.Speech = true
			r.eng.HandleBlock(&r.step)
			r.step.Block.Start += audio.BlockSamples
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the engine blocked on a full upstream queue")
	}
	if r.eng.UpDropped() == 0 {
		t.Error("no drop was counted")
	}
	r.collect()
	r.wantLog("state:listening", "utterance-drop", "error", "state:error")
}

func TestFollowUpListensWithoutWake(t *testing.T) {
	r := newRig(t, 10000, nil)
	r.press("action")
	r.run(800*time.Millisecond, true)
	r.run(800*time.Millisecond, false)
	r.reply(1, 300*time.Millisecond, true)
	r.run(600*time.Millisecond, false)
	r.wantLog("state:speaking", "reply-end", "state:expecting", "utterance-start")
	starts := 0
	for _, u := range r.ups {
		if u.Kind == UpTurnStart {
			starts++
			if starts == 2 && (u.Trigger != TriggerFollowUp || u.Turn != 2) {
				t.Errorf("second turn %+v, want a follow-up turn 2", u)
			}
		}
	}
	// No answer comes: the follow-up times out after its own timeout (4 s here).
	r.run(4*time.Second, false)
	r.wantLog("state:expecting", "no-speech", "state:idle")
}

func TestUpstreamErrorShowsThenIdles(t *testing.T) {
	r := newRig(t, 10000, nil)
	r.press("action")
	r.run(800*time.Millisecond, true)
	r.run(800*time.Millisecond, false)
	r.down <- Down{Kind: DownError, Turn: 1, Text: "pipeline failed"}
	r.run(1500*time.Millisecond, false)
	r.wantLog("state:thinking", "error", "state:error", "state:idle")
}

func TestSilentUpstreamTimesOut(t *testing.T) {
	r := newRig(t, 10000, nil)
	r.press("action")
	r.run(800*time.Millisecond, true)
	r.run(800*time.Millisecond, false)
	r.run(3500*time.Millisecond, false)
	r.wantLog("state:thinking", "error", "state:error")
}

func TestLateAnswerToACancelledTurnIsIgnored(t *testing.T) {
	r := newRig(t, 10000, nil)
	r.press("action")
	r.run(100*time.Millisecond, true)
	r.press("stop")
	r.run(100*time.Millisecond, false)
	r.reply(1, time.Second, false)
	r.run(500*time.Millisecond, false)
	for _, l := range r.log {
		if strings.Contains(l, "speaking") {
			t.Fatalf("a late reply to a cancelled turn was played: %v", r.log)
		}
	}
}

func TestWakeStartsATurnWithItsModel(t *testing.T) {
	r := newRig(t, 10000, nil)
	r.run(time.Second, false)
	r.step.Wakes = append(r.step.Wakes[:0], listener.Wake{Model: "hey_genie", Sample: 16000, Probability: 0.98})
	r.eng.HandleBlock(&r.step)
	r.collect()
	r.wantLog("wake", "state:listening")
	if r.ups[0].Kind != UpTurnStart || r.ups[0].Trigger != TriggerWake || r.ups[0].Model != "hey_genie" {
		t.Errorf("turn start %+v, want a wake by hey_genie", r.ups[0])
	}
}

func TestVolumeButtons(t *testing.T) {
	r := newRig(t, 100, nil)
	r.press("volume_up")
	r.press("volume_up")
	r.press("volume_down")
	r.run(10*time.Millisecond, false)
	r.wantLog("volume", "volume", "volume")
	if r.eng.volume != 60 {
		t.Errorf("volume %d, want 60 after +10 +10 -10 from 50", r.eng.volume)
	}
}

func TestEarconsAreNeverCapturedIntoTheUtterance(t *testing.T) {
	r := newRig(t, 10000, nil)
	r.echo = true // the mic hears nothing but genie's own speaker
	r.run(time.Second, false)
	r.press("action")
	r.run(time.Second, false)
	for _, u := range r.ups {
		if u.Kind != UpAudio {
			continue
		}
		for _, v := range u.Block.Samples {
			if v != 0 {
				t.Fatalf("block at %.3f s went upstream with the earcon in it (sample %d)", float64(u.Block.Start)/16000, v)
			}
		}
	}
	// The chime did play, and the mic heard it.
	if r.spkPeak < 1000 { // volume 50 → gain 0.25
		t.Errorf("the wake chime peaked at %d: nothing was played", r.spkPeak)
	}
}

func TestEarconDoesNotCountAsSpeech(t *testing.T) {
	r := newRig(t, 10000, nil)
	r.press("action")
	// The VAD "hears speech" only during the chime: that must not start speech.
	r.run(200*time.Millisecond, true)
	r.run(6*time.Second, false)
	r.wantLog("state:listening", "no-speech")
}

func TestPausedUpstreamRefusesTurns(t *testing.T) {
	r := newRig(t, 10000, nil)
	r.press("action")
	r.run(300*time.Millisecond, true)
	r.down <- Down{Kind: DownPause}
	r.run(100*time.Millisecond, false)
	r.wantLog("state:listening", "upstream", "utterance-end", "state:idle")
	r.press("action")
	r.run(100*time.Millisecond, false)
	if n := r.upKinds()[UpTurnStart]; n != 1 {
		t.Fatalf("%d turns started; a paused satellite must refuse the second", n)
	}
	r.down <- Down{Kind: DownRun}
	r.run(20*time.Millisecond, false)
	r.press("action")
	r.run(20*time.Millisecond, false)
	if n := r.upKinds()[UpTurnStart]; n != 2 {
		t.Errorf("%d turns after run-satellite, want 2", n)
	}
}
