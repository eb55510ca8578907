//go:build cgo && !noportaudio

package portaudio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/genie-voice/genie/audio"
)

// These tests run PortAudio for real against ALSA, with the standalone configuration
// testdata/asound.conf.tmpl selected through ALSA_CONFIG_PATH. ALSA reads that variable
// when PortAudio initializes (snd_config_update), not when the library loads, and Go's
// os.Setenv reaches the C environment in a cgo binary, so setting it in TestMain
// before the first portaudio.Initialize is enough: no re-exec is needed.

// Names of the devices in testdata/asound.conf.tmpl.
const (
	captureDev  = "genie_capture"
	playbackDev = "genie_playback"
	missingDev  = "genie_missing"
	defaultDev  = "default"
)

// alsaDir holds the fixtures and the rendered ALSA configuration.
var alsaDir string

// Fixture layout: fixtureLen samples of pattern, then fixturePad samples of silence
// (the file plugin returns stale data past the end of its infile).
const (
	fixtureLen = 200000
	fixturePad = 20000
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "genie-portaudio-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	alsaDir = dir
	if err := writeALSAConfig(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// writeALSAConfig writes the capture fixture and the ALSA configuration into dir and
// selects it for this process.
func writeALSAConfig(dir string) error {
	raw := make([]byte, 2*(fixtureLen+fixturePad))
	for i := range fixtureLen {
		binary.LittleEndian.PutUint16(raw[2*i:], uint16(pattern(i)))
	}
	if err := os.WriteFile(filepath.Join(dir, "capture.raw"), raw, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "silence.raw"), make([]byte, 2*fixtureLen), 0o644); err != nil {
		return err
	}
	tmpl, err := template.ParseFiles(filepath.Join("testdata", "asound.conf.tmpl"))
	if err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "asound.conf"))
	if err != nil {
		return err
	}
	if err := tmpl.Execute(f, struct{ Dir string }{dir}); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Setenv("ALSA_CONFIG_PATH", f.Name())
}

// needALSA skips on systems where PortAudio has no ALSA host API, and under -race
// unless checkptr is off for the binding: github.com/gordonklaus/portaudio passes each
// stream's integer id to C as a pointer, which checkptr (on with -race) rejects from the
// second stream of a process on. The race detector proper finds nothing then.
func needALSA(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the test devices are ALSA plugins; ALSA is Linux only")
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		var race bool
		var gcflags string
		for _, s := range info.Settings {
			switch s.Key {
			case "-race":
				race = s.Value == "true"
			case "-gcflags":
				gcflags = s.Value
			}
		}
		if race && !strings.Contains(gcflags, "checkptr=0") {
			t.Skip("under -race, run with -gcflags=github.com/gordonklaus/portaudio=-d=checkptr=0: the binding fails checkptr")
		}
	}
}

func TestDevicesListsTheALSATestDevices(t *testing.T) {
	needALSA(t)
	devs, err := Devices()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Device{}
	for i, d := range devs {
		t.Logf("%v in=%d out=%d %d Hz latency in %v..%v out %v..%v default in=%v out=%v", d, d.MaxInputChannels, d.MaxOutputChannels,
			d.DefaultSampleRate, d.DefaultLowInputLatency, d.DefaultHighInputLatency, d.DefaultLowOutputLatency, d.DefaultHighOutputLatency, d.DefaultInput, d.DefaultOutput)
		if d.Index != i {
			t.Errorf("device %d has index %d", i, d.Index)
		}
		byName[d.Name] = d
	}
	for _, name := range []string{captureDev, playbackDev, defaultDev} {
		d, ok := byName[name]
		if !ok {
			t.Fatalf("device %q not listed; ALSA_CONFIG_PATH=%s", name, os.Getenv("ALSA_CONFIG_PATH"))
		}
		if d.HostAPI != "ALSA" || d.MaxInputChannels < 1 || d.MaxOutputChannels < 1 || d.DefaultSampleRate < 8000 || d.DefaultHighInputLatency <= 0 {
			t.Errorf("implausible %+v", d)
		}
	}
	if d := byName[defaultDev]; !d.DefaultInput || !d.DefaultOutput {
		t.Errorf("ALSA's default device is not PortAudio's default: %+v", d)
	}
	if d, ok := byName[missingDev]; ok && d.MaxInputChannels != 0 {
		t.Errorf("%v has %d input channels although its input file is missing", d, d.MaxInputChannels)
	}
}

