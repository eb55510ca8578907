package dialog

import (
	"math"

	"github.com/genie-voice/genie/audio"
)

// Earcon names a short tone the dialog plays to show what happened.
type Earcon uint8

// Earcons.
const (
	EarconWake  Earcon = iota // listening started: rising two-note chime
	EarconDone                // listening ended: falling two-note chime
	EarconError               // something failed: low double buzz
	EarconReply               // the local upstream's answer chime
	EarconTimer               // a timer rings: bright triple beep
	numEarcons
)

// earconRate is the rate earcons are synthesised at (Hz).
const earconRate = 16000

// note is one tone of an earcon.
type note struct {
	hz   float64 // 0 = rest
	ms   int
	gain float64 // 0..1
}

var earconNotes = [numEarcons][]note{
	EarconWake:  {{880, 70, 0.35}, {1318.5, 110, 0.35}},
	EarconDone:  {{1318.5, 70, 0.3}, {880, 110, 0.3}},
	EarconError: {{220, 120, 0.4}, {0, 60, 0}, {220, 160, 0.4}},
	EarconReply: {{1046.5, 60, 0.25}, {1568, 90, 0.25}},
	EarconTimer: {{1760, 100, 0.4}, {0, 80, 0}, {1760, 100, 0.4}, {0, 80, 0}, {1760, 100, 0.4}, {0, 300, 0}},
}

// Earcons holds every earcon, synthesised once.
type Earcons [numEarcons]audio.Clip

// NewEarcons synthesises the earcons: sine notes with 5 ms raised-cosine edges, a soft
// second harmonic for a bell-like timbre, 16 kHz mono.
func NewEarcons() *Earcons {
	var e Earcons
	for i, notes := range earconNotes {
		var s []int16
		for _, n := range notes {
			frames := earconRate * n.ms / 1000
			edge := earconRate * 5 / 1000
			for k := range frames {
				env := 1.0
				if k < edge {
					env = 0.5 - 0.5*math.Cos(math.Pi*float64(k)/float64(edge))
				} else if k >= frames-edge {
					env = 0.5 - 0.5*math.Cos(math.Pi*float64(frames-1-k)/float64(edge))
				}
				decay := math.Exp(-3 * float64(k) / float64(frames))
				ph := 2 * math.Pi * n.hz * float64(k) / earconRate
				v := n.gain * env * (0.7 + 0.3*decay) * (0.85*math.Sin(ph) + 0.15*math.Sin(2*ph))
				s = append(s, int16(math.Round(v*32767)))
			}
		}
		e[i] = audio.Clip{Format: audio.Format{SampleRate: earconRate, Channels: 1}, Samples: s}
	}
	return &e
}
