// Package local is genie's built-in upstream for the bench and for people without a
// server: it saves each utterance as a wav file and answers with a chime followed by
// the utterance played back, so a whole turn completes on one machine.
package local

import (
	"context"
	"fmt"
	"math"
	"path/filepath"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/wavfile"
	"github.com/genie-voice/genie/dialog"
)

// Opts configures the local upstream.
type Opts struct {
	OutDir string // utterances are saved here as utterance-NNN.wav
	Echo   bool   // play the utterance back after the chime
	// Logf reports problems (a file that could not be written); nil discards.
	Logf func(format string, args ...any)
}

// Upstream is the local demo upstream.
type Upstream struct {
	o     Opts
	chime audio.Clip
}

// New returns a local upstream.
func New(o Opts) *Upstream {
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return &Upstream{o: o, chime: dialog.NewEarcons()[dialog.EarconReply]}
}

// Name returns "local".
func (u *Upstream) Name() string { return "local" }

// Run serves turns until ctx is done or l.Up is closed.
func (u *Upstream) Run(ctx context.Context, l dialog.Link) error {
	var (
		turn  int64
		utter []int16
		open  bool
	)
	send := func(d dialog.Down) bool {
		select {
		case l.Down <- d:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		var m dialog.Up
		var ok bool
		select {
		case <-ctx.Done():
			return nil
		case m, ok = <-l.Up:
			if !ok {
				return nil
			}
		}
		switch m.Kind {
		case dialog.UpTurnStart:
			turn, utter, open = m.Turn, utter[:0], true
		case dialog.UpAudio:
			if open && m.Turn == turn {
				utter = append(utter, m.Block.Samples[:]...)
			}
		case dialog.UpTurnCancel:
			open = false
		case dialog.UpTurnEnd:
			if !open || m.Turn != turn {
				continue
			}
			open = false
			if !u.answer(turn, utter, send) {
				return nil
			}
		}
	}
}

// answer saves the utterance and sends the reply: chime, then the utterance.
func (u *Upstream) answer(turn int64, utter []int16, send func(dialog.Down) bool) bool {
	path := filepath.Join(u.o.OutDir, fmt.Sprintf("utterance-%03d.wav", turn))
	if err := wavfile.Save(path, audio.Clip{Format: audio.Canonical, Samples: utter}); err != nil {
		u.o.Logf("local: %v", err)
		return send(dialog.Down{Kind: dialog.DownError, Turn: turn, Text: "saving the utterance: " + err.Error()})
	}
	if !send(dialog.Down{Kind: dialog.DownSaved, Turn: turn, Text: path}) {
		return false
	}
	reply := append([]int16(nil), u.chime.Samples...)
	if u.o.Echo {
		reply = append(reply, make([]int16, audio.SampleRate/10)...) // 100 ms gap
		reply = append(reply, normalize(utter)...)
	}
	f := audio.Canonical
	if !send(dialog.Down{Kind: dialog.DownReplyStart, Turn: turn, Format: f}) {
		return false
	}
	const chunk = 1024 // like a TTS engine streaming its output
	for i := 0; i < len(reply); i += chunk {
		if !send(dialog.Down{Kind: dialog.DownReplyAudio, Turn: turn, Format: f, Samples: reply[i:min(i+chunk, len(reply))]}) {
			return false
		}
	}
	return send(dialog.Down{Kind: dialog.DownReplyEnd, Turn: turn})
}

// normalize returns a copy of s scaled to a peak of -6 dBFS, so quiet mics echo audibly.
func normalize(s []int16) []int16 {
	peak := 1
	for _, v := range s {
		peak = max(peak, int(math.Abs(float64(v))))
	}
	g := 16384 / float64(peak)
	out := make([]int16, len(s))
	for i, v := range s {
		out[i] = int16(math.Round(float64(v) * g))
	}
	return out
}

var _ dialog.Upstream = (*Upstream)(nil)
