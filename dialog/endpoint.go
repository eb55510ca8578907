package dialog

import (
	"time"

	"github.com/genie-voice/genie/audio"
)

// EndpointOpts is the endpointing policy. All lengths are converted to samples once.
type EndpointOpts struct {
	NoSpeechTimeout time.Duration // speech must start within this after the trigger (default 5 s)
	MinSpeech       time.Duration // speech this long counts as started (default 0.3 s)
	TrailingSilence time.Duration // silence after speech that ends the utterance (default 0.7 s)
	MaxUtterance    time.Duration // hard cap from the trigger (default 12 s)
	// UseVAD false ends every utterance at MaxUtterance: for boards without a VAD.
	UseVAD bool
}

// DefaultEndpointOpts are the defaults.
var DefaultEndpointOpts = EndpointOpts{
	NoSpeechTimeout: 5 * time.Second, MinSpeech: 300 * time.Millisecond,
	TrailingSilence: 700 * time.Millisecond, MaxUtterance: 12 * time.Second, UseVAD: true,
}

// Verdict is the endpointer's decision after a block.
type Verdict uint8

// Verdicts.
const (
	Continue      Verdict = iota // keep streaming
	SpeechStarted                // speech has started (reported once); keep streaming
	EndSpeech                    // the speaker stopped: trailing silence reached
	EndCap                       // the utterance cap was reached
	EndNoSpeech                  // no speech started within the timeout
)

// String returns the verdict's name as used in event reasons.
func (v Verdict) String() string {
	return [...]string{"continue", "speech-started", "speech-end", "cap", "no-speech"}[v]
}

// gapReset is the silence that makes speech which has not yet "started" count from zero
// again; resume is the speech that makes trailing silence count from zero again.
const (
	gapReset = 100 * time.Millisecond
	resume   = 30 * time.Millisecond
)

// Endpointer decides when an utterance ends, from per-block speech decisions. It works
// in samples of the mic stream and allocates nothing. Not safe for concurrent use.
type Endpointer struct {
	noSpeech, minSpeech, silence, maxLen, gap, resume int64
	useVAD                                            bool

	start     int64 // trigger sample
	started   bool  // speech has started
	speechRun int64 // speech samples accumulated towards MinSpeech / resume
	quietRun  int64 // non-speech samples since the last speech
	speechEnd int64 // end of the last speech block
	firstAt   int64 // where the counted speech began
}

// NewEndpointer returns an endpointer with o's policy.
func NewEndpointer(o EndpointOpts) *Endpointer {
	e := &Endpointer{}
	e.reset(o)
	return e
}

// reset applies o and forgets all state.
func (e *Endpointer) reset(o EndpointOpts) {
	*e = Endpointer{
		noSpeech: audio.Samples(o.NoSpeechTimeout), minSpeech: audio.Samples(o.MinSpeech),
		silence: audio.Samples(o.TrailingSilence), maxLen: audio.Samples(o.MaxUtterance),
		gap: audio.Samples(gapReset), resume: audio.Samples(resume), useVAD: o.UseVAD,
	}
}

// Start begins an utterance triggered at sample at.
func (e *Endpointer) Start(at int64) {
	e.start, e.started = at, false
	e.speechRun, e.quietRun, e.speechEnd, e.firstAt = 0, 0, at, at
}

// SpeechEnd returns the sample at which speech last ended (valid after EndSpeech or EndCap).
func (e *Endpointer) SpeechEnd() int64 { return e.speechEnd }

// SpeechStart returns where the speech that started the utterance began.
func (e *Endpointer) SpeechStart() int64 { return e.firstAt }

// Block takes the VAD decision for the block [end-n, end) and returns the verdict.
func (e *Endpointer) Block(speech bool, end int64, n int64) Verdict {
	if end-e.start >= e.maxLen {
		if !e.started || e.quietRun == 0 {
			e.speechEnd = end
		}
		return EndCap
	}
	if !e.useVAD {
		return Continue
	}
	if !e.started {
		if speech {
			if e.speechRun == 0 {
				e.firstAt = end - n
			}
			e.speechRun += n
			e.quietRun = 0
			if e.speechRun >= e.minSpeech {
				e.started, e.speechRun, e.speechEnd = true, 0, end
				return SpeechStarted
			}
		} else if e.quietRun += n; e.quietRun >= e.gap {
			e.speechRun = 0
		}
		if end-e.start >= e.noSpeech {
			return EndNoSpeech
		}
		return Continue
	}
	if speech {
		e.speechRun += n
		if e.quietRun == 0 || e.speechRun >= e.resume {
			e.quietRun, e.speechEnd = 0, end
		} else {
			e.quietRun += n // a blip too short to count as speech again
		}
	} else {
		e.speechRun = 0
		e.quietRun += n
	}
	if e.quietRun >= e.silence {
		return EndSpeech
	}
	return Continue
}
