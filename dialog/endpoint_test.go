package dialog

import (
	"testing"
	"time"

	"github.com/genie-voice/genie/audio"
)

// pattern builds per-block speech decisions from (speech?, duration) pairs.
func pattern(parts ...any) []bool {
	var out []bool
	for i := 0; i < len(parts); i += 2 {
		sp := parts[i].(bool)
		n := int(parts[i+1].(time.Duration) / audio.BlockLen)
		for range n {
			out = append(out, sp)
		}
	}
	return out
}

func TestEndpointer(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name        string
		blocks      []bool
		want        Verdict
		wantEndAt   time.Duration // decision time (end of the deciding block), from the trigger
		wantSpeechE time.Duration // where speech ended (EndSpeech/EndCap)
	}{
		{"silence_only_times_out", pattern(false, 6*time.Second), EndNoSpeech, 5 * time.Second, 0},
		{"sentence_then_silence", pattern(false, 500*ms, true, 1500*ms, false, 2*time.Second), EndSpeech, 2700 * ms, 2000 * ms},
		{"pause_of_400ms_is_not_an_end", pattern(false, 300*ms, true, 800*ms, false, 400*ms, true, 900*ms, false, 2*time.Second), EndSpeech, 3100 * ms, 2400 * ms},
		{"monologue_hits_the_cap", pattern(false, 200*ms, true, 20*time.Second), EndCap, 12 * time.Second, 12 * time.Second},
		{"short_blip_does_not_start_speech", pattern(true, 100*ms, false, 6*time.Second), EndNoSpeech, 5 * time.Second, 0},
		{"click_in_trailing_silence_is_ignored", pattern(true, 1*time.Second, false, 300*ms, true, 20*ms, false, 2*time.Second), EndSpeech, 1700 * ms, 1000 * ms},
		{"choppy_speech_still_starts", pattern(true, 150*ms, false, 50*ms, true, 200*ms, false, time.Second), EndSpeech, 1100 * ms, 400 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEndpointer(DefaultEndpointOpts)
			const start = 16000 * 7 // the trigger is 7 s into the stream
			e.Start(start)
			got, at := Continue, int64(0)
			for i, sp := range tt.blocks {
				end := start + int64(i+1)*audio.BlockSamples
				if v := e.Block(sp, end, audio.BlockSamples); v != Continue && v != SpeechStarted {
					got, at = v, end
					break
				}
			}
			if got != tt.want {
				t.Fatalf("verdict %v, want %v", got, tt.want)
			}
			if d := audio.SampleTime(at - start); d != tt.wantEndAt {
				t.Errorf("decided at %v after the trigger, want %v", d, tt.wantEndAt)
			}
			if tt.want == EndSpeech || tt.want == EndCap {
				if d := audio.SampleTime(e.SpeechEnd() - start); d != tt.wantSpeechE {
					t.Errorf("speech ended at %v, want %v", d, tt.wantSpeechE)
				}
			}
		})
	}
}

func TestEndpointerWithoutVADOnlyCaps(t *testing.T) {
	o := DefaultEndpointOpts
	o.UseVAD, o.MaxUtterance = false, 3*time.Second
	e := NewEndpointer(o)
	e.Start(0)
	for i := 1; ; i++ {
		v := e.Block(false, int64(i)*audio.BlockSamples, audio.BlockSamples)
		if v != Continue {
			if v != EndCap || i != 300 {
				t.Fatalf("block %d: %v, want the cap at block 300", i, v)
			}
			return
		}
	}
}
