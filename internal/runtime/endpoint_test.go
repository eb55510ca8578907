package runtime

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/wavfile"
)

// pieces of the spoken fixtures, in samples of 16 kHz audio.
type clipParts struct {
	room, whatTime, kitchen []int16
}

func loadParts(t *testing.T) clipParts {
	t.Helper()
	a, err := wavfile.Load("../../testdata/turn_what_time_16k.wav")
	if err != nil {
		t.Fatal(err)
	}
	b, err := wavfile.Load("../../testdata/hey_genie_turn_16k.wav")
	if err != nil {
		t.Fatal(err)
	}
	s := func(c []int16, from, to float64) []int16 { return c[int(from*16000):int(to*16000)] }
	return clipParts{
		room:     s(a.Samples, 0, 1.5),    // quiet pink noise, -60 dBFS
		whatTime: s(a.Samples, 1.7, 2.96), // "What time is it?"
		kitchen:  s(b.Samples, 3.2, 4.96), // "Turn on the kitchen lights."
	}
}

// room returns d of room noise.
func (p clipParts) roomFor(d time.Duration) []int16 {
	n := audio.Samples(d)
	out := make([]int16, 0, n)
	for int64(len(out)) < n {
		out = append(out, p.room[:min(int64(len(p.room)), n-int64(len(out)))]...)
	}
	return out
}

// runGenerated runs the bench board (classic VAD, press at 1 s) on samples and returns
// the timeline.
func runGenerated(t *testing.T, samples []int16) string {
	t.Helper()
	dir := t.TempDir()
	mic := filepath.Join(dir, "mic.wav")
	if err := wavfile.Save(mic, audio.Clip{Format: audio.Canonical, Samples: samples}); err != nil {
		t.Fatal(err)
	}
	c := benchConfig(t, dir)
	c.Mic.File = mic
	c.Triggers.PushToTalk.PressAt = []time.Duration{time.Second}
	var out bytes.Buffer
	if _, err := Run(context.Background(), c, Opts{Events: &out}); err != nil {
		t.Fatal(err)
	}
	t.Logf("timeline:\n%s", out.String())
	return out.String()
}

func eventTime(t *testing.T, timeline, kind string) (at, decided float64) {
	t.Helper()
	for _, l := range strings.Split(timeline, "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[1] == kind {
			fmt.Sscanf(f[0], "%fs", &at)
			if i := strings.Index(l, "decided="); i >= 0 {
				fmt.Sscanf(l[i:], "decided=%fs", &decided)
			}
			return at, decided
		}
	}
	t.Fatalf("no %s event", kind)
	return 0, 0
}

func TestSilenceOnlyTimesOut(t *testing.T) {
	p := loadParts(t)
	tl := runGenerated(t, p.roomFor(9*time.Second))
	if at, _ := eventTime(t, tl, "no-speech"); at != 6.0 {
		t.Errorf("no-speech at %.3f s, want 6.000 (press at 1 s + the 5 s timeout)", at)
	}
	if strings.Contains(tl, "speech-start") || strings.Contains(tl, "saved") {
		t.Error("room noise was taken for speech")
	}
}

func TestMonologueIsCutAtTheCap(t *testing.T) {
	p := loadParts(t)
	s := p.roomFor(time.Second)
	for len(s) < 17*16000 {
		s = append(s, p.whatTime...)
		s = append(s, p.kitchen...)
	}
	s = append(s, p.roomFor(time.Second)...)
	tl := runGenerated(t, s)
	if _, decided := eventTime(t, tl, "speech-end"); decided != 13.0 {
		t.Errorf("monologue cut at %.3f s, want 13.000 (press at 1 s + the 12 s cap)", decided)
	}
	if !strings.Contains(tl, `reason="cap"`) {
		t.Error("the utterance did not end at the cap")
	}
}

func TestPauseOf400msDoesNotCutTheSentence(t *testing.T) {
	p := loadParts(t)
	s := p.roomFor(time.Second)
	s = append(s, p.whatTime...)
	s = append(s, p.roomFor(400*time.Millisecond)...)
	s = append(s, p.kitchen...)
	end := float64(len(s)) / 16000
	s = append(s, p.roomFor(3*time.Second)...)
	tl := runGenerated(t, s)
	if n := strings.Count(tl, "  speech-end "); n != 1 {
		t.Fatalf("%d speech-end events, want 1", n)
	}
	at, decided := eventTime(t, tl, "speech-end")
	if at < end-0.1 || at > end+0.1 {
		t.Errorf("speech ended at %.3f s, want the end of the second phrase at %.3f s", at, end)
	}
	if decided-end > 0.8 {
		t.Errorf("decided %.3f s after speech ended, want ≤ 0.8 s", decided-end)
	}
}
