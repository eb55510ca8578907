package runtime

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/wavfile"
	"github.com/genie-voice/genie/configs"
	"github.com/genie-voice/genie/internal/sharedtest"
)

// benchConfig loads the bench profile with its files redirected into dir.
func benchConfig(t testing.TB, dir string) *configs.Config {
	t.Helper()
	c, err := configs.Load("../../configs/bench.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The push-to-talk turn of issue 3's fixture; tests that want the profile's own wake
	// word say so.
	c.Mic.File = "../../testdata/turn_what_time_16k.wav"
	c.Triggers.PushToTalk.PressAt = []time.Duration{1500 * time.Millisecond}
	c.Wakeword.Models = nil
	c.Mic.Speed = "max"
	c.Speaker.File = filepath.Join(dir, "speaker.wav")
	c.OutDir = dir
	c.DataDir = filepath.Join(dir, "state")
	return c
}

func TestBenchTurnCompletes(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	st, err := Run(context.Background(), benchConfig(t, dir), Opts{Events: &out})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("timeline:\n%s", out.String())
	// "What time is it?" is spoken from 1.70 s to 2.954 s in the fixture: the VAD must
	// see it start, and the endpointer end the utterance 0.7 s after it stops.
	want := []string{
		`1.500s  button          source="action"`,
		`1.500s  state           listening reason="button" turn=1`,
		`1.500s  utterance-start reason="button" turn=1`,
		`speech-start`,
		`speech-end      reason="speech-end"`,
		`utterance-end   reason="speech-end" turn=1`,
		`state           thinking reason="speech-end" turn=1`,
		`saved           detail="` + filepath.Join(dir, "utterance-001.wav") + `" turn=1`,
		`state           speaking reason="reply" turn=1`,
		`reply-start     detail="16000 Hz/1ch" turn=1`,
		"reply-end       turn=1",
		`state           idle reason="reply played" turn=1`,
		"end",
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d events, want %d", len(lines), len(want))
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) {
			t.Errorf("event %d = %q, want it to contain %q", i, lines[i], w)
		}
	}
	var speechStart, speechEnd, decided float64
	fmt.Sscanf(lines[3], "%fs", &speechStart)
	fmt.Sscanf(lines[4], "%fs  speech-end      reason=\"speech-end\" decided=%fs", &speechEnd, &decided)
	if speechStart < 1.69 || speechStart > 1.9 {
		t.Errorf("speech started at %.3f s, the fixture speaks from 1.70 s", speechStart)
	}
	if speechEnd < 2.9 || speechEnd > 3.1 || math.Abs(decided-speechEnd-0.7) > 1e-6 {
		t.Errorf("speech ended at %.3f s, decided at %.3f s; the fixture stops at 2.954 s and the silence is 0.7 s", speechEnd, decided)
	}
	if trailing := decided - 2.954; trailing > 0.8 {
		t.Errorf("the utterance holds %.3f s of silence after the command, want ≤ 0.8 s", trailing)
	}
	if st.UpDropped != 0 || st.SpeakerDrops != 0 || st.EventDrops != 0 {
		t.Errorf("a file run at max speed lost data: %+v", st)
	}

	// The utterance is the pre-roll (500 ms before the press) plus 3 s, sample for sample.
	mic, err := wavfile.Load("../../testdata/turn_what_time_16k.wav")
	if err != nil {
		t.Fatal(err)
	}
	utt, err := wavfile.Load(filepath.Join(dir, "utterance-001.wav"))
	if err != nil {
		t.Fatal(err)
	}
	from := audio.Samples(1500e6) - 8000
	if want := int(decided*16000) - int(from); len(utt.Samples) != want {
		t.Fatalf("utterance has %d samples, want %d (0.5 s pre-roll, then up to the decision)", len(utt.Samples), want)
	}
	// Except while the wake chime (180 ms) and its echo guard (150 ms) may be heard:
	// that audio is sent as silence, whole blocks from the press on.
	guardEnd := int64(8000 + 180*16 + 150*16)
	for i, v := range utt.Samples {
		want := mic.Samples[from+int64(i)]
		if int64(i) >= 8000 && int64(i) < (guardEnd+audio.BlockSamples-1)/audio.BlockSamples*audio.BlockSamples {
			want = 0
		}
		if v != want {
			t.Fatalf("utterance sample %d = %d, want %d", i, v, want)
		}
	}

	// The speaker hears the wake chime at the press, the done chime and the reply after
	// the cap, and silence before the press.
	spk, err := wavfile.Load(filepath.Join(dir, "speaker.wav"))
	if err != nil {
		t.Fatal(err)
	}
	rate := spk.Format.SampleRate
	level := func(from, to float64) float64 {
		var peak float64
		for _, v := range spk.Samples[int(from*float64(rate)):int(to*float64(rate))] {
			peak = max(peak, float64(abs(v)))
		}
		return peak
	}
	if l := level(0, 1.49); l != 0 {
		t.Errorf("speaker before the press peaks at %v, want silence", l)
	}
	if l := level(1.5, 1.68); l < 3000 {
		t.Errorf("wake chime peaks at %v, want ≥ 3000", l)
	}
	if l := level(decided+1.0, decided+1.6); l < 3000 { // the echoed speech: after chime, gap and guard
		t.Errorf("reply peaks at %v, want ≥ 3000", l)
	}
}

