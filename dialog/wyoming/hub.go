package wyoming

import (
	"fmt"
	"time"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/dialog"
)

// inMsg is one event from a connection, decoded by its reader goroutine, or (typ "")
// the news that the connection closed.
type inMsg struct {
	c       *conn
	typ     string
	text    *string // transcript, error, synthesize, ping text
	code    string  // error code
	format  AudioFormat
	samples []int16 // audio-chunk from the server, mono
	timer   dialog.Timer
	reason  string // connection closed: why
}

// parse decodes the events the satellite acts on. ok is false for events it ignores.
func parse(ev *Event) (m inMsg, ok bool, err error) {
	m.typ = ev.Type
	switch ev.Type {
	case TypeDescribe, TypePong, TypeRunSatellite, TypePauseSatellite, TypeVoiceStarted,
		TypeVoiceStopped, TypeAudioStop:
	case TypePing:
		var d textData
		err = ev.Decode(&d)
		m.text = d.Text
	case TypeTranscript, TypeSynthesize, TypeError:
		var d textData
		if err = ev.Decode(&d); err == nil && d.Text == nil && ev.Type != TypeSynthesize {
			err = fmt.Errorf("no text")
		}
		m.text = d.Text
		if d.Code != nil {
			m.code = *d.Code
		}
	case TypeTranscribe:
		var d transcribeData
		err = ev.Decode(&d)
		m.text = &d.Language
	case TypeAudioStart, TypeAudioChunk:
		var d audioData
		if err = ev.Decode(&d); err != nil {
			break
		}
		if err = d.AudioFormat.validate(); err != nil {
			break
		}
		m.format = d.AudioFormat
		if ev.Type == TypeAudioChunk {
			m.samples = toMono(d.AudioFormat, ev.Payload)
		}
	case TypeTimerStarted, TypeTimerUpdated, TypeTimerCancelled, TypeTimerFinished:
		var d timerData
		if err = ev.Decode(&d); err != nil {
			break
		}
		if d.ID == "" {
			err = fmt.Errorf("no timer id")
			break
		}
		m.timer = dialog.Timer{ID: d.ID, Ring: true}
		if d.Name != nil {
			m.timer.Name = *d.Name
		}
		if d.TotalSeconds != nil {
			m.timer.Seconds = *d.TotalSeconds
		}
		switch ev.Type {
		case TypeTimerStarted:
			m.timer.Event = dialog.TimerStarted
		case TypeTimerUpdated:
			m.timer.Event = dialog.TimerUpdated
			// TODO(lead): dialog.Timer has no field for is_active (a paused timer);
			// d.IsActive is dropped until one is added.
		case TypeTimerCancelled:
			m.timer.Event = dialog.TimerCancelled
		case TypeTimerFinished:
			m.timer.Event = dialog.TimerFinished
		}
	default:
		return m, false, nil
	}
	return m, err == nil, err
}

// hub owns all protocol state. It runs on Run's goroutine and never blocks on a socket:
// it hands encoded events to each connection's bounded write queue.
type hub struct {
	s    *Server
	l    dialog.Link
	in   chan inMsg
	quit <-chan struct{}

	active *conn // the connection that sent run-satellite (or took over)
	paused bool  // the server sent pause-satellite

	turn      int64 // current turn, 0 = none yet
	streaming bool  // mic audio of turn goes to the server
	t0        int64 // mic sample of the turn's first block, -1 = none yet
	nextTS    int64 // ms, timestamp after the last block sent

	synthTurn    int64  // turn the last synthesize belongs to
	synthText    string // its text
	synthPending bool   // a synthesize came and its audio has not ended
	reply        bool   // between audio-start and audio-stop from the server
	replyTurn    int64
}

func newHub(s *Server, l dialog.Link, quit <-chan struct{}) *hub {
	return &hub{s: s, l: l, in: make(chan inMsg), quit: quit, t0: -1}
}

// send hands m to the hub; false if the server is stopping.
func (h *hub) send(m inMsg) bool {
	select {
	case h.in <- m:
		return true
	case <-h.quit:
		return false
	}
}

func (h *hub) run() {
	period := min(h.s.o.PingAfter, h.s.o.DeadAfter/4, time.Second)
	tick := time.NewTicker(max(period, 10*time.Millisecond))
	defer tick.Stop()
	up := h.l.Up
	for {
		select {
		case <-h.quit:
			return
		case u, ok := <-up:
			if !ok {
				up = nil // the dialog closed its side; keep serving the server
				continue
			}
			h.up(&u)
		case m := <-h.in:
			h.event(m)
		case now := <-tick.C:
			h.keepalive(now)
		}
	}
}

// down sends d to the dialog. The dialog drains Down every block, so this waits at
// most about 10 ms.
func (h *hub) down(d dialog.Down) {
	select {
	case h.l.Down <- d:
	case <-h.quit:
	}
}

