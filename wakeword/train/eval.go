package train

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/genie-voice/genie/audio/frontend"
	"github.com/genie-voice/genie/wakeword"
	"github.com/genie-voice/genie/wakeword/wwbench"
)

// Stream is a long test recording with the places where the wake phrase (or a
// near miss) ends.
type Stream struct {
	Audio  []float32 // nil once dropAudio freed it
	Starts []int     // sample where each target phrase starts
	Ends   []int     // sample one past each target phrase
	Voices []string  // Utt.Voice of each target phrase
	// Speech locates the ordinary-speech paragraphs of a SpeechStream, to
	// tell which words a false accept fell on.
	Speech []Span
	// Noise is the background laid under each stretch of the stream (one
	// span per 10 s chunk), to tell which noise a miss fell in.
	Noise []NoiseSpan
	// dropped is how many samples Audio held before dropAudio.
	dropped int
}

// dropAudio frees the samples of a stream that has been turned into feature
// frames; Seconds still reports its length. A validation run keeps hours of
// streams for every epoch, and needs only their frames and labels.
func (s *Stream) dropAudio() {
	if s.Audio != nil {
		s.dropped, s.Audio = len(s.Audio), nil
	}
}

// NoiseSpan is one stretch of a Stream's background.
type NoiseSpan struct {
	Start, End int    // samples
	Kind       string // one of NoiseKinds
}

// NoiseKinds are the backgrounds of the noisy test streams: babble of three
// to six talkers, and white, pink or brown noise.
var NoiseKinds = []string{"babble", "white", "pink", "brown"}

// NoiseAt returns the kind of background at sample, or "" where none is
// recorded.
func (s *Stream) NoiseAt(sample int) string {
	k := sort.Search(len(s.Noise), func(i int) bool { return s.Noise[i].End > sample })
	if k < len(s.Noise) && s.Noise[k].Start <= sample {
		return s.Noise[k].Kind
	}
	return ""
}

// Span is one utterance placed in a Stream.
type Span struct {
	Start, End int // samples
	Voice      string
	Text       string
}

// SpanAt returns the speech span containing sample, or false.
func (s *Stream) SpanAt(sample int) (Span, bool) {
	k := sort.Search(len(s.Speech), func(i int) bool { return s.Speech[i].End > sample })
	if k < len(s.Speech) && s.Speech[k].Start <= sample {
		return s.Speech[k], true
	}
	return Span{}, false
}

// Seconds returns the stream's duration.
func (s *Stream) Seconds() float64 {
	if s.Audio == nil {
		return float64(s.dropped) / sampleRate
	}
	return float64(len(s.Audio)) / sampleRate
}

// PhraseStream lays utterances end to end, each preceded by 1.5..2.5 s and
// followed by 1.5 s of other speech or quiet, at speech level -20 dBFS RMS;
// with snrDB > 0 steady noise (pink, white or babble) runs under everything at
// that SNR, otherwise a -70 dBFS noise floor.
func PhraseStream(utts []Utt, speech []Utt, snrDB float64, seed uint64) *Stream {
	rng := rand.New(rand.NewPCG(seed, 77))
	level := dbToAmp(-20)
	s := &Stream{}
	for _, u := range utts {
		gap := 24000 + rng.IntN(16000)
		pad := make([]float32, gap)
		if rng.IntN(3) == 0 {
			ex := excerpt(speech, gap-8000, rng)
			addScaled(pad, ex, float32(level/max(activeRMS(ex), 1e-6)))
		}
		s.Audio = append(s.Audio, pad...)
		s.Starts = append(s.Starts, len(s.Audio))
		s.Voices = append(s.Voices, u.Voice)
		g := float32(level / max(activeRMS(u.Audio), 1e-6))
		for _, v := range u.Audio {
			s.Audio = append(s.Audio, g*v)
		}
		s.Ends = append(s.Ends, len(s.Audio))
		tail := make([]float32, 24000)
		if rng.IntN(2) == 0 {
			ex := excerpt(speech, 20000, rng)
			addScaled(tail[3200:], ex, float32(level/max(activeRMS(ex), 1e-6)))
		}
		s.Audio = append(s.Audio, tail...)
	}
	s.Noise = addNoise(s.Audio, snrDB, level, speech, rng)
	return s
}

