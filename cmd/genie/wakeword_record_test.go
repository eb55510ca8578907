package main

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/wavfile"
	"github.com/genie-voice/genie/wakeword/train"
)

// sessionPCM is what a person recording takes might say into a mic (16 kHz
// mono): room noise, "hey genie" (the bench fixture's), a pause, "hey genie"
// again, then four times without a pause, a click, and "hey genie" cut off by
// the end of the recording.
func sessionPCM() ([]int16, error) {
	pcm, err := wavfile.LoadCanonical(filepath.Join("..", "..", "testdata", "hey_genie_turn_16k.wav"))
	if err != nil {
		return nil, err
	}
	phrase := pcm[int(1.45*16000):int(2.4*16000)]
	rng := rand.New(rand.NewPCG(1, 2))
	noise := func(sec float64) []int16 {
		x := make([]int16, int(sec*16000))
		for i := range x {
			x[i] = int16(30 * rng.NormFloat64())
		}
		return x
	}
	// A click: 50 ms of a tone.
	click := make([]int16, 800)
	for i := range click {
		click[i] = int16(8000 * math.Sin(2*math.Pi*1000*float64(i)/16000))
	}
	var s []int16
	// The phrase said four times without a pause is more than a take.
	parts := [][]int16{noise(1.5), phrase, noise(1.2), phrase, noise(1.2), phrase, phrase, phrase, phrase,
		noise(1.2), click, noise(1.2), phrase[:len(phrase)*3/4]}
	for _, part := range parts {
		s = append(s, part...)
	}
	return s, nil
}

// sessionWav writes sessionPCM to a wav file and returns its path.
func sessionWav(t *testing.T) string {
	t.Helper()
	s, err := sessionPCM()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "session.wav")
	if err := wavfile.Save(path, audio.Clip{Format: audio.Canonical, Samples: s}); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestWakewordRecordCutsTakes(t *testing.T) {
	session := sessionWav(t)
	dir := filepath.Join(t.TempDir(), "takes", "ann")
	var out, errb bytes.Buffer
	if err := runWakewordRecord(context.Background(), []string{"--mic", session, "--phrase", "hey genie", dir}, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	for _, want := range []string{`say "hey genie" (take 1 of 20)`, "too long, not kept", "too short, not kept", "3 takes kept in " + dir} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, name := range []string{"001.wav", "002.wav", "003.wav"} {
		c, err := wavfile.Load(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if c.Format != audio.Canonical || c.Duration().Seconds() < 0.5 || c.Duration().Seconds() > 2 {
			t.Errorf("%s: %v, %v", name, c.Format, c.Duration())
		}
	}
	// What it wrote is what training takes: one speaker's three takes.
	r, err := train.LoadRecordings(filepath.Dir(dir), "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.Pos[train.SplitTrain]); n != 3 {
		t.Errorf("training loads %d takes, want 3", n)
	}

	// A second session adds takes after the first; --count stops it.
	out.Reset()
	if err := runWakewordRecord(context.Background(), []string{dir, "--mic", session, "--count", "1"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "004.wav")); err != nil {
		t.Errorf("second session: %v\n%s", err, out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "005.wav")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("--count 1 kept a second take (%v)", err)
	}
	if !strings.Contains(out.String(), "1 takes kept") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestWakewordRecordRejectsBadArguments(t *testing.T) {
	session := sessionWav(t)
	aFile := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(aFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string // "" for errUsage
	}{
		{"no_dir", []string{"--mic", session}, ""},
		{"two_dirs", []string{"--mic", session, "a", "b"}, ""},
		{"no_takes", []string{"--mic", session, "--count", "0", dir}, "--count"},
		{"pad_past_pause", []string{"--mic", session, "--pause", "200ms", "--pad", "300ms", dir}, "padding"},
		{"bad_vad", []string{"--mic", session, "--vad", "psychic", dir}, "psychic"},
		{"missing_mic_file", []string{"--mic", filepath.Join(dir, "none.wav"), dir}, "none.wav"},
		{"dir_is_a_file", []string{"--mic", session, aFile}, aFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := runWakewordRecord(context.Background(), tc.args, &out, &errb)
			switch {
			case tc.want == "" && !errors.Is(err, errUsage):
				t.Errorf("error %v, want usage", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}
