package train

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestRandomVariantFile checks that every drawn variant file holds only
// attributes espeak-ng's voice files define, each with in-range numbers, and
// that a seed draws the same files again.
func TestRandomVariantFile(t *testing.T) {
	arity := map[string][2]int{ // attribute → min, max number of values
		"pitch": {2, 2}, "formant": {4, 4}, "flutter": {1, 1}, "roughness": {1, 1}, "voicing": {1, 1},
		"consonants": {2, 2}, "breath": {6, 6}, "breathw": {6, 6}, "echo": {2, 2}, "tone": {8, 8}, "klatt": {1, 1},
	}
	rng, again := rand.New(rand.NewPCG(7, 8)), rand.New(rand.NewPCG(7, 8))
	seen := map[string]int{}
	for i := range 300 {
		name := RandomVariantName(7, i)
		text := RandomVariant(name, rng)
		if text != RandomVariant(name, again) {
			t.Fatalf("variant %d differs between two draws with one seed", i)
		}
		formants := 0
		for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
			f := strings.Fields(line)
			switch f[0] {
			case "language":
				if line != "language variant" {
					t.Fatalf("%s: %q", name, line)
				}
				continue
			case "name":
				if f[1] != name {
					t.Fatalf("%s: %q", name, line)
				}
				continue
			case "gender":
				if f[1] != "male" && f[1] != "female" {
					t.Fatalf("%s: %q", name, line)
				}
				continue
			}
			n, ok := arity[f[0]]
			if !ok || len(f)-1 < n[0] || len(f)-1 > n[1] {
				t.Fatalf("%s: unexpected line %q", name, line)
			}
			seen[f[0]]++
			for _, a := range f[1:] {
				v, err := strconv.Atoi(a)
				if err != nil || v < 0 || v > 4500 {
					t.Fatalf("%s: value %q out of range in %q", name, a, line)
				}
			}
			if f[0] == "formant" {
				formants++
				if fr, _ := strconv.Atoi(f[2]); fr < 10 || fr > 300 {
					t.Fatalf("%s: formant frequency %d %% in %q", name, fr, line)
				}
			}
			if f[0] == "pitch" {
				if lo, _ := strconv.Atoi(f[1]); lo < 60 || lo > 260 {
					t.Fatalf("%s: pitch base %d Hz", name, lo)
				}
			}
		}
		if formants != 9 {
			t.Fatalf("%s: %d formant lines, want 9", name, formants)
		}
	}
	// Over 300 draws every optional attribute turns up.
	for _, a := range []string{"breath", "echo", "tone", "klatt"} {
		if seen[a] < 10 {
			t.Errorf("%q in %d of 300 variants", a, seen[a])
		}
	}
}

// TestRandomVariantVoices checks that the random speakers all train, use the
// language's base voices, and are named by seed.
func TestRandomVariantVoices(t *testing.T) {
	vs := randomVariantVoices("en", 3, 50, rand.New(rand.NewPCG(1, 1)))
	if len(vs) != 50 {
		t.Fatalf("%d voices, want 50", len(vs))
	}
	for i, v := range vs {
		base, va, _ := strings.Cut(v.Name, "+")
		if v.Split != SplitTrain || v.Engine != "espeak-ng" || !slices.Contains(espeakBases["en"], base) || va != RandomVariantName(3, i) {
			t.Fatalf("voice %d: %+v", i, v)
		}
	}
	if vs := randomVariantVoices("xx", 3, 5, rand.New(rand.NewPCG(1, 1))); vs != nil {
		t.Fatalf("unknown language: %v", vs)
	}
}

