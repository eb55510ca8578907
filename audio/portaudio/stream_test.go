package portaudio

import (
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genie-voice/genie/audio"
)

// These tests drive the queue and pump of Source and Sink with a scripted device, for
// what ALSA's test devices cannot do on cue: overflow, fail, hang. pa_test.go runs the
// same types on real PortAudio streams.

// scriptedStream is a stream whose reads deliver pattern(0), pattern(1), ...
type scriptedStream struct {
	mu       sync.Mutex
	pos      int           // samples read so far
	reads    int           // read calls so far
	gapAt    int           // read call (1-based) that reports an overflow; 0 = none
	failAt   int           // read or write call (1-based) that fails; 0 = never
	err      error         // the failure
	hang     chan struct{} // when not nil, reads and writes block until it is closed
	written  []int16
	discard  bool // do not record writes
	writes   int
	underAt  int           // writes from this one (1-based) on report an underflow; 0 = never
	gate     chan struct{} // when not nil, each write waits for a value from it
	started  chan struct{} // when not nil, receives once per write as it begins
	drains   int
	closes   int
	released chan struct{} // closed by close
}

func newScriptedStream() *scriptedStream { return &scriptedStream{released: make(chan struct{})} }

func (s *scriptedStream) read(p []int16) (bool, error) {
	if s.hang != nil {
		<-s.hang
		return false, errors.New("test: hung device gave up")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	if s.reads == s.failAt {
		return false, s.err
	}
	for i := range p {
		p[i] = pattern(s.pos + i)
	}
	s.pos += len(p)
	return s.reads == s.gapAt, nil
}

func (s *scriptedStream) write(p []int16) (bool, error) {
	if s.started != nil {
		s.started <- struct{}{}
	}
	if s.gate != nil {
		<-s.gate
	}
	if s.hang != nil {
		<-s.hang
		return false, errors.New("test: hung device gave up")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	if s.writes == s.failAt {
		return false, s.err
	}
	if !s.discard {
		s.written = append(s.written, p...)
	}
	return s.underAt > 0 && s.writes >= s.underAt, nil
}

func (s *scriptedStream) drain() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drains++
	return nil
}

func (s *scriptedStream) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closes++
	if s.closes == 1 {
		close(s.released)
	}
	return nil
}

// pattern is sample i of the test signals: 7919 is odd, so 65536 consecutive samples
// are all different, and both bytes change from one sample to the next, which shows a
// dropped, repeated or byte-swapped sample.
func pattern(i int) int16 { return int16(uint16(i * 7919)) }

var testDevice = Device{Index: 7, Name: "test device", HostAPI: "test"}

// testOpts has 10 ms chunks and a 40 ms queue; at 16 kHz mono a chunk is one block.
var testOpts = Opts{Chunk: 10 * time.Millisecond, Buffer: 40 * time.Millisecond, Timeout: time.Second}

func TestSourceReportsAnOverflowBetweenTheSamples(t *testing.T) {
	for _, size := range []int{audio.BlockSamples, 1000, 7} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			st := newScriptedStream()
			st.gapAt = 4 // the device dropped input before its 4th chunk
			src := newSource(testDevice, audio.Canonical, 0, testOpts, st)
			defer src.Close()
			var got []int16
			buf := make([]int16, size)
			var overrunAt = -1
			for len(got) < 3200 {
				n, err := src.Read(buf)
				if errors.Is(err, audio.ErrOverrun) {
					if n != 0 || overrunAt >= 0 {
						t.Fatalf("Read = %d, %v after %d samples (overrun already at %d)", n, err, len(got), overrunAt)
					}
					overrunAt = len(got)
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, buf[:n]...)
			}
			if overrunAt != 3*audio.BlockSamples {
				t.Errorf("overrun reported after %d samples, want %d", overrunAt, 3*audio.BlockSamples)
			}
			if !slices.Equal(got, patternSlice(0, len(got))) {
				t.Error("samples around the overrun are not the device's")
			}
			if src.Overruns() != 1 {
				t.Errorf("Overruns = %d, want 1", src.Overruns())
			}
		})
	}
}

