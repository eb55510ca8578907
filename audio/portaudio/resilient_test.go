package portaudio

import (
	"errors"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/genie-voice/genie/audio"
)

// The resilience logic is tested with injected openers that fail on cue and a fake
// clock that Sleep advances, so hours of backoff run in milliseconds. The real
// reopening of a PortAudio device is tested in pa_test.go.

// fakeClock is a clock whose time moves only by Sleep or advance.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(d time.Duration) {
	if d > 0 {
		c.advance(d)
	}
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncSpawn runs reopen attempts inline, so their outcome is seen at once.
func syncSpawn(f func()) { f() }

var errUnplugged = errors.New("test: unplugged")

// scriptedSource delivers pattern(first), pattern(first+1), ... for limit samples and
// then fails with err, after advancing clk by stall (a read that hung before failing).
type scriptedSource struct {
	format       audio.Format
	first, limit int
	pos          int
	err          error
	stall        time.Duration
	clk          *fakeClock
	overrunAt    int // return audio.ErrOverrun once when pos reaches this (0 = never)
	closed       bool
}

func (s *scriptedSource) Format() audio.Format { return s.format }

func (s *scriptedSource) Read(p []int16) (int, error) {
	if s.closed {
		return 0, io.EOF
	}
	if s.overrunAt > 0 && s.pos == s.overrunAt {
		s.overrunAt = 0
		return 0, audio.ErrOverrun
	}
	if s.pos >= s.limit {
		if s.clk != nil {
			s.clk.advance(s.stall)
		}
		return 0, s.err
	}
	n := min(len(p), s.limit-s.pos)
	if s.overrunAt > s.pos {
		n = min(n, s.overrunAt-s.pos)
	}
	for i := range n {
		p[i] = pattern(s.first + s.pos + i)
	}
	s.pos += n
	return n, nil
}

func (s *scriptedSource) Close() error { s.closed = true; return nil }

// event is one call of the onEvent callback.
type event struct {
	lost bool
	err  error
}

// flakyOpener fails its first fails calls, recording when each call came, then returns
// next.
type flakyOpener[T any] struct {
	clk   *fakeClock
	fails int
	calls []time.Time
	next  T
}

func (o *flakyOpener[T]) open() (T, error) {
	o.calls = append(o.calls, o.clk.Now())
	if len(o.calls) <= o.fails {
		var zero T
		return zero, errors.New("test: no such device")
	}
	return o.next, nil
}

// offsets returns the times of ts relative to t0.
func offsets(t0 time.Time, ts []time.Time) []time.Duration {
	var d []time.Duration
	for _, t := range ts {
		d = append(d, t.Sub(t0))
	}
	return d
}

// backoffSchedule is when attempts come after a loss: 100 ms, then waits of 200, 400,
// 800, 1600, 3200 and then 5000 ms (capped).
var backoffSchedule = []time.Duration{
	100 * time.Millisecond, 300 * time.Millisecond, 700 * time.Millisecond, 1500 * time.Millisecond,
	3100 * time.Millisecond, 6300 * time.Millisecond, 11300 * time.Millisecond, 16300 * time.Millisecond,
}

