// Command vadset generates the labelled voice-activity set used by "genie bench vad":
// synthetic speech from several TTS voices (espeak-ng voices and variants, flite voices)
// separated by pauses, mixed with noise (white, pink, babble built from other speech,
// music-like tones, mains hum) at clean, 10 dB and 0 dB SNR.
//
// Usage:
//
//	go run ./scripts/vadset -out out/vadset [-seed 1] [-part test|train] [-scenes 4] [-scene-len 60s]
//	                        [-noises white,pink,babble,music,hum] [-snrs 10,0]
//
// The unit-test fixture in testdata/vad is the smallest such set:
//
//	go run ./scripts/vadset -out testdata/vad -seed 13 -scenes 1 -scene-len 6s -noises white -snrs 10
//
// It writes DIR/<scene>_<noise>_<snr>.wav (16 kHz mono s16; snr is "clean", "10db" or
// "0db") and DIR/labels.csv with one row "file,start_s,end_s" per speech interval. Every
// noise condition of a scene shares the same speech track, so conditions are paired.
//
// Labels are exact: each TTS clip is converted to 16 kHz with sox (no dither), its leading
// and trailing digital silence (|x| <= SilenceLevel) is trimmed at sample precision, and
// internal silent runs of at least 150 ms (pauses the TTS engine inserts at commas) split
// the clip into separate intervals. The SNR is the ratio of the mean speech power over the
// labelled intervals to the mean noise power over the whole file.
//
// -part picks disjoint halves of the voice and sentence pools (test: even indices, train:
// odd ones), so a model fitted on a train set is scored on voices and sentences it never saw.
// Output is deterministic for a given seed, part and tool versions (espeak-ng, flite, sox).
//
// Requires espeak-ng, flite and sox (apt-get install espeak-ng flite sox).
package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

const (
	rate         = 16000 // Hz
	silenceLevel = 4     // |sample| at or below this counts as digital silence (-78 dBFS)
	minPause     = 150 * rate / 1000
)

// voice is one TTS voice: an engine and its arguments.
type voice struct {
	engine string // "espeak-ng" or "flite"
	name   string // espeak-ng -v value or flite -voice value
}

// voices alternate so that both halves (-part) mix espeak-ng and flite voices.
var voices = []voice{
	{"espeak-ng", "en-us"},
	{"espeak-ng", "en-gb+f3"},
	{"flite", "slt"},
	{"flite", "awb"},
	{"espeak-ng", "en-us+m3"},
	{"espeak-ng", "en+Annie"},
	{"flite", "rms"},
	{"flite", "kal16"},
	{"espeak-ng", "en-gb-scotland+m7"},
	{"espeak-ng", "en+klatt2"},
	{"flite", "kal"}, // 8 kHz voice: band-limited speech
	{"espeak-ng", "en-029+Andy"},
	{"espeak-ng", "de+f4"},
	{"espeak-ng", "fr+m2"},
	{"espeak-ng", "en-us+belinda"},
	{"espeak-ng", "en+Michael"},
	{"espeak-ng", "es+f2"},
	{"espeak-ng", "en+Alex"},
}

var sentences = []string{
	"Turn on the lights in the kitchen.",
	"What is the weather going to be like tomorrow morning?",
	"Set a timer for twelve minutes, please.",
	"Play some relaxing music in the living room.",
	"How many kilometres is it from Paris to Berlin?",
	"Remind me to call my sister at six o'clock.",
	"The quick brown fox jumps over the lazy dog.",
	"Could you add milk, eggs and bread to the shopping list?",
	"Switch off the heating when everybody has left the house.",
	"What time does the pharmacy close on Saturdays?",
	"Read me the latest news headlines.",
	"Dim the bedroom lamp to thirty percent.",
	"Is it going to rain this afternoon?",
	"Tell me a short story about a dragon and a lighthouse.",
	"Open the garage door.",
	"How do you spell necessary?",
	"Wake me up at half past seven tomorrow.",
	"Lock the front door and arm the alarm.",
	"What's on my calendar for next Thursday?",
	"Pause the music.",
	"Increase the volume a little bit.",
	"Convert three cups of flour into grams.",
	"Who wrote the novel Pride and Prejudice?",
	"Start the vacuum cleaner in the hallway.",
	"Send a message to Alex saying I will be late.",
	"Stop.",
	"Yes, please go ahead.",
	"No, cancel that.",
	"Which planet is the largest in the solar system?",
	"Set the thermostat to twenty one degrees.",
	"Good morning, what do I need to know today?",
	"Show me the camera at the front gate.",
	"How long will it take to drive to the airport?",
	"Turn the fan on in the office, and close the blinds.",
	"What is seventeen multiplied by twenty three?",
	"Skip to the next song.",
	"Did anyone ring the doorbell while I was out?",
	"Water the plants in the garden at sunset.",
	"Translate thank you very much into Japanese.",
	"Good night.",
}

