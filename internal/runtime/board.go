package runtime

import (
	"github.com/genie-voice/genie/dialog"
	"github.com/genie-voice/genie/hal"
)

// boardInputs turns the board's inputs into the dialog's, polled once per block. The
// board already toggled its mute state for a mute button press, so the press itself is
// not passed on (it would toggle twice); the resulting Mute input is.
type boardInputs struct{ in <-chan hal.Input }

func (b boardInputs) Poll(_ int64, dst []dialog.Input) []dialog.Input {
	for {
		select {
		case i := <-b.in:
			switch {
			case i.Kind == hal.Mute:
				dst = append(dst, dialog.Input{Kind: dialog.InputMute, On: i.On})
			case i.Kind == hal.Press && i.Button != "mute":
				dst = append(dst, dialog.Input{Kind: dialog.InputPress, Button: i.Button})
			case i.Kind == hal.LongPress && i.Button == "action":
				dst = append(dst, dialog.Input{Kind: dialog.InputPress, Button: "stop"})
			}
		default:
			return dst
		}
	}
}

// boardMute is the mute control when a board is present: the board's state (switch,
// button, MCU) is the one truth, and the listener reads it for every block.
type boardMute struct{ b *hal.Board }

func (m boardMute) SetMuted(on bool) { m.b.SetMute(on) }
func (m boardMute) Muted() bool      { return m.b.Mute().State() }