func TestSourceDeliversWhatCameBeforeADeviceError(t *testing.T) {
	st := newScriptedStream()
	st.failAt, st.err = 6, errors.New("test: input/output error")
	src := newSource(testDevice, audio.Canonical, 0, testOpts, st)
	buf := make([]int16, audio.BlockSamples)
	var got []int16
	var err error
	for err == nil {
		var n int
		n, err = audio.ReadFull(src, buf)
		got = append(got, buf[:n]...)
	}
	if !slices.Equal(got, patternSlice(0, 5*audio.BlockSamples)) {
		t.Errorf("got %d samples before the error, want the 800 the device gave", len(got))
	}
	if !errors.Is(err, ErrDeviceLost) || !errors.Is(err, st.err) || !strings.Contains(err.Error(), `"test device"`) {
		t.Errorf("error %v: want ErrDeviceLost, the device's error and the device's name", err)
	}
	if _, again := src.Read(buf); again == nil || again.Error() != err.Error() {
		t.Errorf("next Read: %v, want %v again", again, err)
	}
	if err := src.Close(); err != nil {
		t.Errorf("Close after a device error: %v", err)
	}
	if st.closes != 1 {
		t.Errorf("stream closed %d times, want 1", st.closes)
	}
}

func TestSourceWatchdogReportsAHungDevice(t *testing.T) {
	st := newScriptedStream()
	st.hang = make(chan struct{})
	defer close(st.hang)
	o := testOpts
	o.Timeout = 50 * time.Millisecond
	src := newSource(testDevice, audio.Canonical, 0, o, st)
	start := time.Now()
	n, err := src.Read(make([]int16, 160))
	if n != 0 || !errors.Is(err, ErrDeviceLost) || !strings.Contains(err.Error(), "no audio for 50ms") {
		t.Errorf("Read from a hung device = %d, %v", n, err)
	}
	if waited := time.Since(start); waited < o.Timeout {
		t.Errorf("Read gave up after %v, before the %v timeout", waited, o.Timeout)
	}
	if err := src.Close(); !errors.Is(err, ErrDeviceLost) {
		t.Errorf("Close of a hung device = %v, want ErrDeviceLost (did not stop)", err)
	}
}

func TestSourceCloseUnblocksRead(t *testing.T) {
	st := newScriptedStream()
	st.hang = make(chan struct{})
	o := testOpts
	o.Timeout = time.Hour
	src := newSource(testDevice, audio.Canonical, 0, o, st)
	done := make(chan error)
	go func() {
		_, err := src.Read(make([]int16, 160))
		done <- err
	}()
	go src.Close()
	if err := <-done; err != io.EOF {
		t.Errorf("blocked Read returned %v on Close, want EOF", err)
	}
	close(st.hang) // let the pump finish and release the device
	<-st.released
}

func TestSourceReadAllocatesNothing(t *testing.T) {
	src := newSource(testDevice, audio.Canonical, 0, testOpts, newScriptedStream())
	defer src.Close()
	buf := make([]int16, audio.BlockSamples)
	// Counts the pump goroutine's allocations too.
	if a := testing.AllocsPerRun(1000, func() { audio.ReadFull(src, buf) }); a != 0 {
		t.Errorf("%v allocs per block", a)
	}
}

func TestSinkPlaysEverythingWrittenBeforeClose(t *testing.T) {
	st := newScriptedStream()
	f := audio.Format{SampleRate: 16000, Channels: 2}
	snk := newSink(testDevice, f, 0, testOpts, st)
	want := patternSlice(0, 20000)
	for off, size := 0, 2; off < len(want); off, size = off+size, size*3%1000+2 {
		p := want[off:min(off+size, len(want))]
		if n, err := snk.Write(p); n != len(p) || err != nil {
			t.Fatalf("Write(%d) at %d = %d, %v", len(p), off, n, err)
		}
	}
	if err := snk.Close(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.written, want) {
		t.Errorf("device got %d samples, want the %d written, in order", len(st.written), len(want))
	}
	if st.drains != 1 || st.closes != 1 {
		t.Errorf("drained %d, closed %d times; want 1, 1", st.drains, st.closes)
	}
	if n, err := snk.Write(want[:2]); n != 0 || err == nil {
		t.Errorf("Write after Close = %d, %v", n, err)
	}
	if n, err := snk.Write(want[:3]); n != 0 || err == nil || !strings.Contains(err.Error(), "not whole 2-channel frames") {
		t.Errorf("Write of 3 samples to stereo = %d, %v", n, err)
	}
}

