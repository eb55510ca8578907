package train

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/genie-voice/genie/audio/wavfile"
)

// Recordings are a user's own audio, added to the synthesized pools: people
// saying the wake phrase, and audio that must never wake the model (the same
// people saying other things, a television, the room). Real voices are what
// synthetic ones cannot give, so a model meant for a product should be
// trained and tested with them.
//
// Phrase recordings are split into training, validation and test by speaker,
// as the synthetic voices are (RecordingSplits); negative recordings by file.
type Recordings struct {
	Pos      [3][]Utt // the wake phrase, trimmed of silence, voice RecordedVoice+SPEAKER
	Speakers [3]int   // phrase speakers per split
	Neg      [3][]Utt // negative audio, one Utt per file, voice "rec-neg:" + its path
	// Key identifies the files' names and contents and how they were split:
	// datasets rendered from other recordings are redone.
	Key string
}

const (
	// MinRecordingSeconds and MaxRecordingSeconds bound a phrase recording
	// after its silence is trimmed: it should hold the phrase alone.
	MinRecordingSeconds = 0.2
	MaxRecordingSeconds = 3.0
	// MinNegativeSeconds is the shortest negative recording taken.
	MinNegativeSeconds = 0.5
	// MaxNegativeHours bounds all negative recordings together. The
	// training split's share is rendered three times over (clean, 20 and
	// 10 dB SNR) into the negative feature stream kept in memory, which for
	// the default recipe's 1.6 h of training speech is already 4.7 h.
	MaxNegativeHours = 4.0
	// recordingSplitVersion changes whenever RecordingSplits or the loading
	// (trimming) changes, so datasets are rendered again.
	recordingSplitVersion = 2
	// RecordedVoice prefixes the voice of every phrase recording (then the
	// speaker's folder name), negativeVoice that of every negative one
	// (then its path under the negatives folder).
	RecordedVoice = "rec:"
	negativeVoice = "rec-neg:"
)

// RecordingSplits is how many of n speakers (or negative files) go to
// validation and to test; the rest train. With fewer than three nothing is
// held out, with three or four one validates, and from five on about 15 %
// validate and 15 % test, at least one each.
func RecordingSplits(n int) (val, test int) {
	switch {
	case n < 3:
		return 0, 0
	case n < 5:
		return 1, 0
	}
	val = max(1, int(math.Round(0.15*float64(n))))
	return val, val
}

// splitOf assigns names to splits: ranked by a seeded hash of each name, the
// first RecordingSplits test ones go to test, the next val ones to
// validation, the rest train. A name keeps its rank whatever else is in the
// folder, so adding a speaker (while the counts stay) moves at most one other
// across each boundary, where a shuffle of the whole list would deal every
// speaker again and make runs before and after incomparable.
func splitOf(names []string, seed uint64, salt uint64) map[string]Split {
	rank := func(n string) uint64 {
		h := fnv.New64a()
		fmt.Fprintf(h, "%d %d %s", seed, salt, n)
		return h.Sum64()
	}
	names = slices.Clone(names)
	slices.SortFunc(names, func(a, b string) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	val, test := RecordingSplits(len(names))
	out := make(map[string]Split, len(names))
	for i, n := range names {
		switch {
		case i < test:
			out[n] = SplitTest
		case i < test+val:
			out[n] = SplitVal
		default:
			out[n] = SplitTrain
		}
	}
	return out
}

// LoadRecordings reads phrase recordings from posDir, laid out as
// posDir/SPEAKER/*.wav (one folder per speaker, so that a speaker's
// recordings stay in one split), and negative recordings from every *.wav
// under negDir. Either directory may be "". WAV files of any sample rate
// and channel count are mixed to mono and resampled to 16 kHz; files not
// named *.wav are skipped. A file that cannot be used is an error naming it.
func LoadRecordings(posDir, negDir string, seed uint64) (*Recordings, error) {
	r := &Recordings{}
	h := sha256.New()
	fmt.Fprintf(h, "recordings %d seed %d\n", recordingSplitVersion, seed)
	if posDir != "" {
		if err := r.loadPhrases(posDir, seed, h); err != nil {
			return nil, err
		}
	}
	if negDir != "" {
		if err := r.loadNegatives(negDir, seed, h); err != nil {
			return nil, err
		}
	}
	r.Key = hex.EncodeToString(h.Sum(nil))[:16]
	return r, nil
}

func (r *Recordings) loadPhrases(dir string, seed uint64, h io.Writer) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("train: recordings: %w", err)
	}
	files := map[string][]string{} // speaker → wav paths
	var speakers []string
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch {
		case strings.HasPrefix(e.Name(), "."):
		case !e.IsDir() && isWav(e.Name()):
			return fmt.Errorf("train: recordings: %s is not in a speaker's folder; lay them out as %s/SPEAKER/*.wav, one folder per speaker", p, dir)
		case e.IsDir():
			wavs, err := wavsIn(p, false)
			if err != nil {
				return err
			}
			if len(wavs) > 0 {
				speakers = append(speakers, e.Name())
				files[e.Name()] = wavs
			}
		}
	}
	if len(speakers) == 0 {
		return fmt.Errorf("train: recordings: no %s/SPEAKER/*.wav files", dir)
	}
	split := splitOf(speakers, seed, 0x7ec0)
	for _, sp := range speakers {
		s := split[sp]
		r.Speakers[s]++
		for _, p := range files[sp] {
			x, err := loadWav(p, filepath.Join(sp, filepath.Base(p)), h)
			if err != nil {
				return err
			}
			if x, err = checkTake(x); err != nil {
				return fmt.Errorf("train: recordings: %s: %w", p, err)
			}
			r.Pos[s] = append(r.Pos[s], Utt{Audio: x, Voice: RecordedVoice + sp})
		}
	}
	return nil
}

