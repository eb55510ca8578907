package hal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/genie-voice/genie/configs"
	"github.com/genie-voice/genie/dialog/event"
	"github.com/genie-voice/genie/hal/anim"
	"github.com/genie-voice/genie/hal/button"
	"github.com/genie-voice/genie/hal/haltest"
	"github.com/genie-voice/genie/hal/led"
	"github.com/genie-voice/genie/hal/mcu"
	"github.com/genie-voice/genie/hal/screen"
	"github.com/genie-voice/genie/hal/view"
)

// Opts configures a Board.
type Opts struct {
	// Buses opens buses and ports; nil = &HostBuses{} (real hardware).
	Buses Buses
	// FPS is the render rate of Run; default 30.
	FPS int
	// SampleClock makes Run render on the events' sample time instead of the wall clock:
	// frames are computed up to each event's time before it is applied, so a bench run
	// at any speed records the same frames.
	SampleClock bool
	// Record keeps rendered frames for WriteFrames (the fakes record what they were
	// told regardless; this keeps the composed pictures).
	Record bool
	// MaxFrames caps recorded frames (the oldest are dropped); default 20000.
	MaxFrames int
	// MaxFrameBytes caps the memory of recorded screen images (the oldest frames are
	// dropped); default 128 MB. Screen images are recorded at most 10 times a second
	// unless the look changes.
	MaxFrameBytes int
	// Fetch fetches card image URLs; default an HTTP GET with a 5 s timeout.
	Fetch func(ctx context.Context, url string) ([]byte, error)
	// Logf logs device trouble and bad card images; nil = silent.
	Logf func(format string, args ...any)
}

// Board is a speaker's hardware built from the board profile: LED ring, screen,
// buttons, mute and MCU. It subscribes to dialog events, renders the LEDs and screen
// for every state, and turns buttons, the mute switch and MCU keys into Inputs.
// Safe for concurrent use.
type Board struct {
	o      Opts
	cfg    configs.HAL
	strip  Strip
	scr    Screen
	rend   *view.Renderer
	link   *mcu.Link
	btns   []gpioButton
	mute   MuteState
	inputs chan Input
	closer []io.Closer
	record bool

	mu         sync.Mutex
	scene      anim.Scene
	card       *view.Shown
	cardGen    int
	now        time.Duration
	leds       []color.RGBA
	brightness uint8
	shown      *image.RGBA // last frame sent to the screen
	frames     []*view.Frame
	recShot    *image.RGBA   // last screen image recorded
	recShotAt  time.Duration // when
	recBytes   int           // bytes of distinct screen images held by frames
	dropped    int
}

type gpioButton struct {
	name string
	b    *button.GPIO
}

// Open builds the board described by cfg. Devices with driver "fake" are recording
// fakes (haltest); "none" or empty leaves a device out. Buses are opened through
// o.Buses and closed by Close.
func Open(cfg configs.HAL, o *Opts) (*Board, error) {
	b := &Board{o: *o, cfg: cfg, inputs: make(chan Input, 32), scene: anim.NewScene()}
	if b.o.Buses == nil {
		b.o.Buses = &HostBuses{}
	}
	if b.o.FPS <= 0 {
		b.o.FPS = 30
	}
	if b.o.MaxFrames <= 0 {
		b.o.MaxFrames = 20000
	}
	if b.o.MaxFrameBytes <= 0 {
		b.o.MaxFrameBytes = 128 << 20
	}
	if b.o.Logf == nil {
		b.o.Logf = func(string, ...any) {}
	}
	if b.o.Fetch == nil {
		b.o.Fetch = httpFetch
	}
	if err := b.open(); err != nil {
		b.Close()
		return nil, err
	}
	b.record = b.o.Record
	return b, nil
}

func (b *Board) open() error {
	cfg := b.cfg
	if cfg.MCU.Port != "" {
		baud := cfg.MCU.Baud
		if baud == 0 {
			baud = 115200
		}
		l, err := mcu.New(&mcu.Opts{
			Open: func() (io.ReadWriteCloser, error) { return b.o.Buses.Serial(cfg.MCU.Port, baud) },
			Logf: b.o.Logf,
		})
		if err != nil {
			return err
		}
		b.link = l
	}
	if err := b.openLEDs(cfg.LEDs); err != nil {
		return err
	}
	if err := b.openScreen(cfg.Screen); err != nil {
		return err
	}
	for _, c := range cfg.Buttons {
		if err := b.openButton(c); err != nil {
			return err
		}
	}
	return nil
}

