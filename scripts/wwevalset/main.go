// Command wwevalset builds a synthetic wake-word evaluation set for
// "genie bench wakeword": the phrases "alexa", "hey jarvis", "hey mycroft" and
// "okay nabu" spoken by many synthetic voices, placed at random offsets, each
// rendered clean and at 10 dB SNR in white, pink or babble noise; and about an
// hour of negative audio (generated sentences read by the same voices, with
// pauses and noise). It writes DIR/pos/*.wav, DIR/neg/*.wav and DIR/labels.csv
// with columns file,phrase,start_s,end_s,condition,noise,voice (negatives have
// phrase "-"); DIR/neg/*.txt give each negative file's utterances (start_s,
// end_s, voice, text) to explain false accepts.
//
// Usage:
//
//	go run ./scripts/wwevalset -out /tmp/wweval [-seed 1] [-per-phrase 50] [-negative 65m] [-j 2] [-heldout]
//
// Voices: espeak-ng English voices with its variants, speeds and pitches;
// the MBROLA voices mb-us1, mb-us2, mb-us3, mb-en1 when installed (Debian
// contrib/non-free: mbrola mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1); flite's
// built-in voices. Every random choice comes from -seed, so the same tools give
// the same files. Audio is 16 kHz mono 16-bit. -heldout keeps only the voices
// genie's wake-word trainer never trains or validates on, for comparing its
// models with others on unseen voices.
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/wavfile"
	"github.com/genie-voice/genie/wakeword/train"
)

const rate = 16000

var phrases = []string{"alexa", "hey jarvis", "hey mycroft", "okay nabu"}

// spoken gives each phrase a few written forms the synthesizers read differently.
var spoken = map[string][]string{
	"alexa":       {"Alexa", "alexa.", "Alexa!"},
	"hey jarvis":  {"Hey Jarvis", "hey jarvis.", "Hey, Jarvis!"},
	"hey mycroft": {"Hey Mycroft", "hey mycroft.", "Hey, Mycroft!"},
	"okay nabu":   {"Okay Nabu", "okay nabu.", "Okay, Nabu!", "OK Nabu"},
	"hey genie":   {"Hey Genie", "hey genie.", "Hey, Genie!"},
}

func main() {
	out := flag.String("out", "", "output directory (created)")
	seed := flag.Uint64("seed", 1, "random seed")
	perPhrase := flag.Int("per-phrase", 50, "utterances per phrase; each is written clean and at 10 dB SNR")
	negative := flag.Duration("negative", 65*time.Minute, "length of negative audio")
	jobs := flag.Int("j", 2, "parallel synthesizer jobs")
	held := flag.Bool("heldout", false, "only the voices genie's wake-word trainer holds out for testing (espeak-ng test variants, mb-us2, flite rms)")
	list := flag.String("phrases", strings.Join(phrases, ","), "comma-separated phrases to speak (known: alexa, hey jarvis, hey mycroft, okay nabu, hey genie)")
	flag.Parse()
	phrases = nil
	for _, p := range strings.Split(*list, ",") {
		p = strings.TrimSpace(p)
		if _, ok := spoken[p]; !ok {
			fmt.Fprintf(os.Stderr, "wwevalset: unknown phrase %q\n", p)
			os.Exit(2)
		}
		phrases = append(phrases, p)
	}
	if *out == "" || *perPhrase < 1 || *jobs < 1 {
		flag.Usage()
		os.Exit(2)
	}
	var keep func(voice) bool
	if *held {
		var err error
		if keep, err = heldOut(); err != nil {
			fmt.Fprintf(os.Stderr, "wwevalset: %v\n", err)
			os.Exit(1)
		}
	}
	if err := run(*out, *seed, *perPhrase, *negative, *jobs, keep); err != nil {
		fmt.Fprintf(os.Stderr, "wwevalset: %v\n", err)
		os.Exit(1)
	}
}

// voice is one synthesizer setting.
type voice struct {
	engine string // "espeak-ng" or "flite"
	name   string // espeak voice[+variant] or flite voice
}

func (v voice) String() string { return v.engine + ":" + v.name }

