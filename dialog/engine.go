package dialog

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/listener"
	"github.com/genie-voice/genie/dialog/event"
)

// Input is something a person did: a button press, the mute switch.
type Input struct {
	Kind   InputKind
	Button string // for InputPress: "action", "stop", "mute", "volume_up", "volume_down"
	On     bool   // for InputMute: muted
}

// InputKind says what an Input is.
type InputKind uint8

// Input kinds.
const (
	InputPress InputKind = iota + 1 // a button was pressed
	InputMute                       // the mute switch or button changed
)

// Inputs is a source of Inputs polled once per block with the block's end sample. A
// bench schedule answers by sample time, hardware by draining a channel. Poll appends
// to dst and must not block or allocate.
type Inputs interface {
	Poll(sample int64, dst []Input) []Input
}

// Muter is the listener's mute control (the mute guarantee lives in the listener).
type Muter interface {
	SetMuted(bool)
	Muted() bool
}

// EngineOpts configures an Engine.
type EngineOpts struct {
	Bus      *event.Bus
	Mixer    *audio.Mixer
	PreRoll  *audio.PreRoll // the listener's ring, read when a turn starts
	Up       chan<- Up      // bounded; the engine never blocks on it unless Lockstep
	Down     <-chan Down
	Inputs   []Inputs
	Muter    Muter // optional
	Endpoint EndpointOpts
	// FollowUpTimeout is how long the engine listens without a wake after the upstream
	// asked a question (the no-speech timeout of a follow-up turn).
	FollowUpTimeout time.Duration
	ReplyTimeout    time.Duration // give up on a silent upstream (default 15 s)
	ErrorHold       time.Duration // how long the error state shows (default 2 s)
	Earcons         bool
	Volume          int // initial volume 0..100
	// Timers keeps device-side timers; nil keeps them in memory only.
	Timers *Timers
	// RingFor is how long a finished timer rings before it stops by itself (default 60 s).
	RingFor time.Duration
	// EchoGuard is how long after an earcon ends the mic may still hear it: the speaker
	// and mic latency plus the room's decay (default 150 ms). Utterance audio that
	// overlaps an earcon or its guard is sent as silence and never counts as speech, so
	// genie's own chimes are never captured into what the user said.
	EchoGuard time.Duration
	// Lockstep makes the engine wait for the upstream's complete answer, and for room
	// in every queue, instead of dropping: a run from a file then gives the same events
	// every time, and the upstream's thinking time costs no mic samples. Never set it
	// on a live microphone.
	Lockstep bool
}

// Engine is the dialog state machine. It runs on the listener goroutine (it is a
// listener.Handler): one HandleBlock per 10 ms, allocation-free, never blocking unless
// Lockstep. Counters may be read from any goroutine.
type Engine struct {
	o       EngineOpts
	earcons *Earcons
	ep      *Endpointer
	inputs  []Input

	state      event.State
	turn       int64
	trigger    Trigger
	streaming  bool  // sending UpAudio for the current turn
	answering  bool  // the current turn may still get an answer
	waitSince  int64 // thinking: when the utterance ended
	errorUntil int64
	followUp   bool    // the reply asked a question
	replying   bool    // the dialog track holds this turn's reply
	replyDone  bool    // DownReplyEnd arrived
	pending    []int16 // reply audio that did not fit the track yet
	closeAfter bool    // close the track once pending is written
	volume     int
	timers     *Timers
	ringUntil  int64 // a finished timer rings until this sample
	paused     bool  // the upstream paused the satellite: no turns until it runs it again
	guardFrom  int64 // mic samples in [guardFrom, guardUntil) may hold an earcon's echo
	guardUntil int64
	sample     int64 // end of the block being handled

	upDropped atomic.Uint64 // Up messages dropped because the upstream was slow
}

