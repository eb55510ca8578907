package train

import (
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestVoiceFamily(t *testing.T) {
	for _, tc := range []struct{ voice, want string }{
		{"espeak-ng:en-us+m3", "espeak-ng"},
		{"espeak-ng:en-gb-scotland+f2", "espeak-ng"},
		{"espeak-ng:mb-us2", "mbrola:us2"},
		{"flite:rms", "flite:rms"},
		{"festival:ked_diphone", "festival:ked_diphone"},
	} {
		if got := VoiceFamily(tc.voice); got != tc.want {
			t.Errorf("VoiceFamily(%q) = %q, want %q", tc.voice, got, tc.want)
		}
	}
}

// Score marks which targets were hit, and MissByFamily splits the misses by
// voice family.
func TestMissByFamily(t *testing.T) {
	s := &Stream{
		Audio:  make([]float32, 10*sampleRate),
		Starts: []int{1 * sampleRate, 4 * sampleRate, 7 * sampleRate},
		Ends:   []int{2 * sampleRate, 5 * sampleRate, 8 * sampleRate},
		Voices: []string{"espeak-ng:en+m1", "flite:rms", "espeak-ng:en+f2"},
	}
	// A hit on the first phrase, a false accept at 3.5 s, the others missed.
	o := Score(s, []int64{2*sampleRate + 800, 3*sampleRate + 8000})
	if o.Hits != 1 || o.Other != 1 || !reflect.DeepEqual(o.Hit, []bool{true, false, false}) {
		t.Fatalf("outcome %+v", o)
	}
	want := map[string]FamilyMiss{"espeak-ng": {Targets: 2, Missed: 1}, "flite:rms": {Targets: 1, Missed: 1}}
	if got := MissByFamily(s, o); !reflect.DeepEqual(got, want) {
		t.Errorf("MissByFamily = %v, want %v", got, want)
	}
}

func TestOtherVoices(t *testing.T) {
	utts := []Utt{{Voice: "espeak-ng:en+m1"}, {Voice: "flite:rms"}, {Voice: "espeak-ng:mb-us1"}, {Voice: "espeak-ng:en-us"}, {Voice: "festival:ked_diphone"}}
	if got, want := otherVoices(utts), []int{1, 2, 4}; !reflect.DeepEqual(got, want) {
		t.Errorf("otherVoices = %v, want %v", got, want)
	}
}

// The pool cache key changes with anything that changes the synthesized
// material: sizes, seed, language, the voice list or a voice's split.
func TestPoolKey(t *testing.T) {
	base := PoolOpts{Phrase: "hey genie", Lang: "en", PosPerVoice: 2, PosPerOther: 40, SpeechPar: [3]int{1, 2, 3}, Seed: 1, Workers: 2}
	voices := []Voice{{Engine: "espeak-ng", Name: "en"}, {Engine: "flite", Name: "rms", Split: SplitTest}}
	k := base.Key(voices)
	if k2 := (PoolOpts{Phrase: "hey genie", Lang: "en", PosPerVoice: 2, PosPerOther: 40, SpeechPar: [3]int{1, 2, 3}, Seed: 1, Workers: 8, Tmp: "/x"}).Key(voices); k2 != k {
		t.Errorf("workers and tmp dir changed the key: %q vs %q", k, k2)
	}
	moved := []Voice{voices[0], {Engine: "flite", Name: "rms", Split: SplitTrain}}
	for name, other := range map[string]string{
		"phrase":   PoolOpts{Phrase: "hey jeannie", Lang: "en", PosPerVoice: 2, PosPerOther: 40, SpeechPar: [3]int{1, 2, 3}, Seed: 1}.Key(voices),
		"speech":   PoolOpts{Phrase: "hey genie", Lang: "en", PosPerVoice: 2, PosPerOther: 40, SpeechPar: [3]int{1, 9, 3}, Seed: 1}.Key(voices),
		"seed":     PoolOpts{Phrase: "hey genie", Lang: "en", PosPerVoice: 2, PosPerOther: 40, SpeechPar: [3]int{1, 2, 3}, Seed: 2}.Key(voices),
		"voices":   base.Key(voices[:1]),
		"split":    base.Key(moved),
		"perOther": PoolOpts{Phrase: "hey genie", Lang: "en", PosPerVoice: 2, PosPerOther: 10, SpeechPar: [3]int{1, 2, 3}, Seed: 1}.Key(voices),
		"perTrain": PoolOpts{Phrase: "hey genie", Lang: "en", PosPerVoice: 2, PosPerTrainVoice: 8, PosPerOther: 40, SpeechPar: [3]int{1, 2, 3}, Seed: 1}.Key(voices),
	} {
		if other == k {
			t.Errorf("changing %s kept the key %q", name, k)
		}
	}
	if strings.Contains(k, "festival") {
		t.Errorf("no festival voice, but the key names festival's layout: %q", k)
	}
	// Speech from a festival run with a random memory layout is not
	// reused by one with a fixed layout (festivalCmd).
	fk := base.Key(append(voices, Voice{Engine: "festival", Name: "kal_diphone"}))
	if want := " festival-layout fixed"; setarchWorks() && !strings.HasSuffix(fk, want) {
		t.Errorf("key with a festival voice = %q, want it to end in %q", fk, want)
	}
}

// cutoffFor's value survives the manifest's rounding and maps back to the
// same engine threshold.
func TestCutoffFor(t *testing.T) {
	for u := 1; u <= 254; u++ {
		c := cutoffFor(u)
		if got := int(math.Round(c*1000) / 1000 * 255); got != u {
			t.Errorf("cutoffFor(%d) = %v → threshold %d", u, c, got)
		}
	}
}

func TestHardWindows(t *testing.T) {
	scores := make([]uint8, 400)
	scores[110] = 200 // inference frames are 2, 5, 8, …
	scores[113] = 250 // same half second as 110: only the higher counts
	scores[200] = 90
	scores[260] = 1   // too low to count
	scores[50] = 255  // before a whole window has been seen
	scores[301] = 255 // not an inference frame
	got := hardWindows(scores, 3, 105, 10)
	if want := []int{113 - 104, 200 - 104}; !reflect.DeepEqual(got, want) {
		t.Errorf("hardWindows = %v, want %v", got, want)
	}
	if got := hardWindows(scores, 3, 105, 1); !reflect.DeepEqual(got, []int{113 - 104}) {
		t.Errorf("k=1: %v", got)
	}
}

func TestDETRank(t *testing.T) {
	miss := func(u int) float64 { return float64(u-minCutoffU) / float64(maxCutoffU-minCutoffU) }
	for _, tc := range []struct {
		name string
		fas  func(u int) int
		want float64
	}{
		// Ten false accepts at the lowest cutoff, one fewer every 10 steps:
		// ≤ 3, 2, 1, 0 are first reached 70, 80, 90, 100 steps up.
		{"falling", func(u int) int { return max(10-(u-minCutoffU)/10, 0) }, (miss(147) + miss(157) + miss(167) + miss(177)) / 4},
		{"none at all", func(int) int { return 0 }, miss(minCutoffU)},
		// One sentence that no cutoff stops: the ≤ 0 term takes the misses
		// at the highest cutoff and a tenth for the one false accept.
		{"one saturating", func(int) int { return 1 }, (3*miss(minCutoffU) + miss(maxCutoffU) + 0.1) / 4},
		{"five saturating", func(int) int { return 5 }, miss(maxCutoffU) + 0.1*(5+4+3+2)/4},
	} {
		if got := detRank(tc.fas, miss); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: rank %.6f, want %.6f", tc.name, got, tc.want)
		}
	}
}