func TestResilientSourceBridgesALossWithPacedSilence(t *testing.T) {
	clk := newFakeClock()
	f := audio.Canonical
	first := &scriptedSource{format: f, limit: 1600, err: errUnplugged}
	second := &scriptedSource{format: f, first: 100000, limit: 1 << 30}
	op := &flakyOpener[sourceCloser]{clk: clk, fails: len(backoffSchedule) - 1, next: second}
	var events []event
	src := newResilientSource(first, op.open, func(lost bool, err error) { events = append(events, event{lost, err}) }, clk, syncSpawn)

	t0 := clk.Now()
	var got []int16
	blk := make([]int16, audio.BlockSamples)
	for len(got) < 1600+int(audio.Samples(16300*time.Millisecond))+3200 {
		n, err := audio.ReadFull(src, blk)
		if err != nil {
			t.Fatalf("after %d samples: %v", len(got), err)
		}
		got = append(got, blk[:n]...)
	}
	if want := []event{{true, errUnplugged}, {false, nil}}; !slices.Equal(events, want) {
		t.Errorf("events %v, want %v", events, want)
	}
	if d := offsets(t0, op.calls); !slices.Equal(d, backoffSchedule) {
		t.Errorf("reopen attempts at %v, want %v", d, backoffSchedule)
	}
	if !first.closed || second.closed {
		t.Errorf("closed: lost device %v, new device %v; want true, false", first.closed, second.closed)
	}
	// The first device's samples, silence for exactly as long as the device was
	// lost (its loss came at t0, the new device at t0+16.3 s), then the new device.
	silence := int(audio.Samples(16300 * time.Millisecond))
	for i, v := range got {
		var want int16
		switch {
		case i < 1600:
			want = pattern(i)
		case i < 1600+silence:
			want = 0
		default:
			want = pattern(100000 + i - 1600 - silence)
		}
		if v != want {
			t.Fatalf("sample %d = %d, want %d", i, v, want)
		}
	}
	if src.Losses() != 1 || src.Lost() {
		t.Errorf("Losses %d, Lost %v; want 1, false", src.Losses(), src.Lost())
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if !second.closed {
		t.Error("Close did not close the device")
	}
	if n, err := src.Read(blk); n != 0 || err != io.EOF {
		t.Errorf("Read after Close = %d, %v; want 0, EOF", n, err)
	}
}

func TestResilientSourceSilencePacesByTheClock(t *testing.T) {
	clk := newFakeClock()
	f := audio.Format{SampleRate: 48000, Channels: 2}
	first := &scriptedSource{format: f, limit: 960, err: errUnplugged}
	op := &flakyOpener[sourceCloser]{clk: clk, fails: 1 << 30}
	src := newResilientSource(first, op.open, nil, clk, syncSpawn)
	buf := make([]int16, 4000)
	if n, err := src.Read(buf); n != 960 || err != nil {
		t.Fatalf("first Read = %d, %v", n, err)
	}
	t0 := clk.Now()
	total := 0
	tests := []struct {
		len  int           // samples asked for
		want int           // samples returned
		adv  time.Duration // clock movement during the Read
	}{
		{4000, 960, 10 * time.Millisecond}, // 10 ms at a time when on time
		{4000, 960, 10 * time.Millisecond},
		{100, 100, 1041667 * time.Nanosecond}, // less than a block: 50 frames, rounded up to a whole ns
		{4000, 960, 10 * time.Millisecond},    // each Read waits for a block past what it returned
		{3, 2, 20833 * time.Nanosecond},       // whole frames only
	}
	for i, tt := range tests {
		before := clk.Now()
		n, err := src.Read(buf[:tt.len])
		if err != nil || n != tt.want {
			t.Fatalf("Read %d (%d samples) = %d, %v; want %d", i, tt.len, n, err, tt.want)
		}
		if adv := clk.Now().Sub(before); adv != tt.adv {
			t.Errorf("Read %d advanced the clock by %v, want %v", i, adv, tt.adv)
		}
		for j, v := range buf[:n] {
			if v != 0 {
				t.Fatalf("Read %d: sample %d = %d, want silence", i, j, v)
			}
		}
		total += n
	}
	// A late reader gets what is due at once, up to len(p).
	clk.advance(100 * time.Millisecond)
	elapsed := clk.Now().Sub(t0)
	due := int(f.Frames(elapsed))*2 - total
	if n, _ := src.Read(buf); n != min(due-due%2, len(buf)) {
		t.Errorf("late Read = %d samples, want %d", n, min(due-due%2, len(buf)))
	}
}

func TestResilientSourceMakesUpForAStalledDevice(t *testing.T) {
	clk := newFakeClock()
	f := audio.Canonical
	// The device delivers 10 blocks, then hangs for 2 s before its Read fails.
	first := &scriptedSource{format: f, limit: 1600, err: errUnplugged, stall: 2 * time.Second, clk: clk}
	op := &flakyOpener[sourceCloser]{clk: clk, fails: 1 << 30}
	src := newResilientSource(first, op.open, nil, clk, syncSpawn)
	blk := make([]int16, audio.BlockSamples)
	for range 10 {
		if _, err := audio.ReadFull(src, blk); err != nil {
			t.Fatal(err)
		}
	}
	// The 2 s the failing Read took come back as 200 blocks of silence at once, then
	// the pace is 10 ms a block again.
	stalled := clk.Now()
	for i := range 200 {
		if _, err := audio.ReadFull(src, blk); err != nil {
			t.Fatal(err)
		}
		if clk.Now() != stalled.Add(2*time.Second) {
			t.Fatalf("block %d of the make-up silence moved the clock to %v", i, clk.Now().Sub(stalled))
		}
	}
	if _, err := audio.ReadFull(src, blk); err != nil {
		t.Fatal(err)
	}
	if d := clk.Now().Sub(stalled); d != 2*time.Second+audio.BlockLen {
		t.Errorf("after the make-up silence a block took the clock to %v, want 2.01s", d)
	}
}

func TestResilientSourcePassesOverrunsThrough(t *testing.T) {
	clk := newFakeClock()
	dev := &scriptedSource{format: audio.Canonical, limit: 1 << 20, overrunAt: 480}
	src := newResilientSource(dev, nil, nil, clk, syncSpawn)
	blk := make([]int16, audio.BlockSamples)
	var errs []error
	for range 5 {
		_, err := audio.ReadFull(src, blk)
		errs = append(errs, err)
	}
	if want := []error{nil, nil, nil, audio.ErrOverrun, nil}; !slices.Equal(errs, want) {
		t.Errorf("errors %v, want %v", errs, want)
	}
	if src.Overruns() != 1 || src.Losses() != 0 {
		t.Errorf("Overruns %d, Losses %d; want 1, 0", src.Overruns(), src.Losses())
	}
}

func TestResilientSourceCloseWhileReopeningClosesTheLateDevice(t *testing.T) {
	clk := newFakeClock()
	f := audio.Canonical
	first := &scriptedSource{format: f, limit: 0, err: errUnplugged}
	late := &scriptedSource{format: f, limit: 1 << 20}
	release := make(chan struct{})
	open := func() (sourceCloser, error) {
		<-release
		return late, nil
	}
	var wg sync.WaitGroup
	src := newResilientSource(first, open, nil, clk, func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	})
	blk := make([]int16, audio.BlockSamples)
	for range 20 { // 200 ms: one attempt starts, and hangs
		if _, err := audio.ReadFull(src, blk); err != nil {
			t.Fatal(err)
		}
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	close(release)
	wg.Wait()
	if !late.closed {
		t.Error("a device opened after Close was left open")
	}
	if n, err := src.Read(blk); n != 0 || err != io.EOF {
		t.Errorf("Read after Close = %d, %v; want 0, EOF", n, err)
	}
}

func TestResilientSourceRejectsAReopenInAnotherFormat(t *testing.T) {
	clk := newFakeClock()
	first := &scriptedSource{format: audio.Canonical, limit: 0, err: errUnplugged}
	other := &scriptedSource{format: audio.Format{SampleRate: 48000, Channels: 1}, limit: 1 << 20}
	op := &flakyOpener[sourceCloser]{clk: clk, next: other}
	var events []event
	src := newResilientSource(first, op.open, func(lost bool, err error) { events = append(events, event{lost, err}) }, clk, syncSpawn)
	blk := make([]int16, audio.BlockSamples)
	for range 50 {
		if _, err := audio.ReadFull(src, blk); err != nil {
			t.Fatal(err)
		}
	}
	if !src.Lost() || len(events) != 1 || !other.closed {
		t.Errorf("after a reopen at 48 kHz: Lost %v, events %v, closed %v; want true, one loss, true", src.Lost(), events, other.closed)
	}
}

// recordingSink records what is written until it has taken limit samples, then fails.
type recordingSink struct {
	format audio.Format
	limit  int
	got    []int16
	closed bool
}

func (s *recordingSink) Format() audio.Format { return s.format }

func (s *recordingSink) Write(p []int16) (int, error) {
	if s.closed {
		return 0, io.ErrClosedPipe
	}
	n := min(len(p), s.limit-len(s.got))
	s.got = append(s.got, p[:n]...)
	if n < len(p) {
		return n, errUnplugged
	}
	return n, nil
}

func (s *recordingSink) Close() error { s.closed = true; return nil }

func TestResilientSinkDropsAtThePaceOfTheClockWhileLost(t *testing.T) {
	clk := newFakeClock()
	f := audio.Canonical
	first := &recordingSink{format: f, limit: 960}
	second := &recordingSink{format: f, limit: 1 << 30}
	op := &flakyOpener[sinkCloser]{clk: clk, fails: 2, next: second}
	var events []event
	snk := newResilientSink(first, op.open, func(lost bool, err error) { events = append(events, event{lost, err}) }, clk, syncSpawn)

	blk := make([]int16, audio.BlockSamples)
	var written int
	var lostAt time.Time
	for written < 200*audio.BlockSamples {
		for i := range blk {
			blk[i] = pattern(written + i)
		}
		before := clk.Now()
		if n, err := snk.Write(blk); n != len(blk) || err != nil {
			t.Fatalf("Write at %d = %d, %v", written, n, err)
		}
		if snk.Lost() && lostAt.IsZero() {
			lostAt = before
		}
		written += len(blk)
	}
	if want := []event{{true, errUnplugged}, {false, nil}}; !slices.Equal(events, want) {
		t.Fatalf("events %v, want %v", events, want)
	}
	if d := offsets(lostAt, op.calls); !slices.Equal(d, backoffSchedule[:3]) {
		t.Errorf("reopen attempts at %v, want %v", d, backoffSchedule[:3])
	}
	// 960 samples reached the first device; everything written in the 700 ms until
	// the third attempt was dropped, paced at 10 ms a block; the rest reached the
	// second device.
	if !slices.Equal(first.got, patternSlice(0, 960)) {
		t.Errorf("first device got %d samples, want the first 960", len(first.got))
	}
	dropped := int(audio.Samples(700 * time.Millisecond))
	if snk.Dropped() != uint64(dropped) {
		t.Errorf("Dropped %d, want %d", snk.Dropped(), dropped)
	}
	if !slices.Equal(second.got, patternSlice(960+dropped, written-960-dropped)) {
		t.Errorf("second device got %d samples, want the %d after the drop", len(second.got), written-960-dropped)
	}
	if !first.closed {
		t.Error("the lost device was not closed")
	}
	if err := snk.Close(); err != nil || !second.closed {
		t.Errorf("Close = %v, device closed %v", err, second.closed)
	}
	if _, err := snk.Write(blk); err == nil {
		t.Error("Write after Close succeeded")
	}
}

// patternSlice returns pattern(from) ... pattern(from+n-1).
func patternSlice(from, n int) []int16 {
	p := make([]int16, n)
	for i := range p {
		p[i] = pattern(from + i)
	}
	return p
}

func TestResilientReadAllocatesNothing(t *testing.T) {
	clk := newFakeClock()
	dev := &scriptedSource{format: audio.Canonical, limit: 1 << 30}
	src := newResilientSource(dev, nil, nil, clk, syncSpawn)
	blk := make([]int16, audio.BlockSamples)
	if a := testing.AllocsPerRun(1000, func() { audio.ReadFull(src, blk) }); a != 0 {
		t.Errorf("Read from a working device: %v allocs", a)
	}
	lost := newResilientSource(&scriptedSource{format: audio.Canonical, err: errUnplugged}, func() (sourceCloser, error) {
		return nil, errUnplugged
	}, nil, clk, syncSpawn)
	audio.ReadFull(lost, blk)
	// Reopen attempts allocate (one per attempt, at most every 100 ms); the silence
	// itself must not: measure between attempts.
	if a := testing.AllocsPerRun(5, func() { audio.ReadFull(lost, blk) }); a != 0 {
		t.Errorf("Read while lost: %v allocs", a)
	}
}