// NewEngine returns an engine in the idle state.
func NewEngine(o EngineOpts) (*Engine, error) {
	if o.Bus == nil || o.Mixer == nil || o.PreRoll == nil || o.Up == nil || o.Down == nil {
		return nil, fmt.Errorf("dialog: engine needs a bus, mixer, pre-roll and upstream link")
	}
	if o.ReplyTimeout == 0 {
		o.ReplyTimeout = 15 * time.Second
	}
	if o.ErrorHold == 0 {
		o.ErrorHold = 2 * time.Second
	}
	if o.FollowUpTimeout == 0 {
		o.FollowUpTimeout = 8 * time.Second
	}
	if o.EchoGuard == 0 {
		o.EchoGuard = 150 * time.Millisecond
	}
	if o.RingFor == 0 {
		o.RingFor = time.Minute
	}
	if o.Timers == nil {
		o.Timers, _ = LoadTimers(TimersOpts{}, 0)
	}
	e := &Engine{o: o, earcons: NewEarcons(), ep: NewEndpointer(o.Endpoint), inputs: make([]Input, 0, 8), volume: o.Volume, timers: o.Timers}
	o.Mixer.SetVolume(o.Volume)
	return e, nil
}

// State returns the current state; call it from the listener goroutine only.
func (e *Engine) State() event.State { return e.state }

// UpDropped returns how many messages to the upstream were dropped.
func (e *Engine) UpDropped() uint64 { return e.upDropped.Load() }

// Idle reports whether no turn is in progress and nothing is playing.
func (e *Engine) Idle() bool {
	return (e.state == event.Idle || e.state == event.Muted) && !e.o.Mixer.Active(audio.Dialog) && !e.o.Mixer.Active(audio.Earcon)
}

// HandleBlock advances the dialog by one block. It implements listener.Handler.
func (e *Engine) HandleBlock(s *listener.Step) {
	end := s.Block.End()
	e.sample = end
	e.pollInputs(end)
	if s.Muted != (e.state == event.Muted) {
		e.setMuted(s.Muted, end)
	}
	e.drainDown(end)
	e.tickTimers(end)

	switch e.state {
	case event.Idle:
		if len(s.Wakes) > 0 && !s.Flush {
			w := &s.Wakes[0]
			e.publish(event.Event{Kind: event.KindWake, Sample: w.Sample, Source: w.Model, Score: w.Probability})
			e.startTurn(TriggerWake, w.Model, end, s)
		}
	case event.Listening, event.Expecting:
		e.listen(s)
	case event.Thinking:
		if e.o.Lockstep {
			e.awaitAnswer(end)
		} else if end-e.waitSince >= audio.Samples(e.o.ReplyTimeout) {
			e.fail(end, "upstream", "no answer within "+e.o.ReplyTimeout.String())
		}
	case event.Error:
		if end >= e.errorUntil {
			e.setState(event.Idle, end, "error shown")
		}
	}
}

// Mixed tells the engine which mixer tracks finished during the block ending at end
// (the runtime mixes the speaker block right after HandleBlock).
func (e *Engine) Mixed(finished uint8, end int64) {
	if finished&(1<<audio.Alert) != 0 && e.timers.Ringing() {
		if end < e.ringUntil {
			e.playAlert(EarconTimer) // ring again
		} else {
			e.dismissTimers(end, "rang out")
		}
	}
	if finished&(1<<audio.Dialog) == 0 || !e.replying {
		return
	}
	e.replying = false
	e.publish(event.Event{Kind: event.KindReplyEnd, Sample: end, Turn: e.turn})
	e.send(Up{Kind: UpPlayed, Turn: e.turn, Sample: end})
	if e.state != event.Speaking {
		return
	}
	if e.followUp {
		e.followUp = false
		e.turn++
		e.trigger = TriggerFollowUp
		e.beginStreaming(end, "follow-up", nil)
		return
	}
	e.answering = false
	e.setState(event.Idle, end, "reply played")
}

