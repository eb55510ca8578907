package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/genie-voice/genie/wakeword/wwbench"
)

func TestModelName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"hey genie", "hey_genie"},
		{"  Hey, Genie! ", "hey_genie"},
		{"ok-computer 2", "ok_computer_2"},
		{"小精灵", "xiao_jing_ling"},
		{"精", ""},
	} {
		if got := ModelName(tc.in); got != tc.want {
			t.Errorf("ModelName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNearMissesExcludeThePhrase(t *testing.T) {
	nm := NearMisses("Hey Genie")
	if len(nm) < 20 {
		t.Fatalf("only %d near misses: %v", len(nm), nm)
	}
	for _, want := range []string{"hey jenny", "genie", "hey jimmy", "genius"} {
		if !slices.Contains(nm, want) {
			t.Errorf("near misses lack %q", want)
		}
	}
	if slices.Contains(nm, "hey genie") {
		t.Error("near misses contain the phrase itself")
	}
	if g := NearMisses("okay robot"); !slices.Contains(g, "robot") || !slices.Contains(g, "hey robot") {
		t.Errorf("generated near misses for a new phrase: %v", g)
	}
}

func TestSentencesAvoidTheWakeWord(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	seen := map[string]bool{}
	for range 2000 {
		s := Sentence(rng)
		if strings.Contains(s, "genie") || strings.Contains(s, "jeannie") {
			t.Fatalf("sentence contains the wake word: %q", s)
		}
		seen[s] = true
	}
	if len(seen) < 1000 {
		t.Errorf("only %d distinct sentences in 2000", len(seen))
	}
}

func tone(n int, f float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(0.5 * math.Sin(2*math.Pi*f*float64(i)/sampleRate))
	}
	return x
}

func TestAugmentations(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	x := tone(16000, 440)
	if got := len(speedPerturb(x, 1.1)); got < 14500 || got > 14600 {
		t.Errorf("speedPerturb(1.1) gives %d samples, want ~14545", got)
	}
	r := reverb(x, 0.5, rng)
	if len(r) <= len(x) {
		t.Errorf("reverb output %d samples, not longer than input %d", len(r), len(x))
	}
	if g := rms(r[:len(x)]) / rms(x); math.Abs(g-1) > 0.01 {
		t.Errorf("reverb changed the level by %.3f", g)
	}
	if tail := rms(r[len(x)+200 : len(x)+1200]); tail == 0 {
		t.Error("reverb has no tail")
	}
	y := tone(16000, 7500)
	cheapMic(y, rng)
	if rms(y[4000:]) > 0.3*rms(tone(16000, 7500)) {
		t.Errorf("cheap mic passes 7.5 kHz at %.3f", rms(y[4000:]))
	}
	padded := append(append(make([]float32, 3200), x...), make([]float32, 4800)...)
	if got := len(trimSilence(padded)); got < 15900 || got > 16100 {
		t.Errorf("trimSilence left %d samples, want ~16000", got)
	}
	for kind := range 3 {
		if v := rms(coloredNoise(8000, kind, rng)); math.Abs(v-1) > 1e-3 {
			t.Errorf("noise %d has RMS %.3f", kind, v)
		}
	}
	if v := rms(musicLike(16000, rng)); math.Abs(v-1) > 1e-3 {
		t.Errorf("music has RMS %.3f", v)
	}
}

// TestColourFilters checks the shelf and peaking responses against their
// definitions (gain in the shelf or at the centre, unity far from it), and
// that played tones come out at those gains.
func TestColourFilters(t *testing.T) {
	db := func(g float64) float64 { return 20 * math.Log10(g) }
	for _, tc := range []struct {
		name       string
		f          biquad
		at         float64 // Hz
		want       float64 // dB
		far        float64 // Hz where the gain is about 0 dB
		tolFar, db float64
	}{
		{"low shelf cut", lowShelf(300, -12), 40, -12, 6000, 0.3, 0.5},
		{"low shelf boost", lowShelf(300, 6), 40, 6, 6000, 0.3, 0.5},
		{"high shelf boost", highShelf(3000, 9), 7800, 9, 100, 0.3, 0.5},
		{"high shelf cut", highShelf(3000, -9), 7800, -9, 100, 0.3, 0.5},
		{"peak", peaking(1000, 8, 1.4), 1000, 8, 7000, 0.3, 0.01},
		{"notch", peaking(1000, -8, 1.4), 1000, -8, 60, 0.3, 0.01},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if g := db(tc.f.gainAt(tc.at)); math.Abs(g-tc.want) > tc.db {
				t.Errorf("%.1f dB at %.0f Hz, want %.1f", g, tc.at, tc.want)
			}
			if g := db(tc.f.gainAt(tc.far)); math.Abs(g) > tc.tolFar {
				t.Errorf("%.2f dB at %.0f Hz, want about 0", g, tc.far)
			}
			x := tone(16000, tc.at)
			tc.f.apply(x)
			if g := db(rms(x[4000:]) / rms(tone(16000, tc.at)[4000:])); math.Abs(g-db(tc.f.gainAt(tc.at))) > 0.1 {
				t.Errorf("a %.0f Hz tone came out at %.2f dB, response says %.2f", tc.at, g, db(tc.f.gainAt(tc.at)))
			}
		})
	}
	// colour stays within the sum of its three filters' ranges and mostly moves
	// the top of the band (its high shelf).
	rng := rand.New(rand.NewPCG(3, 3))
	changed := 0
	for range 50 {
		x := tone(8000, 7000)
		colour(x, rng)
		g := db(rms(x[2000:]) / rms(tone(8000, 7000)[2000:]))
		if g < -29 || g > 23 {
			t.Fatalf("colour changed a 7 kHz tone by %.1f dB", g)
		}
		if math.Abs(g) > 0.5 {
			changed++
		}
	}
	if changed < 40 {
		t.Errorf("colour changed a 7 kHz tone by more than 0.5 dB only %d times in 50", changed)
	}
}

