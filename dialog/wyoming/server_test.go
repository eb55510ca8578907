package wyoming

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grandcat/zeroconf"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/dialog"
)

var testWake = []WakeModelInfo{{Name: "hey_genie", Phrase: "hey genie", Languages: []string{"en"}}}

// block returns block i of a turn starting at mic sample start, filled with a ramp that
// differs per block so misordered or mangled chunks show.
func block(start int64, i int) audio.Block {
	b := audio.Block{Start: start + int64(i)*audio.BlockSamples}
	for j := range b.Samples {
		b.Samples[j] = int16(i*997 + j*31 - 20000)
	}
	return b
}

func pcmBytes(s []int16) []byte {
	b := make([]byte, 2*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

// expectTurnStart checks the events a satellite sends when a wake word turn starts.
func expectTurnStart(t *testing.T, h *haConn, model string) {
	t.Helper()
	if model != "" {
		if got := fields(t, h.expect(TypeDetection)); got["name"] != model {
			t.Errorf("detection %v, want name %q", got, model)
		}
	}
	rp := fields(t, h.expect(TypeRunPipeline))
	want := map[string]any{
		"start_stage": "asr", "end_stage": "tts", "restart_on_end": false,
		"snd_format": map[string]any{"rate": 22050.0, "width": 2.0, "channels": 1.0},
	}
	if model != "" {
		want["wake_word_name"] = model
	}
	if !reflect.DeepEqual(rp, want) {
		t.Errorf("run-pipeline %v, want %v", rp, want)
	}
	as := fields(t, h.expect(TypeAudioStart))
	if want := map[string]any{"rate": 16000.0, "width": 2.0, "channels": 1.0, "timestamp": 0.0}; !reflect.DeepEqual(as, want) {
		t.Errorf("audio-start %v, want %v", as, want)
	}
}

// expectChunks checks that blocks arrive as audio-chunk events with the exact samples
// and timestamps in ms from the start of the utterance.
func expectChunks(t *testing.T, h *haConn, blocks []audio.Block) {
	t.Helper()
	for i, b := range blocks {
		ev := h.expect(TypeAudioChunk)
		f := fields(t, ev)
		if want := map[string]any{"rate": 16000.0, "width": 2.0, "channels": 1.0, "timestamp": float64(i * 10)}; !reflect.DeepEqual(f, want) {
			t.Fatalf("chunk %d: %v, want %v", i, f, want)
		}
		if !bytes.Equal(ev.Payload, pcmBytes(b.Samples[:])) {
			t.Fatalf("chunk %d: payload differs from the block's samples", i)
		}
	}
}

func TestHomeAssistantSession(t *testing.T) {
	r := startServer(t, Options{Area: "Kitchen", Version: "1.2.3", WakeModels: testWake})

	t.Run("probe-describe", func(t *testing.T) {
		// data.py load_wyoming_info: connect, describe, info within 1 s, close.
		p := dialHA(t, r.addr, 0).startReading()
		start := time.Now()
		p.send(TypeDescribe, nil, nil)
		ev := p.expect(TypeInfo)
		if d := time.Since(start); d > haInfoTimeout {
			t.Errorf("info after %v, HA gives up after %v", d, haInfoTimeout)
		}
		var in struct {
			Satellite struct {
				Name            string      `json:"name"`
				Area            string      `json:"area"`
				Installed       bool        `json:"installed"`
				Version         string      `json:"version"`
				Attribution     attribution `json:"attribution"`
				HasVAD          bool        `json:"has_vad"`
				ActiveWakeWords []string    `json:"active_wake_words"`
				SndFormat       AudioFormat `json:"snd_format"`
			} `json:"satellite"`
			Wake []struct {
				Installed bool `json:"installed"`
				Models    []struct {
					Name      string   `json:"name"`
					Phrase    string   `json:"phrase"`
					Languages []string `json:"languages"`
					Installed bool     `json:"installed"`
				} `json:"models"`
			} `json:"wake"`
			Mic []struct {
				MicFormat AudioFormat `json:"mic_format"`
			} `json:"mic"`
			Snd []struct {
				SndFormat AudioFormat `json:"snd_format"`
			} `json:"snd"`
			ASR []any `json:"asr"`
			TTS []any `json:"tts"`
		}
		if err := ev.Decode(&in); err != nil {
			t.Fatal(err)
		}
		sat := in.Satellite
		if sat.Name != "genie-test" || sat.Area != "Kitchen" || !sat.Installed || sat.Version != "1.2.3" || !sat.HasVAD {
			t.Errorf("satellite %+v", sat)
		}
		if !reflect.DeepEqual(sat.ActiveWakeWords, []string{"hey_genie"}) {
			t.Errorf("active_wake_words %v", sat.ActiveWakeWords)
		}
		if len(in.Wake) != 1 || len(in.Wake[0].Models) != 1 || !in.Wake[0].Installed {
			t.Fatalf("wake %+v", in.Wake)
		}
		if m := in.Wake[0].Models[0]; m.Name != "hey_genie" || m.Phrase != "hey genie" || !reflect.DeepEqual(m.Languages, []string{"en"}) || !m.Installed {
			t.Errorf("wake model %+v", m)
		}
		if len(in.Mic) != 1 || in.Mic[0].MicFormat != (AudioFormat{16000, 2, 1}) {
			t.Errorf("mic %+v", in.Mic)
		}
		if len(in.Snd) != 1 || in.Snd[0].SndFormat != (AudioFormat{22050, 2, 1}) || sat.SndFormat != (AudioFormat{22050, 2, 1}) {
			t.Errorf("snd %+v, satellite snd_format %+v", in.Snd, sat.SndFormat)
		}
		// HA loads STT/TTS platforms for installed asr/tts programs; a satellite has none.
		if in.ASR == nil || len(in.ASR) != 0 || in.TTS == nil || len(in.TTS) != 0 {
			t.Errorf("asr %v tts %v, want empty lists", in.ASR, in.TTS)
		}
		p.nc.Close()
		r.expectNoDown(100 * time.Millisecond) // a probe is not the active connection
	})

	h := r.connectMain()
	h.startPinging()

	t.Run("wake-turn", func(t *testing.T) {
		r.send(dialog.Up{Kind: dialog.UpTurnStart, Turn: 1, Trigger: dialog.TriggerWake, Model: "hey_genie", Phrase: "hey genie"})
		var blocks []audio.Block
		for i := range 50 {
			b := block(48000, i)
			blocks = append(blocks, b)
			r.send(dialog.Up{Kind: dialog.UpAudio, Turn: 1, Block: b})
		}
		r.send(dialog.Up{Kind: dialog.UpTurnEnd, Turn: 1, Reason: "speech-end"})
		expectTurnStart(t, h, "hey_genie")
		expectChunks(t, h, blocks)
		if got := fields(t, h.expect(TypeAudioStop)); got["timestamp"] != 500.0 {
			t.Errorf("audio-stop %v, want timestamp 500", got)
		}
	})

	t.Run("transcript", func(t *testing.T) {
		// STT_START, STT_VAD_START, STT_VAD_END, STT_END as on_pipeline_event sends them.
		h.send(TypeTranscribe, map[string]any{"language": "en"}, nil)
		h.send(TypeVoiceStarted, map[string]any{"timestamp": 120}, nil)
		h.send(TypeVoiceStopped, map[string]any{"timestamp": 480}, nil)
		h.send(TypeTranscript, map[string]any{"text": "turn on the light"}, nil)
		if d := r.expectDown(dialog.DownTranscript); d.Turn != 1 || d.Text != "turn on the light" {
			t.Errorf("transcript %+v", d)
		}
	})

	t.Run("reply", func(t *testing.T) {
		h.send(TypeSynthesize, map[string]any{"text": "Turned on the light", "voice": map[string]any{"name": nil, "language": "en"}}, nil)
		h.send(TypeAudioStart, map[string]any{"rate": 22050, "width": 2, "channels": 1, "timestamp": 0}, nil)
		c1 := make([]int16, 1024)
		c2 := make([]int16, 300)
		for i := range c1 {
			c1[i] = int16(i * 13)
		}
		for i := range c2 {
			c2[i] = int16(-i * 7)
		}
		h.send(TypeAudioChunk, map[string]any{"rate": 22050, "width": 2, "channels": 1, "timestamp": 0}, pcmBytes(c1))
		h.send(TypeAudioChunk, map[string]any{"rate": 22050, "width": 2, "channels": 1, "timestamp": 46}, pcmBytes(c2))
		h.send(TypeAudioStop, map[string]any{"timestamp": 59}, nil)
		rs := r.expectDown(dialog.DownReplyStart)
		if rs.Turn != 1 || rs.Format != (audio.Format{SampleRate: 22050, Channels: 1}) || rs.Text != "Turned on the light" {
			t.Errorf("reply start %+v", rs)
		}
		for _, want := range [][]int16{c1, c2} {
			d := r.expectDown(dialog.DownReplyAudio)
			if d.Turn != 1 || d.Format != rs.Format || !reflect.DeepEqual(d.Samples, want) {
				t.Errorf("reply audio turn %d format %v, %d samples, want %d", d.Turn, d.Format, len(d.Samples), len(want))
			}
		}
		if d := r.expectDown(dialog.DownReplyEnd); d.Turn != 1 || d.FollowUp {
			t.Errorf("reply end %+v", d)
		}
		r.send(dialog.Up{Kind: dialog.UpPlayed, Turn: 1})
		h.expect(TypePlayed)
	})

	t.Run("announcement", func(t *testing.T) {
		// async_announce: audio-start/chunk/stop with no synthesize and no pipeline.
		h.send(TypeAudioStart, map[string]any{"rate": 44100, "width": 2, "channels": 2, "timestamp": 0}, nil)
		h.send(TypeAudioChunk, map[string]any{"rate": 44100, "width": 2, "channels": 2, "timestamp": 0}, pcmBytes([]int16{100, 300, -10, -30}))
		h.send(TypeAudioStop, nil, nil)
		if d := r.expectDown(dialog.DownReplyStart); d.Turn != 0 || d.Format != (audio.Format{SampleRate: 44100, Channels: 1}) || d.Text != "" {
			t.Errorf("announcement start %+v", d)
		}
		if d := r.expectDown(dialog.DownReplyAudio); d.Turn != 0 || !reflect.DeepEqual(d.Samples, []int16{200, -20}) {
			t.Errorf("announcement audio %+v", d)
		}
		if d := r.expectDown(dialog.DownReplyEnd); d.Turn != 0 {
			t.Errorf("announcement end %+v", d)
		}
		r.send(dialog.Up{Kind: dialog.UpPlayed})
		h.expect(TypePlayed)
	})

	t.Run("timers", func(t *testing.T) {
		// _handle_timer: the fields TimerStarted/Updated/Cancelled/Finished carry.
		h.send(TypeTimerStarted, map[string]any{"id": "t1", "total_seconds": 300, "name": "pizza", "start_minutes": 5}, nil)
		h.send(TypeTimerUpdated, map[string]any{"id": "t1", "is_active": false, "total_seconds": 200}, nil)
		h.send(TypeTimerCancelled, map[string]any{"id": "t1"}, nil)
		h.send(TypeTimerStarted, map[string]any{"id": "t2", "total_seconds": 1}, nil)
		h.send(TypeTimerFinished, map[string]any{"id": "t2"}, nil)
		for _, want := range []dialog.Timer{
			{Event: dialog.TimerStarted, ID: "t1", Name: "pizza", Seconds: 300, Ring: true},
			{Event: dialog.TimerUpdated, ID: "t1", Seconds: 200, Ring: true},
			{Event: dialog.TimerCancelled, ID: "t1", Ring: true},
			{Event: dialog.TimerStarted, ID: "t2", Seconds: 1, Ring: true},
			{Event: dialog.TimerFinished, ID: "t2", Ring: true},
		} {
			if d := r.expectDown(dialog.DownTimer); d.Timer != want || d.Turn != 0 {
				t.Errorf("timer %+v, want %+v", d.Timer, want)
			}
		}
	})

	t.Run("button-turn-then-error", func(t *testing.T) {
		r.send(dialog.Up{Kind: dialog.UpTurnStart, Turn: 2, Trigger: dialog.TriggerButton})
		r.send(dialog.Up{Kind: dialog.UpAudio, Turn: 2, Block: block(96000, 0)})
		expectTurnStart(t, h, "") // no detection, no wake_word_name
		expectChunks(t, h, []audio.Block{block(96000, 0)})
		h.send(TypeError, map[string]any{"text": "No speech detected", "code": "stt-no-text-recognized"}, nil)
		r.expectDown(dialog.DownStopAudio)
		if d := r.expectDown(dialog.DownError); d.Turn != 2 || d.Text != "No speech detected (stt-no-text-recognized)" {
			t.Errorf("error %+v", d)
		}
	})

	if h.dropped.Load() {
		t.Error("HA's 5 s watchdog dropped the connection")
	}
	r.expectNoDown(50 * time.Millisecond)
}

func TestServerStopsStreamingAtOnce(t *testing.T) {
	tests := []struct {
		event string
		data  map[string]any
		then  dialog.DownKind // after DownStopAudio; 0 = nothing
	}{
		{TypeTranscript, map[string]any{"text": "what time is it"}, dialog.DownTranscript},
		{TypeError, map[string]any{"text": "stt failed"}, dialog.DownError},
		{TypePauseSatellite, nil, dialog.DownPause},
		{TypeVoiceStopped, map[string]any{"timestamp": 900}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			r := startServer(t, Options{WakeModels: testWake})
			h := r.connectMain()
			r.send(dialog.Up{Kind: dialog.UpTurnStart, Turn: 7, Trigger: dialog.TriggerWake, Model: "hey_genie"})
			r.send(dialog.Up{Kind: dialog.UpAudio, Turn: 7, Block: block(0, 0)})
			expectTurnStart(t, h, "hey_genie")
			expectChunks(t, h, []audio.Block{block(0, 0)})

			h.send(tt.event, tt.data, nil)
			if d := r.expectDown(dialog.DownStopAudio); d.Turn != 7 {
				t.Errorf("stop audio %+v", d)
			}
			if tt.then != 0 {
				r.expectDown(tt.then)
			}
			// The dialog may still be sending blocks; none may reach the server.
			for i := 1; i < 20; i++ {
				r.send(dialog.Up{Kind: dialog.UpAudio, Turn: 7, Block: block(0, i)})
			}
			r.send(dialog.Up{Kind: dialog.UpTurnEnd, Turn: 7})
			r.send(dialog.Up{Kind: dialog.UpPlayed}) // marker: everything before it was handled
			h.expect(TypePlayed)
			if got := r.s.Stats().DroppedBlocks; got != 19 {
				t.Errorf("DroppedBlocks %d, want 19", got)
			}
		})
	}
}

func TestPauseThenReconnectOnUnmute(t *testing.T) {
	r := startServer(t, Options{DeadAfter: 300 * time.Millisecond, PingAfter: 100 * time.Millisecond})
	h := r.connectMain()
	// HA on mute: pause-satellite, then it stops reading and pinging (connection open).
	h.send(TypePauseSatellite, nil, nil)
	r.expectDown(dialog.DownPause)
	time.Sleep(50 * time.Millisecond)
	pings := h.pings.Load()
	r.send(dialog.Up{Kind: dialog.UpTurnStart, Turn: 1, Trigger: dialog.TriggerButton})
	if d := r.expectDown(dialog.DownError); !strings.Contains(d.Text, "paused") {
		t.Errorf("turn while paused: %+v", d)
	}
	// A paused connection is silent by design: no keepalive drop.
	r.expectNoDown(600 * time.Millisecond)
	if n := h.pings.Load() - pings; n != 0 {
		t.Errorf("satellite pinged a paused server %d times", n)
	}
	// HA on unmute: a new connection with run-satellite replaces the old one.
	h2 := dialHA(t, r.addr, 0).startReading()
	h2.send(TypeRunSatellite, nil, nil)
	if d := r.expectDown(dialog.DownDisconnected); !strings.Contains(d.Text, "replaced") {
		t.Errorf("disconnected %+v", d)
	}
	r.expectDown(dialog.DownConnected)
	r.expectDown(dialog.DownRun)
	h.expectClosed()
	r.send(dialog.Up{Kind: dialog.UpTurnStart, Turn: 2, Trigger: dialog.TriggerButton})
	expectTurnStart(t, h2, "")
}

func TestPingCadenceKeepsConnectionAlive(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 4.5 s of HA's real ping cadence")
	}
	r := startServer(t, Options{})
	h := r.connectMain()
	h.startPinging()
	time.Sleep(2*haPingSendDelay + 500*time.Millisecond)
	if n := h.pongs.Load(); n < 2 {
		t.Errorf("%d pongs in %v, want 2 (HA pings every %v)", n, 2*haPingSendDelay+500*time.Millisecond, haPingSendDelay)
	}
	if h.dropped.Load() {
		t.Error("HA's watchdog dropped the connection")
	}
	if h.pings.Load() != 0 {
		t.Errorf("satellite pinged %d times although HA kept pinging", h.pings.Load())
	}
	r.expectNoDown(10 * time.Millisecond)
}