func (e *Engine) pollInputs(end int64) {
	in := e.inputs[:0]
	for _, src := range e.o.Inputs {
		in = src.Poll(end, in)
	}
	for _, i := range in {
		switch i.Kind {
		case InputMute:
			if e.o.Muter != nil {
				e.o.Muter.SetMuted(i.On) // takes effect in the listener from the next block
			}
		case InputPress:
			e.press(i.Button, end)
		}
	}
	e.inputs = in[:0]
}

func (e *Engine) press(button string, end int64) {
	e.publish(event.Event{Kind: event.KindButton, Sample: end, Source: button})
	if (button == "action" || button == "stop") && e.timers.Ringing() {
		e.dismissTimers(end, button+" button")
		return
	}
	switch button {
	case "action":
		switch e.state {
		case event.Idle, event.Error:
			e.startTurn(TriggerButton, "", end, nil)
		case event.Speaking, event.Listening, event.Expecting, event.Thinking:
			e.stop(end, "action button")
		}
	case "stop":
		if e.state != event.Idle && e.state != event.Muted {
			e.stop(end, "stop button")
		}
	case "mute":
		if e.o.Muter != nil {
			e.o.Muter.SetMuted(!e.o.Muter.Muted())
		}
	case "volume_up", "volume_down":
		step := 10
		if button == "volume_down" {
			step = -10
		}
		e.volume = min(max(e.volume+step, 0), 100)
		e.o.Mixer.SetVolume(e.volume)
		e.publish(event.Event{Kind: event.KindVolume, Sample: end, Value: int64(e.volume)})
	}
}

// startTurn begins a turn: state listening, wake earcon, pre-roll then live blocks upstream.
func (e *Engine) startTurn(t Trigger, model string, at int64, s *listener.Step) {
	if e.paused {
		e.publish(event.Event{Kind: event.KindUpstream, Sample: at, Reason: "paused", Detail: "turn refused: the server paused the satellite"})
		return
	}
	e.turn++
	e.trigger = t
	reason := t.String()
	if model != "" {
		reason += ":" + model
	}
	e.beginStreaming(at, reason, s)
}

// beginStreaming opens the utterance: announces it upstream and sends the pre-roll.
func (e *Engine) beginStreaming(at int64, reason string, s *listener.Step) {
	state := event.Listening
	ep := e.o.Endpoint
	if e.trigger == TriggerFollowUp {
		state = event.Expecting
		ep.NoSpeechTimeout = e.o.FollowUpTimeout
	}
	e.ep.reset(ep)
	e.ep.Start(at)
	e.answering = true
	e.setState(state, at, reason)
	e.earcon(EarconWake)
	e.streaming = true
	model := ""
	if s != nil && len(s.Wakes) > 0 {
		model = s.Wakes[0].Model
	}
	e.send(Up{Kind: UpTurnStart, Turn: e.turn, Sample: at, Trigger: e.trigger, Model: model})
	e.publish(event.Event{Kind: event.KindUtteranceStart, Sample: at, Reason: e.trigger.String(), Turn: e.turn})
	// The pre-roll covers the ring's length before the trigger; the block that ends at
	// the trigger is streamed by the caller.
	pr := e.o.PreRoll
	from := at - audio.BlockSamples - int64(pr.Cap())*audio.BlockSamples
	for i := range pr.Len() {
		if b := pr.At(i); b.Start >= from+audio.BlockSamples {
			e.send(Up{Kind: UpAudio, Turn: e.turn, Sample: b.Start, Block: *b})
		}
	}
}

