package train

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/wavfile"
)

// festivalBatchSize is how many utterances one festival process speaks.
const festivalBatchSize = 32

// SynthesizeBatch speaks texts with one voice, each with its own prosody, and
// returns the audio (16 kHz mono, ±1) and error of each. Festival voices speak
// them in one festival process: a text2wave call spends most of its 0.4–2 s
// loading the voice (the Russian unit-selection voice is 180 MB), so one
// process per utterance made synthesis the slowest stage of training. The
// batch gives every utterance the settings, hooks and resampling text2wave
// would, so the audio is the same; an utterance the batch did not finish is
// spoken again on its own, which also reports its error. Other engines start
// quickly and speak one utterance per process.
func SynthesizeBatch(ctx context.Context, v Voice, texts []string, opts []SynthOpts, tmp string) ([][]float32, []error) {
	out := make([][]float32, len(texts))
	errs := make([]error, len(texts))
	if v.Engine == "festival" && len(texts) > 1 {
		festivalBatch(ctx, v, texts, opts, tmp, out, errs)
	}
	for i := range texts {
		if out[i] == nil && ctx.Err() == nil {
			out[i], errs[i] = Synthesize(ctx, v, texts[i], opts[i], tmp)
		}
	}
	return out, errs
}

// festivalBatch fills out[i] for every utterance one festival process spoke.
func festivalBatch(ctx context.Context, v Voice, texts []string, opts []SynthOpts, tmp string, out [][]float32, errs []error) {
	if !knownFestivalVoice(v.Name) {
		return // Synthesize reports the unknown voice
	}
	dir, err := os.MkdirTemp(tmp, "festival-*")
	if err != nil {
		return
	}
	defer os.RemoveAll(dir)
	var s strings.Builder
	// The script names its files relative to dir (see festivalCmd).
	// What text2wave does before synthesis: init and its hook list (here
	// saving each utterance of a text to <job>-<k>.wav instead of appending
	// to one file); then, per text, the voice and the settings.
	fmt.Fprintf(&s, "(load (path-append datadir \"init.scm\"))\n(gc-status nil)\n")
	fmt.Fprintf(&s, "(defvar genie_out \"\")\n(defvar genie_k 0)\n")
	fmt.Fprintf(&s, "(define (genie_save utt)\n  (utt.wave.resample utt %d)\n  (utt.save.wave utt (format nil \"%%s-%%d.wav\" genie_out genie_k) 'riff)\n  (set! genie_k (+ genie_k 1)))\n", audio.SampleRate)
	s.WriteString("(set! tts_hooks (list utt.synth genie_save))\n")
	for i, text := range texts {
		if text, err = voiceText(ctx, v, text); err != nil {
			errs[i] = err
			continue
		}
		txt := strconv.Itoa(i) + ".txt"
		if os.WriteFile(filepath.Join(dir, txt), []byte(text), 0o644) != nil {
			continue
		}
		// Selecting the voice again resets what the last utterance's
		// settings changed (its data stays loaded). The Czech voices draw
		// intonation from festival's random numbers, first sizing their range
		// with 100 draws: reseeding (a fresh festival is seeded with 1) and
		// forgetting that range replays what a fresh text2wave draws.
		fmt.Fprintf(&s, "(voice_%s)\n(srand 1)\n(set! czech-rand-range nil)\n", v.Name)
		for _, e := range festivalSettings(v, opts[i]) {
			s.WriteString(e + "\n")
		}
		fmt.Fprintf(&s, "(set! genie_out %q)\n(set! genie_k 0)\n(tts_file %q (tts_find_text_mode %q auto-text-mode-alist))\n(format t \"genie-done %d\\n\")\n",
			strconv.Itoa(i), txt, txt, i)
	}
	if os.WriteFile(filepath.Join(dir, "batch.scm"), []byte(s.String()), 0o644) != nil {
		return
	}
	cmd := festivalCmd(ctx, "festival", "--script", "batch.scm")
	cmd.Dir = dir
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	_ = cmd.Run() // a failed utterance ends the batch; the rest are redone one by one
	for _, line := range strings.Split(stdout.String(), "\n") {
		i, err := strconv.Atoi(strings.TrimPrefix(line, "genie-done "))
		if !strings.HasPrefix(line, "genie-done ") || err != nil || i < 0 || i >= len(texts) {
			continue
		}
		var pcm []int16
		var format audio.Format
		for k := 0; ; k++ {
			c, err := wavfile.Load(filepath.Join(dir, fmt.Sprintf("%d-%d.wav", i, k)))
			if err != nil {
				break
			}
			format = c.Format
			pcm = append(pcm, c.Samples...)
		}
		if len(pcm) == 0 {
			continue
		}
		if a, err := toCanonical(audio.Clip{Format: format, Samples: pcm}); err == nil {
			out[i] = a
		}
	}
}

// festivalCmd runs prog (festival or text2wave) with address space layout
// randomization off; the caller runs it in a directory of its own (Dir) and
// names files relative to it. Festival's diphone voices synthesize the second
// half of an utterance's final pause from past the end of their last diphone,
// and hindi_NSK_diphone ends on one sample past its last unit: memory festival
// never wrote. In a batch that memory holds what earlier utterances left there,
// and with randomized layout (and the batch directory's random name in the
// script) where it lies varied from run to run: the same 32-utterance
// kal_diphone batch, spoken six times, ended 4–9 of its utterances in silence
// in one run and in noise or full-scale clicks in another, and two syntheses of
// one training set differed in 3–6 of 10 862 utterances, enough to change the
// trained model. With the layout fixed (setarch -R, util-linux, which every
// Debian system has) and only relative paths in the script, a batch speaks the
// same audio every time. Without a working setarch (another system, or a
// sandbox that forbids personality(2)) festival runs as before.
func festivalCmd(ctx context.Context, prog string, args ...string) *exec.Cmd {
	if setarchWorks() {
		return exec.CommandContext(ctx, "setarch", append([]string{"-R", prog}, args...)...)
	}
	return exec.CommandContext(ctx, prog, args...)
}

// setarchWorks reports whether setarch -R can start a program here.
var setarchWorks = sync.OnceValue(func() bool {
	return exec.Command("setarch", "-R", "true").Run() == nil
})

// festivalSettings returns the Scheme expressions that set an utterance's
// prosody for v, evaluated after the voice's own setup so they override it.
// The HTS voices ignore festival's F0 model: only their speed varies.
func festivalSettings(v Voice, o SynthOpts) []string {
	if strings.HasSuffix(v.Name, "_hts") {
		return []string{"(set! hts_engine_params (append hts_engine_params '((\"-r\" " + fmtf(float64(max(o.Speed, 60))/175, 2) + "))))"}
	}
	return []string{"(Parameter.set 'Duration_Stretch " + o.stretch() + ")",
		"(set! int_lr_params '((target_f0_mean " + o.f0Mean() + ") (target_f0_std " + o.f0Std() + ") (model_f0_mean 170) (model_f0_std 34)))"}
}