func TestSatellitePingsSilentServerAndDropsDeadOne(t *testing.T) {
	r := startServer(t, Options{PingAfter: 150 * time.Millisecond, DeadAfter: 600 * time.Millisecond})
	h := r.connectMain()
	time.Sleep(900 * time.Millisecond) // HA does not ping but answers pongs: alive
	if h.pings.Load() == 0 {
		t.Fatal("satellite did not ping a silent server")
	}
	r.expectNoDown(10 * time.Millisecond)
	h.noPong.Store(true) // now a half-open server
	d := r.expectDown(dialog.DownDisconnected)
	if !strings.Contains(d.Text, "no event for") {
		t.Errorf("disconnected %+v", d)
	}
	h.expectClosed()
}

func TestReconnectAfterDropMidUtterance(t *testing.T) {
	r := startServer(t, Options{WakeModels: testWake})
	h := r.connectMain()
	r.send(dialog.Up{Kind: dialog.UpTurnStart, Turn: 1, Trigger: dialog.TriggerWake, Model: "hey_genie"})
	for i := range 5 {
		r.send(dialog.Up{Kind: dialog.UpAudio, Turn: 1, Block: block(0, i)})
	}
	expectTurnStart(t, h, "hey_genie")
	expectChunks(t, h, []audio.Block{block(0, 0), block(0, 1), block(0, 2), block(0, 3), block(0, 4)})
	h.nc.Close() // HA restarts mid-utterance
	if d := r.expectDown(dialog.DownDisconnected); d.Turn != 1 {
		t.Errorf("disconnected %+v", d)
	}
	for i := 5; i < 100; i++ { // the dialog keeps sending until it sees the news
		r.send(dialog.Up{Kind: dialog.UpAudio, Turn: 1, Block: block(0, i)})
	}
	r.send(dialog.Up{Kind: dialog.UpTurnCancel, Turn: 1, Reason: "disconnected"})
	// HA reconnects (after _RESTART_SECONDS; no need to wait here).
	h2 := r.connectMain()
	r.send(dialog.Up{Kind: dialog.UpTurnStart, Turn: 2, Trigger: dialog.TriggerWake, Model: "hey_genie"})
	r.send(dialog.Up{Kind: dialog.UpAudio, Turn: 2, Block: block(16000, 0)})
	r.send(dialog.Up{Kind: dialog.UpTurnEnd, Turn: 2})
	expectTurnStart(t, h2, "hey_genie")
	expectChunks(t, h2, []audio.Block{block(16000, 0)})
	h2.expect(TypeAudioStop)
}