func (r *Recordings) loadNegatives(dir string, seed uint64, h io.Writer) error {
	wavs, err := wavsIn(dir, true)
	if err != nil {
		return err
	}
	if len(wavs) == 0 {
		return fmt.Errorf("train: negative recordings: no *.wav files under %s", dir)
	}
	split := splitOf(wavs, seed, 0x7ec1)
	var samples int
	for _, p := range wavs {
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		x, err := loadWav(p, "negative "+rel, h)
		if err != nil {
			return err
		}
		if sec := float64(len(x)) / sampleRate; sec < MinNegativeSeconds {
			return fmt.Errorf("train: negative recordings: %s: %.2f s long, want at least %.1f s", p, sec, MinNegativeSeconds)
		}
		if rms(x) < dbToAmp(-80) {
			return fmt.Errorf("train: negative recordings: %s: silent (below -80 dBFS RMS)", p)
		}
		if samples += len(x); float64(samples)/sampleRate/3600 > maxNegativeHours {
			return fmt.Errorf("train: negative recordings: more than %g h under %s (at %s); pick the most typical", maxNegativeHours, dir, rel)
		}
		r.Neg[split[p]] = append(r.Neg[split[p]], Utt{Audio: x, Voice: negativeVoice + rel})
	}
	return nil
}

// maxNegativeHours is MaxNegativeHours; tests lower it.
var maxNegativeHours = MaxNegativeHours

// isWav reports whether a file name ends in .wav, in any case.
func isWav(name string) bool { return strings.EqualFold(filepath.Ext(name), ".wav") }

// wavsIn lists the *.wav files in dir (and below it when deep), sorted,
// skipping hidden files and folders.
func wavsIn(dir string, deep bool) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		hidden := p != dir && strings.HasPrefix(d.Name(), ".")
		switch {
		case d.IsDir() && p != dir && (hidden || !deep):
			return fs.SkipDir
		case !d.IsDir() && !hidden && isWav(d.Name()):
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("train: recordings: %w", err)
	}
	sort.Strings(out)
	return out, nil
}

// loadWav reads one WAV file as 16 kHz mono and feeds name (where it lies
// in its directory, so that moving the directory keeps the key) and the
// file's contents to h.
func loadWav(path, name string, h io.Writer) ([]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("train: recordings: %w", err)
	}
	fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(name), len(b))
	h.Write(b)
	clip, err := wavfile.Load(path)
	if err != nil {
		return nil, fmt.Errorf("train: recordings: %s: %w", path, err)
	}
	x, err := toCanonical(clip)
	if err != nil {
		return nil, fmt.Errorf("train: recordings: %s: %w", path, err)
	}
	return x, nil
}

// takeLengthError is a take whose sound is too short or too long to be the
// phrase alone.
type takeLengthError struct{ sec float64 }

func (e takeLengthError) Error() string {
	if e.sec < MinRecordingSeconds {
		return fmt.Sprintf("%.2f s of sound after trimming silence, want at least %.1f s of the phrase", e.sec, MinRecordingSeconds)
	}
	return fmt.Sprintf("%.1f s of sound after trimming silence, want the phrase alone (at most %.0f s)", e.sec, MaxRecordingSeconds)
}

