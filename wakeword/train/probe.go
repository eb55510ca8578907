package train

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/genie-voice/genie/wakeword"
)

// ProbeBackgrounds are the backgrounds ProbeBackground can lay under the
// phrases: none (digital silence), white, pink or brown noise, babble of
// three to six talkers, or one talker, both from the split's ordinary speech.
var ProbeBackgrounds = []string{"none", "white", "pink", "brown", "babble", "talker"}

// ProbeOpts says what ProbeBackground plays.
type ProbeOpts struct {
	Split      Split   // whose phrases and speech
	Background string  // one of ProbeBackgrounds
	SNR        float64 // background level below the phrase's active level, dB
	Lead       float64 // seconds of background before each phrase (at least 0.75: the engine ignores its first second)
	Cutoff     float64 // 0 keeps the model's
	Every      int     // play every Every-th phrase (0 or 1 for all)
	Workers    int     // phrases played at once (0 for 1)
}

// ProbeResult is what a model did on the probed phrases.
type ProbeResult struct {
	Phrases int
	Missed  int
	// MaxScores is each phrase's highest raw output (0..255) from its start
	// to 1 s after its end.
	MaxScores []uint8
}

// ProbeBackground plays each phrase of o.Split alone, at −20 dBFS, with a
// background that starts o.Lead seconds before it and runs 1 s past its end,
// through a fresh front end and engine, and counts the phrases with no
// detection between their start and 1 s after their end. Unlike the held-out
// streams, which mix backgrounds, it isolates one background, one SNR and
// one lead, to find what a model cannot hear through.
func ProbeBackground(ctx context.Context, md *wakeword.Model, pools *Pools, o ProbeOpts) (ProbeResult, error) {
	if !slices.Contains(ProbeBackgrounds, o.Background) {
		return ProbeResult{}, fmt.Errorf("train: probe background %q: want one of %v", o.Background, ProbeBackgrounds)
	}
	if o.Lead < 0.75 || o.Lead > 60 {
		return ProbeResult{}, fmt.Errorf("train: probe lead %g s: want 0.75..60 s", o.Lead)
	}
	speech := pools.Speech[o.Split]
	if (o.Background == "babble" || o.Background == "talker") && len(speech) == 0 {
		return ProbeResult{}, fmt.Errorf("train: probe background %s: the %s split has no ordinary speech", o.Background, o.Split)
	}
	var pos []Utt
	for i := 0; i < len(pools.Pos[o.Split]); i += max(o.Every, 1) {
		pos = append(pos, pools.Pos[o.Split][i])
	}
	res := ProbeResult{Phrases: len(pos), MaxScores: make([]uint8, len(pos))}
	missed := make([]bool, len(pos))
	workers := max(o.Workers, 1)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(pos); i += workers {
				if ctx.Err() != nil {
					errs[w] = ctx.Err()
					return
				}
				m, mx, err := probeOne(md, pos[i].Audio, speech, o, rand.New(rand.NewPCG(uint64(i), 9)))
				if err != nil {
					errs[w] = err
					return
				}
				missed[i], res.MaxScores[i] = m, mx
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return ProbeResult{}, err
		}
	}
	for _, m := range missed {
		if m {
			res.Missed++
		}
	}
	return res, nil
}

// probeOne plays one phrase over its background and reports whether it was
// missed and its highest raw output.
func probeOne(md *wakeword.Model, u []float32, speech []Utt, o ProbeOpts, rng *rand.Rand) (bool, uint8, error) {
	lead := int(o.Lead * sampleRate)
	n := lead + len(u) + sampleRate
	level := dbToAmp(-20)
	buf := make([]float32, n)
	addScaled(buf[lead:], u, float32(level/max(activeRMS(u), 1e-6)))
	var bg []float32
	switch o.Background {
	case "white", "pink", "brown":
		bg = coloredNoise(n, slices.Index(NoiseKinds, o.Background)-1, rng)
	case "babble":
		bg = babble(speech, n, rng)
	case "talker":
		bg = excerpt(speech, n, rng)
		normalize(bg, 1)
	}
	if bg != nil {
		addScaled(buf, bg, float32(level/dbToAmp(o.SNR)))
	}
	run, err := RunEngine(md, o.Cutoff, buf)
	if err != nil {
		return false, 0, err
	}
	var mx uint8
	for k, sc := range run.Scores {
		if e := int(run.FrameEnd[k]); e > lead && e <= n {
			mx = max(mx, sc)
		}
	}
	for _, d := range run.Detections {
		if s := int(d.Sample); s > lead && s <= n {
			return false, mx, nil
		}
	}
	return true, mx, nil
}