func TestStalledServerDropsUtteranceWithoutBlocking(t *testing.T) {
	// Small socket buffers on both ends so the stall shows after kilobytes, not the
	// megabytes loopback TCP buffers hold by default.
	r := startServer(t, Options{WriteTimeout: 500 * time.Millisecond, QueueLen: 32}, func(s *Server) {
		s.onAccept = func(nc net.Conn) { nc.(*net.TCPConn).SetWriteBuffer(8 << 10) }
	})
	h := dialHA(t, r.addr, 4096) // never reads: its receive window fills
	h.send(TypeRunSatellite, nil, nil)
	r.expectDown(dialog.DownConnected)
	r.expectDown(dialog.DownRun)

	r.send(dialog.Up{Kind: dialog.UpTurnStart, Turn: 1, Trigger: dialog.TriggerButton})
	var sent int
	var drop dialog.Down
	// Up to 10 minutes of audio at 10× real time: a healthy connection keeps up with
	// that, so the drop comes from the stalled socket, not from the pace.
feed:
	for sent = 0; sent < 60000; sent++ {
		if sent%10 == 0 {
			time.Sleep(time.Millisecond)
		}
		r.send(dialog.Up{Kind: dialog.UpAudio, Turn: 1, Block: block(0, sent)}) // fails if Up is not drained
		select {
		case d := <-r.down:
			drop = d
			break feed
		default:
		}
	}
	if drop.Kind != dialog.DownError || !strings.Contains(drop.Text, "upstream too slow: utterance dropped") || drop.Turn != 1 {
		t.Fatalf("after %d blocks: %+v, want DownError upstream too slow", sent, drop)
	}
	t.Logf("utterance dropped after %d blocks (%v of audio)", sent, time.Duration(sent)*audio.BlockLen)
	// Up keeps being drained while the write is stuck.
	for i := range 1000 {
		r.send(dialog.Up{Kind: dialog.UpAudio, Turn: 1, Block: block(0, sent+i)})
	}
	r.send(dialog.Up{Kind: dialog.UpTurnEnd, Turn: 1})
	// The stalled write hits its deadline and the connection is closed.
	if d := r.expectDown(dialog.DownDisconnected); !strings.Contains(d.Text, "write stalled") {
		t.Errorf("disconnected %+v", d)
	}
	if st := r.s.Stats(); st.DroppedUtterances != 1 || st.DroppedBlocks < 1000 {
		t.Errorf("stats %+v", st)
	}
}