// indexOf returns the index of the device called name.
func indexOf(t *testing.T, name string) int {
	t.Helper()
	devs, err := Devices()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		if d.Name == name {
			return d.Index
		}
	}
	t.Fatalf("no device %q", name)
	return -1
}

// readN reads n samples from src in reads of chunk samples.
func readN(t *testing.T, src *Source, n, chunk int) []int16 {
	t.Helper()
	got := make([]int16, 0, n)
	buf := make([]int16, chunk)
	for len(got) < n {
		m, err := src.Read(buf[:min(chunk, n-len(got))])
		if err != nil {
			t.Fatalf("after %d samples: %v", len(got), err)
		}
		got = append(got, buf[:m]...)
	}
	return got
}

// checkPattern reports the first sample of got that is not pattern(i).
func checkPattern(t *testing.T, got []int16) {
	t.Helper()
	for i, v := range got {
		if v != pattern(i) {
			t.Fatalf("sample %d = %d, want %d (got[%d:%d] = %v)", i, v, pattern(i), i, min(i+8, len(got)), got[i:min(i+8, len(got))])
		}
	}
}

func TestSourceCapturesTheFixtureExactly(t *testing.T) {
	needALSA(t)
	index := strconv.Itoa(indexOf(t, captureDev))
	tests := []struct {
		name  string
		opts  Opts
		chunk int // samples per Read
	}{
		{"ByName16kMono", Opts{Device: captureDev, SampleRate: 16000, Channels: 1}, audio.BlockSamples},
		{"BySubstring48kStereo", Opts{Device: "CAPTURE", SampleRate: 48000, Channels: 2}, 960},
		{"ByIndex44k1Mono", Opts{Device: index, SampleRate: 44100, Channels: 1}, 479},
		{"OddReads22k05x3", Opts{Device: captureDev, SampleRate: 22050, Channels: 3}, 3},
		{"DeviceDefaults", Opts{Device: captureDev}, 1000},
		{"SmallQueue", Opts{Device: captureDev, SampleRate: 16000, Channels: 1, Chunk: time.Millisecond, Buffer: 2 * time.Millisecond}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := OpenSource(&tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := src.Close(); err != nil {
					t.Error(err)
				}
			}()
			if src.Device().Name != captureDev {
				t.Fatalf("opened %v, want %q", src.Device(), captureDev)
			}
			f := src.Format()
			if tt.opts.SampleRate != 0 && (f.SampleRate != tt.opts.SampleRate || f.Channels != tt.opts.Channels) {
				t.Fatalf("format %v, want %d Hz/%dch", f, tt.opts.SampleRate, tt.opts.Channels)
			}
			if tt.opts.SampleRate == 0 && (f.SampleRate != src.Device().DefaultSampleRate || f.Channels != 1) {
				t.Fatalf("format %v, want the device default %d Hz mono", f, src.Device().DefaultSampleRate)
			}
			// One second, in whole frames.
			n := f.SampleRate * f.Channels
			got := readN(t, src, n, tt.chunk-tt.chunk%f.Channels)
			checkPattern(t, got)
			if src.Overruns() != 0 {
				t.Errorf("%d overruns", src.Overruns())
			}
			t.Logf("%v latency %v", src, src.Latency())
		})
	}
}

