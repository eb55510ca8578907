package train

import (
	"errors"
	"fmt"
	"time"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/vad"
)

// TakeOpts configures a TakeCutter.
type TakeOpts struct {
	// Threshold is the VAD speech probability (0..1) from which a block is
	// speech.
	Threshold float32
	// Pause is the silence that ends a take (e.g. 400 ms): shorter pauses,
	// as between "hey" and "genie", stay inside it.
	Pause time.Duration
	// Pad is the audio kept before and after the speech (e.g. 250 ms), at
	// most Pause; LoadRecordings trims takes to their sound again.
	Pad time.Duration
}

// DefaultTakeOpts suits the energy VAD and a phrase said once per breath.
var DefaultTakeOpts = TakeOpts{Threshold: 0.5, Pause: 400 * time.Millisecond, Pad: 250 * time.Millisecond}

// TakeVerdict says what became of a stretch of speech.
type TakeVerdict int

// Take verdicts.
const (
	TakeKept     TakeVerdict = iota // a take of MinRecordingSeconds..MaxRecordingSeconds of speech, as LoadRecordings takes it
	TakeTooShort                    // a click or a breath, or nothing above the room's noise
	TakeTooLong                     // more than the phrase: not kept
)

// String returns "kept", "too short" or "too long".
func (v TakeVerdict) String() string {
	switch v {
	case TakeKept:
		return "kept"
	case TakeTooShort:
		return "too short"
	case TakeTooLong:
		return "too long"
	}
	return fmt.Sprintf("TakeVerdict(%d)", int(v))
}

// Take is one stretch of speech a TakeCutter found.
type Take struct {
	Verdict TakeVerdict
	// Speech is how long the speech lasts: the sound left after trimming,
	// as LoadRecordings measures it, or the VAD's span for a stretch too
	// long to hold.
	Speech time.Duration
	Start  int64   // first speech sample in the stream
	Audio  []int16 // the speech with Pad either side (TakeKept only); 16 kHz mono
}

// TakeCutter cuts takes of a wake phrase out of a 16 kHz mono stream, such as
// a person saying it again and again into the board's microphone (`genie
// wakeword record`): each stretch that the VAD calls speech, with pauses
// shorter than Pause inside it, is a take. It keeps the last few seconds in
// a ring buffer, so pushing a block allocates nothing; only a kept take's
// audio is a new slice.
type TakeCutter struct {
	o    TakeOpts
	seg  *vad.Segmenter
	ring []int16 // the stream's last len(ring) samples, by sample index mod len
	next int64   // index of the next sample
	pad  int64   // samples
}

// NewTakeCutter checks o and returns a TakeCutter.
func NewTakeCutter(o TakeOpts) (*TakeCutter, error) {
	if o.Pad < 0 || o.Pad > o.Pause {
		return nil, fmt.Errorf("train: take padding %v out of range [0, %v] (the pause that ends a take)", o.Pad, o.Pause)
	}
	seg, err := vad.NewSegmenter(vad.SegmentOpts{Threshold: o.Threshold, Hangover: o.Pause, MinSpeech: 0})
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	// Room for the longest take kept, its padding and the pause that
	// closes it, in whole blocks.
	n := audio.Samples(time.Duration(MaxRecordingSeconds*float64(time.Second))+2*o.Pad+o.Pause) + 2*audio.BlockSamples
	n = (n + audio.BlockSamples - 1) / audio.BlockSamples * audio.BlockSamples
	return &TakeCutter{o: o, seg: seg, ring: make([]int16, n), pad: audio.Samples(o.Pad)}, nil
}

// Push adds the 10 ms block b and the VAD's speech probability p for it.
// Blocks must follow each other (b.Start is the stream position). When b
// ends a stretch of speech, Push returns it with ok true.
func (c *TakeCutter) Push(b *audio.Block, p float32) (t Take, ok bool) {
	for i, v := range b.Samples {
		c.ring[(b.Start+int64(i))%int64(len(c.ring))] = v
	}
	c.next = b.End()
	s, ok := c.seg.Push(b.Start, p)
	if !ok {
		return Take{}, false
	}
	return c.take(s), true
}

// Flush returns a stretch of speech still open at the end of the stream.
func (c *TakeCutter) Flush() (t Take, ok bool) {
	s, ok := c.seg.Flush()
	if !ok {
		return Take{}, false
	}
	return c.take(s), true
}

func (c *TakeCutter) take(s vad.Segment) Take {
	t := Take{Speech: audio.SampleTime(s.End - s.Start), Start: s.Start}
	switch sec := t.Speech.Seconds(); {
	case sec < MinRecordingSeconds:
		t.Verdict = TakeTooShort
		return t
	case sec > MaxRecordingSeconds:
		t.Verdict = TakeTooLong
		return t
	}
	from := max(s.Start-c.pad, 0, c.next-int64(len(c.ring)))
	to := min(s.End+c.pad, c.next)
	t.Audio = make([]int16, to-from)
	for i := range t.Audio {
		t.Audio[i] = c.ring[(from+int64(i))%int64(len(c.ring))]
	}
	// Keep only what training will take (LoadRecordings): the VAD may call
	// a click and its echo speech, or hear speech where the trim finds
	// more.
	var le takeLengthError
	x, err := toCanonical(audio.Clip{Format: audio.Canonical, Samples: t.Audio})
	var sound []float32
	if err == nil {
		sound, err = checkTake(x)
	}
	switch {
	case errors.As(err, &le):
		t.Speech = time.Duration(le.sec * float64(time.Second))
		t.Verdict, t.Audio = TakeTooShort, nil
		if le.sec > MaxRecordingSeconds {
			t.Verdict = TakeTooLong
		}
	case err != nil: // silent
		t.Speech, t.Verdict, t.Audio = 0, TakeTooShort, nil
	default:
		t.Speech = audio.SampleTime(int64(len(sound)))
	}
	return t
}