// TestPrepareLeavesThePoolAlone renders many clips from one pool clip and
// checks the pool's samples are untouched (colour filters in place).
func TestPrepareLeavesThePoolAlone(t *testing.T) {
	u := tone(8000, 300)
	orig := append([]float32(nil), u...)
	rng := rand.New(rand.NewPCG(4, 4))
	for range 100 {
		prepare(u, RenderOpts{Colour: 1}, rng)
	}
	for i := range u {
		if u[i] != orig[i] {
			t.Fatalf("prepare changed the pool clip at sample %d", i)
		}
	}
}

func TestSimulateOnSyntheticScores(t *testing.T) {
	// 300 frames of zeros, then a burst of high scores, stride 3, window 3:
	// ESPHome waits 100 frames, then fires once the average exceeds the cutoff.
	r := &Run{}
	for i := range 600 {
		s := uint8(0)
		if i >= 300 && i < 330 {
			s = 250
		}
		r.Scores = append(r.Scores, s)
		r.FrameEnd = append(r.FrameEnd, int64(i*160+480))
	}
	got := Simulate(r, 3, 3, 0.9)
	if len(got) != 1 || got[0] < 300 || got[0] > 312 {
		t.Errorf("Simulate fired at %v, want once shortly after frame 300", got)
	}
	if got := Simulate(r, 3, 3, 0.99); len(got) != 0 {
		t.Errorf("Simulate fired at %v above the scores", got)
	}
}

