package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Random espeak-ng speakers.
//
// espeak-ng's variants are its speakers: a variant file scales the formant
// frequencies, heights and widths of the base voice, sets the pitch, breath,
// roughness, echo and spectral tone. The ~100 variants espeak-ng ships are
// hashed into train, validation and test, so the test holds some 13 speakers
// the model never heard — and the held-out misses pile up on the odd ones
// (Lee, whose third formant sits at 9 % of its usual frequency; the whispering
// whisperf; anika). RandomVariants draws many more training speakers from the
// same parameter space, so that an unheard timbre is more likely to fall
// between ones the model did hear. They are written into an overlay of the
// espeak-ng data directory (symlinks to the system's files plus the new
// variant files, see espeakOverlay) that `espeak-ng --path` reads; nothing
// outside the work directory is touched.

// randomVariantVersion changes whenever RandomVariant draws different files
// for the same random state, so cached pools are synthesized again.
const randomVariantVersion = 1

// RandomVariantName returns the name of the i-th random variant drawn with
// seed: it changes with the generator, so names identify their content.
func RandomVariantName(seed uint64, i int) string {
	return fmt.Sprintf("genie%d-s%d-%03d", randomVariantVersion, seed, i)
}

// RandomVariant returns the text of an espeak-ng variant file named name with
// a randomly drawn timbre: vocal tract length (all formant frequencies scaled
// together, 0.8..1.25), each formant's own frequency, height and width,
// pitch base and range (Hz), flutter, roughness, voicing and consonant
// levels, and sometimes breath (down to a whisper), an echo, a spectral tone
// or the Klatt synthesizer. About one in eight variants moves one of the
// upper formants far off (0.1..0.5 or 1.6..3 times), as some shipped
// variants do.
func RandomVariant(name string, rng *rand.Rand) string {
	var b strings.Builder
	uni := func(lo, hi float64) int { return int(math.Round(lo + (hi-lo)*rng.Float64())) }
	fmt.Fprintf(&b, "language variant\nname %s\n", name)
	female := rng.IntN(2) == 0
	base := uni(60, 140)
	tract := 0.8 + 0.2*rng.Float64() // longer tract: lower formants
	if female {
		base = uni(140, 260)
		tract = 1 + 0.25*rng.Float64()
	}
	fmt.Fprintf(&b, "gender %s\npitch %d %d\n", map[bool]string{true: "female", false: "male"}[female], base, base+uni(20, 180))
	odd := -1
	if rng.IntN(8) == 0 {
		odd = 3 + rng.IntN(3)
	}
	for f := range 9 {
		freq := 100 * tract * (1 + 0.08*rng.NormFloat64())
		if f == 0 {
			freq = 100 * (1 + 0.1*rng.NormFloat64())
		}
		if f == odd {
			if rng.IntN(2) == 0 {
				freq = float64(uni(10, 50))
			} else {
				freq = float64(uni(160, 300))
			}
		}
		height, width := uni(50, 180), uni(50, 200)
		if f >= 6 {
			height = uni(0, 120)
		}
		fmt.Fprintf(&b, "formant %d %d %d %d\n", f, int(math.Round(min(max(freq, 10), 300))), height, width)
	}
	fmt.Fprintf(&b, "flutter %d\nroughness %d\n", uni(0, 30), rng.IntN(7))
	voicing := uni(40, 150)
	if rng.IntN(6) == 0 { // breathy to whispered
		voicing = uni(5, 40)
		fmt.Fprintf(&b, "breath %d %d %d %d %d %d\nbreathw %d %d %d %d %d %d\n",
			uni(20, 80), uni(20, 80), uni(10, 60), uni(10, 50), uni(5, 30), uni(0, 20),
			uni(100, 200), uni(100, 200), uni(150, 250), uni(150, 250), uni(300, 450), uni(300, 450))
	}
	fmt.Fprintf(&b, "voicing %d\nconsonants %d %d\n", voicing, uni(50, 150), uni(50, 150))
	if rng.IntN(4) == 0 {
		fmt.Fprintf(&b, "echo %d %d\n", uni(20, 250), uni(5, 35))
	}
	if rng.IntN(3) == 0 { // spectral tilt or notch: four frequency (Hz), amplitude pairs
		fmt.Fprintf(&b, "tone %d %d %d %d %d %d %d %d\n", uni(200, 600), uni(60, 255), uni(900, 1500), uni(20, 255),
			uni(1800, 2600), uni(20, 255), uni(3000, 4500), uni(10, 255))
	}
	if rng.IntN(6) == 0 {
		fmt.Fprintf(&b, "klatt %d\n", 1+rng.IntN(4))
	}
	return b.String()
}

// randomVariantVoices returns the n random training speakers of seed, each
// one variant on one of the language's base voices (drawn with rng).
func randomVariantVoices(lang string, seed uint64, n int, rng *rand.Rand) []Voice {
	bases := espeakBases[canonLang(lang)]
	if len(bases) == 0 || n <= 0 {
		return nil
	}
	vs := make([]Voice, n)
	for i := range vs {
		va := RandomVariantName(seed, i)
		vs[i] = Voice{Engine: "espeak-ng", Name: bases[rng.IntN(len(bases))] + "+" + va, Split: SplitTrain, group: va}
	}
	return vs
}

// espeakDataDir returns the directory espeak-ng reads its data from, as
// `espeak-ng --version` reports it ("… Data at: /usr/lib/…/espeak-ng-data").
func espeakDataDir(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "espeak-ng", "--version").Output()
	if err != nil {
		return "", fmt.Errorf("train: espeak-ng --version: %w", err)
	}
	_, dir, ok := strings.Cut(string(out), "Data at:")
	dir = strings.TrimSpace(dir)
	if !ok || dir == "" {
		return "", fmt.Errorf("train: espeak-ng --version names no data directory: %q", strings.TrimSpace(string(out)))
	}
	return dir, nil
}

// overlayVariants is how many variant files one espeak-ng data overlay holds.
// espeak-ng lists at most 349 voices (N_VOICES_LIST) across lang/ and
// voices/; Debian's espeak-ng-data has 131 languages, so an overlay keeps
// its own variants only (no shipped variants, no MBROLA voices) and stays
// below the limit with room to spare.
const overlayVariants = 200

// espeakOverlay builds in dir an espeak-ng data directory that is the
// system's (every entry but voices/ symlinked) with voices/!v holding only
// the variant files in variants (name → text), at most overlayVariants of
// them. Pass dir to espeak-ng as --path.
func espeakOverlay(ctx context.Context, dir string, variants map[string]string) error {
	if len(variants) > overlayVariants {
		return fmt.Errorf("train: %d variants for one espeak-ng overlay, at most %d", len(variants), overlayVariants)
	}
	sys, err := espeakDataDir(ctx)
	if err != nil {
		return err
	}
	ents, err := os.ReadDir(sys)
	if err != nil {
		return fmt.Errorf("train: espeak-ng data: %w", err)
	}
	vdir := filepath.Join(dir, "voices", "!v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	for _, e := range ents {
		if e.Name() == "voices" {
			continue
		}
		if err := os.Symlink(filepath.Join(sys, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("train: espeak-ng overlay: %w", err)
		}
	}
	for name, text := range variants {
		if strings.ContainsAny(name, "/+ ") || name == "" {
			return fmt.Errorf("train: bad variant name %q", name)
		}
		if err := os.WriteFile(filepath.Join(vdir, name), []byte(text), 0o644); err != nil {
			return fmt.Errorf("train: %w", err)
		}
	}
	return nil
}
