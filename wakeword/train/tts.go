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
	"slices"
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
	Engine string // "espeak-ng", "flite", "festival" or "rhvoice"
	Name   string // e.g. "en-us+m3", "mb-us1", "slt", "ked_diphone"
	Split  Split
	// Accent is the orthography ("cs", "it", "fi", "ru", "hi", "ca", "uk",
	// "ky", "eo") English text is respelled in for a festival or RHVoice
	// voice of another language (see Respell); "" for voices that read
	// English.
	Accent string
	// Data is the espeak-ng data directory (--path) holding the variant of a
	// random speaker (see RandomVariant); "" for the system's.
	Data  string
	group string // voices of one group (same variant / speaker) share a split
}

// String returns e.g. "espeak-ng:en-us+m3".
func (v Voice) String() string { return v.Engine + ":" + v.Name }

// SynthOpts varies the prosody of one utterance.
type SynthOpts struct {
	Speed int // words per minute (espeak-ng -s), 80..260; flite and festival map it to a duration stretch
	Pitch int // 0..99 (espeak-ng -p); flite and festival diphone voices map it to a mean F0 of 80..199 Hz
	Range int // intonation range 0..99, flite and festival diphone voices: F0 deviation 10..50 Hz; 0 = the voice's own
}

// Languages the voice inventory knows. Mandarin uses espeak-ng's
// cmn-latn-pinyin voice: it reads hanzi through the cmn dictionary as pinyin
// and speaks Mandarin phonemes with tones, whereas the "cmn" voice spells the
// pinyin out with English phonemes.
var espeakBases = map[string][]string{
	"en":  {"en-us", "en", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-us-nyc", "en-gb-x-gbclan", "en-gb-x-gbcwmd"},
	"cmn": {"cmn-latn-pinyin"},
}

var mbrolaVoices = map[string][]string{"en": {"mb-us1", "mb-us2", "mb-us3", "mb-en1"}}

var fliteVoices = map[string][]string{"en": {"kal", "kal16", "awb", "rms", "slt"}}

// festivalVoices are the Debian festvox voices: kal_diphone (festvox-kallpc16k,
// the kal speaker as an LPC diphone voice), ked_diphone (festvox-kdlpc16k, a
// speaker no other engine has) and cmu_us_slt_arctic_hts (festvox-us-slt-hts,
// the slt speaker through an HMM synthesiser).
var festivalVoices = map[string][]string{"en": {"kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts"}}

// rhvoiceVoices are RHVoice's English voices (Debian non-free: rhvoice,
// rhvoice-english), used with PoolOpts.RHVoice. They are HTS statistical
// parametric voices, a family no other engine here has: four CMU ARCTIC
// speakers (alan, bdl, clb, slt) and two of RHVoice's own who speak English
// with a Russian accent (evgeniy-eng, lyubov).
var rhvoiceVoices = map[string][]string{"en": {"alan", "bdl", "clb", "slt", "evgeniy-eng", "lyubov"}}

// rhvoiceNonCommercial are the rhvoiceVoices licensed CC BY-NC-ND 4.0
// (/usr/share/doc/rhvoice-english/copyright); the others are LGPL-2.1+ like
// RHVoice itself. A model trained on their speech may be bound by their
// terms, so RHVoiceLGPL leaves them out.
var rhvoiceNonCommercial = []string{"evgeniy-eng", "lyubov"}

// The RHVoice voice sets PoolOpts.RHVoice names.
const (
	RHVoiceAll  = "all"  // all six English voices, two of them non-commercial
	RHVoiceLGPL = "lgpl" // the four LGPL-2.1+ voices: alan, bdl, clb, slt
	// RHVoiceAccents is RHVoiceLGPL and the nine LGPL-2.1+ voices of other
	// languages reading respelled English (rhvoiceAccentVoices).
	RHVoiceAccents = "lgpl-accents"
)

// RHVoiceSets are the sets PoolOpts.RHVoice may name.
var RHVoiceSets = []string{RHVoiceAll, RHVoiceLGPL, RHVoiceAccents}

// rhvoiceDir is where Debian installs RHVoice voices, as <dir>/<voice>.
const rhvoiceDir = "/usr/share/RHVoice/voices"

// festivalDir is where Debian installs festvox voices, as <dir>/<lang>/<voice>.
const festivalDir = "/usr/share/festival/voices"

// speaker names the person behind a non-espeak voice: renderings of one
// speaker by several engines share a split.
var speaker = map[string]string{
	"kal16": "kal", "kal_diphone": "kal", "ked_diphone": "ked", "cmu_us_slt_arctic_hts": "slt",
}

// fixedSplit assigns the few non-espeak speakers; espeak variants are hashed.
// rms and mb-us2 stay held out so the test figures remain comparable and
// measure voices the model never heard; the new ked speaker trains.
var fixedSplit = map[string]Split{
	"mb-us1": SplitTrain, "mb-us2": SplitTest, "mb-us3": SplitTrain, "mb-en1": SplitVal,
	"kal": SplitTrain, "awb": SplitTrain, "rms": SplitTest, "slt": SplitVal, "ked": SplitTrain,
	// RHVoice's: slt validates with flite's and festival's renderings of her.
	"alan": SplitTrain, "bdl": SplitTrain, "clb": SplitTrain, "evgeniy-eng": SplitTrain, "lyubov": SplitTrain,
}

// canonLang maps the language names the trainer accepts to the inventory's:
// "zh" and "zh-cmn" are Mandarin ("cmn").
func canonLang(lang string) string {
	switch strings.ToLower(lang) {
	case "zh", "zh-cmn", "cmn", "cmn-latn-pinyin":
		return "cmn"
	}
	return lang
}

// otherVoice returns the non-espeak voice name of engine with its speaker's
// group and split.
func otherVoice(engine, name string) Voice {
	g := name
	if s, ok := speaker[name]; ok {
		g = s
	}
	return Voice{Engine: engine, Name: name, Split: fixedSplit[g], group: g}
}

// Voices lists the voices of lang ("en", or "cmn"/"zh" for Mandarin) this
// machine can speak with, each assigned to a split by its variant or speaker:
// every espeak-ng base voice with every variant (about 15 % of variants
// validation, 15 % test, the default variant always train), and the installed
// voices of the other engines, split by speaker (see fixedSplit):
//
//	mbrola via espeak-ng  mb-us1 train, mb-us3 train, mb-en1 val, mb-us2 test
//	flite                 kal kal16 awb train, slt val, rms test
//	festival (text2wave)  kal_diphone ked_diphone train, cmu_us_slt_arctic_hts val
//	festival, accented    English respelled for Czech, Italian, Finnish, Russian,
//	                      Hindi and Catalan voices (accentVoices): czech_ph and
//	                      lp_diphone val, the other nine train
//
// Engines or voices that are not installed are left out. Mandarin has espeak-ng
// voices only.
func Voices(ctx context.Context, lang string) ([]Voice, error) {
	lang = canonLang(lang)
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
			vs = append(vs, otherVoice("espeak-ng", m))
		}
	}
	if _, err := exec.LookPath("flite"); err == nil {
		for _, f := range fliteVoices[lang] {
			vs = append(vs, otherVoice("flite", f))
		}
	}
	if _, err := exec.LookPath("text2wave"); err == nil {
		for _, f := range festivalVoices[lang] {
			if festivalInstalled(f) {
				vs = append(vs, otherVoice("festival", f))
			}
		}
		if lang == "en" {
			for _, a := range accentVoices {
				if festivalInstalled(a.name) {
					vs = append(vs, a.voice("festival"))
				}
			}
		}
	}
	return vs, nil
}