// handRuns builds hand-made held-out runs of 1000 frames: each positive and
// near-miss stream holds targets at frames 300 and 700 whose score bursts
// (30 frames) are given, and the clean speech stream one burst of its own.
func handRuns() []testRun {
	mk := func(targets bool, bursts ...uint8) (*Stream, *Run) {
		s := &Stream{Audio: make([]float32, handFrames*160)}
		r := &Run{}
		at := []int{300, 700}
		for i := range handFrames {
			var v uint8
			for k, b := range bursts {
				if i >= at[k] && i < at[k]+30 {
					v = b
				}
			}
			r.Scores = append(r.Scores, v)
			r.FrameEnd = append(r.FrameEnd, int64(i*160+480))
		}
		if targets {
			for _, a := range at {
				s.Starts = append(s.Starts, (a-20)*160)
				s.Ends = append(s.Ends, (a+20)*160)
			}
		}
		return s, r
	}
	var runs []testRun
	for _, c := range []struct {
		name    string
		targets bool
		bursts  []uint8
	}{
		{"positive_clean", true, []uint8{250, 200}}, // 0.98, 0.78
		{"positive_10dB", true, []uint8{240, 100}},  // 0.94, 0.39
		{"near_miss_clean", true, []uint8{230, 0}},  // 0.90
		{"speech_clean", false, []uint8{215}},       // 0.84: a false accept below that
		{"speech_10dB", false, nil},
	} {
		s, r := mk(c.targets, c.bursts...)
		if c.name == "positive_10dB" {
			// the first target in babble, the second in pink noise
			s.Noise = []NoiseSpan{{0, 500 * 160, "babble"}, {500 * 160, handFrames * 160, "pink"}}
		}
		runs = append(runs, testRun{c.name, s, r})
	}
	return runs
}

const handFrames = 1000

// TestOperatingPoints replays hand-built test runs at several cutoffs.
func TestOperatingPoints(t *testing.T) {
	runs := handRuns()
	hours := 2 * float64(handFrames) / 100 / 3600
	fa := round4(1 / hours)
	got := operatingPoints(runs, 3, 3, []float64{0.5, 0.8, 0.85, 0.95})
	pinkMissed := map[string]float64{"babble": 0, "pink": 1}
	want := []OperatingPoint{
		{Cutoff: 0.5, MissClean: 0, Miss10dB: 0.5, FAPerHour: fa, NearAccept: 0.5, Miss10dBByNoise: pinkMissed},
		{Cutoff: 0.8, MissClean: 0.5, Miss10dB: 0.5, FAPerHour: fa, NearAccept: 0.5, Miss10dBByNoise: pinkMissed},
		{Cutoff: 0.85, MissClean: 0.5, Miss10dB: 0.5, FAPerHour: 0, NearAccept: 0.5, Miss10dBByNoise: pinkMissed},
		{Cutoff: 0.95, MissClean: 0.5, Miss10dB: 1, FAPerHour: 0, NearAccept: 0, Miss10dBByNoise: map[string]float64{"babble": 1, "pink": 1}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("operating points\n got %+v\nwant %+v", got, want)
	}
}

// AtFAh finds the lowest cutoff that keeps held-out false accepts at a limit.
func TestHeldOutRunAtFAh(t *testing.T) {
	r := &HeldOutRun{runs: handRuns(), stride: 3, window: 3}
	hours := 2 * float64(handFrames) / 100 / 3600
	for _, tc := range []struct {
		name  string
		maxFA float64
		ok    bool
		want  OperatingPoint // Cutoff is checked separately
	}{
		// No false accept: the cutoff must clear the speech burst (215), so
		// the second clean target (200) is missed.
		{"none", 0, true, OperatingPoint{MissClean: 0.5, Miss10dB: 0.5, NearAccept: 0.5, Miss10dBByNoise: map[string]float64{"babble": 0, "pink": 1}}},
		// The one false accept is allowed: the cutoff drops until the
		// second 10 dB target (100) fires too.
		{"one", 1 / hours, true, OperatingPoint{MissClean: 0, Miss10dB: 0, FAPerHour: round4(1 / hours), NearAccept: 0.5, Miss10dBByNoise: map[string]float64{"babble": 0, "pink": 0}}},
		{"impossible", -1, false, OperatingPoint{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := r.AtFAh(tc.maxFA)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			got := p
			got.Cutoff = 0
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("at %.3f: %+v, want %+v", p.Cutoff, got, tc.want)
			}
			// The next lower cutoff breaks the limit (or it is the lowest searched, 1/255).
			u := wwbench.CutoffU8(p.Cutoff)
			if u > 1 && r.At(cutoffFor(int(u)-1)).FAPerHour <= tc.maxFA {
				t.Errorf("cutoff %.3f is not the lowest within %.1f FA/h", p.Cutoff, tc.maxFA)
			}
			if !reflect.DeepEqual(p, r.At(p.Cutoff)) {
				t.Errorf("AtFAh %+v differs from At(%.3f) %+v", p, p.Cutoff, r.At(p.Cutoff))
			}
		})
	}
}