// SpeechStream concatenates ordinary speech paragraphs with short pauses, and
// every tenth gap holds 5 s of music-like sound or noise: audio that should
// never wake the model.
func SpeechStream(speech []Utt, snrDB float64, seed uint64) *Stream {
	rng := rand.New(rand.NewPCG(seed, 78))
	level := dbToAmp(-20)
	s := &Stream{}
	for i, u := range speech {
		g := float32(level / max(activeRMS(u.Audio), 1e-6))
		start := len(s.Audio)
		for _, v := range u.Audio {
			s.Audio = append(s.Audio, g*v)
		}
		s.Speech = append(s.Speech, Span{Start: start, End: len(s.Audio), Voice: u.Voice, Text: u.Text})
		s.Audio = append(s.Audio, make([]float32, 4000+rng.IntN(12000))...)
		if i%10 == 9 {
			var x []float32
			if rng.IntN(2) == 0 {
				x = musicLike(80000, rng)
			} else {
				x = coloredNoise(80000, rng.IntN(3), rng)
			}
			g := float32(level * dbToAmp(-10*rng.Float64()))
			for _, v := range x {
				s.Audio = append(s.Audio, g*v)
			}
		}
	}
	s.Noise = addNoise(s.Audio, snrDB, level, speech, rng)
	return s
}

// addNoise lays a background under x in 10 s chunks, each babble (a third of
// them, when snrDB > 0) or white, pink or brown noise, snrDB below level
// (-70 dB below it when snrDB ≤ 0). It returns what lies where.
func addNoise(x []float32, snrDB, level float64, speech []Utt, rng *rand.Rand) []NoiseSpan {
	var n []float32
	var spans []NoiseSpan
	g := dbToAmp(-70)
	if snrDB > 0 {
		g = level / dbToAmp(snrDB)
	}
	const chunk = 160000
	for off := 0; off < len(x); off += chunk {
		m := min(chunk, len(x)-off)
		kind := "babble"
		switch {
		case snrDB > 0 && rng.IntN(3) == 0:
			n = babble(speech, m, rng)
		default:
			c := rng.IntN(3)
			n, kind = coloredNoise(m, c, rng), NoiseKinds[1+c]
		}
		addScaled(x[off:off+m], n, float32(g))
		spans = append(spans, NoiseSpan{Start: off, End: off + m, Kind: kind})
	}
	return spans
}

// Run is what a model did on a stream.
type Run struct {
	Detections []wakeword.Detection
	Scores     []uint8 // newest raw output at every feature frame
	FrameEnd   []int64 // sample one past each feature frame
	// Trace is the engine's inferences (frame and raw output), for replaying
	// other cutoffs and windows (Simulate). Empty in hand-built runs.
	Trace wwbench.Trace
}

// RunEngine streams audio through the microfrontend and a wakeword.Engine with
// the given cutoff (0 keeps the model's), in 10 ms blocks as the product does.
func RunEngine(md *wakeword.Model, cutoff float64, audio []float32) (*Run, error) {
	frames, err := Features(audio)
	if err != nil {
		return nil, err
	}
	return RunFrames(md, cutoff, frames)
}

// Features runs audio through a fresh microfrontend in 10 ms blocks and
// returns its feature frames.
func Features(audio []float32) ([]frontend.Frame, error) {
	fe, err := frontend.New(frontend.DefaultConfig)
	if err != nil {
		return nil, err
	}
	pcm := toPCM(audio)
	frames := make([]frontend.Frame, 0, len(pcm)/160)
	var f frontend.Frame
	for i := 0; i+160 <= len(pcm); i += 160 {
		if fe.Process(pcm[i:i+160], int64(i), &f) {
			frames = append(frames, f)
		}
	}
	return frames, nil
}

// RunFrames runs a fresh wakeword.Engine with the given cutoff (0 keeps the
// model's) over feature frames from Features.
func RunFrames(md *wakeword.Model, cutoff float64, frames []frontend.Frame) (*Run, error) {
	opts := wakeword.EngineOpts{}
	if cutoff > 0 {
		opts.Cutoffs = map[string]float64{md.Name: cutoff}
	}
	eng, err := wakeword.NewEngine([]*wakeword.Model{md}, opts)
	if err != nil {
		return nil, err
	}
	r := &Run{Scores: make([]uint8, 0, len(frames)), FrameEnd: make([]int64, 0, len(frames))}
	var sc []wakeword.Score
	for i := range frames {
		r.Detections = eng.Process((*wakeword.Frame)(&frames[i]), r.Detections)
		sc = eng.Scores(sc[:0])
		r.Scores = append(r.Scores, uint8(sc[0].Probability*255+0.5))
		if sc[0].Fresh {
			r.Trace.At = append(r.Trace.At, int32(i))
			r.Trace.Out = append(r.Trace.Out, r.Scores[i])
		}
		r.FrameEnd = append(r.FrameEnd, frames[i].End)
	}
	return r, nil
}

// Simulate replays ESPHome's detection logic (sliding window average above
// cutoff, one second of cool-off at start and after each detection) on a
// recorded run for another cutoff and window, and returns the frames that
// fire. It is wwbench.Replay, the same replay genie bench uses, so a cutoff
// chosen here is the one the Engine applies. A run without a Trace (built by
// hand) is taken to have inferred every stride-th frame.
func Simulate(r *Run, stride, window int, cutoff float64) []int {
	tr := &r.Trace
	if len(tr.At) == 0 {
		tr = &wwbench.Trace{}
		for i := stride - 1; i < len(r.Scores); i += stride {
			tr.At = append(tr.At, int32(i))
			tr.Out = append(tr.Out, r.Scores[i])
		}
	}
	fired := wwbench.Replay(tr, len(r.Scores), window, wwbench.CutoffU8(cutoff), wakeword.MinSlicesBeforeDetection, nil, nil)
	out := make([]int, len(fired))
	for i, f := range fired {
		out[i] = int(f)
	}
	return out
}