func TestMalformedFrameClosesOnlyThatConnection(t *testing.T) {
	tests := []struct {
		name  string
		frame string
		log   string
	}{
		{"bad-json", "{\"type\": \"describe\"\n", "not a JSON object"},
		{"absurd-data-length", "{\"type\":\"transcript\",\"data_length\":99999999999}\n", "data_length 99999999999 out of range"},
		{"absurd-payload-length", "{\"type\":\"audio-chunk\",\"payload_length\":1073741824}\n", "payload_length 1073741824 out of range"},
		{"oversize-header", "{\"type\":\"" + strings.Repeat("x", 70<<10), "header line longer than"},
		{"no-type", "{\"data\":{\"text\":\"x\"}}\n", "header has no type"},
		{"garbage-data-block", "{\"type\":\"transcript\",\"data_length\":4}\n\x00\x01\x02\x03", "data block is not a JSON object"},
	}
	r := startServer(t, Options{})
	main := r.connectMain()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := dialHA(t, r.addr, 0).startReading()
			h.sendRaw([]byte(tt.frame))
			h.expectClosed()
			if !r.waitLogged(tt.log) {
				t.Errorf("no log line containing %q", tt.log)
			}
		})
	}
	// The main connection and the server are unaffected.
	main.send(TypeDescribe, nil, nil)
	main.expect(TypeInfo)
	r.expectNoDown(50 * time.Millisecond)
	if got := r.s.Stats().BadFrames; got != uint64(len(tests)) {
		t.Errorf("BadFrames %d, want %d", got, len(tests))
	}
	// On the active connection a bad frame ends the session.
	main.sendRaw([]byte("not json\n"))
	main.expectClosed()
	if d := r.expectDown(dialog.DownDisconnected); !strings.Contains(d.Text, "malformed frame") {
		t.Errorf("disconnected %+v", d)
	}
	r.connectMain()
}