// listen streams one block and asks the endpointer whether the utterance is over.
func (e *Engine) listen(s *listener.Step) {
	end := s.Block.End()
	echo := s.Block.Start >= e.guardFrom && s.Block.Start < e.guardUntil
	if e.streaming {
		if echo {
			e.send(Up{Kind: UpAudio, Turn: e.turn, Sample: s.Block.Start, Block: audio.Block{Start: s.Block.Start}})
		} else {
			e.send(Up{Kind: UpAudio, Turn: e.turn, Sample: s.Block.Start, Block: s.Block})
		}
	}
	switch v := e.ep.Block(s.Speech && !echo, end, audio.BlockSamples); v {
	case SpeechStarted:
		e.publish(event.Event{Kind: event.KindSpeechStart, Sample: e.ep.SpeechStart(), Turn: e.turn})
	case EndSpeech, EndCap:
		e.publish(event.Event{Kind: event.KindSpeechEnd, Sample: e.ep.SpeechEnd(), Decided: end, Reason: v.String(), Turn: e.turn})
		e.endUtterance(end, v.String())
	case EndNoSpeech:
		e.publish(event.Event{Kind: event.KindNoSpeech, Sample: end, Turn: e.turn})
		e.cancelTurn(end, "no speech")
		e.earcon(EarconError)
		e.setState(event.Idle, end, "no speech")
	}
}

func (e *Engine) endUtterance(end int64, reason string) {
	e.streaming = false
	e.send(Up{Kind: UpTurnEnd, Turn: e.turn, Sample: end, Reason: reason})
	e.publish(event.Event{Kind: event.KindUtteranceEnd, Sample: end, Reason: reason, Turn: e.turn})
	e.earcon(EarconDone)
	e.waitSince = end
	e.replyDone, e.followUp = false, false
	e.setState(event.Thinking, end, reason)
	if e.o.Lockstep {
		e.awaitAnswer(end)
	}
}

// cancelTurn tells the upstream to forget the turn.
func (e *Engine) cancelTurn(end int64, reason string) {
	e.answering = false
	if e.streaming || e.state == event.Thinking {
		e.send(Up{Kind: UpTurnCancel, Turn: e.turn, Sample: end, Reason: reason})
		e.publish(event.Event{Kind: event.KindUtteranceEnd, Sample: end, Reason: reason, Turn: e.turn})
	}
	e.streaming = false
}

// stop ends whatever is going on at once and returns to idle.
func (e *Engine) stop(end int64, reason string) {
	e.cancelTurn(end, reason)
	e.o.Mixer.Track(audio.Dialog).Stop()
	e.replying, e.followUp = false, false
	e.pending, e.closeAfter = nil, false
	e.setState(event.Idle, end, reason)
}

func (e *Engine) fail(end int64, where, what string) {
	e.cancelTurn(end, "error")
	e.publish(event.Event{Kind: event.KindError, Sample: end, Source: where, Detail: what, Turn: e.turn})
	e.earcon(EarconError)
	e.errorUntil = end + audio.Samples(e.o.ErrorHold)
	e.setState(event.Error, end, where+": "+what)
}

func (e *Engine) setMuted(muted bool, end int64) {
	e.publish(event.Event{Kind: event.KindMute, Sample: end, Value: b2i(muted)})
	e.send(Up{Kind: UpMute, Sample: end, Muted: muted})
	if muted {
		e.stop(end, "muted")
		e.setState(event.Muted, end, "mute on")
		return
	}
	e.setState(event.Idle, end, "mute off")
}

// awaitAnswer blocks (lockstep only) until the turn's answer is complete.
func (e *Engine) awaitAnswer(end int64) {
	timeout := time.NewTimer(e.o.ReplyTimeout)
	defer timeout.Stop()
	for e.state == event.Thinking || (e.state == event.Speaking && !e.replyDone && e.pending == nil) {
		select {
		case d := <-e.o.Down:
			e.handleDown(d, end)
		case <-timeout.C:
			e.fail(end, "upstream", "no answer within "+e.o.ReplyTimeout.String())
			return
		}
	}
}

// drainDown handles the upstream's messages without blocking.
func (e *Engine) drainDown(end int64) {
	if e.pending != nil && !e.writePending() {
		return // the track is full: read no further until it drains
	}
	for range 64 {
		select {
		case d := <-e.o.Down:
			e.handleDown(d, end)
			if e.pending != nil {
				return
			}
		default:
			return
		}
	}
}

