package audio

import (
	"testing"
	"time"
)

func TestPreRollKeepsNewestBlocks(t *testing.T) {
	r := NewPreRoll(500 * time.Millisecond)
	if r.Cap() != 50 {
		t.Fatalf("500 ms ring holds %d blocks, want 50", r.Cap())
	}
	var b Block
	for i := range int64(120) {
		b.Start = i * BlockSamples
		b.Samples[0] = int16(i)
		r.Push(&b)
	}
	if r.Len() != 50 {
		t.Fatalf("Len = %d, want 50", r.Len())
	}
	for i := range r.Len() {
		if got, want := r.At(i).Start, int64(70+i)*BlockSamples; got != want {
			t.Fatalf("At(%d).Start = %d, want %d", i, got, want)
		}
	}
	if a := testing.AllocsPerRun(100, func() { r.Push(&b) }); a != 0 {
		t.Errorf("Push allocates %.1f", a)
	}
}

func TestPreRollPartlyFilled(t *testing.T) {
	r := NewPreRoll(15 * time.Millisecond) // rounds up to 2 blocks
	var b Block
	b.Start = 160
	r.Push(&b)
	if r.Len() != 1 || r.At(0).Start != 160 {
		t.Fatalf("one push: Len %d, At(0).Start %d", r.Len(), r.At(0).Start)
	}
	r.Reset()
	if r.Len() != 0 {
		t.Fatal("Reset left blocks")
	}
}
