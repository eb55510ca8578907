package hal_test

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/genie-voice/genie/configs"
	"github.com/genie-voice/genie/dialog/event"
	"github.com/genie-voice/genie/hal"
	"github.com/genie-voice/genie/hal/anim"
	"github.com/genie-voice/genie/hal/haltest"
	"github.com/genie-voice/genie/hal/mcu"
	"github.com/genie-voice/genie/hal/mcu/mcutest"
	"github.com/genie-voice/genie/hal/screen"
	"github.com/genie-voice/genie/hal/sim"
	"github.com/genie-voice/genie/hal/view"
)

var bench = configs.HAL{
	LEDs:    configs.LEDs{Driver: "fake", Count: 12, Intensity: 255},
	Screen:  configs.Screen{Driver: "fake", Width: 128, Height: 64},
	Buttons: []configs.Button{{Name: "action", Driver: "fake"}, {Name: "mute", Driver: "fake"}},
}

// respeaker is the rpi-respeaker-2mic profile: 3 APA102 on SPI0, button on GPIO17,
// and an SSD1306 on I²C bus 1.
var respeaker = configs.HAL{
	LEDs:    configs.LEDs{Driver: "apa102", Count: 3, SPI: "SPI0.0", SpeedHz: 8_000_000, Intensity: 255},
	Buttons: []configs.Button{{Name: "action", Driver: "gpio", Pin: "GPIO17", ActiveLow: true, Debounce: 20 * time.Millisecond, LongPress: time.Second}},
	Screen:  configs.Screen{Driver: "ssd1306", I2C: "1", Addr: 0x3C, Width: 128, Height: 64},
}