func (e *Engine) handleDown(d Down, end int64) {
	if d.Turn != 0 && (d.Turn != e.turn || !e.answering) {
		return // a late answer to a turn that was cancelled or is over
	}
	tr := e.o.Mixer.Track(audio.Dialog)
	switch d.Kind {
	case DownTranscript:
		e.publish(event.Event{Kind: event.KindTranscript, Sample: end, Detail: d.Text, Turn: e.turn})
		e.stopStreaming(end, "transcript")
	case DownStopAudio:
		e.stopStreaming(end, "upstream")
	case DownSaved:
		e.publish(event.Event{Kind: event.KindSaved, Sample: end, Detail: d.Text, Turn: e.turn})
	case DownReplyStart:
		if e.state == event.Listening || e.state == event.Expecting {
			e.stopStreaming(end, "reply")
		}
		if err := tr.Start(d.Format); err != nil {
			e.fail(end, "upstream", "reply audio: "+err.Error())
			return
		}
		e.replying, e.replyDone = true, false
		if e.state == event.Thinking || e.state == event.Idle {
			e.setState(event.Speaking, end, "reply")
		}
		e.publish(event.Event{Kind: event.KindReplyStart, Sample: end, Turn: e.turn, Detail: d.Format.String()})
	case DownReplyAudio:
		if !e.replying {
			return
		}
		e.pending = d.Samples
		e.writePending()
	case DownReplyEnd:
		e.followUp = d.FollowUp
		e.replyDone = true
		if e.replying {
			if e.pending != nil {
				e.closeAfter = true
			} else {
				tr.Close()
			}
		} else if e.state == event.Thinking {
			e.setState(event.Idle, end, "no reply audio")
		}
	case DownError:
		e.fail(end, "upstream", d.Text)
	case DownStop:
		if e.state != event.Idle && e.state != event.Muted {
			e.stop(end, "upstream stop")
		}
	case DownConnected:
		e.publish(event.Event{Kind: event.KindUpstream, Sample: end, Reason: "connected", Detail: d.Text})
	case DownDisconnected:
		e.publish(event.Event{Kind: event.KindUpstream, Sample: end, Reason: "disconnected", Detail: d.Text})
		if e.state != event.Idle && e.state != event.Muted {
			e.stop(end, "upstream disconnected")
		}
	case DownPause:
		e.paused = true
		e.publish(event.Event{Kind: event.KindUpstream, Sample: end, Reason: "paused"})
		if e.state != event.Idle && e.state != event.Muted {
			e.stop(end, "upstream paused")
		}
	case DownRun:
		e.paused = false
		e.publish(event.Event{Kind: event.KindUpstream, Sample: end, Reason: "running"})
	case DownTimer:
		e.timer(d.Timer, end)
	}
}

// writePending writes as much pending reply audio as the track takes and reports
// whether all of it went in.
func (e *Engine) writePending() bool {
	tr := e.o.Mixer.Track(audio.Dialog)
	e.pending = e.pending[tr.Write(e.pending):]
	if len(e.pending) > 0 {
		return false
	}
	e.pending = nil
	if e.closeAfter {
		e.closeAfter = false
		tr.Close()
	}
	return true
}

// stopStreaming stops sending audio for the current turn (the upstream has enough).
func (e *Engine) stopStreaming(end int64, reason string) {
	if !e.streaming {
		return
	}
	e.streaming = false
	e.publish(event.Event{Kind: event.KindUtteranceEnd, Sample: end, Reason: reason, Turn: e.turn})
	if e.state == event.Listening || e.state == event.Expecting {
		e.earcon(EarconDone)
		e.waitSince = end
		e.setState(event.Thinking, end, reason)
	}
}

// earcon plays a chime; it starts in the speaker block mixed right after this mic
// block, so the mic may hear it from the next block until its end plus EchoGuard.
func (e *Engine) earcon(which Earcon) {
	if !e.o.Earcons {
		return
	}
	tr := e.o.Mixer.Track(audio.Earcon)
	c := &e.earcons[which]
	if err := tr.Start(c.Format); err == nil {
		tr.Write(c.Samples)
		tr.Close()
		e.guardFrom = e.sample
		e.guardUntil = e.sample + int64(c.Frames())*audio.SampleRate/int64(c.Format.SampleRate) + audio.Samples(e.o.EchoGuard)
	}
}

