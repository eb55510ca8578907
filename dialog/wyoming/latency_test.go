package wyoming_test

import (
	"bytes"
	"context"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/configs"
	"github.com/genie-voice/genie/dialog/wyoming"
	"github.com/genie-voice/genie/internal/runtime"
)

// stampWriter records when the timeline line for the endpointer's decision is printed
// (the printer runs microseconds after the decision).
type stampWriter struct {
	mu    sync.Mutex
	ends  []time.Time
	write int
}

func (w *stampWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("speech-end")) {
		w.mu.Lock()
		w.ends = append(w.ends, time.Now())
		w.mu.Unlock()
	}
	return len(p), nil
}

// stampSink is a speaker that records when the first non-silent sample of each reply
// arrives.
type stampSink struct {
	f      audio.Format
	mu     sync.Mutex
	loud   bool
	starts []time.Time
}

func (s *stampSink) Format() audio.Format { return s.f }
func (s *stampSink) Write(p []int16) (int, error) {
	nonzero := false
	for _, v := range p {
		if v > 1000 || v < -1000 {
			nonzero = true
			break
		}
	}
	s.mu.Lock()
	if nonzero && !s.loud {
		s.starts = append(s.starts, time.Now())
	}
	s.loud = nonzero
	s.mu.Unlock()
	return len(p), nil
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}

// BenchmarkWyomingLatency runs genie live (real-time mic, Wyoming on loopback) through
// five push-to-talk turns answered by an HA-role client, and reports
//   - stop-ms: endpointer decision → audio-stop read by HA (target ≤ 50 ms),
//   - tts-ms: HA writes its first TTS chunk → that audio reaches the speaker sink (≤ 30 ms).
//
// Run: go test -run XXX -bench WyomingLatency -benchtime 1x ./dialog/wyoming
func BenchmarkWyomingLatency(b *testing.B) {
	root, _ := filepath.Abs("../..")
	for b.Loop() {
		c, err := configs.Load(filepath.Join(root, "configs/bench.yaml"))
		if err != nil {
			b.Fatal(err)
		}
		dir := b.TempDir()
		c.Mic.File, c.Mic.Repeat, c.Mic.Speed = filepath.Join(root, "testdata/turn_what_time_16k.wav"), true, "realtime"
		c.OutDir, c.DataDir = dir, dir
		c.Upstream.Kind, c.Upstream.Wyoming.Listen, c.Upstream.Wyoming.MDNS = configs.UpstreamWyoming, "127.0.0.1:0", false
		c.VAD.Kind, c.Dialog.MaxUtterance, c.Dialog.Earcons = "none", time.Second, false
		c.Triggers.PushToTalk.PressAt = []time.Duration{time.Second, 3 * time.Second, 5 * time.Second, 7 * time.Second, 9 * time.Second}
		sink := &stampSink{f: audio.Format{SampleRate: c.Speaker.SampleRate, Channels: c.Speaker.Channels}}
		events := &stampWriter{}
		addr := make(chan string, 1)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := runtime.Run(ctx, c, runtime.Opts{Events: events, Speaker: sink, OnServe: func(a string) { addr <- a }})
			done <- err
		}()
		ha := wyoming.DialHA(b, <-addr).StartReading()
		ha.Send(wyoming.TypeRunSatellite, nil, nil)
		var stops, tts []time.Duration
		var sent []time.Time
		tone := make([]byte, 2048)
		for i := 0; i < len(tone); i += 2 {
			tone[i+1] = 0x40 // loud square-ish samples, far above the sink's threshold
		}
		for turn := range 5 {
			for {
				ev, ok := ha.Next(5 * time.Second)
				if !ok {
					b.Fatalf("turn %d: no audio-stop", turn)
				}
				if ev.Type == wyoming.TypeAudioStop {
					break
				}
			}
			got := time.Now()
			events.mu.Lock()
			if n := len(events.ends); n > 0 {
				stops = append(stops, got.Sub(events.ends[n-1]))
			}
			events.mu.Unlock()
			ha.Send(wyoming.TypeTranscript, map[string]any{"text": "hi"}, nil)
			ha.Send(wyoming.TypeSynthesize, map[string]any{"text": "hello"}, nil)
			ha.Send(wyoming.TypeAudioStart, map[string]any{"rate": 22050, "width": 2, "channels": 1}, nil)
			sent = append(sent, time.Now())
			ha.Send(wyoming.TypeAudioChunk, map[string]any{"rate": 22050, "width": 2, "channels": 1}, tone)
			ha.Send(wyoming.TypeAudioStop, nil, nil)
			for {
				ev, ok := ha.Next(3 * time.Second)
				if !ok {
					b.Fatalf("turn %d: no played", turn)
				}
				if ev.Type == wyoming.TypePlayed {
					break
				}
			}
		}
		cancel()
		<-done
		sink.mu.Lock()
		for i, t := range sink.starts {
			if i < len(sent) {
				tts = append(tts, t.Sub(sent[i]))
			}
		}
		sink.mu.Unlock()
		b.ReportMetric(float64(median(stops).Microseconds())/1000, "stop-ms")
		b.ReportMetric(float64(median(tts).Microseconds())/1000, "tts-ms")
		b.Logf("audio-stop after decision: %v; TTS chunk → speaker: %v", stops, tts)
	}
}
