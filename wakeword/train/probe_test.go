package train

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genie-voice/genie/audio/wavfile"
	"github.com/genie-voice/genie/wakeword"
)

// probeUtt loads seconds from..to of a testdata wav as a pool utterance.
func probeUtt(t *testing.T, file string, from, to float64) Utt {
	t.Helper()
	pcm, err := wavfile.LoadCanonical(filepath.Join("..", "..", "testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	pcm = pcm[int(from*sampleRate):min(int(to*sampleRate), len(pcm))]
	u := Utt{Audio: make([]float32, len(pcm)), Voice: "fixture", Text: file}
	for i, v := range pcm {
		u.Audio[i] = float32(v) / 32768
	}
	return u
}

// TestProbeBackground plays the bench board's "hey genie" to the built-in
// model over each background: heard over silence and over quiet noise or
// talk, lost under babble and a talker 10 dB louder than the phrase.
func TestProbeBackground(t *testing.T) {
	md, err := wakeword.LoadModel(filepath.Join("..", "models", "hey_genie.json"))
	if err != nil {
		t.Fatal(err)
	}
	p := &Pools{}
	p.Pos[SplitTest] = []Utt{probeUtt(t, "hey_genie_turn_16k.wav", 1.45, 2.4)}
	p.Speech[SplitTest] = []Utt{
		probeUtt(t, "turn_what_time_16k.wav", 1.6, 3.1),
		probeUtt(t, "okay_nabu_turn_16k.wav", 1.45, 4.7),
	}
	for _, tc := range []struct {
		bg     string
		snr    float64
		missed int
	}{
		{"none", 0, 0},
		{"white", 30, 0},
		{"brown", 20, 0},
		{"talker", 30, 0},
		{"babble", -10, 1},
		{"talker", -10, 1},
	} {
		r, err := ProbeBackground(context.Background(), md, p, ProbeOpts{Split: SplitTest, Background: tc.bg, SNR: tc.snr, Lead: 2, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if r.Phrases != 1 || r.Missed != tc.missed || len(r.MaxScores) != 1 {
			t.Errorf("%s at %g dB: %+v, want %d missed of 1", tc.bg, tc.snr, r, tc.missed)
		}
		if tc.missed == 0 && float64(r.MaxScores[0]) < md.Cutoff()*255 {
			t.Errorf("%s at %g dB: detected, but the highest output %d is below the cutoff", tc.bg, tc.snr, r.MaxScores[0])
		}
	}
	for _, tc := range []struct {
		o    ProbeOpts
		want string
	}{
		{ProbeOpts{Background: "rain", Lead: 2}, "rain"},
		{ProbeOpts{Background: "white", Lead: 0.5}, "lead"},
		{ProbeOpts{Split: SplitTrain, Background: "babble", Lead: 2}, "no ordinary speech"},
	} {
		if _, err := ProbeBackground(context.Background(), md, p, tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", tc.o, err, tc.want)
		}
	}
}
