package train

import (
	"testing"
	"time"

	"github.com/genie-voice/genie/audio"
)

// TestTakeCutter pushes a stream whose speech is given as blocks, each
// marked with its number, and checks what each stretch became and
// exactly which samples a kept take holds, including takes found after the
// ring buffer has wrapped many times.
func TestTakeCutter(t *testing.T) {
	o := TakeOpts{Threshold: 0.5, Pause: 400 * time.Millisecond, Pad: 250 * time.Millisecond}
	type stretch struct{ from, to int } // speech blocks [from, to)
	for _, tc := range []struct {
		name    string
		speech  []stretch
		blocks  int
		want    []TakeVerdict
		kept    []stretch // the speech of each kept take, in blocks
		flushed bool      // the last stretch runs to the end of the stream
	}{
		{"two_takes", []stretch{{100, 190}, {300, 380}}, 500, []TakeVerdict{TakeKept, TakeKept}, []stretch{{100, 190}, {300, 380}}, false},
		// "hey" and "genie" with a 300 ms pause between them are one take.
		{"pause_inside", []stretch{{100, 140}, {170, 230}}, 400, []TakeVerdict{TakeKept}, []stretch{{100, 230}}, false},
		{"click", []stretch{{100, 105}}, 300, []TakeVerdict{TakeTooShort}, nil, false},
		// The VAD heard speech where there is no sound above the floor.
		{"vad_fooled", []stretch{{100, 190}}, 300, []TakeVerdict{TakeTooShort}, nil, false},
		{"speech_goes_on", []stretch{{100, 600}, {700, 780}}, 900, []TakeVerdict{TakeTooLong, TakeKept}, []stretch{{700, 780}}, false},
		{"late_in_a_long_stream", []stretch{{5000, 5090}}, 5200, []TakeVerdict{TakeKept}, []stretch{{5000, 5090}}, false},
		{"cut_off_by_the_end", []stretch{{100, 190}}, 195, []TakeVerdict{TakeKept}, []stretch{{100, 190}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewTakeCutter(o)
			if err != nil {
				t.Fatal(err)
			}
			var got []Take
			var b audio.Block
			for k := range tc.blocks {
				b.Start = int64(k) * audio.BlockSamples
				p := float32(0)
				for _, s := range tc.speech {
					if k >= s.from && k < s.to {
						p = 1
					}
				}
				// Speech is loud, the rest silent; every block's first
				// sample is its number, to see where a take begins and
				// ends.
				amp := float32(8000)
				if tc.name == "vad_fooled" {
					amp = 0
				}
				for i := range b.Samples {
					b.Samples[i] = int16(amp * p * float32(1-2*(i/8%2)))
				}
				b.Samples[0] = int16(k)
				if tk, ok := c.Push(&b, p); ok {
					got = append(got, tk)
				}
			}
			tk, ok := c.Flush()
			if ok != tc.flushed {
				t.Errorf("Flush ok = %v, want %v", ok, tc.flushed)
			}
			if ok {
				got = append(got, tk)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d takes %+v, want %v", len(got), got, tc.want)
			}
			for i, tk := range got {
				if tk.Verdict != tc.want[i] {
					t.Errorf("take %d: %v, want %v", i, tk.Verdict, tc.want[i])
				}
				if tk.Verdict != TakeKept {
					if tk.Audio != nil {
						t.Errorf("take %d (%v) holds audio", i, tk.Verdict)
					}
					continue
				}
				// The speech blocks, 25 blocks of padding each side, cut
				// at the stream's end.
				sp := tc.kept[0]
				tc.kept = tc.kept[1:]
				first, last := sp.from-25, min(sp.to+25, tc.blocks)-1
				if tk.Start != int64(sp.from)*audio.BlockSamples || tk.Speech != audio.SampleTime(int64(sp.to-sp.from)*audio.BlockSamples) {
					t.Errorf("take %d: speech from sample %d for %v, want blocks %d..%d", i, tk.Start, tk.Speech, sp.from, sp.to-1)
				}
				if n := len(tk.Audio); n != (last-first+1)*audio.BlockSamples {
					t.Errorf("take %d: %d samples, want blocks %d..%d", i, n, first, last)
				}
				if n := len(tk.Audio); n < audio.BlockSamples || tk.Audio[0] != int16(first) || tk.Audio[n-audio.BlockSamples] != int16(last) {
					t.Errorf("take %d does not run from block %d to %d", i, first, last)
				}
			}
		})
	}
}

func TestNewTakeCutterRejectsPaddingPastThePause(t *testing.T) {
	if _, err := NewTakeCutter(TakeOpts{Threshold: 0.5, Pause: 200 * time.Millisecond, Pad: 300 * time.Millisecond}); err == nil {
		t.Error("padding longer than the pause was accepted")
	}
	if _, err := NewTakeCutter(TakeOpts{Threshold: 1.5, Pause: 200 * time.Millisecond}); err == nil {
		t.Error("threshold 1.5 was accepted")
	}
}

// TestTakeCutterPushAllocatesNothing: only a finished take allocates.
func TestTakeCutterPushAllocatesNothing(t *testing.T) {
	c, err := NewTakeCutter(DefaultTakeOpts)
	if err != nil {
		t.Fatal(err)
	}
	var b audio.Block
	p := float32(1)
	allocs := testing.AllocsPerRun(1000, func() {
		c.Push(&b, p) // one long stretch of speech: never closes
		b.Start += audio.BlockSamples
	})
	if allocs != 0 {
		t.Errorf("%v allocations per block", allocs)
	}
}