// voices returns the synthesizer settings to draw from; keep, when not nil,
// selects some of them.
func voices(keep func(voice) bool) []voice {
	var vs []voice
	langs := []string{"en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-us-nyc", "en-gb-x-gbclan", "en-gb-x-gbcwmd"}
	variants := []string{"", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5",
		"klatt", "klatt2", "klatt3", "Alex", "Andy", "Annie", "Denis", "Gene", "Jacky", "Lee", "Mike",
		"adam", "anika", "aunty", "belinda", "david", "ed", "edward", "grandma", "grandpa", "john", "linda",
		"max", "norbert", "paul", "steph", "victor"}
	for _, l := range langs {
		for _, va := range variants {
			n := l
			if va != "" {
				n += "+" + va
			}
			if v := (voice{"espeak-ng", n}); keep == nil || keep(v) {
				vs = append(vs, v)
			}
		}
	}
	nEspeak := len(vs)
	// The MBROLA and flite voices are few but sound the most natural: repeat
	// them so that about half the utterances use one of them.
	var more []voice
	for _, mb := range []string{"us1", "us2", "us3", "en1"} {
		if _, err := os.Stat("/usr/share/mbrola/" + mb); err == nil {
			if v := (voice{"espeak-ng", "mb-" + mb}); keep == nil || keep(v) {
				more = append(more, v)
			}
		}
	}
	if _, err := exec.LookPath("flite"); err == nil {
		for _, f := range []string{"kal", "kal16", "awb", "rms", "slt"} {
			if v := (voice{"flite", f}); keep == nil || keep(v) {
				more = append(more, v)
			}
		}
	}
	for i := 0; len(more) > 0 && i < nEspeak; i++ {
		vs = append(vs, more[i%len(more)])
	}
	return vs
}

// heldOut keeps the voices genie's wake-word trainer holds out for its test
// split (train.Voices: espeak-ng variants by name, MBROLA and flite voices by
// speaker), so that a bench on the set measures the trained models on voices
// they never heard, side by side with models trained elsewhere.
func heldOut() (func(voice) bool, error) {
	vs, err := train.Voices(context.Background(), "en")
	if err != nil {
		return nil, err
	}
	variants, names := map[string]bool{}, map[string]bool{}
	for _, v := range vs {
		if v.Split != train.SplitTest {
			continue
		}
		if base, va, ok := strings.Cut(v.Name, "+"); v.Engine == "espeak-ng" && ok && !strings.HasPrefix(base, "mb-") {
			variants[va] = true
		} else if v.Engine != "espeak-ng" || strings.HasPrefix(v.Name, "mb-") {
			names[v.Name] = true
		}
	}
	return func(v voice) bool {
		if v.engine == "espeak-ng" && !strings.HasPrefix(v.name, "mb-") {
			_, va, ok := strings.Cut(v.name, "+")
			return ok && variants[va]
		}
		return names[v.name]
	}, nil
}

// say renders text with v at speed s (1 = normal) and pitch p (0..99, espeak)
// and returns 16 kHz samples with leading and trailing silence removed.
func say(tmp string, v voice, text string, speed float64, pitch int) ([]int16, error) {
	f, err := os.CreateTemp(tmp, "say*.wav")
	if err != nil {
		return nil, err
	}
	f.Close()
	defer os.Remove(f.Name())
	var cmd *exec.Cmd
	switch v.engine {
	case "espeak-ng":
		cmd = exec.Command("espeak-ng", "-v", v.name, "-s", strconv.Itoa(int(160*speed)), "-p", strconv.Itoa(pitch), "-w", f.Name(), text)
	default:
		cmd = exec.Command("flite", "-voice", v.name, "--setf", fmt.Sprintf("duration_stretch=%.2f", 1/speed), "-t", text, "-o", f.Name())
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%v %q: %v: %s", v, text, err, b)
	}
	src, err := wavfile.Open(f.Name(), wavfile.Opts{Speed: wavfile.Max})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	conv, err := audio.NewConverter(src, audio.ConvertOpts{Channel: -1})
	if err != nil {
		return nil, err
	}
	var s []int16
	buf := make([]int16, 4096)
	for {
		n, err := conv.Read(buf)
		s = append(s, buf[:n]...)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	s = trim(s)
	if len(s) < rate/10 {
		return nil, fmt.Errorf("%v %q: only %d samples of speech", v, text, len(s))
	}
	return s, nil
}

// trim cuts leading and trailing samples below 2 % of the peak, keeping 20 ms.
func trim(s []int16) []int16 {
	peak := 0
	for _, v := range s {
		peak = max(peak, abs(int(v)))
	}
	th := peak / 50
	i, j := 0, len(s)
	for i < j && abs(int(s[i])) <= th {
		i++
	}
	for j > i && abs(int(s[j-1])) <= th {
		j--
	}
	i, j = max(i-rate/50, 0), min(j+rate/50, len(s))
	return s[i:j]
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// scalePeak scales s so its peak is dbfs (dB re full scale) into a float slice.
func scalePeak(s []int16, dbfs float64) []float64 {
	peak := 1.0
	for _, v := range s {
		peak = max(peak, math.Abs(float64(v)))
	}
	g := 32767 * math.Pow(10, dbfs/20) / peak
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v) * g
	}
	return out
}