// renderPools is a hand-made pool for renderExample: phrases and near misses
// are 300 Hz tones, ordinary speech a 3 kHz tone, so babble (which is made
// of ordinary speech) can be told from the other backgrounds by its pitch.
func renderPools() *Pools {
	p := &Pools{}
	for s := range 3 {
		for i := range 4 {
			p.Pos[s] = append(p.Pos[s], Utt{Audio: tone(9000+500*i, 300), Voice: "espeak-ng:en"})
			p.Near[s] = append(p.Near[s], Utt{Audio: tone(9000, 320), Voice: "espeak-ng:en"})
			p.Speech[s] = append(p.Speech[s], Utt{Audio: tone(48000, 3000), Voice: "espeak-ng:en"})
		}
	}
	return p
}

// TestRenderOptsDefaults checks that spelling out the defaults (babble 0.2,
// lead up to 1 s) renders the very same examples as the zero RenderOpts,
// which is what keeps cached datasets and the built-in models unchanged.
func TestRenderOptsDefaults(t *testing.T) {
	p := renderPools()
	for kind := range KindMusic + 1 {
		for i := range 20 {
			a, ea := renderExample(p, SplitTrain, kind, 105, nil, RenderOpts{}, rand.New(rand.NewPCG(uint64(i), 1)))
			b, eb := renderExample(p, SplitTrain, kind, 105, nil, RenderOpts{Babble: 0.2, LeadMax: 1, Talkers: 3, Talker: 0}, rand.New(rand.NewPCG(uint64(i), 1)))
			if ea != eb || !slices.Equal(a, b) {
				t.Fatalf("kind %d draw %d: explicit defaults render another example", kind, i)
			}
		}
	}
	if k := (RenderOpts{}).key(); k != "" {
		t.Errorf("default key %q, want empty", k)
	}
}

// TestRenderOptsShares renders background-only examples and counts how many
// backgrounds are babble (3 kHz) and how long the leads are.
func TestRenderOptsShares(t *testing.T) {
	p := renderPools()
	cases := []struct {
		name           string
		ro             RenderOpts
		babble         float64 // expected share of babble backgrounds
		minLead, maxLd float64 // seconds
	}{
		{"defaults", RenderOpts{}, 0.2, 0.5, 1},
		{"babble half", RenderOpts{Babble: 0.5}, 0.5, 0.5, 1},
		{"babble most", RenderOpts{Babble: 0.9}, 0.9, 0.5, 1},
		{"lead 3 s", RenderOpts{LeadMax: 3}, 0.2, 0.5, 3},
	}
	const draws = 600
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var babbles int
			lo, hi := math.Inf(1), 0.0
			for i := range draws {
				x, _ := renderExample(p, SplitTrain, KindNoise, 105, nil, c.ro, rand.New(rand.NewPCG(uint64(i), 2)))
				lead := float64(len(x)-105*160-320) / 16000
				lo, hi = min(lo, lead), max(hi, lead)
				if toneShare(x, 3000) > 0.5 {
					babbles++
				}
			}
			if got := float64(babbles) / draws; math.Abs(got-c.babble) > 0.05 {
				t.Errorf("babble share %.3f, want %.2f", got, c.babble)
			}
			if lo < c.minLead || hi >= c.maxLd || hi < c.maxLd-0.1 || lo > c.minLead+0.1 {
				t.Errorf("leads %.2f..%.2f s, want %.1f..%.1f s", lo, hi, c.minLead, c.maxLd)
			}
		})
	}
}