func (b *Board) openLEDs(c configs.LEDs) error {
	n := c.Count
	if n == 0 {
		n = 12
	}
	b.brightness = uint8(min(max(c.Intensity, 0), 255))
	if c.Intensity == 0 {
		b.brightness = 255
	}
	o := &led.Opts{NumLEDs: n, Intensity: b.brightness}
	switch c.Driver {
	case "", configs.DriverNone:
		return nil
	case configs.DriverFake:
		b.strip = haltest.NewStrip(n)
	case configs.DriverAPA102, configs.DriverWS2812:
		p, err := b.o.Buses.SPI(c.SPI)
		if err != nil {
			return err
		}
		b.closer = append(b.closer, p)
		if c.SpeedHz > 0 {
			if err := p.LimitSpeed(physicHz(c.SpeedHz)); err != nil {
				return fmt.Errorf("hal: leds: SPI speed %d Hz: %w", c.SpeedHz, err)
			}
		}
		// Assign only on success: a typed nil in b.strip would not be nil.
		if c.Driver == configs.DriverAPA102 {
			s, err := led.NewAPA102(p, o)
			if err != nil {
				return err
			}
			b.strip = s
		} else {
			s, err := led.NewWS2812(p, o)
			if err != nil {
				return err
			}
			b.strip = s
		}
	case configs.DriverMCU:
		if b.link == nil {
			return errors.New("hal: leds driver mcu needs hal.mcu.port")
		}
		b.strip = &mcuStrip{l: b.link, n: n, brightness: b.brightness}
	default:
		return fmt.Errorf("hal: unknown leds driver %q (want none, fake, apa102, ws2812 or mcu)", c.Driver)
	}
	b.strip.SetBrightness(b.brightness)
	b.leds = make([]color.RGBA, n)
	return nil
}

func (b *Board) openScreen(c configs.Screen) error {
	w, h := c.Width, c.Height
	if w == 0 || h == 0 {
		w, h = 128, 64
	}
	switch c.Driver {
	case "", configs.DriverNone:
		return nil
	case configs.DriverFake:
		b.scr = haltest.NewScreen(w, h)
	case "ssd1306":
		bus, err := b.o.Buses.I2C(c.I2C)
		if err != nil {
			return err
		}
		b.closer = append(b.closer, bus)
		s, err := screen.NewSSD1306(bus, &screen.SSD1306Opts{W: w, H: h, Addr: uint16(c.Addr)})
		if err != nil {
			return err
		}
		b.scr = s
	case "fb":
		f, g, err := b.o.Buses.Framebuffer(c.Device)
		if err != nil {
			return err
		}
		b.closer = append(b.closer, f)
		s, err := screen.NewFB(f, c.Device, g)
		if err != nil {
			return err
		}
		b.scr = s
	case configs.DriverMCU:
		b.o.Logf("hal: screen driver mcu is not in MCU protocol v1; no screen")
		return nil
	default:
		return fmt.Errorf("hal: unknown screen driver %q (want none, fake, ssd1306, fb or mcu)", c.Driver)
	}
	sz := b.scr.Bounds().Size()
	b.rend = view.NewRenderer(sz.X, sz.Y)
	return nil
}

func (b *Board) openButton(c configs.Button) error {
	switch c.Driver {
	case "", "fake", configs.DriverMCU:
		return nil // fakes are driven by Inject; MCU keys arrive over the link
	case "gpio":
	default:
		return fmt.Errorf("hal: button %q: unknown driver %q (want gpio, fake or mcu)", c.Name, c.Driver)
	}
	p, err := b.o.Buses.Pin(c.Pin)
	if err != nil {
		return fmt.Errorf("hal: button %q: %w", c.Name, err)
	}
	g, err := button.NewGPIO(p, &button.Opts{ActiveLow: c.ActiveLow, Debounce: c.Debounce, LongPress: c.LongPress})
	if err != nil {
		return fmt.Errorf("hal: button %q: %w", c.Name, err)
	}
	b.btns = append(b.btns, gpioButton{name: c.Name, b: g})
	return nil
}

// String describes the devices, e.g. "Board{APA102{3 LEDs, SPI0.0}, no screen, 1 button}".
func (b *Board) String() string {
	var parts []string
	if b.strip != nil {
		parts = append(parts, b.strip.String())
	} else {
		parts = append(parts, "no LEDs")
	}
	if b.scr != nil {
		parts = append(parts, b.scr.String())
	} else {
		parts = append(parts, "no screen")
	}
	parts = append(parts, fmt.Sprintf("%d GPIO buttons", len(b.btns)))
	if b.link != nil {
		parts = append(parts, "MCU on "+b.cfg.MCU.Port)
	}
	return "Board{" + strings.Join(parts, ", ") + "}"
}

