package dialog

import (
	"context"

	"github.com/genie-voice/genie/audio"
)

// Upstream is where utterances go and answers come from: the local demo upstream, a
// Wyoming satellite server for Home Assistant, an ESPHome API server. An Upstream runs
// its own goroutines; it talks to the dialog engine only through a Link, so a slow or
// dead server can never stall the listener loop.
type Upstream interface {
	// Name is a short name for logs and events, e.g. "local" or "wyoming".
	Name() string
	// Run serves until ctx is done or a fatal error. It reads the dialog's messages from
	// l.Up and writes answers to l.Down. Sends on l.Down may block briefly; the dialog
	// drains it every block.
	Run(ctx context.Context, l Link) error
}

// Link connects the dialog engine and an upstream.
type Link struct {
	Up   <-chan Up   // dialog → upstream; the dialog never blocks on it (drops with an event)
	Down chan<- Down // upstream → dialog
}

// UpKind says what an Up message carries.
type UpKind uint8

// Messages from the dialog to the upstream.
const (
	UpTurnStart  UpKind = iota + 1 // a turn began: Trigger, Model; audio follows
	UpAudio                        // one block of the utterance (pre-roll first)
	UpTurnEnd                      // the utterance ended normally: Reason ("speech-end", "cap")
	UpTurnCancel                   // the turn was abandoned (stop button, mute, no speech, drop)
	UpPlayed                       // the reply (or an announcement) finished playing
	UpMute                         // the mute state changed: Muted
	UpTimerRang                    // a device-side timer finished ringing: TimerID
)

// Trigger says what started a turn.
type Trigger uint8

// Turn triggers.
const (
	TriggerWake     Trigger = iota + 1 // a wake word; Up.Model names it
	TriggerButton                      // push-to-talk
	TriggerFollowUp                    // the upstream expected an answer
)

// String returns "wake", "button" or "follow-up".
func (t Trigger) String() string {
	switch t {
	case TriggerWake:
		return "wake"
	case TriggerButton:
		return "button"
	case TriggerFollowUp:
		return "follow-up"
	}
	return "none"
}

// Up is one message from the dialog to the upstream. It is passed by value.
type Up struct {
	Kind    UpKind
	Turn    int64       // turn number, counting from 1
	Sample  int64       // mic sample time of the message
	Trigger Trigger     // UpTurnStart
	Model   string      // UpTurnStart with TriggerWake: model name; Phrase follows
	Phrase  string      // UpTurnStart: the wake phrase, if known
	Block   audio.Block // UpAudio
	Reason  string      // UpTurnEnd, UpTurnCancel
	Muted   bool        // UpMute
	TimerID string      // UpTimerRang
}

// DownKind says what a Down message carries.
type DownKind uint8

// Messages from the upstream to the dialog.
const (
	DownTranscript   DownKind = iota + 1 // speech was recognised: Text; stop streaming
	DownStopAudio                        // stop streaming the utterance now (server decided the end)
	DownReplyStart                       // reply audio begins: Format
	DownReplyAudio                       // a chunk of reply audio: Samples in Format
	DownReplyEnd                         // reply audio complete; FollowUp says whether to listen again
	DownError                            // the turn failed: Text
	DownTimer                            // a timer changed: Timer
	DownPause                            // stop waking and streaming until DownRun (server paused the satellite)
	DownRun                              // the server is ready for turns
	DownStop                             // stop speaking / cancel the turn now
	DownConnected                        // a server connected: Text = peer
	DownDisconnected                     // the server went away: Text = reason
	DownSaved                            // the upstream stored the utterance: Text = where
)

// Down is one message from the upstream to the dialog.
type Down struct {
	Kind     DownKind
	Turn     int64        // turn it belongs to; 0 = not tied to a turn (announcement, timer)
	Text     string       // transcript, error text, peer
	Format   audio.Format // DownReplyStart, DownReplyAudio
	Samples  []int16      // DownReplyAudio; owned by the receiver after the send
	FollowUp bool         // DownReplyEnd: the server expects an answer
	Timer    Timer        // DownTimer
}

// TimerEvent says what happened to a timer.
type TimerEvent uint8

// Timer events, as Wyoming's timer-started/updated/cancelled/finished.
const (
	TimerStarted TimerEvent = iota + 1
	TimerUpdated
	TimerCancelled
	TimerFinished
)

// Timer is a countdown announced by the upstream.
type Timer struct {
	Event   TimerEvent
	ID      string
	Name    string
	Seconds int  // total (started) or remaining (updated) seconds
	Ring    bool // ring locally when it finishes
}