func TestUnknownEventsAndFieldsAreIgnored(t *testing.T) {
	r := startServer(t, Options{})
	h := r.connectMain()
	h.send("intents-start", map[string]any{"x": 1}, nil)
	h.send("user-event", nil, []byte("opaque"))
	h.send(TypeDetection, map[string]any{"name": "ok_nabu"}, nil)                           // HA's remote wake: not ours
	h.send(TypeRunPipeline, map[string]any{"start_stage": "wake", "end_stage": "tts"}, nil) // server-triggered: unsupported
	h.send(TypeTranscript, map[string]any{"text": 5}, nil)                                  // wrong type: logged, ignored
	h.sendRaw([]byte("{\"type\":\"timer-cancelled\",\"data\":{\"id\":\"a\",\"extra\":{\"deep\":[1]}},\"future\":true}\n"))
	if d := r.expectDown(dialog.DownTimer); d.Timer.ID != "a" || d.Timer.Event != dialog.TimerCancelled {
		t.Errorf("timer %+v", d)
	}
	h.send(TypeDescribe, nil, nil)
	h.expect(TypeInfo)
	r.expectNoDown(50 * time.Millisecond)
}

func TestProbeWhileMainConnectionStreams(t *testing.T) {
	r := startServer(t, Options{})
	h := r.connectMain()
	r.send(dialog.Up{Kind: dialog.UpTurnStart, Turn: 1, Trigger: dialog.TriggerButton})
	r.send(dialog.Up{Kind: dialog.UpAudio, Turn: 1, Block: block(0, 0)})
	expectTurnStart(t, h, "")
	expectChunks(t, h, []audio.Block{block(0, 0)})

	p := dialHA(t, r.addr, 0).startReading()
	p.send(TypeDescribe, nil, nil)
	p.expect(TypeInfo)
	p.send(TypePing, textData{Text: ptr("probe")}, nil)
	p.nc.Close()
	// A ping from the probe goes to the probe; the main stream goes on.
	r.send(dialog.Up{Kind: dialog.UpAudio, Turn: 1, Block: block(0, 1)})
	ev := h.expect(TypeAudioChunk)
	if b1 := block(0, 1); !bytes.Equal(ev.Payload, pcmBytes(b1.Samples[:])) {
		t.Error("second chunk differs")
	}
	r.expectNoDown(100 * time.Millisecond)
}