type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) logf(f string, a ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(f, a...))
	l.mu.Unlock()
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func open(t *testing.T, cfg configs.HAL, o *hal.Opts) *hal.Board {
	t.Helper()
	b, err := hal.Open(cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func nextInput(t *testing.T, b *hal.Board) hal.Input {
	t.Helper()
	select {
	case in := <-b.Inputs():
		return in
	case <-time.After(5 * time.Second):
		t.Fatal("no input")
		return hal.Input{}
	}
}

// apa102Colours decodes an APA102 frame (start frame, 0xFF+BGR per LED) back to colours.
func apa102Colours(t *testing.T, w []byte, n int) []color.RGBA {
	t.Helper()
	if len(w) < 4+4*n {
		t.Fatalf("APA102 frame of %d bytes for %d LEDs", len(w), n)
	}
	c := make([]color.RGBA, n)
	for i := range c {
		p := w[4+4*i:]
		if p[0] != 0xFF {
			t.Fatalf("LED %d header %#x, want 0xff", i, p[0])
		}
		c[i] = color.RGBA{p[3], p[2], p[1], 255}
	}
	return c
}

func TestRespeakerBoardDrivesRealDriversOnFakeBuses(t *testing.T) {
	buses := haltest.NewBuses()
	b := open(t, respeaker, &hal.Opts{Buses: buses})
	if got := b.String(); !strings.Contains(got, "APA102{3 LEDs") || !strings.Contains(got, "1 GPIO buttons") {
		t.Fatalf("String() = %q", got)
	}
	b.Handle(event.Event{Kind: event.KindState, State: event.Thinking}, 0)
	if err := b.Render(600 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// The bytes on SPI0 are the thinking animation at 600 ms: full violet.
	ops := buses.SPIs["SPI0.0"].Ops
	got := apa102Colours(t, ops[len(ops)-1].W, 3)
	s := anim.NewScene()
	s.Apply(event.Event{Kind: event.KindState, State: event.Thinking}, 0)
	want := make([]color.RGBA, 3)
	anim.Ring(want, &s, 600*time.Millisecond)
	for i := range want {
		if got[i] != want[i] || want[i] != anim.Violet {
			t.Fatalf("LED %d on the wire %v, animation %v, want violet %v", i, got[i], want[i], anim.Violet)
		}
	}
	// The SSD1306 was initialised and got a full frame (8 pages, command + data each).
	if n := len(buses.I2Cs["1"].Ops); n != 1+16 {
		t.Fatalf("%d I2C transactions, want 17", n)
	}

	// The button on GPIO17 (active low) reaches Inputs through Run.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- b.Run(ctx, nil) }()
	pin := buses.Pins["GPIO17"]
	if pin.P != gpio.PullUp {
		t.Fatalf("GPIO17 pull %v, want up", pin.P)
	}
	pin.EdgesChan <- gpio.Low
	if in := nextInput(t, b); in.Kind != hal.Press || in.Button != "action" {
		t.Fatalf("got %+v, want action press", in)
	}
	pin.EdgesChan <- gpio.High
	if in := nextInput(t, b); in.Kind != hal.Release || in.Button != "action" {
		t.Fatalf("got %+v, want action release", in)
	}
	cancel()
	<-done
}

func TestWS2812AndFramebufferFromConfig(t *testing.T) {
	buses := haltest.NewBuses()
	fb := filepath.Join(t.TempDir(), "fb0")
	g := screen.Geometry{Width: 64, Height: 48, Stride: 64 * 2, Format: screen.RGB565}
	os.WriteFile(fb, make([]byte, g.Stride*g.Height), 0o600)
	buses.FBs[fb] = g
	cfg := configs.HAL{
		LEDs:   configs.LEDs{Driver: "ws2812", Count: 8, SPI: "SPI1.0", Intensity: 255},
		Screen: configs.Screen{Driver: "fb", Device: fb},
	}
	b := open(t, cfg, &hal.Opts{Buses: buses})
	b.Handle(event.Event{Kind: event.KindMute, Value: 1}, 0)
	if err := b.Render(0); err != nil {
		t.Fatal(err)
	}
	ops := buses.SPIs["SPI1.0"].Ops
	if w := ops[len(ops)-1].W; len(w) != 3+12*8+3 {
		t.Fatalf("WS2812 frame %d bytes, want %d", len(w), 3+12*8+3)
	}
	data, _ := os.ReadFile(fb)
	// The header of the muted view is dark red (150,0,0): RGB565 0x9000, little-endian.
	if data[0] != 0x00 || data[1] != 0x90 {
		t.Fatalf("fb pixel (0,0) = % x, want 00 90 (muted header)", data[:2])
	}
}

func TestOpenRejectsUnknownDrivers(t *testing.T) {
	for _, cfg := range []configs.HAL{
		{LEDs: configs.LEDs{Driver: "neopixel"}},
		{Screen: configs.Screen{Driver: "hdmi"}},
		{Buttons: []configs.Button{{Name: "x", Driver: "usb"}}},
		{LEDs: configs.LEDs{Driver: "mcu"}},
		{LEDs: configs.LEDs{Driver: "apa102", Count: 300, SPI: "SPI0.0"}},
	} {
		if _, err := hal.Open(cfg, &hal.Opts{Buses: haltest.NewBuses()}); err == nil {
			t.Errorf("Open(%+v) succeeded", cfg)
		}
	}
}

// TestMuteIsAGuarantee checks the mute contract: any source turns it on, State is true
// when the call returns, the LEDs are red in the same call, Inputs and watchers hear
// it, and the MCU is told; the MCU's switch works the other way.
func TestMuteIsAGuarantee(t *testing.T) {
	host, dev := net.Pipe()
	defer dev.Close()
	buses := haltest.NewBuses()
	buses.SerialOpen = func(name string, baud int) (io.ReadWriteCloser, error) {
		if name != "/dev/ttyS1" || baud != 115200 {
			return nil, fmt.Errorf("unexpected port %s at %d", name, baud)
		}
		return host, nil
	}
	fake := mcutest.New(mcu.FirmwareVersion{Major: 1, Name: "fake"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go fake.Serve(ctx, dev)
	cfg := bench
	cfg.MCU = configs.MCU{Port: "/dev/ttyS1", Baud: 115200}
	b := open(t, cfg, &hal.Opts{Buses: buses})
	watch := b.Mute().Watch()
	events := make(chan event.Event)
	done := make(chan error)
	go func() { done <- b.Run(ctx, events) }()
	events <- event.Event{Kind: event.KindState, State: event.Listening}

	b.Inject(hal.Input{Kind: hal.Press, Button: "mute"})
	if !b.Mute().State() {
		t.Fatal("mute press returned with State false")
	}
	strip := b.Strip().(*haltest.Strip)
	for i, c := range strip.Last() {
		if c.R < 100 || c.G != 0 || c.B != 0 {
			t.Fatalf("LED %d = %v right after mute, want red", i, c)
		}
	}
	if in := nextInput(t, b); in.Kind != hal.Press || in.Button != "mute" {
		t.Fatalf("got %+v, want the mute press", in)
	}
	if in := nextInput(t, b); in.Kind != hal.Mute || !in.On {
		t.Fatalf("got %+v, want mute on", in)
	}
	if on := <-watch; !on {
		t.Fatal("watcher got false")
	}
	if err := fake.Wait(ctx, func(s mcutest.State) bool { return s.Mute }); err != nil {
		t.Fatal(err)
	}
	// The hardware switch on the MCU turns it off again.
	if err := fake.MuteSwitch(false); err != nil {
		t.Fatal(err)
	}
	if in := nextInput(t, b); in.Kind != hal.Mute || in.On {
		t.Fatalf("got %+v, want mute off", in)
	}
	if b.Mute().State() {
		t.Fatal("State still true after the switch went off")
	}
	if err := fake.Wait(ctx, func(s mcutest.State) bool { return !s.Mute }); err != nil {
		t.Fatal(err)
	}
	// An MCU key arrives as an input; volume events reach the MCU.
	if err := fake.Key(mcu.KeyVolumeUp, mcu.ActionPress); err != nil {
		t.Fatal(err)
	}
	if in := nextInput(t, b); in.Kind != hal.Press || in.Button != "volume_up" {
		t.Fatalf("got %+v, want volume_up press", in)
	}
	events <- event.Event{Kind: event.KindVolume, Value: 35}
	if err := fake.Wait(ctx, func(s mcutest.State) bool { return s.Volume == 35 }); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
}

// TestLEDsOnMCU sends the ring animation to the MCU as LEDs frames.
func TestLEDsOnMCU(t *testing.T) {
	host, dev := net.Pipe()
	defer dev.Close()
	buses := haltest.NewBuses()
	buses.SerialOpen = func(string, int) (io.ReadWriteCloser, error) { return host, nil }
	fake := mcutest.New(mcu.FirmwareVersion{Major: 1, Name: "fake"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go fake.Serve(ctx, dev)
	cfg := configs.HAL{LEDs: configs.LEDs{Driver: "mcu", Count: 12, Intensity: 200}, MCU: configs.MCU{Port: "/dev/ttyS1"}}
	b := open(t, cfg, &hal.Opts{Buses: buses})
	done := make(chan error)
	go func() { done <- b.Run(ctx, nil) }()
	b.SetMute(true)
	red := color.RGBA{179, 0, 0, 255}
	if err := fake.Wait(ctx, func(s mcutest.State) bool {
		return s.Mute && s.Brightness == 200 && len(s.LEDs) == 12 && s.LEDs[0] == red && s.LEDs[11] == red
	}); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
}

func TestSampleClockRunWritesFrames(t *testing.T) {
	b := open(t, bench, &hal.Opts{SampleClock: true, Record: true})
	events := make(chan event.Event)
	done := make(chan error)
	go func() { done <- b.Run(context.Background(), events) }()
	at := func(sec float64) int64 { return int64(sec * 16000) }
	for _, e := range []event.Event{
		{Kind: event.KindWake, Sample: at(0.5)},
		{Kind: event.KindState, State: event.Listening, Sample: at(0.5)},
		{Kind: event.KindState, State: event.Thinking, Sample: at(1.2)},
		{Kind: event.KindState, State: event.Speaking, Sample: at(1.5)},
		{Kind: event.KindState, State: event.Idle, Sample: at(1.8)},
	} {
		events <- e
	}
	close(events)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := b.WriteFrames(dir); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	var looks []string
	for _, n := range names {
		looks = append(looks, strings.TrimSuffix(strings.SplitN(filepath.Base(n), "-", 3)[2], ".png"))
	}
	want := "off wake listening thinking speaking off"
	if got := strings.Join(looks, " "); got != want {
		t.Fatalf("key frames %q, want %q (%v)", got, want, names)
	}
	if !strings.HasPrefix(filepath.Base(names[1]), "0001-000.500s-wake") {
		t.Fatalf("wake frame %s, want it at 0.500s", names[1])
	}
	f, err := os.Open(filepath.Join(dir, "board.gif"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := gif.DecodeAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) < 12 {
		t.Fatalf("board.gif has %d frames", len(g.Image))
	}
}

// TestRecordingStaysWithinBudget plays 20 s of animated listening on a 320x240 fake
// screen with a 4 MB budget: old frames go, memory stays bounded, writing still works.
func TestRecordingStaysWithinBudget(t *testing.T) {
	var l logs
	cfg := configs.HAL{LEDs: bench.LEDs, Screen: configs.Screen{Driver: "fake", Width: 320, Height: 240}}
	b := open(t, cfg, &hal.Opts{Record: true, MaxFrameBytes: 4 << 20, Logf: l.logf})
	b.Handle(event.Event{Kind: event.KindState, State: event.Listening}, 0)
	for f := range 600 {
		b.Render(time.Duration(f) * time.Second / 30)
	}
	fr := b.Frames()
	distinct := map[image.Image]bool{}
	for _, f := range fr {
		distinct[f.Screen] = true
	}
	if n := len(distinct) * 320 * 240 * 4; n > 4<<20 {
		t.Fatalf("recorded %d bytes of screens, budget 4 MB", n)
	}
	if fr[0].At < 10*time.Second {
		t.Fatalf("oldest frame at %v: nothing was dropped", fr[0].At)
	}
	if err := b.WriteFrames(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(l.String(), "dropped") {
		t.Fatalf("drops not logged: %s", l.String())
	}
}

func TestCardImages(t *testing.T) {
	cover := sim.Cover(false)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cover.png" {
			w.Write(cover)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	tests := []struct {
		name        string
		card        view.Card
		placeholder bool
	}{
		{"bytes", view.Card{Kind: view.CardMedia, Title: "song", Image: cover}, false},
		{"url", view.Card{Kind: view.CardMedia, Title: "song", ImageURL: srv.URL + "/cover.png"}, false},
		{"url_404", view.Card{Kind: view.CardMedia, Title: "song", ImageURL: srv.URL + "/missing.png"}, true},
		{"garbage", view.Card{Kind: view.CardMedia, Title: "song", Image: []byte("GIF89a...")}, true},
		{"bad_url", view.Card{Kind: view.CardMedia, Title: "song", ImageURL: "http://%zz"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l logs
			b := open(t, bench, &hal.Opts{Logf: l.logf})
			<-b.ShowCard(tt.card)
			if err := b.Render(0); err != nil {
				t.Fatal(err)
			}
			logged := strings.Contains(l.String(), "placeholder")
			if logged != tt.placeholder {
				t.Fatalf("placeholder logged %v, want %v; logs: %s", logged, tt.placeholder, l.String())
			}
			// The placeholder's grey (70,70,78) is on screen exactly when expected.
			img := b.Screen().(*haltest.Screen).Last()
			if got := count(img, color.RGBA{70, 70, 78, 255}) > 100; got != tt.placeholder {
				t.Fatalf("placeholder drawn %v, want %v", got, tt.placeholder)
			}
		})
	}
}

func count(img *image.RGBA, c color.RGBA) int {
	n := 0
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			if img.RGBAAt(x, y) == c {
				n++
			}
		}
	}
	return n
}

func TestMuteStateAllocatesNothing(t *testing.T) {
	var m hal.MuteState
	if a := testing.AllocsPerRun(100, func() { _ = m.State() }); a != 0 {
		t.Fatalf("State allocates %v", a)
	}
}

// BenchmarkBoardRender renders one frame of the bench board (12 LEDs, 128×64 screen)
// while listening; at 30 fps the budget is 33 ms.
func BenchmarkBoardRender(b *testing.B) {
	bd, err := hal.Open(configs.HAL{LEDs: bench.LEDs, Screen: bench.Screen}, &hal.Opts{})
	if err != nil {
		b.Fatal(err)
	}
	defer bd.Close()
	bd.Handle(event.Event{Kind: event.KindState, State: event.Listening}, 0)
	b.ReportAllocs()
	var t time.Duration
	for b.Loop() {
		t += 33 * time.Millisecond
		bd.Render(t)
	}
}