func (e *Engine) setState(s event.State, at int64, reason string) {
	if s == e.state && s != event.Listening {
		return
	}
	e.state = s
	e.publish(event.Event{Kind: event.KindState, Sample: at, State: s, Reason: reason, Turn: e.turn})
}

// send queues a message for the upstream; it never blocks unless Lockstep.
func (e *Engine) send(u Up) {
	if e.o.Lockstep {
		e.o.Up <- u
		return
	}
	select {
	case e.o.Up <- u:
	default:
		e.upDropped.Add(1)
		if u.Kind == UpAudio && e.streaming {
			// Losing part of an utterance corrupts it: drop the whole turn.
			e.streaming = false
			e.publish(event.Event{Kind: event.KindUtteranceDrop, Sample: u.Sample, Reason: "upstream queue full", Turn: e.turn})
			e.fail(u.Sample, "upstream", "too slow: utterance dropped")
		}
	}
}

func (e *Engine) publish(ev event.Event) { e.o.Bus.Publish(ev) }

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// timer applies a timer change announced by the upstream.
func (e *Engine) timer(t Timer, end int64) {
	e.publish(event.Event{Kind: event.KindTimer, Sample: end, Source: t.ID, Reason: timerReason(t.Event), Detail: t.Name, Value: int64(t.Seconds)})
	switch t.Event {
	case TimerStarted:
		e.timers.Start(t.ID, t.Name, t.Seconds, end)
	case TimerUpdated:
		if !e.timers.Update(t.ID, t.Seconds, end) {
			e.timers.Start(t.ID, t.Name, t.Seconds, end)
		}
	case TimerCancelled:
		e.timers.Cancel(t.ID)
	case TimerFinished:
		if e.timers.Finish(t.ID, end) {
			e.ring(t.ID, t.Name, end)
		}
	}
}

// tickTimers rings timers that finished on the device's own clock.
func (e *Engine) tickTimers(end int64) {
	for {
		d, ok := e.timers.Due(end)
		if !ok {
			return
		}
		e.publish(event.Event{Kind: event.KindTimer, Sample: end, Source: d.ID, Reason: "finished", Detail: d.Name})
		e.ring(d.ID, d.Name, end)
	}
}

func (e *Engine) ring(id, name string, end int64) {
	e.publish(event.Event{Kind: event.KindTimer, Sample: end, Source: id, Reason: "ringing", Detail: name})
	e.send(Up{Kind: UpTimerRang, Sample: end, TimerID: id})
	e.ringUntil = end + audio.Samples(e.o.RingFor)
	if !e.o.Mixer.Active(audio.Alert) {
		e.playAlert(EarconTimer)
	}
}

func (e *Engine) dismissTimers(end int64, reason string) {
	if e.timers.Dismiss() > 0 {
		e.o.Mixer.Track(audio.Alert).Stop()
		e.publish(event.Event{Kind: event.KindTimer, Sample: end, Reason: "dismissed", Detail: reason})
	}
}

// playAlert plays an earcon on the alert track (ducked under dialog, over media).
func (e *Engine) playAlert(which Earcon) {
	tr := e.o.Mixer.Track(audio.Alert)
	c := &e.earcons[which]
	if err := tr.Start(c.Format); err == nil {
		tr.Write(c.Samples)
		tr.Close()
	}
}

func timerReason(t TimerEvent) string {
	switch t {
	case TimerStarted:
		return "started"
	case TimerUpdated:
		return "updated"
	case TimerCancelled:
		return "cancelled"
	case TimerFinished:
		return "finished"
	}
	return "timer(" + strconv.Itoa(int(t)) + ")"
}

var _ listener.Handler = (*Engine)(nil)