// Outcome summarises detections on a stream.
type Outcome struct {
	Targets   int     // phrases in the stream
	Hits      int     // phrases detected between their start and 1 s after their end
	Other     int     // detections outside those spans
	Hours     float64 // stream duration
	Latencies []float64
	Hit       []bool // per target, whether it was detected
}

// MissRate returns the fraction of targets not detected.
func (o Outcome) MissRate() float64 {
	if o.Targets == 0 {
		return 0
	}
	return 1 - float64(o.Hits)/float64(o.Targets)
}

// FAPerHour returns detections outside target spans per hour.
func (o Outcome) FAPerHour() float64 { return float64(o.Other) / max(o.Hours, 1e-9) }

// MedianLatencyMs returns the median time from phrase end to detection.
func (o Outcome) MedianLatencyMs() float64 {
	if len(o.Latencies) == 0 {
		return 0
	}
	l := append([]float64(nil), o.Latencies...)
	sort.Float64s(l)
	return l[len(l)/2]
}

// Score matches detection sample positions against the stream's phrases.
func Score(s *Stream, dets []int64) Outcome {
	o := Outcome{Targets: len(s.Ends), Hours: s.Seconds() / 3600}
	hit := make([]bool, len(s.Ends))
	o.Hit = hit
	for _, d := range dets {
		k := sort.SearchInts(s.Ends, int(d)-sampleRate) // first end ≥ d-1s
		if k < len(s.Ends) && int(d) >= s.Starts[k] && int(d) <= s.Ends[k]+sampleRate {
			if !hit[k] {
				hit[k] = true
				o.Hits++
				o.Latencies = append(o.Latencies, float64(int(d)-s.Ends[k])/sampleRate*1000)
			}
			continue
		}
		o.Other++
	}
	return o
}

// VoiceFamily groups a voice (Voice.String form) for reporting: all espeak-ng
// variants are one family, every other voice (mbrola, flite, festival) its own.
func VoiceFamily(voice string) string {
	engine, name, _ := strings.Cut(voice, ":")
	switch {
	case engine == "espeak-ng" && strings.HasPrefix(name, "mb-"):
		return "mbrola:" + strings.TrimPrefix(name, "mb-")
	case engine == "espeak-ng":
		return engine
	}
	return voice
}

// MissByFamily counts, per VoiceFamily, the targets of s and how many o missed.
func MissByFamily(s *Stream, o Outcome) map[string]FamilyMiss {
	out := map[string]FamilyMiss{}
	for i, v := range s.Voices {
		f := out[VoiceFamily(v)]
		f.Targets++
		if i < len(o.Hit) && !o.Hit[i] {
			f.Missed++
		}
		out[VoiceFamily(v)] = f
	}
	return out
}

// MissByNoise counts, per background kind at each target's end (Stream.Noise),
// the targets of s and how many o missed; nil when s records no noise.
func MissByNoise(s *Stream, o Outcome) map[string]FamilyMiss {
	if len(s.Noise) == 0 {
		return nil
	}
	out := map[string]FamilyMiss{}
	for i, e := range s.Ends {
		k := s.NoiseAt(e - 1)
		f := out[k]
		f.Targets++
		if i < len(o.Hit) && !o.Hit[i] {
			f.Missed++
		}
		out[k] = f
	}
	return out
}

// FamilyMiss is one voice family's share of a miss rate.
type FamilyMiss struct {
	Targets int `json:"targets"`
	Missed  int `json:"missed"`
}

// DetectionSamples returns the sample of each detection of r.
func (r *Run) DetectionSamples() []int64 {
	out := make([]int64, len(r.Detections))
	for i, d := range r.Detections {
		out[i] = d.Sample
	}
	return out
}

// FrameSamples maps simulated detection frames to samples.
func (r *Run) FrameSamples(frames []int) []int64 {
	out := make([]int64, len(frames))
	for i, f := range frames {
		out[i] = r.FrameEnd[f]
	}
	return out
}

// String formats an outcome, e.g. "miss 3.1 % (4/130), 0.0 FA/h, latency 120 ms".
func (o Outcome) String() string {
	return fmt.Sprintf("miss %.1f %% (%d/%d), %d other detections in %s (%.2f FA/h), median latency %.0f ms",
		100*o.MissRate(), o.Targets-o.Hits, o.Targets, o.Other, time.Duration(o.Hours*float64(time.Hour)).Round(time.Second), o.FAPerHour(), o.MedianLatencyMs())
}
