package train

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/wavfile"
)

func TestRecordingSplits(t *testing.T) {
	for _, tc := range []struct{ n, val, test int }{
		{0, 0, 0}, {1, 0, 0}, {2, 0, 0}, {3, 1, 0}, {4, 1, 0}, {5, 1, 1}, {6, 1, 1}, {10, 2, 2}, {20, 3, 3}, {100, 15, 15},
	} {
		if val, test := RecordingSplits(tc.n); val != tc.val || test != tc.test {
			t.Errorf("RecordingSplits(%d) = %d, %d; want %d, %d", tc.n, val, test, tc.val, tc.test)
		}
	}
}

// TestSplitOfKeepsSpeakersWhereTheyWere: adding a speaker moves at most one
// other across each split boundary while the counts stay, and the same seed
// gives the same split.
func TestSplitOfKeepsSpeakersWhereTheyWere(t *testing.T) {
	var names []string
	for i := range 40 {
		names = append(names, fmt.Sprintf("speaker%02d", i))
	}
	for n := 5; n < len(names); n++ {
		before, after := splitOf(names[:n], 1, 7), splitOf(names[:n+1], 1, 7)
		var counts [3]int
		for _, s := range after {
			counts[s]++
		}
		if val, test := RecordingSplits(n + 1); counts[SplitVal] != val || counts[SplitTest] != test {
			t.Fatalf("%d speakers: %v per split, want %d validating and %d testing", n+1, counts, val, test)
		}
		moved := 0
		for _, name := range names[:n] {
			if before[name] != after[name] {
				moved++
			}
		}
		v0, t0 := RecordingSplits(n)
		v1, t1 := RecordingSplits(n + 1)
		limit := 2 + (v1 - v0) + (t1 - t0)
		if moved > limit {
			t.Errorf("adding a speaker to %d moved %d others, want at most %d", n, moved, limit)
		}
	}
	if a, b := splitOf(names, 3, 7), splitOf(names, 3, 7); !maps.Equal(a, b) {
		t.Error("the same seed split the same names differently")
	}
	if a, b := splitOf(names, 3, 7), splitOf(names, 4, 7); maps.Equal(a, b) {
		t.Error("seeds 3 and 4 split 40 names the same way")
	}
}

// recording is a fake take: lead s of room noise at -50 dBFS, then sound s
// of a voiced sound (harmonics of 140 Hz, -20 dBFS), then tail s of noise.
func recording(rate, channels int, lead, sound, tail float64, seed uint64) audio.Clip {
	rng := rand.New(rand.NewPCG(seed, 1))
	n := int((lead + sound + tail) * float64(rate))
	c := audio.Clip{Format: audio.Format{SampleRate: rate, Channels: channels}, Samples: make([]int16, n*channels)}
	for i := range n {
		v := 32768 * 0.00316 * rng.NormFloat64() // -50 dBFS
		if t := float64(i) / float64(rate); t >= lead && t < lead+sound {
			for h := 1; h <= 5; h++ {
				v += 32768 * 0.1 / float64(h) * math.Sin(2*math.Pi*140*float64(h)*t)
			}
		}
		for k := range channels {
			c.Samples[i*channels+k] = int16(max(min(v, 32767), -32768))
		}
	}
	return c
}

func writeClip(t *testing.T, path string, c audio.Clip) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := wavfile.Save(path, c); err != nil {
		t.Fatal(err)
	}
}

