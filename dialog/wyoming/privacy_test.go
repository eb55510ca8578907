package wyoming_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/wavfile"
	"github.com/genie-voice/genie/configs"
	"github.com/genie-voice/genie/dialog/wyoming"
	"github.com/genie-voice/genie/internal/runtime"
	"github.com/genie-voice/genie/internal/sharedtest"
)

// TestNoAudioLeavesWithoutAWake runs genie with a wake-word model and Home Assistant
// connected over 10 minutes of speech that never says the wake phrase, and counts what
// crosses the socket: control events only, not one audio byte.
func TestNoAudioLeavesWithoutAWake(t *testing.T) {
	models := sharedtest.Dir(t, "models/microwakeword")
	root, _ := filepath.Abs("../..")
	dir := t.TempDir()

	// 10 minutes of speech: the two spoken fixtures (no "okay nabu" in them) at
	// changing levels, back to back.
	var speech []int16
	for _, f := range []string{"turn_what_time_16k.wav", "hey_genie_turn_16k.wav"} {
		c, err := wavfile.Load(filepath.Join(root, "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		speech = append(speech, c.Samples...)
	}
	long := make([]int16, 0, 10*60*audio.SampleRate)
	for k := 0; len(long) < cap(long); k++ {
		g := []float64{1, 0.5, 1.5, 0.8}[k%4]
		for _, v := range speech {
			if len(long) == cap(long) {
				break
			}
			long = append(long, int16(max(-32768, min(32767, float64(v)*g))))
		}
	}
	mic := filepath.Join(dir, "ten_minutes.wav")
	if err := wavfile.Save(mic, audio.Clip{Format: audio.Canonical, Samples: long}); err != nil {
		t.Fatal(err)
	}

	c, err := configs.Load(filepath.Join(root, "configs/bench.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c.Mic.File, c.Mic.Speed = mic, "max"
	c.Speaker.Backend = configs.BackendNull
	c.OutDir, c.DataDir = dir, dir
	c.Triggers.PushToTalk.PressAt = nil
	c.Wakeword.Models = []configs.WakeModel{{Path: filepath.Join(models, "okay_nabu.json")}}
	c.Upstream.Kind, c.Upstream.Wyoming.Listen, c.Upstream.Wyoming.MDNS = configs.UpstreamWyoming, "127.0.0.1:0", false

	start := make(chan struct{})
	var ha *wyoming.HA
	var timeline strings.Builder
	st, err := runtime.Run(context.Background(), c, runtime.Opts{
		Events: &timeline,
		OnServe: func(addr string) {
			go func() {
				ha = wyoming.DialHA(t, addr).StartReading()
				ha.Send(wyoming.TypeRunSatellite, nil, nil)
				time.Sleep(200 * time.Millisecond) // the server makes it the active connection
				close(start)
			}()
		},
		Start: start,
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.AudioTime < 10*time.Minute {
		t.Fatalf("ran %v of audio, want 10 minutes", st.AudioTime)
	}
	if strings.Contains(timeline.String(), "wake") || strings.Contains(timeline.String(), "utterance-start") {
		t.Fatalf("a turn started on speech without the wake phrase:\n%s", timeline.String())
	}
	for {
		ev, ok := ha.Next(200 * time.Millisecond)
		if !ok {
			break
		}
		switch ev.Type {
		case wyoming.TypeAudioStart, wyoming.TypeAudioChunk, wyoming.TypeAudioStop, wyoming.TypeRunPipeline, wyoming.TypeDetection:
			t.Fatalf("%s left the device without a wake", ev.Type)
		}
	}
	if n := ha.BytesRead(); n > 4096 {
		t.Errorf("%d bytes reached Home Assistant over 10 minutes without a wake; only control events expected", n)
	}
	t.Logf("10 min of speech, no wake: %d bytes on the socket (control events only)", ha.BytesRead())
}