func TestSinkCountsUnderrunsOnlyWhileAudioIsQueued(t *testing.T) {
	st := newScriptedStream()
	st.underAt = 2 // every write from the 2nd on says the device ran dry before it
	st.gate, st.started = make(chan struct{}), make(chan struct{}, 10)
	snk := newSink(testDevice, audio.Canonical, 0, testOpts, st)
	blk := make([]int16, audio.BlockSamples)
	snk.Write(blk)
	<-st.started // the pump is in write 1; the other 3 chunks of the queue fill up behind it
	for range 3 {
		snk.Write(blk)
	}
	for range 4 {
		st.gate <- struct{}{}
	}
	close(st.gate)
	if err := snk.Close(); err != nil {
		t.Fatal(err)
	}
	// Writes 2..4 were queued when the device reported running dry: 3 underruns.
	if snk.Underruns() != 3 {
		t.Errorf("Underruns = %d, want 3", snk.Underruns())
	}
}

func TestSinkWatchdogReportsAHungDevice(t *testing.T) {
	st := newScriptedStream()
	st.hang = make(chan struct{})
	defer close(st.hang)
	o := testOpts
	o.Timeout = 50 * time.Millisecond
	snk := newSink(testDevice, audio.Canonical, 0, o, st)
	var err error
	for i := 0; err == nil && i < 100; i++ {
		_, err = snk.Write(make([]int16, audio.BlockSamples))
	}
	if !errors.Is(err, ErrDeviceLost) || !strings.Contains(err.Error(), "took nothing for 50ms") {
		t.Errorf("Write to a hung device: %v", err)
	}
	if err := snk.Close(); !errors.Is(err, ErrDeviceLost) {
		t.Errorf("Close of a hung device = %v, want ErrDeviceLost (did not stop)", err)
	}
}

func TestSinkReportsADeviceError(t *testing.T) {
	st := newScriptedStream()
	st.failAt, st.err = 3, errors.New("test: no such device")
	snk := newSink(testDevice, audio.Canonical, 0, testOpts, st)
	var err error
	for i := 0; err == nil && i < 100; i++ {
		_, err = snk.Write(make([]int16, audio.BlockSamples))
	}
	if !errors.Is(err, ErrDeviceLost) || !errors.Is(err, st.err) {
		t.Errorf("Write after a device error: %v", err)
	}
	if err := snk.Close(); err != nil {
		t.Errorf("Close after a device error: %v", err)
	}
	if st.closes != 1 {
		t.Errorf("stream closed %d times, want 1", st.closes)
	}
}

func TestSinkWriteAllocatesNothing(t *testing.T) {
	st := newScriptedStream()
	st.discard = true
	snk := newSink(testDevice, audio.Canonical, 0, testOpts, st)
	defer snk.Close()
	blk := make([]int16, audio.BlockSamples)
	if a := testing.AllocsPerRun(1000, func() { snk.Write(blk) }); a != 0 {
		t.Errorf("%v allocs per block", a)
	}
}

// BenchmarkSourceReadBlock is the cost of the pump and queue alone for one 10 ms block.
func BenchmarkSourceReadBlock(b *testing.B) {
	src := newSource(testDevice, audio.Canonical, 0, testOpts, newScriptedStream())
	defer src.Close()
	blk := make([]int16, audio.BlockSamples)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := audio.ReadFull(src, blk); err != nil {
			b.Fatal(err)
		}
	}
}