// recordingsDir lays out six speakers with two takes each (bob's at 8 kHz
// stereo) and three negative files, one in a sub-folder.
func recordingsDir(t *testing.T) (pos, neg string) {
	dir := t.TempDir()
	pos, neg = filepath.Join(dir, "pos"), filepath.Join(dir, "neg")
	for i, sp := range []string{"ann", "bob", "cai", "dee", "eve", "fay"} {
		rate, ch := 16000, 1
		if sp == "bob" {
			rate, ch = 8000, 2
		}
		for k := range 2 {
			writeClip(t, filepath.Join(pos, sp, "take"+string(rune('1'+k))+".wav"), recording(rate, ch, 0.3, 0.6, 0.4, uint64(10*i+k)))
		}
	}
	if err := os.WriteFile(filepath.Join(pos, "README.txt"), []byte("not audio"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeClip(t, filepath.Join(pos, ".hidden", "x.wav"), recording(16000, 1, 0, 1, 0, 99))
	writeClip(t, filepath.Join(neg, "tv.wav"), recording(16000, 1, 0.5, 3, 0.5, 100))
	writeClip(t, filepath.Join(neg, "room", "fan.WAV"), recording(22050, 1, 1, 0, 0, 101))
	writeClip(t, filepath.Join(neg, "room", "talk.wav"), recording(16000, 1, 0.2, 2, 0.2, 102))
	return pos, neg
}

func TestLoadRecordings(t *testing.T) {
	pos, neg := recordingsDir(t)
	r, err := LoadRecordings(pos, neg, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Speakers != [3]int{4, 1, 1} {
		t.Errorf("speakers per split %v, want [4 1 1]", r.Speakers)
	}
	if got := [3]int{len(r.Pos[0]), len(r.Pos[1]), len(r.Pos[2])}; got != [3]int{8, 2, 2} {
		t.Errorf("takes per split %v, want [8 2 2]", got)
	}
	if got := [3]int{len(r.Neg[0]), len(r.Neg[1]), len(r.Neg[2])}; got != [3]int{2, 1, 0} {
		t.Errorf("negative files per split %v, want [2 1 0]", got)
	}
	where := map[string]Split{}
	for s := range 3 {
		for _, u := range r.Pos[s] {
			if !strings.HasPrefix(u.Voice, "rec:") {
				t.Errorf("voice %q", u.Voice)
			}
			if w, ok := where[u.Voice]; ok && w != Split(s) {
				t.Errorf("%s is in %v and %v: a speaker's takes must stay in one split", u.Voice, w, Split(s))
			}
			where[u.Voice] = Split(s)
			// 0.6 s of sound; the trim works in 10 ms blocks.
			if sec := float64(len(u.Audio)) / sampleRate; math.Abs(sec-0.6) > 0.025 {
				t.Errorf("%s: %.3f s after trimming, want 0.6 s", u.Voice, sec)
			}
		}
	}
	if len(where) != 6 {
		t.Errorf("%d speakers, want 6 (the hidden folder and README skipped): %v", len(where), where)
	}
	for s := range 3 {
		for _, u := range r.Neg[s] {
			if !strings.HasPrefix(u.Voice, "rec-neg:") {
				t.Errorf("negative voice %q", u.Voice)
			}
		}
	}
	if !strings.Contains(r.Summary(), "12 phrase recordings by 6 speakers (train/val/test 4/1/1)") ||
		!strings.Contains(r.Summary(), "3 negative recordings") {
		t.Errorf("summary %q", r.Summary())
	}

	// The same files and seed split the same way; a changed file changes
	// the key.
	again, err := LoadRecordings(pos, neg, 1)
	if err != nil {
		t.Fatal(err)
	}
	if again.Key != r.Key || again.Speakers != r.Speakers {
		t.Errorf("second load: key %s speakers %v, first %s %v", again.Key, again.Speakers, r.Key, r.Speakers)
	}
	writeClip(t, filepath.Join(pos, "ann", "take1.wav"), recording(16000, 1, 0.3, 0.6, 0.4, 1234))
	changed, err := LoadRecordings(pos, neg, 1)
	if err != nil {
		t.Fatal(err)
	}
	if changed.Key == r.Key {
		t.Error("a re-recorded take left the key unchanged")
	}
	onlyPos, err := LoadRecordings(pos, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(onlyPos.Neg[0]) + len(onlyPos.Neg[1]) + len(onlyPos.Neg[2]); n != 0 || onlyPos.Key == changed.Key {
		t.Errorf("without negatives: %d negative files, key %s", n, onlyPos.Key)
	}
}

func TestLoadRecordingsRejectsBadInput(t *testing.T) {
	tone := func(sec float64) audio.Clip { return recording(16000, 1, 0.2, sec, 0.2, 5) }
	for _, tc := range []struct {
		name     string
		files    map[string]any // path → audio.Clip or raw bytes
		pos, neg bool
		want     string
	}{
		{"garbage_wav", map[string]any{"pos/ann/a.wav": []byte("RIFF\x10\x00\x00\x00WAVEjunkjunk")}, true, false, "ann/a.wav"},
		{"silent_take", map[string]any{"pos/ann/a.wav": audio.Clip{Format: audio.Format{SampleRate: 16000, Channels: 1}, Samples: make([]int16, 16000)}}, true, false, "a.wav: no speech"},
		{"too_long", map[string]any{"pos/ann/long.wav": tone(4)}, true, false, "long.wav: 4.0 s"},
		{"too_short", map[string]any{"pos/ann/short.wav": tone(0.1)}, true, false, "short.wav: 0.10 s"},
		{"no_speaker_folder", map[string]any{"pos/a.wav": tone(0.6)}, true, false, "speaker's folder"},
		{"no_takes", map[string]any{"pos/ann/notes.txt": []byte("x")}, true, false, "no "},
		{"missing_dir", nil, true, false, "no such file"},
		{"negative_too_short", map[string]any{"neg/blip.wav": recording(16000, 1, 0, 0.3, 0, 1)}, false, true, "blip.wav: 0.30 s long"},
		{"negative_silent", map[string]any{"neg/quiet.wav": audio.Clip{Format: audio.Format{SampleRate: 16000, Channels: 1}, Samples: make([]int16, 16000)}}, false, true, "quiet.wav: silent"},
		{"no_negatives", map[string]any{"neg/a.txt": []byte("x")}, false, true, "no *.wav"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for p, v := range tc.files {
				path := filepath.Join(dir, p)
				switch v := v.(type) {
				case audio.Clip:
					writeClip(t, path, v)
				case []byte:
					os.MkdirAll(filepath.Dir(path), 0o755)
					if err := os.WriteFile(path, v, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			pos, neg := "", ""
			if tc.pos {
				pos = filepath.Join(dir, "pos")
			}
			if tc.neg {
				neg = filepath.Join(dir, "neg")
			}
			_, err := LoadRecordings(pos, neg, 1)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestLoadRecordingsBoundsNegativeHours(t *testing.T) {
	_, neg := recordingsDir(t) // 7.4 s of negatives in three files
	defer func(h float64) { maxNegativeHours = h }(maxNegativeHours)
	maxNegativeHours = 5.0 / 3600
	_, err := LoadRecordings("", neg, 1)
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("error %v, want one saying there is more than %g h", err, maxNegativeHours)
	}
	maxNegativeHours = 8.0 / 3600
	if _, err := LoadRecordings("", neg, 1); err != nil {
		t.Errorf("7.4 s under an 8 s bound: %v", err)
	}
}

// TestWorkPoolsHoldTheRecordings checks that what a run trained on is what
// eval and the test report load from its work directory, and that a later
// run without recordings leaves none behind.
func TestWorkPoolsHoldTheRecordings(t *testing.T) {
	pos, neg := recordingsDir(t)
	r, err := LoadRecordings(pos, neg, 1)
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	synth := &Pools{Phrase: "hey genie", Key: "synth", Voices: [3]int{5, 2, 2}}
	for s := range 3 {
		synth.Pos[s] = []Utt{{Audio: make([]float32, 8000), Voice: "espeak-ng:en", Text: "hey genie"}}
		synth.Speech[s] = []Utt{{Audio: make([]float32, 16000), Voice: "espeak-ng:en"}}
	}
	if err := SavePools(filepath.Join(work, "pools.gob"), synth); err != nil {
		t.Fatal(err)
	}
	if err := SaveWorkRecordings(work, r); err != nil {
		t.Fatal(err)
	}
	p, err := LoadWorkPools(work)
	if err != nil {
		t.Fatal(err)
	}
	if p.Voices != [3]int{9, 3, 3} || len(p.Pos[0]) != 9 || len(p.Pos[2]) != 3 || len(p.Speech[0]) != 3 || len(p.Speech[1]) != 2 {
		t.Errorf("pools with recordings: voices %v, positives %d/%d/%d, speech %d/%d/%d", p.Voices,
			len(p.Pos[0]), len(p.Pos[1]), len(p.Pos[2]), len(p.Speech[0]), len(p.Speech[1]), len(p.Speech[2]))
	}
	if p.Key != "synth recordings "+r.Key {
		t.Errorf("key %q", p.Key)
	}
	for _, u := range p.Pos[2] {
		if u.Text != "hey genie" {
			t.Errorf("%s: text %q, want the phrase", u.Voice, u.Text)
		}
	}
	if got := otherVoices(p.Pos[0]); len(got) != 8 {
		t.Errorf("%d training takes count as other voices, want the 8 recorded", len(got))
	}
	if err := SaveWorkRecordings(work, nil); err != nil {
		t.Fatal(err)
	}
	p, err = LoadWorkPools(work)
	if err != nil {
		t.Fatal(err)
	}
	if p.Key != "synth" || len(p.Pos[0]) != 1 {
		t.Errorf("after a run without recordings: key %q, %d training positives", p.Key, len(p.Pos[0]))
	}
	if err := SaveWorkRecordings(work, nil); err != nil {
		t.Errorf("removing recordings twice: %v", err)
	}
}

func TestTrimRecording(t *testing.T) {
	voiced := func(n int, amp float64) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(amp * math.Sin(2*math.Pi*140*float64(i)/sampleRate))
		}
		return x
	}
	noise := func(n int, amp float64) []float32 {
		rng := rand.New(rand.NewPCG(3, 4))
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(amp * rng.NormFloat64())
		}
		return x
	}
	cat := func(parts ...[]float32) []float32 {
		var out []float32
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		x    []float32
		want int // samples kept; -1 for errSilent
	}{
		{"padded", cat(noise(4800, 0.003), voiced(9600, 0.3), noise(6400, 0.003)), 9600},
		// Cut tightly: two syllables and the 80 ms pause between them,
		// 30 dB down, which is the floor and is kept inside the take.
		{"tight_two_syllables", cat(voiced(4000, 0.3), voiced(1280, 0.01), voiced(4800, 0.3)), 10080},
		{"room_noise_only", noise(16000, 0.01), -1},
		{"too_quiet", cat(make([]float32, 4800), voiced(9600, 0.0005), make([]float32, 4800)), -1},
		{"empty", nil, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y, err := trimRecording(tc.x)
			switch {
			case tc.want < 0 && err != errSilent:
				t.Errorf("error %v, want errSilent", err)
			case tc.want >= 0 && err != nil:
				t.Errorf("error %v", err)
			case tc.want >= 0 && len(y) != tc.want:
				t.Errorf("kept %d samples, want %d", len(y), tc.want)
			}
		})
	}
}