// Strip returns the LED strip, or nil. With driver fake it is a *haltest.Strip.
func (b *Board) Strip() Strip { return b.strip }

// Screen returns the screen, or nil. With driver fake it is a *haltest.Screen.
func (b *Board) Screen() Screen { return b.scr }

// MCU returns the MCU link, or nil.
func (b *Board) MCU() *mcu.Link { return b.link }

// Inputs returns what the user did: debounced button presses, releases and long
// presses, and Mute whenever the effective mute state changes. Inputs are dropped (and
// logged) if nobody reads.
func (b *Board) Inputs() <-chan Input { return b.inputs }

// Mute returns the mute state source for the listener.
func (b *Board) Mute() MuteSwitch { return &b.mute }

// SetMute sets the mute state (e.g. a voice command); the LEDs show it at once and the
// MCU is told.
func (b *Board) SetMute(on bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.setMuteLocked(on)
}

func (b *Board) setMuteLocked(on bool) {
	if !b.mute.Set(on) {
		return
	}
	b.scene.SetMuted(on, b.now)
	if b.link != nil {
		b.link.SetMute(on)
	}
	b.emit(Input{Kind: Mute, On: on})
	// Show it now, not at the next tick: muted must be visible the moment it is true.
	if err := b.renderLocked(b.now); err != nil {
		b.o.Logf("hal: render: %v", err)
	}
}

func (b *Board) emit(in Input) {
	select {
	case b.inputs <- in:
	default:
		b.o.Logf("hal: input %v %s dropped: Inputs not read", in.Kind, in.Button)
	}
}

// Inject handles an input as if a button produced it: fake buttons on the bench, and
// tests. A press of the button named "mute" toggles mute.
func (b *Board) Inject(in Input) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inputLocked(in)
}

func (b *Board) inputLocked(in Input) {
	if in.Kind == Mute {
		b.setMuteLocked(in.On)
		return
	}
	if in.Kind == Press && b.scene.Timer.Ringing {
		b.scene.Timer.Ringing = false // any key silences a ringing timer
	}
	b.emit(in)
	if in.Kind == Press && in.Button == "mute" {
		b.setMuteLocked(!b.mute.State())
	}
}

// Handle applies a dialog event that happened at time at (on the render timeline).
func (b *Board) Handle(e event.Event, at time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.scene.Apply(e, at)
	switch e.Kind {
	case event.KindMute:
		b.setMuteLocked(e.Value != 0)
	case event.KindState:
		if e.State == event.Muted {
			b.setMuteLocked(true)
		}
	case event.KindVolume:
		if b.link != nil {
			b.link.SetVolume(int(e.Value))
		}
	case event.KindReplyStart:
		if b.link != nil {
			b.link.SetAmp(true)
		}
	case event.KindReplyEnd:
		if b.link != nil {
			b.link.SetAmp(false)
		}
	}
}

// ShowCard puts a card on the screen, replacing any other. Image bytes are decoded at
// once; an ImageURL is fetched in the background. An image that cannot be fetched or
// decoded shows a placeholder and is logged. The returned channel is closed when the
// cover is final.
func (b *Board) ShowCard(c view.Card) <-chan struct{} {
	done := make(chan struct{})
	b.mu.Lock()
	b.cardGen++
	gen := b.cardGen
	sh := &view.Shown{Card: c, At: b.now}
	b.card = sh
	b.mu.Unlock()
	resolve := func(data []byte, err error) {
		var img image.Image
		if err == nil {
			img, err = view.DecodeImage(data)
		}
		if err != nil {
			b.o.Logf("hal: card %q: image: %v; showing a placeholder", c.Title, err)
			img = view.Placeholder(64)
		}
		b.mu.Lock()
		if b.cardGen == gen {
			sh.Cover = img
		}
		b.mu.Unlock()
		close(done)
	}
	switch {
	case len(c.Image) > 0:
		resolve(c.Image, nil)
	case c.ImageURL != "":
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			resolve(b.o.Fetch(ctx, c.ImageURL))
		}()
	default:
		close(done)
	}
	return done
}

// ClearCard removes the card.
func (b *Board) ClearCard() {
	b.mu.Lock()
	b.cardGen++
	b.card = nil
	b.mu.Unlock()
}

// httpFetch GETs url, refusing bodies over view.MaxImageBytes.
func httpFetch(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, view.MaxImageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	return data, nil
}