func (h *hub) logf(format string, args ...any) { h.s.o.Logf("wyoming: "+format, args...) }

// enqueue queues m on the active connection without blocking; false if there is none or
// its queue is full.
func (h *hub) enqueue(m outMsg) bool {
	if h.active == nil {
		return false
	}
	select {
	case h.active.out <- m:
		return true
	default:
		return false
	}
}

// sendRaw queues an encoded control event on c. A full queue means the peer has stopped
// reading: close it.
func (h *hub) sendRaw(c *conn, b []byte) {
	select {
	case c.out <- outMsg{raw: b}:
	default:
		c.close(fmt.Sprintf("write queue full (%d events): server not reading", cap(c.out)))
	}
}

// up handles one message from the dialog. UpAudio, the only per-block message, takes
// no allocation: the block travels by value into the write queue.
func (h *hub) up(u *dialog.Up) {
	switch u.Kind {
	case dialog.UpAudio:
		if !h.streaming || u.Turn != h.turn {
			h.s.droppedBlocks.Add(1) // privacy: nothing leaves outside a turn
			return
		}
		if h.t0 < 0 {
			h.t0 = u.Block.Start
		}
		ts := (u.Block.Start - h.t0) * 1000 / audio.SampleRate
		if !h.enqueue(outMsg{audio: true, ts: ts, block: u.Block}) {
			h.dropUtterance()
			return
		}
		h.nextTS = ts + int64(audio.BlockLen/time.Millisecond)
	case dialog.UpTurnStart:
		h.startTurn(u)
	case dialog.UpTurnEnd, dialog.UpTurnCancel:
		if u.Turn == h.turn && h.streaming {
			h.streaming = false
			// audio-stop ends Home Assistant's speech-to-text at once ("client requested
			// pipeline to stop") instead of waiting for its own VAD.
			h.enqueue(outMsg{raw: encode(TypeAudioStop, audioStop{Timestamp: h.nextTS})})
		}
	case dialog.UpPlayed:
		if h.active != nil {
			h.sendRaw(h.active, encode(TypePlayed, nil))
		}
	case dialog.UpMute:
		if u.Muted && h.streaming {
			h.streaming = false
			h.enqueue(outMsg{raw: encode(TypeAudioStop, audioStop{Timestamp: h.nextTS})})
		}
	case dialog.UpTimerRang:
		// Wyoming has no satellite→server timer event; Home Assistant tracks its timers.
	}
}

type audioStop struct {
	Timestamp int64 `json:"timestamp"` // ms
}

func (h *hub) startTurn(u *dialog.Up) {
	if h.streaming { // the previous turn never ended: close its stream first
		h.enqueue(outMsg{raw: encode(TypeAudioStop, audioStop{Timestamp: h.nextTS})})
		h.streaming = false
	}
	h.turn, h.t0, h.nextTS = u.Turn, -1, 0
	h.synthPending = false
	switch {
	case h.active == nil:
		h.down(dialog.Down{Kind: dialog.DownError, Turn: u.Turn, Text: "wyoming: no server connected"})
		return
	case h.paused:
		h.down(dialog.Down{Kind: dialog.DownError, Turn: u.Turn, Text: "wyoming: satellite paused by the server"})
		return
	}
	ok := true
	wake := ""
	if u.Trigger == dialog.TriggerWake && u.Model != "" {
		wake = u.Model
		ok = h.enqueue(outMsg{raw: encode(TypeDetection, detection{Name: wake})})
	}
	snd := AudioFormat{Rate: h.s.o.SpeakerRate, Width: 2, Channels: 1}
	ok = ok && h.enqueue(outMsg{raw: encode(TypeRunPipeline, runPipeline{
		StartStage: "asr", EndStage: "tts", WakeWordName: wake, SndFormat: &snd,
	})})
	ok = ok && h.enqueue(outMsg{raw: encode(TypeAudioStart, audioData{
		AudioFormat: AudioFormat{Rate: audio.SampleRate, Width: 2, Channels: 1}, Timestamp: new(int64),
	})})
	h.streaming = true
	if !ok {
		h.dropUtterance()
	}
}

// dropUtterance gives up on the current utterance because the write queue is full.
func (h *hub) dropUtterance() {
	h.streaming = false
	h.s.droppedUtterances.Add(1)
	h.logf("turn %d: upstream too slow: utterance dropped", h.turn)
	h.down(dialog.Down{Kind: dialog.DownError, Turn: h.turn, Text: "wyoming: upstream too slow: utterance dropped"})
}

// stopStreaming stops the mic stream at once, as wyoming-satellite does on transcript,
// error, voice-stopped and pause-satellite, and tells the dialog.
func (h *hub) stopStreaming() {
	if h.streaming {
		h.streaming = false
		h.down(dialog.Down{Kind: dialog.DownStopAudio, Turn: h.turn})
	}
}

