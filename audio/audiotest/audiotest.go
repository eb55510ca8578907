// Package audiotest has Sources and Sinks for tests: a SliceSource that replays samples
// in uneven chunks, a RecordSink that keeps everything written to it, and a contract
// test every Source must pass.
package audiotest

import (
	"errors"
	"io"
	"slices"
	"sync"
	"testing"

	"github.com/genie-voice/genie/audio"
)

// SliceSource replays Samples in uneven chunks (1, 479, 161, 159, …) so readers are
// tested against short reads. Not safe for concurrent use.
type SliceSource struct {
	F       audio.Format
	Samples []int16
	Err     error // returned after the samples instead of io.EOF, if set
	pos     int
	call    int
}

var chunks = []int{1, 479, 161, 159, 160, 3, 1024}

// Format returns F.
func (s *SliceSource) Format() audio.Format { return s.F }

// Read returns the next chunk of whole frames.
func (s *SliceSource) Read(p []int16) (int, error) {
	if s.pos >= len(s.Samples) {
		if s.Err != nil {
			return 0, s.Err
		}
		return 0, io.EOF
	}
	ch := max(1, s.F.Channels)
	n := min(len(p), chunks[s.call%len(chunks)]*ch, len(s.Samples)-s.pos)
	n -= n % ch
	if n == 0 && len(p) >= ch {
		n = ch
	}
	s.call++
	copy(p, s.Samples[s.pos:s.pos+n])
	s.pos += n
	return n, nil
}

// RecordSink keeps every sample written to it. Safe for concurrent use.
type RecordSink struct {
	F  audio.Format
	mu sync.Mutex
	s  []int16
}

// Format returns F.
func (r *RecordSink) Format() audio.Format { return r.F }

// Write appends p.
func (r *RecordSink) Write(p []int16) (int, error) {
	r.mu.Lock()
	r.s = append(r.s, p...)
	r.mu.Unlock()
	return len(p), nil
}

// Samples returns a copy of everything written so far.
func (r *RecordSink) Samples() []int16 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.s)
}

// TestSource checks the Source contract: whole frames only, the samples in want in
// order, then io.EOF that repeats.
func TestSource(t *testing.T, src audio.Source, want []int16) {
	t.Helper()
	ch := src.Format().Channels
	var got []int16
	buf := make([]int16, 4096)
	for i := 0; ; i++ {
		size := []int{ch, 7 * ch, 4096, 160 * ch}[i%4]
		n, err := src.Read(buf[:size])
		if n%ch != 0 {
			t.Fatalf("Read returned %d samples, not whole %d-channel frames", n, ch)
		}
		got = append(got, buf[:n]...)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if i > 1e6 {
			t.Fatal("Source never ends")
		}
	}
	if n, err := src.Read(buf); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("Read after EOF = %d, %v; want 0, io.EOF", n, err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Source gave %d samples, want %d (first difference at %d)", len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(a, b []int16) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

var (
	_ audio.Source = (*SliceSource)(nil)
	_ audio.Sink   = (*RecordSink)(nil)
)
