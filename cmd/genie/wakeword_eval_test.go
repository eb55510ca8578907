package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/wavfile"
	"github.com/genie-voice/genie/wakeword/train"
)

// fixtureUtt loads seconds from..to of a testdata wav as a pool utterance.
func fixtureUtt(t *testing.T, file string, from, to float64, voice string) train.Utt {
	t.Helper()
	pcm, err := wavfile.LoadCanonical(filepath.Join("..", "..", "testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	pcm = pcm[int(from*16000):min(int(to*16000), len(pcm))]
	u := train.Utt{Audio: make([]float32, len(pcm)), Voice: voice, Text: file}
	for i, v := range pcm {
		u.Audio[i] = float32(v) / 32768
	}
	return u
}

// evalWork writes a work directory whose held-out split is the fixtures:
// "hey genie" from the bench board's wav as the phrase, the Mandarin turn as
// the near miss, the other turns as ordinary speech.
func evalWork(t *testing.T) string {
	t.Helper()
	p := &train.Pools{Phrase: "hey genie"}
	ts := train.SplitTest
	p.Pos[ts] = []train.Utt{fixtureUtt(t, "hey_genie_turn_16k.wav", 1.45, 2.4, "espeak-ng:en")}
	p.Near[ts] = []train.Utt{fixtureUtt(t, "xiao_jing_ling_turn_16k.wav", 1.45, 2.6, "espeak-ng:cmn-latn-pinyin+f2")}
	p.Speech[ts] = []train.Utt{
		fixtureUtt(t, "turn_what_time_16k.wav", 1.6, 3.1, "espeak-ng:en"),
		fixtureUtt(t, "okay_nabu_turn_16k.wav", 1.45, 4.7, "espeak-ng:en"),
	}
	p.Voices[ts] = 1
	dir := t.TempDir()
	if err := train.SavePools(filepath.Join(dir, "pools.gob"), p); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestWakewordEval(t *testing.T) {
	work := evalWork(t)
	var out, errb bytes.Buffer
	args := []string{"--work", work, "--json", "hey_genie", "--window", "xiao_jing_ling=1", "xiao_jing_ling"}
	if err := runWakewordEval(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var res []evalResult
	dec := json.NewDecoder(&out)
	for dec.More() {
		var r evalResult
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		res = append(res, r)
	}
	if len(res) != 2 || res[0].Model != "hey_genie" || res[1].Model != "xiao_jing_ling" {
		t.Fatalf("results %+v", res)
	}
	// hey_genie wakes on its phrase clean and at 10 dB, and never on the
	// Mandarin near miss or the other turns; xiao_jing_ling (window 1 as
	// asked) never wakes on any of them.
	g, x := res[0], res[1]
	if g.Window != 5 || x.Window != 1 {
		t.Errorf("windows %d and %d, want 5 and 1", g.Window, x.Window)
	}
	if g.Own.MissClean != 0 || g.Own.Miss10dB != 0 || g.Own.FAPerHour != 0 || g.Own.NearAccept != 0 {
		t.Errorf("hey_genie at its cutoff: %+v", g.Own)
	}
	if x.Own.MissClean != 1 || x.Own.Miss10dB != 1 || x.Own.FAPerHour != 0 {
		t.Errorf("xiao_jing_ling at its cutoff: %+v", x.Own)
	}
	// The one noisy phrase lies in one background, caught by one model only.
	for _, c := range []struct {
		r    evalResult
		want float64
	}{{g, 0}, {x, 1}} {
		by := c.r.Own.Miss10dBByNoise
		if len(by) != 1 {
			t.Errorf("%s: 10 dB misses by noise %v, want one background", c.r.Model, by)
		}
		for k, v := range by {
			if v != c.want || !slices.Contains(train.NoiseKinds, k) {
				t.Errorf("%s: missed %v in %q, want %v", c.r.Model, v, k, c.want)
			}
		}
	}
	for _, r := range res {
		if len(r.AtFAh) != len(evalFAh) {
			t.Fatalf("%s: %d false-accept limits", r.Model, len(r.AtFAh))
		}
		for k, a := range r.AtFAh {
			if a.Point == nil || a.Point.FAPerHour > a.MaxFAh {
				t.Errorf("%s at ≤ %g FA/h: %+v", r.Model, a.MaxFAh, a.Point)
				continue
			}
			// A looser limit never needs a higher cutoff.
			if k > 0 && r.AtFAh[k-1].Point != nil && a.Point.Cutoff > r.AtFAh[k-1].Point.Cutoff {
				t.Errorf("%s: cutoff %.3f at ≤ %g FA/h above %.3f at ≤ %g", r.Model, a.Point.Cutoff, a.MaxFAh,
					r.AtFAh[k-1].Point.Cutoff, r.AtFAh[k-1].MaxFAh)
			}
		}
	}

	// The tables name both models and every limit.
	out.Reset()
	if err := runWakewordEval(context.Background(), []string{"--work", work, "hey_genie", "xiao_jing_ling"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 wake phrases (1 voices)", "1 near misses", "hey_genie  ", "xiao_jing_ling  ", "FA/h ≤ 0.5", "FA/h ≤ 5", "by background"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestWakewordEvalReportsRecordedSpeakers: a run trained with --recordings
// keeps them in its work directory, and eval splits out the held-out
// recorded takes.
func TestWakewordEvalReportsRecordedSpeakers(t *testing.T) {
	work := evalWork(t)
	pcm, err := wavfile.LoadCanonical(filepath.Join("..", "..", "testdata", "hey_genie_turn_16k.wav"))
	if err != nil {
		t.Fatal(err)
	}
	take := audio.Clip{Format: audio.Canonical, Samples: pcm[int(1.2*16000):int(2.6*16000)]}
	rec := t.TempDir()
	for _, sp := range []string{"ann", "bob", "cai", "dee", "eve"} { // five: one is held out
		if err := os.MkdirAll(filepath.Join(rec, sp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := wavfile.Save(filepath.Join(rec, sp, "1.wav"), take); err != nil {
			t.Fatal(err)
		}
	}
	r, err := train.LoadRecordings(rec, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := train.SaveWorkRecordings(work, r); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if err := runWakewordEval(context.Background(), []string{"--work", work, "--json", "hey_genie", "xiao_jing_ling"}, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	// hey_genie hears the recorded take, xiao_jing_ling does not.
	dec := json.NewDecoder(&out)
	for _, want := range []float64{0, 1} {
		var res evalResult
		if err := dec.Decode(&res); err != nil {
			t.Fatal(err)
		}
		if p := res.Own; p.MissRecordedClean == nil || *p.MissRecordedClean != want || p.MissRecorded10dB == nil || p.MissClean != want {
			t.Errorf("%s at its own cutoff: %+v, want recorded takes missed %v", res.Model, p, want)
		}
	}
	out.Reset()
	if err := runWakewordEval(context.Background(), []string{"--work", work, "hey_genie"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2 wake phrases (2 voices)", "recorded speakers' held-out takes", "own cutoff"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestWakewordEvalStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	if err := runWakewordEval(ctx, []string{"--work", evalWork(t), "hey_genie"}, &out, &errb); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestWakewordEvalRejectsBadInput(t *testing.T) {
	work := evalWork(t)
	garbage := t.TempDir()
	if err := os.WriteFile(filepath.Join(garbage, "pools.gob"), []byte("not a gob"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string // error substring; "" means errUsage
	}{
		{"no_work", []string{"hey_genie"}, ""},
		{"no_model", []string{"--work", work}, ""},
		{"missing_work", []string{"--work", filepath.Join(work, "nope"), "hey_genie"}, "pools.gob does not exist"},
		{"garbage_pools", []string{"--work", garbage, "hey_genie"}, "pools.gob"},
		{"unknown_model", []string{"--work", work, "no_such_model"}, "no_such_model"},
		{"bad_window", []string{"--work", work, "--window", "hey_genie=0", "hey_genie"}, "want 1..100"},
		{"window_of_no_model", []string{"--work", work, "hey_genie", "--window", "hey_jenny=3"}, "names no model"},
		{"window_not_a_number", []string{"--work", work, "hey_genie", "--window", "hey_genie=x"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := runWakewordEval(context.Background(), tc.args, &out, &errb)
			switch {
			case tc.want == "" && !errors.Is(err, errUsage):
				t.Errorf("error %v, want usage", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}