// TestRenderTalker checks the extra talker: the training speech is a 3 kHz
// tone, so under the phrase (a 300 Hz tone) the windows that carry a talker
// 10–30 dB below it show 3 kHz at that distance. Babble backgrounds (of the
// same speech) put about a fifth of the windows there without the option.
func TestRenderTalker(t *testing.T) {
	p := renderPools()
	for _, c := range []struct {
		share    float64
		min, max float64 // share of windows with 3 kHz 7–33 dB under the phrase
	}{{0, 0.1, 0.3}, {0.5, 0.5, 0.7}, {1, 0.88, 1}} {
		if got := shareUnderPhrase(p, KindPos, RenderOpts{Talker: c.share}, -33, -7); got < c.min || got > c.max {
			t.Errorf("talker share %.1f: %.3f of windows hold a talker 7-33 dB down, want %.2f..%.2f", c.share, got, c.min, c.max)
		}
	}
}

// shareUnderPhrase renders 400 windows of kind with ro and returns the share
// whose last 0.5 s before the phrase's end hold the training speech (3 kHz)
// between loDB and hiDB relative to the rest (the phrase, 300 Hz).
func shareUnderPhrase(p *Pools, kind int, ro RenderOpts, loDB, hiDB float64) float64 {
	const draws = 400
	var in int
	for i := range draws {
		x, end := renderExample(p, SplitTrain, kind, 105, nil, ro, rand.New(rand.NewPCG(uint64(i), 4)))
		sh := toneShare(x[max(end-8000, 0):end], 3000)
		if db := 10 * math.Log10(sh/max(1-sh, 1e-12)); db > loDB && db < hiDB {
			in++
		}
	}
	return float64(in) / draws
}

// toneShare is the share of x's energy at f Hz (Goertzel over 20 ms blocks).
func toneShare(x []float32, f float64) float64 {
	const n = 320
	w := 2 * math.Pi * f / 16000
	var at, all float64
	for off := 0; off+n <= len(x); off += n {
		var s1, s2, e float64
		for _, v := range x[off : off+n] {
			s1, s2 = float64(v)+2*math.Cos(w)*s1-s2, s1
			e += float64(v) * float64(v)
		}
		at += (s1*s1 + s2*s2 - 2*math.Cos(w)*s1*s2) * 2 / n
		all += e
	}
	return at / max(all, 1e-12)
}

// TestBabbleTalkers counts the talkers in babble backgrounds: each paragraph
// of the pool is a tone of its own pitch, long enough that an excerpt never
// reaches the next one.
func TestBabbleTalkers(t *testing.T) {
	var pool []Utt
	for i := range 60 {
		pool = append(pool, Utt{Audio: tone(16000, 500+100*float64(i))})
	}
	for _, c := range []struct {
		min, fewest int // minTalkers, and the fewest distinct pitches seen
	}{{1, 1}, {3, 2}, {6, 4}} {
		fewest, most := 99, 0
		for i := range 200 {
			x := babbleOf(pool, 4000, c.min, rand.New(rand.NewPCG(uint64(i), 3)))
			var n int
			for k := range pool {
				if toneShare(x, 500+100*float64(k)) > 0.01 {
					n++
				}
			}
			fewest, most = min(fewest, n), max(most, n)
		}
		if fewest != c.fewest || most > 6 {
			t.Errorf("at least %d talkers: %d..%d pitches, want %d..6", c.min, fewest, most, c.fewest)
		}
	}
}

