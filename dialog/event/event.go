// Package event defines the events genie's listener loop and dialog engine publish and
// the bus that fans them out to the HAL, the timeline printer and transports.
//
// Every event carries the sample index of the canonical (16 kHz) mic stream at which it
// happened; wall-clock time is never part of an event, so a wav run and a live run give
// the same events. Events are plain values: publishing one allocates nothing.
package event

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Kind says what happened.
type Kind uint8

// Event kinds. Keep String in sync.
const (
	KindNone           Kind = iota
	KindState               // dialog state changed: State, Reason
	KindButton              // a button press: Source names the button
	KindWake                // a wake word fired: Source = model, Score = probability
	KindSpeechStart         // the VAD saw speech start
	KindSpeechEnd           // the utterance ended: Sample = where speech ended, Decided = decision time
	KindNoSpeech            // no speech came within the timeout after a wake
	KindUtteranceStart      // streaming to the upstream began; Detail = turn
	KindUtteranceEnd        // streaming ended; Reason says why (speech end, cap, cancel)
	KindUtteranceDrop       // the upstream could not keep up; the utterance was dropped
	KindTranscript          // the upstream recognised text: Detail
	KindReplyStart          // reply audio began on the speaker
	KindReplyEnd            // reply audio finished on the speaker
	KindSaved               // a file was written: Detail = path
	KindDeviceLost          // an audio device failed: Source = device, Detail = error
	KindDeviceBack          // an audio device works again
	KindMute                // the mute state changed: Value = 1 muted, 0 unmuted
	KindVolume              // speaker volume changed: Value = 0..100
	KindTimer               // a timer changed: Source = id, Reason = started|updated|cancelled|finished
	KindError               // something failed: Source = where, Detail = what
	KindEnd                 // the input ended; the run is over
	KindUpstream            // the upstream link changed: Reason = connected|disconnected|paused|running, Detail = peer or why
	numKinds
)

var kindNames = [numKinds]string{
	"none", "state", "button", "wake", "speech-start", "speech-end", "no-speech",
	"utterance-start", "utterance-end", "utterance-drop", "transcript", "reply-start",
	"reply-end", "saved", "device-lost", "device-back", "mute", "volume", "timer", "error", "end", "upstream",
}

// String returns the kind's name as used in the timeline and JSON.
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText makes a Kind print as its name in JSON.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// State is a dialog state.
type State uint8

// Dialog states.
const (
	Idle      State = iota // waiting for a wake word or a button
	Listening              // streaming the user's utterance
	Thinking               // utterance sent, waiting for the answer
	Speaking               // playing the answer
	Expecting              // the upstream asked a question: listening again without a wake
	Muted                  // microphone off: nothing is heard or sent
	Error                  // the upstream or a device failed; shown until the next turn
	numStates
)

var stateNames = [numStates]string{"idle", "listening", "thinking", "speaking", "expecting", "muted", "error"}

// String returns the state's name.
func (s State) String() string {
	if s < numStates {
		return stateNames[s]
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText makes a State print as its name in JSON.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Event is one thing that happened, at a sample time of the mic stream.
type Event struct {
	Kind    Kind
	Sample  int64   // canonical mic sample index at which it happened
	Decided int64   // for speech-end: sample index at which the decision was taken
	State   State   // for state: the new state
	Source  string  // who: button, model, device, timer id
	Reason  string  // why (state changes, utterance end, timers)
	Detail  string  // free text: file path, transcript, error
	Score   float32 // wake probability 0..1
	Value   int64   // mute 0/1, volume 0..100, timer seconds left
	Turn    int64   // the turn it belongs to, counting from 1; 0 = none
}

// Time returns the event's sample time as a duration since the start of the stream.
func (e Event) Time() time.Duration { return time.Duration(e.Sample * int64(time.Second) / 16000) }

// String formats the event as one timeline line, e.g.
// "   1.500s  button      ptt".
func (e Event) String() string {
	s := fmt.Sprintf("%8.3fs  %-15s", float64(e.Sample)/16000, e.Kind)
	add := func(k, v string) {
		if v != "" {
			s += " " + k + "=" + strconv.Quote(v)
		}
	}
	if e.Kind == KindState {
		s += " " + e.State.String()
	}
	add("source", e.Source)
	add("reason", e.Reason)
	add("detail", e.Detail)
	if e.Kind == KindWake {
		s += fmt.Sprintf(" score=%.3f", e.Score)
	}
	if e.Kind == KindSpeechEnd {
		s += fmt.Sprintf(" decided=%.3fs", float64(e.Decided)/16000)
	}
	if e.Value != 0 || e.Kind == KindMute || e.Kind == KindVolume {
		s += " value=" + strconv.FormatInt(e.Value, 10)
	}
	if e.Turn != 0 {
		s += " turn=" + strconv.FormatInt(e.Turn, 10)
	}
	return strings.TrimRight(s, " ")
}

// Bus fans events out to subscribers. Publish never blocks unless the bus was made
// with Lockstep: a subscriber that falls behind loses events, which are counted.
// Safe for concurrent use.
type Bus struct {
	mu       sync.Mutex
	subs     []chan Event
	lockstep bool
	dropped  atomic.Uint64
}

// NewBus returns a bus. With lockstep, Publish waits for every subscriber (for
// deterministic runs from files); without it Publish drops for slow subscribers.
func NewBus(lockstep bool) *Bus { return &Bus{lockstep: lockstep} }

// Subscribe returns a channel that receives every event published from now on, with
// room for depth events. The channel is closed by Close.
func (b *Bus) Subscribe(depth int) <-chan Event {
	ch := make(chan Event, depth)
	b.mu.Lock()
	b.subs = append(b.subs, ch)
	b.mu.Unlock()
	return ch
}

// Publish sends e to every subscriber. It allocates nothing.
func (b *Bus) Publish(e Event) {
	b.mu.Lock()
	for _, ch := range b.subs {
		if b.lockstep {
			ch <- e
			continue
		}
		select {
		case ch <- e:
		default:
			b.dropped.Add(1)
		}
	}
	b.mu.Unlock()
}

// Dropped returns how many deliveries were lost to slow subscribers.
func (b *Bus) Dropped() uint64 { return b.dropped.Load() }

// Close closes every subscriber channel. Publish must not be called after Close.
func (b *Bus) Close() {
	b.mu.Lock()
	for _, ch := range b.subs {
		close(ch)
	}
	b.subs = nil
	b.mu.Unlock()
}
