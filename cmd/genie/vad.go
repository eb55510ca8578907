package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/vad"
	"github.com/genie-voice/genie/audio/wavfile"
	"github.com/genie-voice/genie/configs"
	"github.com/genie-voice/genie/wakeword"
	"github.com/genie-voice/genie/wakeword/models"
)

// vadKinds maps a --vad name to its constructor; model is the neural VAD's manifest
// (--vad-model). Adding a detector is one line here.
var vadKinds = map[string]func(model string) (audio.VAD, error){
	"energy":   func(string) (audio.VAD, error) { return vad.NewSubBand(nil), nil },
	"fullband": func(string) (audio.VAD, error) { return vad.NewFullBand(nil), nil },
	"neural": func(model string) (audio.VAD, error) {
		m, err := models.Load(model, defaultModelsDir())
		if err != nil {
			return nil, err
		}
		return wakeword.NewNeuralVAD(m)
	},
}

// newVAD returns the detector called name.
func newVAD(name, model string) (audio.VAD, error) {
	mk, ok := vadKinds[name]
	if !ok {
		return nil, fmt.Errorf("vad: unknown detector %q (have %s)", name, vadNames())
	}
	return mk(model)
}

// defaultVADModel is where `genie wakeword fetch vad` puts the neural VAD model.
func defaultVADModel() string {
	return filepath.Join(configs.Default().DataPath(), "models", "vad.json")
}

func vadNames() string {
	names := make([]string, 0, len(vadKinds))
	for n := range vadKinds {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func init() {
	register(command{
		name:    "vad",
		summary: "print speech segments (or per-block speech probabilities) of wav files",
		run:     runVAD,
	})
}

// vadFile is the --json output for one file.
type vadFile struct {
	File     string       `json:"file"`
	Segments []vadSegment `json:"segments"`
	Blocks   []vadBlock   `json:"blocks,omitempty"`
}

type vadSegment struct {
	Start float64 `json:"start_s"`
	End   float64 `json:"end_s"`
}

type vadBlock struct {
	Time float64 `json:"time_s"` // start of the block
	P    float32 `json:"p"`
}

func runVAD(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("vad", stderr)
	kind := fs.String("vad", "energy", "detector: "+vadNames())
	model := fs.String("vad-model", defaultVADModel(), "neural: the VAD model's manifest (get it with: genie wakeword fetch vad)")
	asJSON := fs.Bool("json", false, "print JSON (one object per file, one per line)")
	blocks := fs.Bool("blocks", false, "also print every 10 ms block: start time (s) and speech probability")
	o := vad.DefaultSegmentOpts
	thr := fs.Float64("threshold", float64(o.Threshold), "speech probability (0..1) at or above which a block is speech")
	fs.DurationVar(&o.Hangover, "hangover", o.Hangover, "non-speech that closes a segment; shorter gaps are bridged")
	fs.DurationVar(&o.MinSpeech, "min-speech", o.MinSpeech, "segments shorter than this are dropped")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `usage: genie vad [flags] FILE.wav...

Scores every 10 ms block of each 16 kHz mono 16-bit wav for speech and prints the speech
segments as "start end" in seconds. Smoothing: a segment opens at the first block whose
probability reaches --threshold, stays open across gaps shorter than --hangover, ends at
the end of its last speech block, and is dropped if shorter than --min-speech.

flags:
`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	o.Threshold = float32(*thr)
	seg, err := vad.NewSegmenter(o)
	if err != nil {
		return err
	}
	det, err := newVAD(*kind, *model)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	for _, path := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		pcm, err := wavfile.LoadCanonical(path)
		if err != nil {
			return err
		}
		det.Reset()
		seg.Reset()
		out := vadFile{File: path, Segments: []vadSegment{}}
		add := func(s vad.Segment) {
			out.Segments = append(out.Segments, vadSegment{secs(s.Start), secs(s.End)})
		}
		var b audio.Block
		for start := 0; start < len(pcm); start += audio.BlockSamples {
			n := copy(b.Samples[:], pcm[start:])
			clear(b.Samples[n:])
			b.Start = int64(start)
			p := det.Process(&b)
			if *blocks {
				out.Blocks = append(out.Blocks, vadBlock{secs(b.Start), p})
			}
			if s, ok := seg.Push(b.Start, p); ok {
				add(s)
			}
		}
		if s, ok := seg.Flush(); ok {
			add(s)
		}
		if *asJSON {
			if err := enc.Encode(out); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(stdout, "# %s (%s, %d segments)\n", path, audio.SampleTime(int64(len(pcm))).Round(time.Millisecond), len(out.Segments))
		for _, s := range out.Segments {
			fmt.Fprintf(stdout, "%.3f\t%.3f\n", s.Start, s.End)
		}
		if *blocks {
			fmt.Fprintln(stdout, "# block_start_s\tp")
			for _, bl := range out.Blocks {
				fmt.Fprintf(stdout, "%.2f\t%.4f\n", bl.Time, bl.P)
			}
		}
	}
	return nil
}

// secs converts a canonical sample index to seconds.
func secs(sample int64) float64 { return float64(sample) / audio.SampleRate }
