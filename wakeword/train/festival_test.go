package train

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// One festival process speaks a batch as text2wave speaks each utterance
// alone, for English and accented diphone voices and the HTS voices, with
// different prosody per utterance: the same length, and samples equal but for
// the noise that excites unvoiced sounds in the diphone voices (their noise
// generator is not reseeded per utterance: measured up to 0.0044 of full scale
// over about 0.1 s in a third of 32 utterances). A batch is deterministic, and
// a text the voice cannot read fails alone while the rest of the batch is kept.
func TestSynthesizeBatchMatchesText2wave(t *testing.T) {
	needTool(t, "espeak-ng")
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 6))
	texts := []string{"hey genie", Paragraph(rng, 2), "genius, hey jimmy!", "what time is it"}
	opts := []SynthOpts{{Speed: 120, Pitch: 30, Range: 20}, {Speed: 200, Pitch: 70, Range: 80}, {Speed: 160, Pitch: 50}, {Speed: 90, Pitch: 10, Range: 60}}
	voices := []Voice{{Engine: "festival", Name: "kal_diphone"}, {Engine: "festival", Name: "ked_diphone"}, {Engine: "festival", Name: "cmu_us_slt_arctic_hts"}}
	for _, a := range accentVoices {
		voices = append(voices, Voice{Engine: "festival", Name: a.name, Accent: a.lang})
	}
	for _, v := range voices {
		t.Run(v.Name, func(t *testing.T) {
			if why := installed(v); why != "" {
				skipUnlessCI(t, why)
			}
			got, errs := SynthesizeBatch(ctx, v, texts, opts, t.TempDir())
			again, _ := SynthesizeBatch(ctx, v, texts, opts, t.TempDir())
			for i, text := range texts {
				want, err := Synthesize(ctx, v, text, opts[i], t.TempDir())
				if err != nil || errs[i] != nil {
					t.Fatalf("%q: alone %v, in the batch %v", text, err, errs[i])
				}
				if len(got[i]) != len(want) {
					t.Errorf("%q: batch gives %d samples, text2wave %d", text, len(got[i]), len(want))
					continue
				}
				if !slices.Equal(got[i], again[i]) {
					t.Errorf("%q: two runs of one batch differ", text)
				}
				differ, maxDiff := 0, 0.0
				for k := range want {
					if d := math.Abs(float64(got[i][k] - want[k])); d > 0 {
						differ++
						maxDiff = max(maxDiff, d)
					}
				}
				if maxDiff > 0.01 || differ > len(want)/5 {
					t.Errorf("%q: %d of %d samples differ from text2wave's, by up to %.4f", text, differ, len(want), maxDiff)
				}
			}
		})
	}
	t.Run("bad text", func(t *testing.T) {
		v := Voice{Engine: "festival", Name: "msu_ru_nsh_clunits"}
		if why := installed(v); why != "" {
			skipUnlessCI(t, why)
		}
		// Czech letters are not in the Russian voice's rules: that text
		// fails, the Cyrillic ones around it are spoken.
		got, errs := SynthesizeBatch(ctx, v, []string{"хэй джини", "hej džíny", "джиниас"}, opts[:3], t.TempDir())
		if errs[0] != nil || errs[2] != nil || len(got[0]) == 0 || len(got[2]) == 0 {
			t.Errorf("good texts: errors %v, %v", errs[0], errs[2])
		}
		if errs[1] == nil {
			t.Error("Czech text in the Russian voice: want an error")
		}
	})
}

// A festival batch speaks the same audio every time. Unfixed, the diphone
// voices' final pauses, synthesized from memory festival never wrote, varied
// from run to run: spoken six times, this kal_diphone batch ended 4–9 of its
// 32 utterances differently (silence, noise or a full-scale click).
func TestFestivalBatchRepeats(t *testing.T) {
	needTool(t, "espeak-ng")
	v := Voice{Engine: "festival", Name: "kal_diphone"}
	if why := installed(v); why != "" {
		skipUnlessCI(t, why)
	}
	if !setarchWorks() {
		skipUnlessCI(t, "setarch -R cannot start a program here, so festival's memory layout varies")
	}
	words := []string{"hey ginny", "hey jenny", "a genie", "genius", "hey jimmy", "hey jeannie", "hey gina", "hay genie",
		"hey teeny", "hey beanie", "hey genie", "they genie", "hey, genie!", "hey jeanie", "okay genie", "hey genny"}
	rng := rand.New(rand.NewPCG(3, 4))
	var texts []string
	var opts []SynthOpts
	for range 2 {
		for _, w := range words {
			texts = append(texts, w)
			opts = append(opts, SynthOpts{Speed: 80 + rng.IntN(180), Pitch: rng.IntN(100), Range: rng.IntN(100)})
		}
	}
	const runs = 4
	var got [runs][][]float32
	var wg sync.WaitGroup
	for k := range runs {
		wg.Go(func() {
			var errs []error
			got[k], errs = SynthesizeBatch(context.Background(), v, texts, opts, t.TempDir())
			if err := errors.Join(errs...); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for k := 1; k < runs; k++ {
		for i := range texts {
			if !slices.Equal(got[0][i], got[k][i]) {
				t.Errorf("run %d, %q (#%d): %d samples, run 0 %d, not the same audio", k, texts[i], i, len(got[k][i]), len(got[0][i]))
			}
		}
	}
}