// Render draws the LEDs and the screen as they are at t and records the frame when
// recording. Times must not go backwards by much: animations are computed from t.
func (b *Board) Render(t time.Duration) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.renderLocked(t)
}

func (b *Board) renderLocked(t time.Duration) error {
	b.now = t
	var errs []error
	if b.strip != nil {
		anim.Ring(b.leds, &b.scene, t)
		if err := b.strip.Show(b.leds); err != nil {
			errs = append(errs, err)
		}
	}
	changed := false
	if b.scr != nil {
		img := b.rend.Draw(&b.scene, b.card, t)
		if b.shown == nil || !bytes.Equal(b.shown.Pix, img.Pix) {
			if err := b.scr.Draw(img.Rect, img, image.Point{}); err != nil {
				errs = append(errs, err)
			}
			b.shown = &image.RGBA{Pix: bytes.Clone(img.Pix), Stride: img.Stride, Rect: img.Rect}
			changed = true
		}
	}
	if b.record {
		b.recordLocked(t, changed)
	}
	return errors.Join(errs...)
}

func (b *Board) recordLocked(t time.Duration, screenChanged bool) {
	f := &view.Frame{At: t, Label: b.scene.LookAt(t).String(), Brightness: b.brightness}
	if b.strip != nil {
		f.LEDs = append([]color.RGBA(nil), b.leds...)
	}
	n := len(b.frames)
	newLook := n == 0 || b.frames[n-1].Label != f.Label
	if b.scr != nil {
		f.Screen = b.recShot
		if b.recShot == nil || screenChanged && (newLook || t-b.recShotAt >= 100*time.Millisecond) {
			f.Screen, b.recShot, b.recShotAt = b.shown, b.shown, t
			b.recBytes += len(b.shown.Pix)
		}
	}
	if !newLook && f.Screen == b.frames[n-1].Screen && sameLEDs(b.frames[n-1].LEDs, f.LEDs) {
		return // nothing visible changed
	}
	b.frames = append(b.frames, f)
	for len(b.frames) > b.o.MaxFrames || b.recBytes > b.o.MaxFrameBytes && len(b.frames) > 1 {
		if old := b.frames[0]; old.Screen != nil && old.Screen != b.frames[1].Screen {
			b.recBytes -= len(old.Screen.(*image.RGBA).Pix)
		}
		b.frames[0] = nil
		b.frames = b.frames[1:]
		b.dropped++
	}
}

func sameLEDs(a, c []color.RGBA) bool {
	if len(a) != len(c) {
		return false
	}
	for i := range a {
		if a[i] != c[i] {
			return false
		}
	}
	return true
}

// Snapshot returns what the board shows now (as of the last Render), whether or not
// it records.
func (b *Board) Snapshot() *view.Frame {
	b.mu.Lock()
	defer b.mu.Unlock()
	f := &view.Frame{At: b.now, Label: b.scene.LookAt(b.now).String(), Brightness: b.brightness}
	if b.strip != nil {
		f.LEDs = append([]color.RGBA(nil), b.leds...)
	}
	if b.scr != nil && b.shown != nil {
		f.Screen = b.shown
	}
	return f
}

// Frames returns the recorded frames (only those where something visible changed).
func (b *Board) Frames() []*view.Frame {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*view.Frame(nil), b.frames...)
}

// WriteFrames writes the recorded frames to dir (created if needed) as a person would
// see the board: board.gif, an animated GIF of the whole run (at most 10 frames a
// second), and a PNG for the first frame of every new look (and of new screen content
// within a look, at most one a second), named NNNN-<time>-<look>.png. It returns an error if nothing was recorded.
func (b *Board) WriteFrames(dir string) error {
	frames := b.Frames()
	if len(frames) == 0 {
		return errors.New("hal: no frames recorded (use fake devices or Opts.Record)")
	}
	b.mu.Lock()
	if b.dropped > 0 {
		b.o.Logf("hal: %d oldest frames were dropped to stay within Opts.MaxFrames/MaxFrameBytes", b.dropped)
	}
	b.mu.Unlock()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("hal: %w", err)
	}
	n := 0
	var gifFrames []*view.Frame
	var lastKey time.Duration
	for i, f := range frames {
		// A PNG for every new look, and for new screen content within a look at most
		// once a second (animated views change all the time).
		key := i == 0 || f.Label != frames[i-1].Label ||
			f.Screen != frames[i-1].Screen && f.At-lastKey >= time.Second
		if key {
			lastKey = f.At
			name := fmt.Sprintf("%04d-%07.3fs-%s.png", n, f.At.Seconds(), f.Label)
			if err := WritePNG(filepath.Join(dir, name), view.Compose(f)); err != nil {
				return err
			}
			n++
		}
		if key || len(gifFrames) == 0 || f.At-gifFrames[len(gifFrames)-1].At >= 100*time.Millisecond {
			gifFrames = append(gifFrames, f)
		}
	}
	return WriteGIFFile(filepath.Join(dir, "board.gif"), gifFrames, time.Second)
}