func TestTurnWithoutServerFails(t *testing.T) {
	r := startServer(t, Options{})
	r.send(dialog.Up{Kind: dialog.UpTurnStart, Turn: 1, Trigger: dialog.TriggerWake, Model: "m"})
	if d := r.expectDown(dialog.DownError); d.Turn != 1 || !strings.Contains(d.Text, "no server connected") {
		t.Errorf("%+v", d)
	}
}

// TestNoAudioLeavesWithoutTurn is the privacy property: with Home Assistant connected
// and no turn streaming, not one byte of audio goes out, whatever reaches Link.Up.
func TestNoAudioLeavesWithoutTurn(t *testing.T) {
	r := startServer(t, Options{PingAfter: time.Hour, DeadAfter: 2 * time.Hour})
	h := r.connectMain()
	before := h.read.Load()
	const blocks = 10 * 60 * 100 // 10 minutes of 10 ms blocks
	for i := range blocks {
		r.send(dialog.Up{Kind: dialog.UpAudio, Turn: 0, Block: block(0, i)})
	}
	// A turn that ended: its late blocks are dropped too.
	r.send(dialog.Up{Kind: dialog.UpTurnStart, Turn: 1, Trigger: dialog.TriggerButton})
	r.send(dialog.Up{Kind: dialog.UpTurnCancel, Turn: 1})
	for i := range 100 {
		r.send(dialog.Up{Kind: dialog.UpAudio, Turn: 1, Block: block(0, i)})
	}
	r.send(dialog.Up{Kind: dialog.UpPlayed}) // marker
	expectTurnStart(t, h, "")
	h.expect(TypeAudioStop)
	h.expect(TypePlayed)
	turnBytes := len(encode(TypeRunPipeline, runPipeline{StartStage: "asr", EndStage: "tts", SndFormat: &AudioFormat{22050, 2, 1}})) +
		len(encode(TypeAudioStart, audioData{AudioFormat: AudioFormat{16000, 2, 1}, Timestamp: new(int64)})) +
		len(encode(TypeAudioStop, audioStop{})) + len(encode(TypePlayed, nil))
	if got := h.read.Load() - before; got != int64(turnBytes) {
		t.Errorf("%d bytes left the device, want %d (control events only)", got, turnBytes)
	}
	if got := r.s.Stats().DroppedBlocks; got != blocks+100 {
		t.Errorf("DroppedBlocks %d, want %d", got, blocks+100)
	}
}