// clip is one TTS utterance at 16 kHz with its speech intervals in samples.
type clip struct {
	pcm       []float64
	intervals [][2]int // [start, end) samples
}

type scene struct {
	speech    []float64
	intervals [][2]int
}

func main() {
	out := flag.String("out", "", "output directory (required)")
	seed := flag.Uint64("seed", 1, "random seed")
	part := flag.String("part", "test", "voice/sentence half: test (even indices) or train (odd)")
	scenes := flag.Int("scenes", 4, "number of speech tracks; each is mixed with every noise condition")
	sceneLen := flag.Duration("scene-len", 60*time.Second, "length of one scene")
	noises := flag.String("noises", "white,pink,babble,music,hum", "noise types to mix in (besides clean)")
	snrs := flag.String("snrs", "10,0", "SNRs in dB for every noise type")
	flag.Parse()
	if err := run(*out, *seed, *part, *scenes, *sceneLen, *noises, *snrs); err != nil {
		fmt.Fprintf(os.Stderr, "vadset: %v\n", err)
		os.Exit(1)
	}
}

func run(out string, seed uint64, part string, nScenes int, sceneLen time.Duration, noiseList, snrList string) error {
	if out == "" {
		return errors.New("-out is required")
	}
	if sceneLen < 3*time.Second {
		return errors.New("-scene-len must be at least 3s")
	}
	useNoise := map[string]bool{}
	for _, n := range strings.Split(noiseList, ",") {
		switch n = strings.TrimSpace(n); n {
		case "white", "pink", "babble", "music", "hum":
			useNoise[n] = true
		case "":
		default:
			return fmt.Errorf("-noises: unknown noise %q", n)
		}
	}
	var snrs []int
	for _, v := range strings.Split(snrList, ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		d, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("-snrs: %q is not an integer dB", v)
		}
		snrs = append(snrs, d)
	}
	var pick int
	switch part {
	case "test":
		pick = 0
	case "train":
		pick = 1
	default:
		return fmt.Errorf("-part %q: want test or train", part)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "vadset")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	var vs []voice
	var ss []string
	for i, v := range voices {
		if i%2 == pick {
			vs = append(vs, v)
		}
	}
	for i, s := range sentences {
		if i%2 == pick {
			ss = append(ss, s)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	cache := map[string]*clip{}
	tts := func(v voice, text string, speed, pitch int) (*clip, error) {
		key := fmt.Sprintf("%s|%s|%s|%d|%d", v.engine, v.name, text, speed, pitch)
		if c, ok := cache[key]; ok {
			return c, nil
		}
		c, err := synth(tmp, v, text, speed, pitch)
		if err != nil {
			return nil, err
		}
		cache[key] = c
		return c, nil
	}
	randClip := func() (*clip, error) {
		v := vs[rng.IntN(len(vs))]
		s := ss[rng.IntN(len(ss))]
		speed, pitch := 0, 0
		if v.engine == "espeak-ng" {
			speed, pitch = 130+rng.IntN(60), 30+rng.IntN(41)
		}
		return tts(v, s, speed, pitch)
	}

	n := int(sceneLen.Seconds() * rate)
	labels, err := os.Create(filepath.Join(out, "labels.csv"))
	if err != nil {
		return err
	}
	lw := bufio.NewWriter(labels)
	fmt.Fprintln(lw, "file,start_s,end_s")
	total := 0
	for si := range nScenes {
		sc := scene{speech: make([]float64, n)}
		pos := int((0.5 + 1.5*rng.Float64()) * rate)
		for {
			c, err := randClip()
			if err != nil {
				return err
			}
			if pos+len(c.pcm) > n-rate/2 {
				break
			}
			// Active speech level -30..-18 dBFS.
			g := math.Pow(10, (-30+12*rng.Float64())/20) / activeRMS(c)
			for i, x := range c.pcm {
				sc.speech[pos+i] = g * x
			}
			for _, iv := range c.intervals {
				sc.intervals = append(sc.intervals, [2]int{pos + iv[0], pos + iv[1]})
			}
			pos += len(c.pcm)
			// Pauses: mostly 0.8..3 s, some short (0.2..0.8 s), some long (4..8 s) so
			// the set holds stretches of noise alone, as a listening device mostly hears.
			switch r := rng.IntN(12); {
			case r < 3:
				pos += int((0.2 + 0.6*rng.Float64()) * rate)
			case r < 10:
				pos += int((0.8 + 2.2*rng.Float64()) * rate)
			default:
				pos += int((4 + 4*rng.Float64()) * rate)
			}
		}
		// Babble for this scene: 6 talkers from the same half, continuous speech.
		babble := make([]float64, n)
		for range 6 {
			p := -rng.IntN(2 * rate)
			for p < n {
				c, err := randClip()
				if err != nil {
					return err
				}
				g := 1 / activeRMS(c)
				for i, x := range c.pcm {
					if j := p + i; j >= 0 && j < n {
						babble[j] += g * x
					}
				}
				p += len(c.pcm) - rate/4 // overlap clips a little: no gaps
			}
		}
		noises := []struct {
			name string
			pcm  []float64
		}{
			{"white", white(rng, n)},
			{"pink", pink(rng, n)},
			{"babble", babble},
			{"music", music(rng, n)},
			{"hum", hum(rng, n)},
		}
		base := fmt.Sprintf("s%02d", si+1)
		if err := writeScene(out, base+"_none_clean.wav", sc.speech, nil, 0, sc, lw); err != nil {
			return err
		}
		for _, nz := range noises {
			if !useNoise[nz.name] {
				continue
			}
			for _, snr := range snrs {
				name := fmt.Sprintf("%s_%s_%ddb.wav", base, nz.name, snr)
				if err := writeScene(out, name, sc.speech, nz.pcm, float64(snr), sc, lw); err != nil {
					return err
				}
			}
		}
		total += len(sc.intervals)
	}
	if err := lw.Flush(); err != nil {
		return err
	}
	if err := labels.Close(); err != nil {
		return err
	}
	fmt.Printf("vadset: %d scenes × %d conditions, %d speech intervals per condition, %d TTS clips, in %s\n",
		nScenes, 1+len(useNoise)*len(snrs), total, len(cache), out)
	return nil
}

// writeScene mixes speech with noise scaled to snr dB (nil noise: clean) and writes the wav
// and its label rows.
func writeScene(dir, name string, speech, noise []float64, snr float64, sc scene, lw *bufio.Writer) error {
	mix := make([]float64, len(speech))
	copy(mix, speech)
	if noise != nil {
		var ps float64
		var ns int
		for _, iv := range sc.intervals {
			for _, x := range speech[iv[0]:iv[1]] {
				ps += x * x
			}
			ns += iv[1] - iv[0]
		}
		ps /= float64(ns)
		var pn float64
		for _, x := range noise {
			pn += x * x
		}
		pn /= float64(len(noise))
		g := math.Sqrt(ps / pn / math.Pow(10, snr/10))
		for i, x := range noise {
			mix[i] += g * x
		}
	}
	buf := &audio.IntBuffer{Format: &audio.Format{NumChannels: 1, SampleRate: rate}, SourceBitDepth: 16, Data: make([]int, len(mix))}
	for i, x := range mix {
		buf.Data[i] = int(math.Max(-32768, math.Min(32767, math.Round(x*32768))))
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	enc := wav.NewEncoder(f, rate, 16, 1, 1)
	if err := enc.Write(buf); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := enc.Close(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, iv := range sc.intervals {
		fmt.Fprintf(lw, "%s,%.5f,%.5f\n", name, float64(iv[0])/rate, float64(iv[1])/rate)
	}
	return nil
}

// synth renders text with v and returns the 16 kHz clip with its speech intervals.
func synth(tmp string, v voice, text string, speed, pitch int) (*clip, error) {
	raw := filepath.Join(tmp, "tts.wav")
	var cmd *exec.Cmd
	switch v.engine {
	case "espeak-ng":
		cmd = exec.Command("espeak-ng", "-v", v.name, "-s", fmt.Sprint(speed), "-p", fmt.Sprint(pitch), "-w", raw, text)
	case "flite":
		cmd = exec.Command("flite", "-voice", v.name, "-t", text, "-o", raw)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s %s: %v: %s", v.engine, v.name, err, out)
	}
	conv := exec.Command("sox", "-D", raw, "-t", "raw", "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-L", "-")
	var stderr bytes.Buffer
	conv.Stderr = &stderr
	pcm, err := conv.Output()
	if err != nil {
		return nil, fmt.Errorf("sox: %v: %s", err, stderr.String())
	}
	s := make([]int16, len(pcm)/2)
	if err := binary.Read(bytes.NewReader(pcm[:2*len(s)]), binary.LittleEndian, s); err != nil {
		return nil, err
	}
	// Trim leading and trailing digital silence; split at internal pauses.
	first, last := -1, -1
	for i, x := range s {
		if x > silenceLevel || x < -silenceLevel {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return nil, fmt.Errorf("%s %s: %q rendered silence", v.engine, v.name, text)
	}
	s = s[first : last+1]
	c := &clip{pcm: make([]float64, len(s))}
	for i, x := range s {
		c.pcm[i] = float64(x) / 32768
	}
	start, run := 0, 0
	for i, x := range s {
		if x <= silenceLevel && x >= -silenceLevel {
			run++
			continue
		}
		if run >= minPause {
			c.intervals = append(c.intervals, [2]int{start, i - run})
			start = i
		}
		run = 0
	}
	c.intervals = append(c.intervals, [2]int{start, len(s)})
	if strings.TrimSpace(text) == "" {
		return nil, errors.New("empty text")
	}
	return c, nil
}

// activeRMS is the RMS over a clip's speech intervals.
func activeRMS(c *clip) float64 {
	var p float64
	var n int
	for _, iv := range c.intervals {
		for _, x := range c.pcm[iv[0]:iv[1]] {
			p += x * x
		}
		n += iv[1] - iv[0]
	}
	return math.Sqrt(p/float64(n)) + 1e-9
}

func white(rng *rand.Rand, n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	return w
}

// pink filters white noise with Paul Kellet's economy 1/f filter (±0.5 dB above 10 Hz).
func pink(rng *rand.Rand, n int) []float64 {
	p := make([]float64, n)
	var b0, b1, b2 float64
	for i := range p {
		w := rng.NormFloat64()
		b0 = 0.99765*b0 + w*0.0990460
		b1 = 0.96300*b1 + w*0.2965164
		b2 = 0.57000*b2 + w*1.0526913
		p[i] = b0 + b1 + b2 + w*0.1848
	}
	return p
}

// music is a random melody with chords: notes of 120..600 ms on a pentatonic scale,
// each with 6 decaying harmonics and an attack/decay envelope.
func music(rng *rand.Rand, n int) []float64 {
	m := make([]float64, n)
	scale := []int{0, 2, 4, 7, 9}
	for voice := range 3 { // melody, chord, bass
		pos := 0
		for pos < n {
			dur := int((0.12 + 0.48*rng.Float64()) * rate)
			semi := scale[rng.IntN(len(scale))] + 12*rng.IntN(2) - 12*voice
			f0 := 440 * math.Pow(2, float64(semi)/12)
			amp := 1 / float64(voice+1)
			for i := 0; i < dur && pos+i < n; i++ {
				t := float64(i) / rate
				env := math.Min(1, t/0.01) * math.Exp(-3*t)
				var x float64
				for h := 1; h <= 6; h++ {
					if f := f0 * float64(h); f < rate/2 {
						x += math.Sin(2*math.Pi*f*t) / float64(h)
					}
				}
				m[pos+i] += amp * env * x
			}
			pos += dur
		}
	}
	return m
}

// hum is 50 or 60 Hz mains hum with harmonics up to 1..1.2 kHz and a slow 0.3 Hz
// amplitude wobble, plus a faint white floor.
func hum(rng *rand.Rand, n int) []float64 {
	f0 := float64(50 + 10*rng.IntN(2))
	h := make([]float64, n)
	ph := make([]float64, 20)
	for k := range ph {
		ph[k] = 2 * math.Pi * rng.Float64()
	}
	for i := range h {
		t := float64(i) / rate
		var x float64
		for k := 1; k <= 20; k++ {
			x += math.Sin(2*math.Pi*f0*float64(k)*t+ph[k-1]) / float64(k)
		}
		h[i] = x*(1+0.1*math.Sin(2*math.Pi*0.3*t)) + 0.01*rng.NormFloat64()
	}
	return h
}