// TestLowestCutoff checks the cutoff rule: the lowest threshold at which the
// validation speech (clean and at 10 dB together, 3 h here) wakes the model
// at most 0.5 times an hour, so one false accept passes and two do not.
func TestLowestCutoff(t *testing.T) {
	// steps(a, b) gives 2 false accepts below a, 1 below b, none from b on.
	steps := func(a, b int) func(int) int {
		return func(u int) int {
			switch {
			case u < a:
				return 2
			case u < b:
				return 1
			}
			return 0
		}
	}
	for _, tc := range []struct {
		name    string
		fas     func(int) int
		hours   float64
		wantU   int
		wantFAh float64
	}{
		{"one passes", steps(200, 230), 3, 200, 1.0 / 3},
		{"none from the start", func(int) int { return 0 }, 3, minCutoffU, 0},
		{"half the speech allows none", steps(200, 230), 1.5, 230, 0},
		{"a saturating sentence and one more", func(u int) int { return 1 + steps(240, 250)(u)/2 }, 3, 240, 1.0 / 3},
		{"never within the target", func(int) int { return 3 }, 3, maxCutoffU, 1},
	} {
		u, fah := lowestCutoff(tc.fas, tc.hours, 0.5)
		if u != tc.wantU || math.Abs(fah-tc.wantFAh) > 1e-9 {
			t.Errorf("%s: threshold %d at %.3f FA/h, want %d at %.3f", tc.name, u, fah, tc.wantU, tc.wantFAh)
		}
	}
}