func TestForwardingBlockAllocatesNothing(t *testing.T) {
	r := startServer(t, Options{PingAfter: time.Hour, DeadAfter: 2 * time.Hour})
	nc := benchSetup(t, r)
	buf := make([]byte, 1024)
	i := 0
	allocs := testing.AllocsPerRun(500, func() {
		r.up <- dialog.Up{Kind: dialog.UpAudio, Turn: 1, Block: block(0, i)}
		if _, err := io.ReadFull(nc, buf[:chunkLen(int64(i)*10)]); err != nil {
			t.Fatal(err)
		}
		i++
	})
	if allocs != 0 {
		t.Errorf("%v allocs per forwarded block, want 0", allocs)
	}
	if last := block(0, i-1); !bytes.Equal(buf[:chunkLen(int64(i-1)*10)], AppendAudioChunk(nil, 16000, 1, int64(i-1)*10, last.Samples[:])) {
		t.Error("last chunk on the socket differs from its encoding")
	}
}

// chunkLen is the encoded size of one block's audio-chunk stamped ts ms: the timestamp
// is the only part whose length varies.
func chunkLen(ts int64) int {
	var zero [audio.BlockSamples]int16
	base := len(AppendAudioChunk(make([]byte, 0, 1024), 16000, 1, 0, zero[:]))
	for ; ts >= 10; ts /= 10 {
		base++
	}
	return base
}