func (h *hub) event(m inMsg) {
	c := m.c
	if m.typ == "" {
		if c == h.active {
			h.active = nil
			h.lost(m.reason)
		}
		return
	}
	c.pinged = false
	switch m.typ {
	case TypeDescribe: // any connection: Home Assistant probes on a separate one
		h.sendRaw(c, h.s.info)
		return
	case TypePing:
		h.sendRaw(c, encode(TypePong, textData{Text: m.text}))
		return
	case TypePong:
		return
	case TypeRunSatellite:
		if c == h.active {
			h.stopStreaming() // a restart of the server's loop, as wyoming-satellite treats it
		}
		h.activate(c)
		h.paused = false
		h.down(dialog.Down{Kind: dialog.DownRun})
		return
	}
	if c != h.active {
		if h.active != nil {
			h.logf("%s: ignoring %s from a connection that is not the active one", c.peer, m.typ)
			return
		}
		h.activate(c) // a server that skipped run-satellite: take over, as wyoming-satellite does
	}
	switch m.typ {
	case TypePauseSatellite:
		h.stopStreaming()
		h.paused = true
		h.down(dialog.Down{Kind: dialog.DownPause})
	case TypeTranscript:
		h.stopStreaming()
		h.down(dialog.Down{Kind: dialog.DownTranscript, Turn: h.turn, Text: *m.text})
	case TypeError:
		h.stopStreaming()
		h.synthPending = false
		text := *m.text
		if m.code != "" {
			text += " (" + m.code + ")"
		}
		h.down(dialog.Down{Kind: dialog.DownError, Turn: h.turn, Text: text})
	case TypeVoiceStopped:
		h.stopStreaming() // the server's VAD decided the end
	case TypeSynthesize:
		h.synthTurn, h.synthPending, h.synthText = h.turn, true, ""
		if m.text != nil {
			h.synthText = *m.text
		}
	case TypeAudioStart:
		h.replyStart(m.format)
	case TypeAudioChunk:
		if !h.reply {
			h.replyStart(m.format)
		}
		if len(m.samples) == 0 {
			return
		}
		h.down(dialog.Down{Kind: dialog.DownReplyAudio, Turn: h.replyTurn,
			Format: audio.Format{SampleRate: m.format.Rate, Channels: 1}, Samples: m.samples})
	case TypeAudioStop:
		if h.reply {
			h.reply, h.synthPending = false, false
			// TODO(lead): Home Assistant has no follow-up flag on the Wyoming satellite
			// path yet; FollowUp stays false.
			h.down(dialog.Down{Kind: dialog.DownReplyEnd, Turn: h.replyTurn})
		}
	case TypeTimerStarted, TypeTimerUpdated, TypeTimerCancelled, TypeTimerFinished:
		h.down(dialog.Down{Kind: dialog.DownTimer, Timer: m.timer})
	}
}

// replyStart begins reply audio. Audio after a synthesize belongs to that turn; audio
// without one is an announcement (turn 0).
func (h *hub) replyStart(f AudioFormat) {
	if h.reply { // start without stop: close the previous reply
		h.down(dialog.Down{Kind: dialog.DownReplyEnd, Turn: h.replyTurn})
	}
	h.reply, h.replyTurn = true, 0
	text := ""
	if h.synthPending {
		h.replyTurn, text = h.synthTurn, h.synthText
	}
	h.down(dialog.Down{Kind: dialog.DownReplyStart, Turn: h.replyTurn, Text: text,
		Format: audio.Format{SampleRate: f.Rate, Channels: 1}})
}

// activate makes c the active connection, replacing (and closing) an older one.
func (h *hub) activate(c *conn) {
	if h.active == c {
		return
	}
	if old := h.active; old != nil {
		old.close("replaced by a newer connection")
		h.lost("replaced by a newer connection from " + c.peer)
	}
	h.active, h.paused = c, false
	h.logf("%s: active", c.peer)
	h.down(dialog.Down{Kind: dialog.DownConnected, Text: c.peer})
}

// lost resets the protocol state after the active connection went away and tells the
// dialog, which returns to idle.
func (h *hub) lost(reason string) {
	h.streaming, h.reply, h.synthPending, h.paused = false, false, false, false
	h.down(dialog.Down{Kind: dialog.DownDisconnected, Turn: h.turn, Text: reason})
}

// keepalive pings a silent active connection and closes dead ones.
func (h *hub) keepalive(now time.Time) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	for c := range h.s.conns {
		if c == h.active && h.paused {
			continue // Home Assistant neither reads nor pings while muted
		}
		idle := now.Sub(time.Unix(0, c.lastRead.Load()))
		switch {
		case idle > h.s.o.DeadAfter:
			c.close(fmt.Sprintf("no event for %v", idle.Round(time.Millisecond)))
		case c == h.active && idle > h.s.o.PingAfter && !c.pinged:
			c.pinged = true
			h.sendRaw(c, encode(TypePing, textData{Text: new(string)}))
		}
	}
}