// TestRenderRound renders two extra rounds of a small training mix: each has
// the first rendering's kinds in order but other windows, the two differ from
// each other, and a second call reads round 1 back from the work directory:
// a file holding other windows under round 1's key is returned as it is,
// one under a stale key is rendered again.
func TestRenderRound(t *testing.T) {
	r := DefaultRecipe("hey genie")
	r.WorkDir, r.Train.Workers = t.TempDir(), 2
	r.TrainMix = Mix{KindPos: 6, KindNear: 3, KindSpeech: 4, KindNoise: 2, KindMusic: 2}
	p := renderPools()
	w := r.Train.Arch.Window
	first, err := BuildDataset(context.Background(), p, SplitTrain, r.TrainMix, w, r.Train.Seed, 2, r.Render)
	if err != nil {
		t.Fatal(err)
	}
	var rounds []*Dataset
	for k := 1; k <= 2; k++ {
		d, err := renderRound(context.Background(), r, p, "key", k)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(d.Kind, first.Kind) || d.Len() != first.Len() || d.Window != w {
			t.Fatalf("round %d: %d windows of kinds %v, want %d of %v", k, d.Len(), d.Kind, first.Len(), first.Kind)
		}
		if slices.Equal(d.X, first.X) {
			t.Errorf("round %d renders the same windows as the first rendering", k)
		}
		rounds = append(rounds, d)
	}
	if slices.Equal(rounds[0].X, rounds[1].X) {
		t.Error("rounds 1 and 2 render the same windows")
	}
	again, err := renderRound(context.Background(), r, p, "key", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.X, rounds[0].X) || again.Key != "key | round 1" {
		t.Errorf("round 1 again: key %q, windows equal %v", again.Key, slices.Equal(again.X, rounds[0].X))
	}
	// plantRound1 writes round 2's windows under key as round 1's cache file
	// and renders round 1 again.
	plantRound1 := func(key string) *Dataset {
		t.Helper()
		planted := *rounds[1]
		planted.Key = key
		if err := saveGob(filepath.Join(r.WorkDir, fmt.Sprintf("data-w%d-s%d-round1.gob", w, r.Train.Seed)), &planted); err != nil {
			t.Fatal(err)
		}
		d, err := renderRound(context.Background(), r, p, "key", 1)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if !slices.Equal(plantRound1("key | round 1").X, rounds[1].X) {
		t.Error("round 1 was rendered again instead of read from its cache file")
	}
	// A cached round with another key is rendered again, not used.
	if !slices.Equal(plantRound1("key | round 1 of an older recipe").X, rounds[0].X) {
		t.Error("a cached round with a stale key was used")
	}
}

// TestRenderPhraseBabble checks --phrase-babble: the training speech is a 3
// kHz tone, so phrase and near-miss windows over babble show 3 kHz about 5–15
// dB under the phrase (300 Hz) in its last 0.5 s (a cheap microphone's band
// limits move some outside); other kinds render as without the option.
func TestRenderPhraseBabble(t *testing.T) {
	p := renderPools()
	for _, c := range []struct {
		share    float64
		min, max float64 // share of windows with 3 kHz 4–16 dB under the phrase
	}{{0, 0, 0.1}, {0.5, 0.4, 0.6}, {1, 0.85, 1}} {
		for _, kind := range []int{KindPos, KindNear} {
			if got := shareUnderPhrase(p, kind, RenderOpts{PhraseBabble: c.share}, -16, -4); got < c.min || got > c.max {
				t.Errorf("share %.1f, kind %d: %.3f of windows hold babble 4-16 dB down, want %.2f..%.2f", c.share, kind, got, c.min, c.max)
			}
		}
	}
	for _, kind := range []int{KindSpeech, KindNoise, KindMusic} {
		for i := range 20 {
			a, _ := renderExample(p, SplitTrain, kind, 105, nil, RenderOpts{}, rand.New(rand.NewPCG(uint64(i), 1)))
			b, _ := renderExample(p, SplitTrain, kind, 105, nil, RenderOpts{PhraseBabble: 1}, rand.New(rand.NewPCG(uint64(i), 1)))
			if !slices.Equal(a, b) {
				t.Fatalf("kind %d draw %d: --phrase-babble changed a window that holds no phrase", kind, i)
			}
		}
	}
	if k := (RenderOpts{PhraseBabble: 0.3}).key(); k != " phrase-babble 0.3" {
		t.Errorf("key %q", k)
	}
}
