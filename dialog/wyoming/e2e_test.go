package wyoming_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genie-voice/genie/dialog/wyoming"
)

// genieEvent is one line of `genie run --events-json`.
type genieEvent struct {
	TimeS  float64 `json:"time_s"`
	Sample int64   `json:"sample"`
	Kind   string  `json:"kind"`
	State  string  `json:"state"`
	Reason string  `json:"reason"`
	Detail string  `json:"detail"`
	Source string  `json:"source"`
}

// startGenie builds cmd/genie and runs `genie run` with args in dir; it returns the
// Wyoming address it serves and a function that stops it and returns its events.
func startGenie(t *testing.T, dir string, args ...string) (addr string, stop func() []genieEvent) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "genie")
	build := exec.Command("go", "build", "-tags", "noportaudio", "-o", bin, "../../cmd/genie")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, append([]string{"run"}, args...)...)
	cmd.Dir = dir
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		mu     sync.Mutex
		events []genieEvent
		done   = make(chan struct{})
	)
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var e genieEvent
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Errorf("genie printed a line that is not JSON: %q", sc.Text())
				continue
			}
			mu.Lock()
			events = append(events, e)
			mu.Unlock()
		}
	}()
	addrCh := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`wyoming: serving on (\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			t.Logf("genie: %s", sc.Text())
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addrCh <- m[1]
			}
		}
	}()
	select {
	case addr = <-addrCh:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("genie did not start serving within 30 s")
	}
	var once sync.Once
	stop = func() []genieEvent {
		once.Do(func() {
			cmd.Process.Signal(os.Interrupt)
			<-done
			cmd.Wait()
		})
		mu.Lock()
		defer mu.Unlock()
		return events
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, e := range stop() {
				t.Logf("event %+v", e)
			}
		}
		cmd.Process.Kill()
	})
	return addr, stop
}

// waitFor returns the next event, which must have type typ, waiting up to timeout.
func waitFor(t *testing.T, ha *wyoming.HA, typ string, timeout time.Duration) wyoming.Event {
	t.Helper()
	ev, ok := ha.Next(timeout)
	if !ok {
		t.Fatalf("HA: no %s within %v", typ, timeout)
	}
	if ev.Type != typ {
		t.Fatalf("HA: got %s, want %s", ev.Type, typ)
	}
	return ev
}

// utterance reads what a satellite streams for one turn after run-pipeline: audio-start,
// chunks, audio-stop. It returns the number of chunks; dropAfter > 0 closes the
// connection after that many chunks instead.
func utterance(t *testing.T, ha *wyoming.HA, dropAfter int) int {
	t.Helper()
	ha.Expect(wyoming.TypeAudioStart)
	n := 0
	for {
		ev, ok := ha.Next(3 * time.Second)
		if !ok {
			t.Fatalf("utterance stalled after %d chunks", n)
		}
		switch ev.Type {
		case wyoming.TypeAudioChunk:
			n++
			if dropAfter > 0 && n == dropAfter {
				ha.Close()
				return n
			}
		case wyoming.TypeAudioStop:
			return n
		default:
			t.Fatalf("unexpected %s during the utterance", ev.Type)
		}
	}
}

// TestGenieRunServesHomeAssistant starts the real `genie run` on the bench board with a
// looping fixture mic and push-to-talk presses at fixed times, and drives it over TCP
// the way Home Assistant's wyoming integration does (order, timings and fields from
// homeassistant/components/wyoming/assist_satellite.py).
func TestGenieRunServesHomeAssistant(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time end-to-end run (≈20 s)")
	}
	dir := t.TempDir()
	root, _ := filepath.Abs("../..")
	addr, stop := startGenie(t, dir,
		"--config", filepath.Join(root, "configs/bench.yaml"),
		"--mic", filepath.Join(root, "testdata/turn_what_time_16k.wav"), "--mic-repeat", "--speed", "realtime",
		"--speaker", filepath.Join(dir, "speaker.wav"), "--out", dir,
		"--listen", "127.0.0.1:0", "--mdns=false", "--vad", "none", "--max-utterance", "1500ms",
		"--press-at", "2s,6s,10s,14s", "--events-json")

	// HA's probe: a short connection, describe → info within 1 s.
	probe := wyoming.DialHA(t, addr).StartReading()
	probe.Send(wyoming.TypeDescribe, nil, nil)
	info := wyoming.Fields(t, probe.Expect(wyoming.TypeInfo))
	if sat, _ := info["satellite"].(map[string]any); sat == nil || sat["name"] != "genie-bench" || sat["area"] != "bench" {
		t.Fatalf("info satellite = %v, want name genie-bench in area bench", info["satellite"])
	}
	probe.Close()

	// The main connection: run-satellite, describe, then pings every 2 s after a pong.
	ha := wyoming.DialHA(t, addr).StartReading()
	ha.Send(wyoming.TypeRunSatellite, nil, nil)
	ha.Send(wyoming.TypeDescribe, nil, nil)
	ha.Expect(wyoming.TypeInfo)
	ha.StartPinging()

	// Turn 1 (press at 2 s): run-pipeline, the pre-roll and utterance, audio-stop.
	rp := wyoming.Fields(t, waitFor(t, ha, wyoming.TypeRunPipeline, 8*time.Second))
	if rp["start_stage"] != "asr" || rp["end_stage"] != "tts" {
		t.Errorf("run-pipeline %v, want asr → tts", rp)
	}
	if n := utterance(t, ha, 0); n < 195 || n > 205 {
		t.Errorf("turn 1 streamed %d chunks, want 200 (0.5 s pre-roll + 1.5 s)", n)
	}
	ha.Send(wyoming.TypeTranscript, map[string]any{"text": "what time is it"}, nil)
	ha.Send(wyoming.TypeSynthesize, map[string]any{"text": "It is noon."}, nil)
	ha.Send(wyoming.TypeAudioStart, map[string]any{"rate": 22050, "width": 2, "channels": 1}, nil)
	for range 10 { // 0.46 s of TTS in HA's 2048-byte chunks
		ha.Send(wyoming.TypeAudioChunk, map[string]any{"rate": 22050, "width": 2, "channels": 1}, make([]byte, 2048))
	}
	ha.Send(wyoming.TypeAudioStop, nil, nil)
	ha.Expect(wyoming.TypePlayed)

	// HA mutes: pause-satellite, and it stops reading. The press at 6 s is refused.
	ha.Send(wyoming.TypePauseSatellite, nil, nil)
	time.Sleep(5 * time.Second) // until ≈ 7 s of mic time
	ha.Close()

	// Un-mute: a new connection and run-satellite. The press at 10 s streams; HA drops
	// the socket mid-utterance.
	ha2 := wyoming.DialHA(t, addr).StartReading()
	ha2.Send(wyoming.TypeRunSatellite, nil, nil)
	waitFor(t, ha2, wyoming.TypeRunPipeline, 8*time.Second)
	utterance(t, ha2, 50)

	// Reconnect; the press at 14 s gets a full turn, which HA answers with an error.
	ha3 := wyoming.DialHA(t, addr).StartReading()
	ha3.Send(wyoming.TypeRunSatellite, nil, nil)
	ha3.StartPinging()
	waitFor(t, ha3, wyoming.TypeRunPipeline, 8*time.Second)
	utterance(t, ha3, 0)
	ha3.Send(wyoming.TypeError, map[string]any{"text": "no intent", "code": "no-intent"}, nil)

	// A 1 s timer: genie keeps it and rings it itself.
	ha3.Send(wyoming.TypeTimerStarted, map[string]any{"id": "tea", "total_seconds": 1, "name": "tea", "start_hours": 0, "start_minutes": 0, "start_seconds": 1}, nil)
	time.Sleep(2500 * time.Millisecond)
	if ha3.Pongs() < 1 {
		t.Error("genie never answered HA's ping with a pong")
	}
	events := stop()

	var log strings.Builder
	for _, e := range events {
		b, _ := json.Marshal(e)
		log.Write(append(b, '\n'))
	}
	t.Logf("events:\n%s", log.String())
	want := []struct{ kind, field string }{
		{"upstream", "connected"},
		{"button", ""}, {"state", "listening"}, {"state", "thinking"}, {"transcript", "what time is it"},
		{"state", "speaking"}, {"reply-end", ""}, {"state", "idle"},
		{"upstream", "paused"}, {"button", ""}, {"upstream", "paused"}, // the refused press
		{"upstream", "running"}, {"state", "listening"}, {"upstream", "disconnected"}, {"state", "idle"},
		{"upstream", "running"}, {"state", "thinking"}, {"error", "no intent (no-intent)"}, {"state", "error"},
		{"timer", "started"}, {"timer", "ringing"},
	}
	i := 0
	var dropAt int64 = -1
	for _, e := range events {
		if i < len(want) && e.Kind == want[i].kind && (want[i].field == "" || e.State == want[i].field || e.Reason == want[i].field || e.Detail == want[i].field) {
			if e.Kind == "upstream" && e.Reason == "disconnected" {
				dropAt = e.Sample
			}
			if dropAt >= 0 && e.Kind == "state" && e.State == "idle" && e.Sample-dropAt > 16000 {
				t.Errorf("genie went idle %.2f s after the connection dropped, want ≤ 1 s", float64(e.Sample-dropAt)/16000)
			}
			i++
		}
	}
	if i < len(want) {
		t.Fatalf("events stop matching at %v (%d of %d matched)", want[i], i, len(want))
	}
}