// benchSetup connects a raw HA connection, starts turn 1 and returns the connection,
// positioned after audio-start.
func benchSetup(tb testing.TB, r *rig) net.Conn {
	nc, err := net.Dial("tcp", r.addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { nc.Close() })
	nc.Write(AppendEvent(nil, TypeRunSatellite, nil, nil))
	for range 2 {
		<-r.down // DownConnected, DownRun
	}
	r.up <- dialog.Up{Kind: dialog.UpTurnStart, Turn: 1, Trigger: dialog.TriggerButton}
	// Read run-pipeline and audio-start byte-exactly so nothing is buffered ahead.
	n := len(encode(TypeRunPipeline, runPipeline{StartStage: "asr", EndStage: "tts", SndFormat: &AudioFormat{22050, 2, 1}})) +
		len(encode(TypeAudioStart, audioData{AudioFormat: AudioFormat{16000, 2, 1}, Timestamp: new(int64)}))
	if _, err := io.ReadFull(nc, make([]byte, n)); err != nil {
		tb.Fatal(err)
	}
	return nc
}

// BenchmarkAudioChunk measures one 10 ms block from Link.Up to its bytes read on Home
// Assistant's side of a loopback TCP connection: the hub, the write queue, the writer
// goroutine's encoding, the write syscall and the read. Budget: far under the 10 ms
// block period on a Pi Zero 2 W, with 0 allocs.
func BenchmarkAudioChunk(b *testing.B) {
	r := startServer(b, Options{PingAfter: time.Hour, DeadAfter: 2 * time.Hour})
	nc := benchSetup(b, r)
	buf := make([]byte, 1024)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.up <- dialog.Up{Kind: dialog.UpAudio, Turn: 1, Block: block(0, i)}
		if _, err := io.ReadFull(nc, buf[:chunkLen(int64(i)*10)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func TestMDNSAdvertisesOrLogsFailure(t *testing.T) {
	// Whether this host allows multicast or not, the server must serve; a failed
	// advertisement is logged, not fatal.
	r := startServer(t, Options{MDNS: true})
	r.connectMain()
	// Run advertises before it accepts, so the log line is there once connected.
	if !r.logged("wyoming: advertising") {
		if !r.logged("mDNS advertisement failed") {
			t.Error("no log line about the mDNS advertisement")
		}
		t.Skip("no multicast on this host: advertisement failed (logged, not fatal)")
	}
	// Browse like Home Assistant's zeroconf discovery and find our instance and port.
	res, err := zeroconf.NewResolver(nil)
	if err != nil {
		t.Skipf("no mDNS resolver on this host: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	entries := make(chan *zeroconf.ServiceEntry, 16)
	if err := res.Browse(ctx, "_wyoming._tcp", "local.", entries); err != nil {
		t.Skipf("mDNS browse: %v", err)
	}
	_, port, _ := net.SplitHostPort(r.addr)
	for e := range entries {
		if e.Instance == "genie-test" && strconv.Itoa(e.Port) == port {
			return
		}
	}
	t.Errorf("advertised, but browsing _wyoming._tcp for 3 s did not find genie-test on port %s", port)
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"speaker-rate", Options{SpeakerRate: 1000}, "speaker rate 1000 Hz"},
		{"queue", Options{QueueLen: 2}, "queue length 2"},
		{"dead-before-ping", Options{PingAfter: 5 * time.Second, DeadAfter: time.Second}, "DeadAfter"},
		{"one-conn", Options{MaxConns: 1}, "MaxConns 1"},
		{"unnamed-model", Options{WakeModels: []WakeModelInfo{{Phrase: "x"}}}, "wake model 0 has no name"},
		{"bad-listen", Options{Listen: "no-such-host-xyz:99999"}, "wyoming: listen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.o.Listen == "" {
				tt.o.Listen = "127.0.0.1:0"
			}
			s, err := New(tt.o)
			if err == nil {
				s.ln.Close()
				t.Fatalf("New succeeded, want error %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want %q", err, tt.want)
			}
		})
	}
}

// BenchmarkAppendAudioChunk measures encoding one 10 ms block into a reused buffer.
func BenchmarkAppendAudioChunk(b *testing.B) {
	blk := block(0, 1)
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	b.SetBytes(2 * audio.BlockSamples)
	ts := int64(0)
	for b.Loop() {
		buf = AppendAudioChunk(buf[:0], 16000, 1, ts, blk.Samples[:])
		ts += 10
	}
}
