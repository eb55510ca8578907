package train

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/wavfile"
)

// Split is the data partition a voice belongs to.
type Split int

// Splits: voices, never clips, are partitioned.
const (
	SplitTrain Split = iota
	SplitVal
	SplitTest
)

// String returns "train", "val" or "test".
func (s Split) String() string {
	switch s {
	case SplitTrain:
		return "train"
	case SplitVal:
		return "val"
	case SplitTest:
		return "test"
	}
	return "split(" + strconv.Itoa(int(s)) + ")"
}

// Voice is one local text-to-speech voice.
type Voice struct {
	Engine string // "espeak-ng" or "flite"
	Name   string // e.g. "en-us+m3", "mb-us1", "slt"
	Split  Split
	group  string // voices of one group (same variant / speaker) share a split
}

// String returns e.g. "espeak-ng:en-us+m3".
func (v Voice) String() string { return v.Engine + ":" + v.Name }

// SynthOpts varies the prosody of one utterance.
type SynthOpts struct {
	Speed int // words per minute (espeak-ng -s), 80..260; flite maps it to a duration stretch
	Pitch int // 0..99 (espeak-ng -p); flite maps it to a mean F0
}

// Languages the voice inventory knows.
var espeakBases = map[string][]string{
	"en":  {"en-us", "en", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-us-nyc", "en-gb-x-gbclan", "en-gb-x-gbcwmd"},
	"cmn": {"cmn"},
}

var mbrolaVoices = map[string][]string{"en": {"mb-us1", "mb-us2", "mb-us3", "mb-en1"}}

var fliteVoices = map[string][]string{"en": {"kal", "kal16", "awb", "rms", "slt"}}

// fixed splits for the few non-espeak voices; espeak variants are hashed.
var fixedSplit = map[string]Split{
	"mb-us1": SplitTrain, "mb-us2": SplitTest, "mb-us3": SplitTrain, "mb-en1": SplitVal,
	"kal": SplitTrain, "kal16": SplitTrain, "awb": SplitTrain, "rms": SplitTest, "slt": SplitVal,
}

// Voices lists the voices of lang ("en" or "cmn") this machine can speak with,
// each assigned to a split by its variant or speaker: every espeak-ng base voice
// with every variant (about 15 % of variants validation, 15 % test, the default
// variant always train), the installed mbrola voices and the flite voices.
func Voices(ctx context.Context, lang string) ([]Voice, error) {
	bases := espeakBases[lang]
	if len(bases) == 0 {
		return nil, fmt.Errorf("train: no voices for language %q", lang)
	}
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		return nil, errors.New("train: espeak-ng not found (apt-get install espeak-ng)")
	}
	out, err := exec.CommandContext(ctx, "espeak-ng", "--voices=variant").Output()
	if err != nil {
		return nil, fmt.Errorf("train: espeak-ng --voices=variant: %w", err)
	}
	variants := []string{""}
	for _, line := range strings.Split(string(out), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) >= 5 && strings.HasPrefix(f[4], "!v/") {
			variants = append(variants, strings.TrimPrefix(f[4], "!v/"))
		}
	}
	sort.Strings(variants[1:])
	var vs []Voice
	for _, b := range bases {
		for _, va := range variants {
			name := b
			if va != "" {
				name += "+" + va
			}
			vs = append(vs, Voice{Engine: "espeak-ng", Name: name, Split: variantSplit(va), group: va})
		}
	}
	for _, m := range mbrolaVoices[lang] {
		if _, err := os.Stat(filepath.Join("/usr/share/mbrola", strings.TrimPrefix(m, "mb-"))); err == nil {
			vs = append(vs, Voice{Engine: "espeak-ng", Name: m, Split: fixedSplit[m], group: m})
		}
	}
	if _, err := exec.LookPath("flite"); err == nil {
		for _, f := range fliteVoices[lang] {
			vs = append(vs, Voice{Engine: "flite", Name: f, Split: fixedSplit[f], group: f})
		}
	}
	return vs, nil
}

// variantSplit hashes an espeak-ng variant name into a split.
func variantSplit(variant string) Split {
	if variant == "" {
		return SplitTrain
	}
	h := fnv.New32a()
	h.Write([]byte(variant))
	switch h.Sum32() % 100 {
	case 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14:
		return SplitVal
	case 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29:
		return SplitTest
	}
	return SplitTrain
}

// Synthesize speaks text with v and returns 16 kHz mono samples scaled to ±1.
// tmp is a directory for the intermediate WAV file.
func Synthesize(ctx context.Context, v Voice, text string, o SynthOpts, tmp string) ([]float32, error) {
	f, err := os.CreateTemp(tmp, "tts-*.wav")
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	path := f.Name()
	f.Close()
	defer os.Remove(path)
	var cmd *exec.Cmd
	switch v.Engine {
	case "espeak-ng":
		cmd = exec.CommandContext(ctx, "espeak-ng", "-v", v.Name, "-s", strconv.Itoa(o.Speed), "-p", strconv.Itoa(o.Pitch), "-w", path, text)
	case "flite":
		stretch := 175 / float64(max(o.Speed, 60))
		f0 := 80 + 1.2*float64(o.Pitch)
		cmd = exec.CommandContext(ctx, "flite", "-voice", v.Name, "--setf", "duration_stretch="+strconv.FormatFloat(stretch, 'f', 2, 64),
			"--setf", "int_f0_target_mean="+strconv.FormatFloat(f0, 'f', 0, 64), "-t", text, "-o", path)
	default:
		return nil, fmt.Errorf("train: unknown TTS engine %q", v.Engine)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("train: %s %q: %v: %s", v, text, err, strings.TrimSpace(stderr.String()))
	}
	clip, err := wavfile.Load(path)
	if err != nil {
		return nil, fmt.Errorf("train: %s: %w", v, err)
	}
	return toCanonical(clip)
}

// toCanonical mixes a clip to mono float and resamples it to 16 kHz.
func toCanonical(c audio.Clip) ([]float32, error) {
	ch := c.Format.Channels
	if ch < 1 || c.Frames() == 0 {
		return nil, errors.New("train: empty audio clip")
	}
	mono := make([]float32, c.Frames())
	for i := range mono {
		var s float32
		for k := range ch {
			s += float32(c.Samples[i*ch+k])
		}
		mono[i] = s / float32(ch) / 32768
	}
	if c.Format.SampleRate == audio.SampleRate {
		return mono, nil
	}
	r, err := audio.NewResampler(c.Format.SampleRate, audio.SampleRate, len(mono)+4096)
	if err != nil {
		return nil, err
	}
	out := r.Process(nil, mono)
	// Flush the filter's delay with silence, then drop the delay.
	d := int(r.Delay())
	out = r.Process(out, make([]float32, min(d*c.Format.SampleRate/audio.SampleRate+64, len(mono)+4096)))
	if d >= len(out) {
		return nil, errors.New("train: audio clip shorter than the resampler delay")
	}
	return out[d:], nil
}