func abs(v int16) int {
	if v < 0 {
		return -int(v)
	}
	return int(v)
}

func TestBenchRunsAreIdentical(t *testing.T) {
	dir := t.TempDir()
	var outs [2]bytes.Buffer
	var spk [2][]byte
	for i := range outs {
		c := benchConfig(t, dir)
		if _, err := Run(context.Background(), c, Opts{Events: &outs[i], EventsJSON: true}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(c.Speaker.File)
		if err != nil {
			t.Fatal(err)
		}
		spk[i] = b
	}
	if !bytes.Equal(outs[0].Bytes(), outs[1].Bytes()) {
		t.Errorf("event output differs between runs:\n%s\n---\n%s", outs[0].String(), outs[1].String())
	}
	if !bytes.Equal(spk[0], spk[1]) {
		t.Error("speaker wav differs between runs")
	}
}

func TestRunRejectsBadMic(t *testing.T) {
	dir := t.TempDir()
	c := benchConfig(t, dir)
	bad := filepath.Join(dir, "bad.wav")
	os.WriteFile(bad, []byte("RIFF....WAVEjunk"), 0o644)
	c.Mic.File = bad
	_, err := Run(context.Background(), c, Opts{})
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("Run with a garbage mic wav: %v, want an error naming the file", err)
	}
}

func TestWakeWordTurnEndsByNeuralVAD(t *testing.T) {
	dir := t.TempDir()
	c, models := okayNabuConfig(t, dir)
	c.VAD.Kind, c.VAD.Model = "neural", filepath.Join(models, "vad.json")
	c.Dialog.MaxUtterance = 12 * time.Second
	var out bytes.Buffer
	if _, err := Run(context.Background(), c, Opts{Events: &out}); err != nil {
		t.Fatal(err)
	}
	t.Logf("timeline:\n%s", out.String())
	lines := out.String()
	for _, w := range []string{`wake            source="okay_nabu"`, `listening reason="wake:okay_nabu"`, "speech-start", `speech-end      reason="speech-end"`, "saved", "reply-end", "idle"} {
		i := strings.Index(lines, w)
		if i < 0 {
			t.Fatalf("timeline lacks %q (in order)", w)
		}
		lines = lines[i:]
	}
	// "What time is it" ends at 4.25 s in the fixture: the utterance must hold all of it
	// and at most 0.8 s of trailing silence after the VAD's decision.
	utt, err := wavfile.Load(filepath.Join(dir, "utterance-001.wav"))
	if err != nil {
		t.Fatal(err)
	}
	if d := utt.Duration(); d < 1500*time.Millisecond || d > 3500*time.Millisecond {
		t.Errorf("utterance is %v long", d)
	}
}