func rms(x []float64) float64 {
	var e float64
	for _, v := range x {
		e += v * v
	}
	return math.Sqrt(e / float64(max(len(x), 1)))
}

// noise returns n samples of unit-RMS noise of the kind "white", "pink" or
// "babble" (several talkers from the pool summed at random offsets).
func noise(r *rand.Rand, kind string, n int, babble [][]int16) []float64 {
	x := make([]float64, n)
	switch kind {
	case "white":
		for i := range x {
			x[i] = r.NormFloat64()
		}
	case "pink": // Paul Kellet's refined filter
		var b0, b1, b2, b3, b4, b5, b6 float64
		for i := range x {
			w := r.NormFloat64()
			b0 = 0.99886*b0 + w*0.0555179
			b1 = 0.99332*b1 + w*0.0750759
			b2 = 0.96900*b2 + w*0.1538520
			b3 = 0.86650*b3 + w*0.3104856
			b4 = 0.55000*b4 + w*0.5329522
			b5 = -0.7616*b5 - w*0.0168980
			x[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w*0.5362
			b6 = w * 0.115926
		}
	case "babble":
		for range 5 + r.IntN(3) {
			t := babble[r.IntN(len(babble))]
			g := 0.5 + r.Float64()
			off := r.IntN(len(t))
			for i := range x {
				x[i] += g * float64(t[(off+i)%len(t)])
			}
		}
	}
	g := 1 / max(rms(x), 1e-9)
	for i := range x {
		x[i] *= g
	}
	return x
}

// addNoise adds noise to x at snrDB relative to the RMS of the speech parts
// (speech[i] true); snrDB = +Inf adds only a faint floor (std 8 LSB).
func addNoise(r *rand.Rand, x []float64, speechRMS float64, kind string, snrDB float64, babble [][]int16) {
	if math.IsInf(snrDB, 1) {
		for i := range x {
			x[i] += 8 * r.NormFloat64()
		}
		return
	}
	nz := noise(r, kind, len(x), babble)
	g := speechRMS / math.Pow(10, snrDB/20)
	for i := range x {
		x[i] += g * nz[i]
	}
}

func toInt16(x []float64) []int16 {
	s := make([]int16, len(x))
	for i, v := range x {
		s[i] = int16(max(min(math.Round(v), 32767), -32768))
	}
	return s
}

func save(path string, x []float64) error {
	return wavfile.Save(path, audio.Clip{Format: audio.Canonical, Samples: toInt16(x)})
}

// item is one planned output file.
type item struct {
	file, phrase, cond, noise string
	seed                      uint64
	// positives
	v          voice
	text       string
	speed      float64
	pitch      int
	lead, tail float64 // s
	level      float64 // dBFS peak
	// negatives
	length float64 // s
	// result
	start, end float64
	voices     string
}

func run(out string, seed uint64, perPhrase int, negative time.Duration, jobs int, keep func(voice) bool) error {
	for _, d := range []string{"pos", "neg"} {
		if err := os.MkdirAll(filepath.Join(out, d), 0o755); err != nil {
			return err
		}
	}
	tmp, err := os.MkdirTemp("", "wwevalset")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	vs := voices(keep)
	if len(vs) == 0 {
		return errors.New("no voices installed")
	}
	noiseKinds := []string{"white", "pink", "babble"}

	// Babble talkers: a pool of paragraphs by different voices.
	fmt.Fprintln(os.Stderr, "wwevalset: babble pool")
	babble := make([][]int16, 16)
	type bj struct {
		v     voice
		text  string
		speed float64
		pitch int
	}
	bjs := make([]bj, len(babble))
	for i := range bjs {
		bjs[i] = bj{vs[r.IntN(len(vs))], paragraph(r, 4), 0.9 + 0.3*r.Float64(), 30 + r.IntN(40)}
	}
	if err := parallel(jobs, len(bjs), func(i int) error {
		s, err := say(tmp, bjs[i].v, bjs[i].text, bjs[i].speed, bjs[i].pitch)
		babble[i] = s
		return err
	}); err != nil {
		return err
	}

	// Plan every file first so the random choices do not depend on scheduling.
	var items []*item
	for _, ph := range phrases {
		for i := range perPhrase {
			base := item{
				phrase: ph, v: vs[r.IntN(len(vs))], text: spoken[ph][r.IntN(len(spoken[ph]))],
				speed: 0.8 + 0.45*r.Float64(), pitch: 25 + r.IntN(50),
				lead: 1.3 + 1.2*r.Float64(), tail: 1.2 + 0.8*r.Float64(), level: -3 - 15*r.Float64(),
			}
			for _, cond := range []string{"clean", "snr10"} {
				it := base
				it.cond, it.seed = cond, r.Uint64()
				it.noise = "floor"
				if cond == "snr10" {
					it.noise = noiseKinds[r.IntN(len(noiseKinds))]
				}
				it.file = fmt.Sprintf("pos/%s_%03d_%s.wav", strings.ReplaceAll(ph, " ", "_"), i, cond)
				items = append(items, &it)
			}
		}
	}
	const negLen = 60.0
	nNeg := int(math.Ceil(negative.Seconds() / negLen))
	for i := range nNeg {
		it := &item{phrase: "-", length: negLen, seed: r.Uint64(), cond: "clean", noise: "floor"}
		if i%2 == 1 {
			it.cond, it.noise = "snr10", noiseKinds[r.IntN(len(noiseKinds))]
		}
		it.file = fmt.Sprintf("neg/neg_%03d_%s.wav", i, it.cond)
		items = append(items, it)
	}

	fmt.Fprintf(os.Stderr, "wwevalset: %d files with %d voices\n", len(items), len(vs))
	var mu sync.Mutex
	done := 0
	err = parallel(jobs, len(items), func(i int) error {
		it := items[i]
		var err error
		if it.phrase == "-" {
			err = makeNegative(tmp, out, it, vs, babble)
		} else {
			err = makePositive(tmp, out, it, babble)
		}
		mu.Lock()
		done++
		if done%50 == 0 {
			fmt.Fprintf(os.Stderr, "wwevalset: %d/%d\n", done, len(items))
		}
		mu.Unlock()
		return err
	})
	if err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(out, "labels.csv"))
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"file", "phrase", "start_s", "end_s", "condition", "noise", "voice"})
	for _, it := range items {
		st, en := "", ""
		if it.phrase != "-" {
			st, en = strconv.FormatFloat(it.start, 'f', 3, 64), strconv.FormatFloat(it.end, 'f', 3, 64)
		}
		w.Write([]string{it.file, it.phrase, st, en, it.cond, it.noise, it.voices})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return f.Close()
}