// TestEspeakOverlay speaks through an overlay with a copy of a shipped
// variant under a new name: the audio must be the shipped variant's, which
// shows espeak-ng read the file from the overlay (it falls back to the plain
// base voice for a variant it cannot find). A drawn variant must speak too.
func TestEspeakOverlay(t *testing.T) {
	needTool(t, "espeak-ng")
	ctx := context.Background()
	sys, err := espeakDataDir(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lee, err := os.ReadFile(filepath.Join(sys, "voices", "!v", "Lee"))
	if err != nil {
		t.Skipf("espeak-ng ships no Lee variant: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "data")
	drawn := RandomVariant("drawn", rand.New(rand.NewPCG(1, 2)))
	if err := espeakOverlay(ctx, dir, map[string]string{"copyoflee": string(lee), "drawn": drawn}); err != nil {
		t.Fatal(err)
	}
	o := SynthOpts{Speed: 160, Pitch: 50}
	say := func(v Voice) []float32 {
		t.Helper()
		a, err := Synthesize(ctx, v, "hey genie", o, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	shipped := say(Voice{Engine: "espeak-ng", Name: "en-us+Lee"})
	copied := say(Voice{Engine: "espeak-ng", Name: "en-us+copyoflee", Data: dir})
	plain := say(Voice{Engine: "espeak-ng", Name: "en-us"})
	if !slices.Equal(shipped, copied) {
		t.Fatalf("the overlay's copy of Lee speaks differently from Lee (%d vs %d samples)", len(copied), len(shipped))
	}
	if slices.Equal(shipped, plain) {
		t.Fatal("Lee speaks like the plain voice; the test cannot tell an overlay variant from a missing one")
	}
	if a := trimSilence(say(Voice{Engine: "espeak-ng", Name: "en-us+drawn", Data: dir})); len(a) < 3200 || slices.Equal(a, trimSilence(plain)) {
		t.Fatalf("drawn variant: %d samples, same as plain %v", len(a), slices.Equal(a, trimSilence(plain)))
	}
	if err := espeakOverlay(ctx, filepath.Join(t.TempDir(), "bad"), map[string]string{"a/b": drawn}); err == nil {
		t.Fatal("a variant name with a slash was accepted")
	}
}

// TestPrepareRandomVariants draws more speakers than one overlay holds
// (espeak-ng lists at most 349 voices) and speaks with the last of each
// overlay: each must be found, i.e. differ from its plain base voice.
func TestPrepareRandomVariants(t *testing.T) {
	needTool(t, "espeak-ng")
	ctx := context.Background()
	o := PoolOpts{Lang: "en", Seed: 5, RandomVariants: 2*overlayVariants + 50, Tmp: t.TempDir()}
	vs, err := PoolVoices(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := prepareRandomVariants(ctx, o, vs)
	if err != nil {
		t.Fatal(err)
	}
	random := vs[len(vs)-o.RandomVariants:]
	for _, i := range []int{overlayVariants - 1, 2*overlayVariants - 1, len(random) - 1} {
		v := random[i]
		base, _, _ := strings.Cut(v.Name, "+")
		if v.Data == "" || !strings.HasPrefix(v.Data, dir) {
			t.Fatalf("%s: overlay %q not under %q", v.Name, v.Data, dir)
		}
		opts := SynthOpts{Speed: 160, Pitch: 50}
		a, err := Synthesize(ctx, v, "hey genie", opts, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		b, err := Synthesize(ctx, Voice{Engine: "espeak-ng", Name: base}, "hey genie", opts, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if slices.Equal(a, b) {
			t.Errorf("%s speaks like %s: espeak-ng did not find the variant", v.Name, base)
		}
	}
	if err := espeakOverlay(ctx, filepath.Join(t.TempDir(), "big"), make(map[string]string, 0)); err != nil {
		t.Fatal(err)
	}
	big := map[string]string{}
	for i := range overlayVariants + 1 {
		big[RandomVariantName(1, i)] = "language variant\n"
	}
	if err := espeakOverlay(ctx, filepath.Join(t.TempDir(), "big"), big); err == nil {
		t.Fatal("an overlay with more than overlayVariants variants was built")
	}
}