// TestValSetDropsAudio checks that the validation set keeps its streams'
// frames, labels and durations but not their samples.
func TestValSetDropsAudio(t *testing.T) {
	p := renderPools()
	v, err := newValSet(p)
	if err != nil {
		t.Fatal(err)
	}
	fresh := [4]*Stream{
		valPhrases:     PhraseStream(p.Pos[SplitVal], p.Speech[SplitVal], 0, 11),
		valPhrases10dB: PhraseStream(p.Pos[SplitVal], p.Speech[SplitVal], 10, 12),
		valSpeech:      SpeechStream(p.Speech[SplitVal], 0, 13),
		valSpeech10dB:  SpeechStream(p.Speech[SplitVal], 10, 14),
	}
	for i, s := range v.streams {
		if s.Audio != nil {
			t.Errorf("stream %d keeps %d samples", i, len(s.Audio))
		}
		if s.Seconds() != fresh[i].Seconds() || s.Seconds() == 0 {
			t.Errorf("stream %d: %.2f s, want %.2f s", i, s.Seconds(), fresh[i].Seconds())
		}
		if !slices.Equal(s.Ends, fresh[i].Ends) || len(s.Speech) != len(fresh[i].Speech) {
			t.Errorf("stream %d: labels differ from a fresh stream's", i)
		}
		// One feature frame per 10 ms.
		if want := int(s.Seconds() * 100); len(v.frames[i]) < want-2 || len(v.frames[i]) > want+2 {
			t.Errorf("stream %d: %d frames for %.2f s", i, len(v.frames[i]), s.Seconds())
		}
	}
	s := SpeechStream(p.Speech[SplitVal], 0, 13)
	s.dropAudio()
	s.dropAudio() // twice keeps the length
	if s.Seconds() != fresh[valSpeech].Seconds() {
		t.Errorf("after two drops %.2f s, want %.2f s", s.Seconds(), fresh[valSpeech].Seconds())
	}
}

// TestPhraseStreamNoise checks the noise spans of a phrase stream: they tile
// the stream, name real kinds, and match what was laid down: white noise has
// far more energy at 7 kHz than brown noise or babble (of 3 kHz "speech", as
// are the excerpts between phrases of 300 Hz); clean streams carry no babble.
func TestPhraseStreamNoise(t *testing.T) {
	p := renderPools()
	utts := slices.Repeat(p.Pos[SplitTest], 10)
	for _, snr := range []float64{10, 0} {
		s := PhraseStream(utts, p.Speech[SplitTest], snr, 5)
		kinds := map[string]int{}
		hf := map[string][]float64{} // share of energy at 7 kHz per span, by kind
		end := 0
		for _, sp := range s.Noise {
			if sp.Start != end || sp.End <= sp.Start {
				t.Fatalf("snr %g: span %+v does not follow %d", snr, sp, end)
			}
			end = sp.End
			if !slices.Contains(NoiseKinds, sp.Kind) {
				t.Fatalf("snr %g: unknown kind %q", snr, sp.Kind)
			}
			kinds[sp.Kind]++
			hf[sp.Kind] = append(hf[sp.Kind], toneShare(s.Audio[sp.Start:sp.End], 7000))
		}
		if snr > 0 && len(hf["white"]) > 0 {
			lowest := slices.Min(hf["white"])
			for _, k := range []string{"brown", "babble"} {
				if len(hf[k]) > 0 && slices.Max(hf[k]) >= lowest/10 {
					t.Errorf("snr %g: %s spans reach %.2g of their energy at 7 kHz, white only %.2g", snr, k, slices.Max(hf[k]), lowest)
				}
			}
		}
		if end != len(s.Audio) {
			t.Fatalf("snr %g: spans end at %d of %d samples", snr, end, len(s.Audio))
		}
		if snr == 0 && kinds["babble"] > 0 {
			t.Errorf("clean stream with babble: %v", kinds)
		}
		if snr > 0 && (kinds["babble"] == 0 || len(kinds) < 3) {
			t.Errorf("10 dB stream kinds %v, want babble and coloured noise", kinds)
		}
		for i, e := range s.Ends {
			if s.NoiseAt(e-1) == "" {
				t.Errorf("snr %g: phrase %d has no background", snr, i)
			}
		}
	}
}

// TestMissByNoise splits misses by the background at each phrase's end.
func TestMissByNoise(t *testing.T) {
	s := &Stream{Ends: []int{100, 300, 500, 900}, Noise: []NoiseSpan{{0, 400, "babble"}, {400, 1000, "white"}}}
	got := MissByNoise(s, Outcome{Hit: []bool{true, false, false, true}})
	want := map[string]FamilyMiss{"babble": {2, 1}, "white": {2, 1}}
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := MissByNoise(&Stream{Ends: []int{5}}, Outcome{}); got != nil {
		t.Errorf("stream without noise spans: %v, want nil", got)
	}
}