func makePositive(tmp, out string, it *item, babble [][]int16) error {
	s, err := say(tmp, it.v, it.text, it.speed, it.pitch)
	if err != nil {
		return err
	}
	sp := scalePeak(s, it.level)
	lead, tail := int(it.lead*rate), int(it.tail*rate)
	x := make([]float64, lead+len(sp)+tail)
	copy(x[lead:], sp)
	r := rand.New(rand.NewPCG(it.seed, 1))
	snr := math.Inf(1)
	if it.cond == "snr10" {
		snr = 10
	}
	addNoise(r, x, rms(sp), it.noise, snr, babble)
	it.start, it.end = float64(lead)/rate, float64(lead+len(sp))/rate
	it.voices = fmt.Sprintf("%v s%.2f p%d", it.v, it.speed, it.pitch)
	return save(filepath.Join(out, it.file), x)
}

func makeNegative(tmp, out string, it *item, vs []voice, babble [][]int16) error {
	r := rand.New(rand.NewPCG(it.seed, 2))
	n := int(it.length * rate)
	x := make([]float64, n)
	var speech []float64
	var names []string
	var script strings.Builder
	pos := int((0.2 + r.Float64()) * rate)
	for pos < n {
		v := vs[r.IntN(len(vs))]
		text := paragraph(r, 1+r.IntN(4))
		s, err := say(tmp, v, text, 0.85+0.35*r.Float64(), 25+r.IntN(50))
		if err != nil {
			return err
		}
		sp := scalePeak(s, -3-15*r.Float64())
		m := copy(x[pos:], sp)
		fmt.Fprintf(&script, "%.3f\t%.3f\t%v\t%s\n", float64(pos)/rate, float64(pos+m)/rate, v, text)
		speech = append(speech, sp[:m]...)
		names = append(names, v.String())
		pos += m + int((0.3+2*r.Float64())*rate)
		if r.IntN(8) == 0 { // a stretch without speech
			pos += int((3 + 5*r.Float64()) * rate)
		}
	}
	snr := math.Inf(1)
	if it.cond == "snr10" {
		snr = 10
	}
	addNoise(r, x, rms(speech), it.noise, snr, babble)
	it.voices = fmt.Sprintf("%d utterances", len(names))
	txt := strings.TrimSuffix(it.file, ".wav") + ".txt"
	if err := os.WriteFile(filepath.Join(out, txt), []byte(script.String()), 0o644); err != nil {
		return err
	}
	return save(filepath.Join(out, it.file), x)
}

// parallel runs f(0..n-1) on jobs goroutines and returns the first error.
func parallel(jobs, n int, f func(i int) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		next int
		ferr error
	)
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := ferr != nil
				mu.Unlock()
				if i >= n || stop {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					ferr = errors.Join(ferr, err)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return ferr
}