// rhVoices returns RHVoice's installed voices of lang in set (one of
// RHVoiceSets; see rhvoiceVoices and rhvoiceAccentVoices), split by speaker;
// none when RHVoice-test is missing.
func rhVoices(lang, set string) []Voice {
	if _, err := exec.LookPath("RHVoice-test"); err != nil {
		return nil
	}
	var vs []Voice
	for _, n := range rhvoiceVoices[canonLang(lang)] {
		if set != RHVoiceAll && slices.Contains(rhvoiceNonCommercial, n) {
			continue
		}
		if rhvoiceInstalled(n) {
			vs = append(vs, otherVoice("rhvoice", n))
		}
	}
	if set == RHVoiceAccents && canonLang(lang) == "en" {
		for _, a := range rhvoiceAccentVoices {
			if rhvoiceInstalled(a.name) {
				vs = append(vs, a.voice("rhvoice"))
			}
		}
	}
	return vs
}

// rhvoiceInstalled reports whether the RHVoice voice name is installed.
func rhvoiceInstalled(name string) bool {
	_, err := os.Stat(filepath.Join(rhvoiceDir, name))
	return err == nil
}

// festivalInstalled reports whether the festvox voice name is installed.
func festivalInstalled(name string) bool {
	m, _ := filepath.Glob(filepath.Join(festivalDir, "*", name))
	return len(m) > 0
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

// synthCmd returns the command that speaks text with v into the WAV file path
// (relative to the command's Dir, which the caller sets).
func synthCmd(ctx context.Context, v Voice, text string, o SynthOpts, path string) (*exec.Cmd, error) {
	switch v.Engine {
	case "espeak-ng":
		args := []string{"-v", v.Name, "-s", strconv.Itoa(o.Speed), "-p", strconv.Itoa(o.Pitch), "-w", path, text}
		if v.Data != "" {
			args = append([]string{"--path=" + v.Data}, args...)
		}
		return exec.CommandContext(ctx, "espeak-ng", args...), nil
	case "flite":
		if !knownVoice(fliteVoices, v.Name) {
			// flite silently falls back to kal for a voice it lacks.
			return nil, fmt.Errorf("train: unknown flite voice %q", v.Name)
		}
		// rms (a clustergen voice) ignores the F0 settings; the others follow them.
		args := []string{"-voice", v.Name, "--setf", "duration_stretch=" + o.stretch(), "--setf", "int_f0_target_mean=" + o.f0Mean()}
		if o.Range > 0 {
			args = append(args, "--setf", "int_f0_target_stddev="+o.f0Std())
		}
		return exec.CommandContext(ctx, "flite", append(args, "-t", text, "-o", path)...), nil
	case "festival":
		if !knownFestivalVoice(v.Name) {
			return nil, fmt.Errorf("train: unknown festival voice %q", v.Name)
		}
		args := []string{"-F", strconv.Itoa(audio.SampleRate), "-o", path, "-eval", "(voice_" + v.Name + ")"}
		for _, e := range festivalSettings(v, o) {
			args = append(args, "-eval", e)
		}
		cmd := festivalCmd(ctx, "text2wave", args...)
		cmd.Stdin = strings.NewReader(text)
		return cmd, nil
	case "rhvoice":
		if _, ok := rhvoiceAccentOf(v.Name); !ok && !knownVoice(rhvoiceVoices, v.Name) {
			return nil, fmt.Errorf("train: unknown rhvoice voice %q", v.Name)
		}
		// -r and -t are percentages of the voice's own rate and pitch;
		// RHVoice clamps the rate to 50..200.
		cmd := exec.CommandContext(ctx, "RHVoice-test", "-p", v.Name, "-R", strconv.Itoa(audio.SampleRate),
			"-r", o.ratePercent(), "-t", o.pitchPercent(), "-o", path)
		cmd.Stdin = strings.NewReader(text)
		return cmd, nil
	}
	return nil, fmt.Errorf("train: unknown TTS engine %q", v.Engine)
}

// knownFestivalVoice reports whether name is one of festivalVoices or
// accentVoices.
func knownFestivalVoice(name string) bool {
	_, ok := accentOf(name)
	return ok || knownVoice(festivalVoices, name)
}

// Prosody as flite and festival take it: SynthOpts.Speed as a duration
// stretch, Pitch as a mean F0 of 80..199 Hz, Range as an F0 deviation of
// 10..50 Hz (festival's default 15 Hz when 0).
func (o SynthOpts) stretch() string { return fmtf(175/float64(max(o.Speed, 60)), 2) }
func (o SynthOpts) f0Mean() string  { return fmtf(80+1.2*float64(o.Pitch), 0) }
func (o SynthOpts) f0Std() string {
	if o.Range <= 0 {
		return "15"
	}
	return fmtf(10+0.4*float64(o.Range), 0)
}

// Prosody as RHVoice takes it: Speed as a rate in percent of 175 words per
// minute (espeak-ng's default), Pitch as 70..129 % of the voice's pitch.
func (o SynthOpts) ratePercent() string  { return strconv.Itoa(100 * max(o.Speed, 60) / 175) }
func (o SynthOpts) pitchPercent() string { return strconv.Itoa(70 + 6*o.Pitch/10) }

func knownVoice(inv map[string][]string, name string) bool {
	for _, l := range inv {
		if slices.Contains(l, name) {
			return true
		}
	}
	return false
}

func fmtf(x float64, prec int) string { return strconv.FormatFloat(x, 'f', prec, 64) }

// Synthesize speaks text with v and returns 16 kHz mono samples scaled to ±1.
// tmp is a directory for the intermediate WAV file.
func Synthesize(ctx context.Context, v Voice, text string, o SynthOpts, tmp string) ([]float32, error) {
	// The tool runs in a directory of its own and writes a file named
	// relative to it, so its arguments are the same from run to run (see
	// festivalCmd).
	dir, err := os.MkdirTemp(tmp, "tts-*")
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	defer os.RemoveAll(dir)
	if text, err = voiceText(ctx, v, text); err != nil {
		return nil, err
	}
	cmd, err := synthCmd(ctx, v, text, o, "out.wav")
	if err != nil {
		return nil, err
	}
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("train: %s %q: %v: %s", v, text, err, strings.TrimSpace(stderr.String()))
	}
	clip, err := wavfile.Load(filepath.Join(dir, "out.wav"))
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