// WritePNG writes img to path.
func WritePNG(path string, img image.Image) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("hal: encode %s: %w", path, err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("hal: %w", err)
	}
	return nil
}

// WriteGIFFile writes frames as an animated GIF to path.
func WriteGIFFile(path string, frames []*view.Frame, last time.Duration) error {
	var buf bytes.Buffer
	if err := view.WriteGIF(&buf, frames, last); err != nil {
		return fmt.Errorf("hal: encode %s: %w", path, err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("hal: %w", err)
	}
	return nil
}

// Run drives the board until ctx is done or events is closed: it applies every event,
// renders at Opts.FPS (on the wall clock, or on the events' sample time with
// SampleClock), and runs the buttons and the MCU link.
func (b *Board) Run(ctx context.Context, events <-chan event.Event) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, gb := range b.btns {
		wg.Add(2)
		go func() { defer wg.Done(); gb.b.Run(ctx) }()
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case e := <-gb.b.Events():
					b.Inject(Input{Kind: buttonKind(e.Kind), Button: gb.name})
				}
			}
		}()
	}
	if b.link != nil {
		wg.Add(2)
		go func() { defer wg.Done(); b.link.Run(ctx) }()
		go func() { defer wg.Done(); b.linkEvents(ctx) }()
	}
	step := time.Second / time.Duration(b.o.FPS)
	if b.o.SampleClock {
		return b.runSampleClock(ctx, events)
	}
	start := time.Now()
	tick := time.NewTicker(step)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-events:
			if !ok {
				return nil
			}
			b.Handle(e, time.Since(start))
		case <-tick.C:
			if err := b.Render(time.Since(start)); err != nil {
				b.o.Logf("hal: render: %v", err)
			}
		}
	}
}

func (b *Board) runSampleClock(ctx context.Context, events <-chan event.Event) error {
	n := int64(0) // next frame; frame n is at n/FPS s, exactly
	at := func(n int64) time.Duration { return time.Duration(n * int64(time.Second) / int64(b.o.FPS)) }
	renderBefore := func(t time.Duration) {
		for ; at(n) < t; n++ {
			if err := b.Render(at(n)); err != nil {
				b.o.Logf("hal: render: %v", err)
			}
		}
	}
	var last time.Duration
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-events:
			if !ok {
				renderBefore(last + time.Second + 1) // let the last state show
				return nil
			}
			last = max(last, e.Time())
			renderBefore(e.Time())
			b.Handle(e, e.Time())
		}
	}
}

func buttonKind(k button.Kind) InputKind {
	switch k {
	case button.Release:
		return Release
	case button.LongPress:
		return LongPress
	}
	return Press
}

func (b *Board) linkEvents(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-b.link.Events():
			switch e.Kind {
			case mcu.EventKey:
				kind := map[mcu.Action]InputKind{mcu.ActionPress: Press, mcu.ActionRelease: Release, mcu.ActionLongPress: LongPress}[e.Action]
				b.Inject(Input{Kind: kind, Button: e.Key.String()})
			case mcu.EventMute:
				b.SetMute(e.On)
			case mcu.EventVersion:
				b.o.Logf("hal: MCU firmware %v", e.Version)
			case mcu.EventUp:
				b.link.QueryVersion()
			}
		}
	}
}

// Close turns the LEDs and screen off and closes every bus the board opened.
func (b *Board) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []error
	if b.strip != nil {
		errs = append(errs, b.strip.Halt())
	}
	if b.scr != nil {
		errs = append(errs, b.scr.Halt())
	}
	for _, c := range b.closer {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// mcuStrip is the LED ring on the MCU.
type mcuStrip struct {
	l          *mcu.Link
	n          int
	brightness uint8
}

func (s *mcuStrip) String() string        { return fmt.Sprintf("MCUStrip{%d LEDs}", s.n) }
func (s *mcuStrip) Len() int              { return s.n }
func (s *mcuStrip) SetBrightness(b uint8) { s.brightness = b }
func (s *mcuStrip) Halt() error           { return s.l.Halt() }
func (s *mcuStrip) Show(c []color.RGBA) error {
	s.l.SetLEDs(s.brightness, c[:min(len(c), s.n)])
	return nil
}