// checkTake trims a take of the phrase (16 kHz mono) to its sound and checks
// that what is left could be the phrase alone: errSilent or a
// takeLengthError when not.
func checkTake(x []float32) ([]float32, error) {
	x, err := trimRecording(x)
	if err != nil {
		return nil, err
	}
	if sec := float64(len(x)) / sampleRate; sec < MinRecordingSeconds || sec > MaxRecordingSeconds {
		return nil, takeLengthError{sec}
	}
	return x, nil
}

// errSilent is a recording with no sound above the room's.
var errSilent = errors.New("no speech in it: its loudest 10 ms is within 10 dB of its quietest 50 ms, or below -60 dBFS")

// trimRecording cuts the silence before and after the sound in a recording.
// Unlike synthesized speech a recording has a noise floor, so a 10 ms block
// counts as sound when it is both within 40 dB of the loudest block (as in
// trimSilence) and at least 10 dB above the floor: the quietest 50 ms of the
// recording, which in a take cut tightly around the phrase is its quietest
// pause.
func trimRecording(x []float32) ([]float32, error) {
	e := blockRMS(x)
	if len(e) == 0 {
		return nil, errSilent
	}
	span := min(5, len(e)) // 50 ms, or the whole of a shorter take
	floor, peak := math.Inf(1), slices.Max(e)
	for i := 0; i+span <= len(e); i++ {
		var ms float64
		for _, v := range e[i : i+span] {
			ms += v * v
		}
		floor = min(floor, math.Sqrt(ms/float64(span)))
	}
	if peak < dbToAmp(-60) || peak < floor*dbToAmp(10) {
		return nil, errSilent
	}
	th := max(peak*0.01, floor*dbToAmp(10))
	first, last := 0, len(e)-1
	for e[first] < th {
		first++
	}
	for e[last] < th {
		last--
	}
	return x[first*160 : (last+1)*160], nil
}

// AddTo adds the recordings to p: phrase recordings to the positives, their
// speakers to the voice counts, negative recordings to the ordinary speech
// (so they are drawn as speech windows, babble and the negative streams, and
// count in the held-out false accepts). p.Key then names them too.
func (r *Recordings) AddTo(p *Pools) {
	for s := range 3 {
		for _, u := range r.Pos[s] {
			u.Text = p.Phrase
			p.Pos[s] = append(p.Pos[s], u)
		}
		p.Voices[s] += r.Speakers[s]
		p.Speech[s] = append(p.Speech[s], r.Neg[s]...)
	}
	p.Key += " recordings " + r.Key
}

// Summary describes the recordings for the log and the manifest, e.g.
// "42 phrase recordings by 6 speakers (train/val/test 4/1/1); 3 negative
// recordings, 0.51 h (train/val/test 2/1/0 files)".
func (r *Recordings) Summary() string {
	var parts []string
	if n := len(r.Pos[0]) + len(r.Pos[1]) + len(r.Pos[2]); n > 0 {
		parts = append(parts, fmt.Sprintf("%d phrase recordings by %d speakers (train/val/test %d/%d/%d)", n,
			r.Speakers[0]+r.Speakers[1]+r.Speakers[2], r.Speakers[0], r.Speakers[1], r.Speakers[2]))
	}
	if n := len(r.Neg[0]) + len(r.Neg[1]) + len(r.Neg[2]); n > 0 {
		var samples int
		for s := range 3 {
			for _, u := range r.Neg[s] {
				samples += len(u.Audio)
			}
		}
		parts = append(parts, fmt.Sprintf("%d negative recordings, %.2f h (train/val/test %d/%d/%d files)", n,
			float64(samples)/sampleRate/3600, len(r.Neg[0]), len(r.Neg[1]), len(r.Neg[2])))
	}
	return strings.Join(parts, "; ")
}

// recordingsFile is where RunRecipe keeps a run's recordings in its work
// directory, so that LoadWorkPools gives what the run trained and tested on.
const recordingsFile = "recordings.gob"

// LoadWorkPools reads a training run's material from its work directory:
// the synthesized pools, and the user's recordings added to them when the
// run had any.
func LoadWorkPools(workDir string) (*Pools, error) {
	p, err := LoadPools(filepath.Join(workDir, "pools.gob"))
	if err != nil {
		return nil, err
	}
	var r Recordings
	switch err := loadGob(filepath.Join(workDir, recordingsFile), &r); {
	case err == nil:
		r.AddTo(p)
	case !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	return p, nil
}

// SaveWorkRecordings keeps r in a run's work directory for LoadWorkPools,
// or removes what an earlier run kept there when r is nil.
func SaveWorkRecordings(workDir string, r *Recordings) error {
	path := filepath.Join(workDir, recordingsFile)
	if r == nil {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("train: %w", err)
		}
		return nil
	}
	return saveGob(path, r)
}