func TestSourceReadReturnsWholeFrames(t *testing.T) {
	needALSA(t)
	src, err := OpenSource(&Opts{Device: captureDev, SampleRate: 16000, Channels: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	buf := make([]int16, 5)
	for range 100 {
		n, err := src.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if n%2 != 0 || n == 0 {
			t.Fatalf("Read(5 samples) of stereo = %d", n)
		}
	}
	if n, err := src.Read(buf[:1]); n != 0 || err != nil {
		t.Errorf("Read(1 sample) of stereo = %d, %v; want 0, nil", n, err)
	}
}

func TestOpenDefaultIsTheSilentALSADefault(t *testing.T) {
	needALSA(t)
	src, err := OpenSource(&Opts{SampleRate: 16000})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if src.Device().Name != defaultDev {
		t.Fatalf("default input is %v, want %q", src.Device(), defaultDev)
	}
	for i, v := range readN(t, src, 1600, 160) {
		if v != 0 {
			t.Fatalf("sample %d of the null device = %d", i, v)
		}
	}
}

func TestOpenUnknownDeviceListsTheDevices(t *testing.T) {
	needALSA(t)
	for _, spec := range []string{missingDev, "no such card", "999"} {
		t.Run(strings.ReplaceAll(spec, " ", "_"), func(t *testing.T) {
			src, err := OpenSource(&Opts{Device: spec})
			if err == nil {
				src.Close()
				t.Fatalf("OpenSource(%q) opened %v", spec, src.Device())
			}
			if !errors.Is(err, ErrDeviceNotFound) {
				t.Errorf("error %v does not wrap ErrDeviceNotFound", err)
			}
			for _, want := range []string{strconv.Quote(spec), strconv.Quote(captureDev), strconv.Quote(playbackDev)} {
				if spec == "999" {
					want = strings.Replace(want, `"999"`, "999", 1)
				}
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %s", err, want)
				}
			}
			t.Log(err)
		})
	}
}

func TestOpenRejectsMoreChannelsThanTheDeviceHas(t *testing.T) {
	needALSA(t)
	_, err := OpenSource(&Opts{Device: captureDev, SampleRate: 16000, Channels: 9})
	if err == nil || !strings.Contains(err.Error(), "channels") {
		t.Errorf("9 channels: err = %v", err)
	}
}

func TestSinkWritesTheFileALSAPlays(t *testing.T) {
	needALSA(t)
	out := filepath.Join(alsaDir, "playback.raw")
	tests := []struct {
		name  string
		opts  Opts
		chunk int // samples per Write
	}{
		{"ByName16kMono", Opts{Device: playbackDev, SampleRate: 16000, Channels: 1}, audio.BlockSamples},
		{"ByIndex48kStereo", Opts{Device: strconv.Itoa(indexOf(t, playbackDev)), SampleRate: 48000, Channels: 2}, 962},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snk, err := OpenSink(&tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if snk.Device().Name != playbackDev {
				snk.Close()
				t.Fatalf("opened %v, want %q", snk.Device(), playbackDev)
			}
			f := snk.Format()
			want := make([]int16, f.SampleRate*f.Channels/2) // 500 ms
			for i := range want {
				want[i] = pattern(i + 12345)
			}
			for off := 0; off < len(want); off += tt.chunk {
				p := want[off:min(off+tt.chunk, len(want))]
				if n, err := snk.Write(p); n != len(p) || err != nil {
					t.Fatalf("Write at %d = %d, %v", off, n, err)
				}
			}
			if err := snk.Close(); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if len(raw) < 2*len(want) {
				t.Fatalf("%s has %d bytes, want at least %d", out, len(raw), 2*len(want))
			}
			for i, w := range want {
				if v := int16(binary.LittleEndian.Uint16(raw[2*i:])); v != w {
					t.Fatalf("sample %d in the file = %d, want %d", i, v, w)
				}
			}
			// PortAudio may pad the last period; padding must be silence.
			for i := 2 * len(want); i < len(raw); i++ {
				if raw[i] != 0 {
					t.Fatalf("byte %d after the written samples = %#x, want 0", i, raw[i])
				}
			}
			t.Logf("%v latency %v: %d samples written, %d padding bytes, %d underruns", snk, snk.Latency(), len(want), len(raw)-2*len(want), snk.Underruns())
		})
	}
}