func TestMutedBoardHearsNoWakeAndSendsNothing(t *testing.T) {
	dir := t.TempDir()
	c, _ := okayNabuConfig(t, dir)
	var out bytes.Buffer
	if _, err := Run(context.Background(), c, Opts{Events: &out, StartMuted: true}); err != nil {
		t.Fatal(err)
	}
	t.Logf("timeline:\n%s", out.String())
	for _, bad := range []string{"wake", "utterance-start", "saved", "listening"} {
		if strings.Contains(out.String(), bad) {
			t.Errorf("muted run shows %q", bad)
		}
	}
	if !strings.Contains(out.String(), "muted") {
		t.Error("the dialog never showed the muted state")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "utterance-*.wav")); len(m) != 0 {
		t.Errorf("muted run saved %v", m)
	}
	// The unmuted run of the same file wakes: the test above is not vacuous.
	c.DataDir = filepath.Join(dir, "state2")
	out.Reset()
	if _, err := Run(context.Background(), c, Opts{Events: &out}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `wake            source="okay_nabu"`) {
		t.Errorf("unmuted run did not wake:\n%s", out.String())
	}
}

func TestBenchRunWritesBoardFrames(t *testing.T) {
	dir := t.TempDir()
	frames := filepath.Join(dir, "frames")
	if _, err := Run(context.Background(), benchConfig(t, dir), Opts{Frames: frames}); err != nil {
		t.Fatal(err)
	}
	for _, state := range []string{"listening", "speaking"} {
		if m, _ := filepath.Glob(filepath.Join(frames, "*"+state+"*.png")); len(m) == 0 {
			t.Errorf("no %s frame written", state)
		}
	}
	if _, err := os.Stat(filepath.Join(frames, "board.gif")); err != nil {
		t.Error(err)
	}
}

func TestBenchProfileWakesOnHeyGenie(t *testing.T) {
	dir := t.TempDir()
	c, err := configs.Load("../../configs/bench.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c.Mic.File, c.Mic.Speed = "../../"+c.Mic.File, "max"
	c.Speaker.File, c.OutDir, c.DataDir = filepath.Join(dir, "speaker.wav"), dir, dir
	var out bytes.Buffer
	if _, err := Run(context.Background(), c, Opts{Events: &out}); err != nil {
		t.Fatal(err)
	}
	t.Logf("timeline:\n%s", out.String())
	lines := out.String()
	for _, w := range []string{`wake            source="hey_genie"`, `listening reason="wake:hey_genie"`, "speech-start", `reason="speech-end"`, "saved", "reply-end", "idle"} {
		i := strings.Index(lines, w)
		if i < 0 {
			t.Fatalf("timeline lacks %q (in order)", w)
		}
		lines = lines[i:]
	}
	// "Turn on the kitchen lights." ends at 4.95 s: all of it is in the utterance.
	_, decided := eventTime(t, out.String(), "speech-end")
	if decided < 4.95 || decided > 4.95+0.8 {
		t.Errorf("utterance ended at %.3f s, want within 0.8 s after the command ends at 4.95 s", decided)
	}
}

// okayNabuConfig is the bench board listening for microWakeWord's okay_nabu (from
// ../shared) on the okay_nabu fixture, without push-to-talk presses.
func okayNabuConfig(t *testing.T, dir string) (c *configs.Config, models string) {
	t.Helper()
	models = sharedtest.Dir(t, "models/microwakeword")
	c = benchConfig(t, dir)
	c.Mic.File = "../../testdata/okay_nabu_turn_16k.wav"
	c.Triggers.PushToTalk.PressAt = nil
	c.Wakeword.Models = []configs.WakeModel{{Path: filepath.Join(models, "okay_nabu.json")}}
	return c, models
}