func TestSinkRejectsPartialFrames(t *testing.T) {
	needALSA(t)
	snk, err := OpenSink(&Opts{Device: playbackDev, SampleRate: 16000, Channels: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer snk.Close()
	if n, err := snk.Write(make([]int16, 3)); err == nil || n != 0 {
		t.Errorf("Write(3 samples) to stereo = %d, %v; want an error", n, err)
	}
}

func TestCloseReleasesPortAudio(t *testing.T) {
	needALSA(t)
	// Open and close repeatedly: a leaked PortAudio reference or stream would show as
	// a failure to reopen, or as Devices no longer rescanning.
	for i := range 5 {
		src, err := OpenSource(&Opts{Device: captureDev, SampleRate: 16000})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		// Each open starts at the beginning of the fixture.
		checkPattern(t, readN(t, src, 320, 160))
		if err := src.Close(); err != nil {
			t.Fatal(err)
		}
		if n, err := src.Read(make([]int16, 160)); n != 0 || err == nil {
			t.Fatalf("Read after Close = %d, %v", n, err)
		}
		if err := src.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	}
}

func TestResilientSourceReopensTheALSADevice(t *testing.T) {
	needALSA(t)
	var mu sync.Mutex
	var events []event
	src, err := NewResilientSource(&Opts{Device: captureDev, SampleRate: 16000}, func(lost bool, err error) {
		mu.Lock()
		events = append(events, event{lost, err})
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	checkPattern(t, readN16(t, src, 1600))
	// Take the stream away under the wrapper, as a vanished device ends it.
	src.r.dev.Close()
	start := time.Now()
	var silence int
	blk := make([]int16, audio.BlockSamples)
	for {
		if _, err := audio.ReadFull(src, blk); err != nil {
			t.Fatal(err)
		}
		if blk[1] != 0 { // the reopened device, from the start of the fixture
			break
		}
		silence += len(blk)
		if time.Since(start) > 5*time.Second {
			t.Fatal("the device did not come back within 5 s")
		}
	}
	took := time.Since(start)
	// The new stream starts at the beginning of the fixture again.
	checkPattern(t, append(blk, readN16(t, src, 1600)...))
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 2 || !events[0].lost || events[0].err == nil || events[1].lost || events[1].err != nil {
		t.Errorf("events %v, want a loss and a return", events)
	}
	// The silence is paced by the wall clock: 16 samples a ms, at most one block ahead.
	if max := int(audio.Samples(took)) + audio.BlockSamples; silence > max || silence < int(audio.Samples(MinBackoff)) {
		t.Errorf("%d samples of silence in %v, want %d..%d", silence, took, audio.Samples(MinBackoff), max)
	}
	t.Logf("back after %v and %d samples of silence; %v", took, silence, events[0].err)
}

// readN16 reads n samples from src in blocks.
func readN16(t *testing.T, src audio.Source, n int) []int16 {
	t.Helper()
	got := make([]int16, n)
	if _, err := audio.ReadFull(src, got); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestALSASourceReadAllocatesNothing(t *testing.T) {
	needALSA(t)
	src, err := OpenSource(&Opts{Device: captureDev, SampleRate: 16000})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	blk := make([]int16, audio.BlockSamples)
	// 500 blocks stay inside the fixture. Counts the pump goroutine (and cgo) too.
	if a := testing.AllocsPerRun(500, func() { audio.ReadFull(src, blk) }); a != 0 {
		t.Errorf("%v allocs per block", a)
	}
}

func TestALSASinkWriteAllocatesNothing(t *testing.T) {
	needALSA(t)
	snk, err := OpenSink(&Opts{Device: playbackDev, SampleRate: 16000})
	if err != nil {
		t.Fatal(err)
	}
	defer snk.Close()
	blk := make([]int16, audio.BlockSamples)
	if a := testing.AllocsPerRun(500, func() { snk.Write(blk) }); a != 0 {
		t.Errorf("%v allocs per block", a)
	}
}

// BenchmarkALSASourceReadBlock is the cost of one 10 ms block through PortAudio, the
// pump and the queue from ALSA's file plugin (which does not pace, so this is CPU time).
// Budget: far under 10 ms on the target; it runs once per block.
func BenchmarkALSASourceReadBlock(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("ALSA only")
	}
	blk := make([]int16, audio.BlockSamples)
	b.ReportAllocs()
	for b.Loop() {
		// The fixture is 12.5 s at 16 kHz: reopen before running past its end.
		b.StopTimer()
		src, err := OpenSource(&Opts{Device: captureDev, SampleRate: 16000})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for range 1000 {
			if _, err := audio.ReadFull(src, blk); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		src.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/block")
}

func TestLibraryMessagesGoToTheLog(t *testing.T) {
	needALSA(t)
	var mu sync.Mutex
	var msgs []string
	SetLibraryLog(func(msg string) {
		mu.Lock()
		msgs = append(msgs, msg)
		mu.Unlock()
	})
	defer SetLibraryLog(nil)
	// Scanning tries genie_missing for capture, which makes ALSA complain.
	if _, err := Devices(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	found := false
	for _, m := range msgs {
		if strings.HasPrefix(m, "alsa: ") && strings.Contains(m, "missing.raw") {
			found = true
		}
	}
	if !found {
		t.Errorf("no ALSA message about missing.raw among %q", msgs)
	}
}
