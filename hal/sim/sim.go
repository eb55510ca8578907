// Package sim is the HAL simulator: it plays a script of dialog events for every state
// on a board with fake devices and writes what a person would see — the LED ring and
// the screen — as PNG frames and animated GIFs. `genie hal test` runs it, and its tests
// keep the PNGs as golden files.
package sim

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/genie-voice/genie/configs"
	"github.com/genie-voice/genie/dialog/event"
	"github.com/genie-voice/genie/hal"
	"github.com/genie-voice/genie/hal/view"
)

// Step is an event at a time into the scenario.
type Step struct {
	At    time.Duration
	Event event.Event
	Input *hal.Input // a user input instead of an event
}

// Scenario is one thing the board shows.
type Scenario struct {
	Name   string
	About  string
	Steps  []Step
	Card   *view.Card // shown at 0
	Length time.Duration
	Shot   time.Duration // the moment written as <Name>.png
}

const ms = time.Millisecond

func st(at time.Duration, s event.State) Step {
	return Step{At: at, Event: event.Event{Kind: event.KindState, State: s}}
}

func ev(at time.Duration, e event.Event) Step { return Step{At: at, Event: e} }

// Scenarios returns every scenario, in the order of the contact sheet.
func Scenarios() []Scenario {
	said := ev(0, event.Event{Kind: event.KindTranscript, Detail: "what's the weather like tomorrow"})
	timer := ev(0, event.Event{Kind: event.KindTimer, Source: "pasta", Reason: "started", Value: 480})
	return []Scenario{
		{Name: "idle", About: "idle: ring dark, screen shows the wake phrase", Length: time.Second, Shot: 500 * ms},
		{Name: "wake", About: "wake word heard: white-to-cyan flash", Steps: []Step{ev(0, event.Event{Kind: event.KindWake, Source: "hey_genie", Score: 0.97}), st(0, event.Listening)}, Length: 600 * ms, Shot: 80 * ms},
		{Name: "listening", About: "listening: cyan head spinning once a second, voice bars", Steps: []Step{st(0, event.Listening)}, Length: 2 * time.Second, Shot: 400 * ms},
		{Name: "thinking", About: "thinking: violet pulse, transcript and dots", Steps: []Step{said, st(0, event.Thinking)}, Length: 2400 * ms, Shot: 600 * ms},
		{Name: "speaking", About: "speaking: cyan wave around the ring, sine on screen", Steps: []Step{said, st(0, event.Speaking), ev(0, event.Event{Kind: event.KindReplyStart})}, Length: 1600 * ms, Shot: 200 * ms},
		{Name: "expecting", About: "follow-up expected: green head spinning slowly", Steps: []Step{st(0, event.Expecting)}, Length: 2 * time.Second, Shot: 500 * ms},
		{Name: "muted", About: "mute button pressed: ring red, crossed-out microphone", Steps: []Step{{At: 100 * ms, Input: &hal.Input{Kind: hal.Press, Button: "mute"}}}, Length: time.Second, Shot: 500 * ms},
		{Name: "error", About: "upstream failed: orange blinking, error text", Steps: []Step{st(0, event.Error), ev(0, event.Event{Kind: event.KindError, Source: "upstream", Detail: "home assistant unreachable"})}, Length: 3500 * ms, Shot: 100 * ms},
		{Name: "timer_running", About: "8 min timer, 2 min in: 3/4 of the ring amber, countdown", Steps: []Step{ev(-120*time.Second, timer.Event)}, Length: 2 * time.Second, Shot: 0},
		{Name: "timer_ringing", About: "timer finished: ring and screen flash amber", Steps: []Step{ev(0, event.Event{Kind: event.KindTimer, Source: "pasta", Reason: "finished"})}, Length: 2 * time.Second, Shot: 200 * ms},
		{Name: "volume", About: "volume set to 70: white arc of 70 %", Steps: []Step{ev(0, event.Event{Kind: event.KindVolume, Value: 70})}, Length: 2 * time.Second, Shot: 300 * ms},
		{Name: "card_confirm", About: "order to confirm while the dialog expects an answer", Steps: []Step{st(0, event.Expecting)},
			Card: &view.Card{Kind: view.CardConfirm, Title: "Confirm order", Text: "2x kitchen paper towels, 7.98 EUR, delivery Friday?"}, Length: 2 * time.Second, Shot: 300 * ms},
		{Name: "card_timer", About: "timer card with the countdown", Steps: []Step{ev(-20*time.Second, timer.Event)},
			Card: &view.Card{Kind: view.CardTimer, Title: "Pasta"}, Length: 2 * time.Second, Shot: 0},
		{Name: "card_song", About: "song card with cover while speaking", Steps: []Step{st(0, event.Speaking)},
			Card: &view.Card{Kind: view.CardMedia, Title: "Blue Monday", Text: "New Order - Power, Corruption & Lies", Image: Cover(false)}, Length: 1600 * ms, Shot: 200 * ms},
		{Name: "card_stream", About: "live-stream cover with LIVE badge", Card: &view.Card{Kind: view.CardStream, Title: "Radio Paradise", Text: "live stream - main mix", Image: Cover(true)}, Length: time.Second, Shot: 300 * ms},
		{Name: "card_bad_image", About: "card whose image is corrupt: placeholder, error logged", Card: &view.Card{Kind: view.CardInfo, Title: "Weather", Text: "Tomorrow: 14 C, light rain in the afternoon", Image: []byte("\x89PNG\r\n\x1a\nnot really")}, Length: time.Second, Shot: 300 * ms},
	}
}

// Cover returns a generated square cover image as PNG bytes: a song cover (a record on
// a warm gradient) or, with stream, a broadcast cover (waves on blue).
func Cover(stream bool) []byte {
	const n = 96
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	for y := range n {
		for x := range n {
			f := float64(x+y) / (2 * n)
			c := color.RGBA{uint8(230 - 120*f), uint8(60 + 80*f), uint8(90 + 100*f), 255}
			if stream {
				c = color.RGBA{uint8(20 + 40*f), uint8(70 + 90*f), uint8(200 - 40*f), 255}
			}
			dx, dy := float64(x)-n/2+0.5, float64(y)-n/2+0.5
			d := math.Hypot(dx, dy)
			switch {
			case !stream && d < 6:
				c = color.RGBA{240, 220, 120, 255}
			case !stream && d < 34:
				g := uint8(20 + 12*math.Abs(math.Sin(d)))
				c = color.RGBA{g, g, g + 4, 255}
			case stream && y > n/2 && math.Mod(d, 14) < 3 && math.Abs(dx) < -dy+60:
				c = color.RGBA{255, 255, 255, 255}
			case stream && d < 7:
				c = color.RGBA{255, 80, 60, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

// Simulated forces every device of cfg to a recording fake of the same size, so the
// simulator never touches hardware.
func Simulated(cfg configs.HAL) configs.HAL {
	out := configs.HAL{LEDs: cfg.LEDs, Screen: cfg.Screen}
	if d := cfg.LEDs.Driver; d != "" && d != configs.DriverNone {
		out.LEDs.Driver = configs.DriverFake
		if out.LEDs.Count == 0 {
			out.LEDs.Count = 12
		}
	}
	if d := cfg.Screen.Driver; d != "" && d != configs.DriverNone && d != configs.DriverMCU {
		out.Screen.Driver = configs.DriverFake
		if out.Screen.Width == 0 || out.Screen.Height == 0 {
			out.Screen.Width, out.Screen.Height = 128, 64
		}
	} else {
		out.Screen.Driver = configs.DriverNone
	}
	return out
}

// Result is what one scenario produced.
type Result struct {
	Scenario
	Shot   *image.RGBA   // the composed frame at Shot
	Frames []*view.Frame // every frame where something visible changed
}

// Play runs one scenario on a simulated board like cfg at fps frames a second.
func Play(cfg configs.HAL, sc Scenario, fps int, logf func(string, ...any)) (*Result, error) {
	b, err := hal.Open(Simulated(cfg), &hal.Opts{Record: true, Logf: logf})
	if err != nil {
		return nil, err
	}
	defer b.Close()
	go func() { // nobody else reads inputs here
		for range b.Inputs() {
		}
	}()
	if sc.Card != nil {
		<-b.ShowCard(*sc.Card)
	}
	// A monochrome panel is shown as it looks, not in the colours it was sent.
	mono := cfg.Screen.Driver == "ssd1306"
	steps := sc.Steps
	step := time.Second / time.Duration(fps)
	res := &Result{Scenario: sc}
	for t := time.Duration(0); t <= sc.Length; t += step {
		for len(steps) > 0 && steps[0].At <= t {
			if s := steps[0]; s.Input != nil {
				b.Inject(*s.Input)
			} else {
				b.Handle(s.Event, s.At)
			}
			steps = steps[1:]
		}
		if err := b.Render(t); err != nil {
			return nil, err
		}
		if t <= sc.Shot && sc.Shot < t+step {
			snap := b.Snapshot()
			snap.Mono = mono
			res.Shot = view.Compose(snap)
		}
	}
	res.Frames = b.Frames()
	for _, f := range res.Frames {
		f.Mono = mono
	}
	return res, nil
}

// Run plays every scenario on a simulated board like cfg and writes to dir:
// <name>.png (the shot), <name>.gif (the animation), contact.png (all shots) and
// index.txt (what each shows). It returns the paths written.
func Run(cfg configs.HAL, dir string, logf func(string, ...any)) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	var files []string
	var shots []*image.RGBA
	var index bytes.Buffer
	for _, sc := range Scenarios() {
		res, err := Play(cfg, sc, 30, logf)
		if err != nil {
			return files, fmt.Errorf("sim: %s: %w", sc.Name, err)
		}
		png := filepath.Join(dir, sc.Name+".png")
		if err := hal.WritePNG(png, res.Shot); err != nil {
			return files, err
		}
		gif := filepath.Join(dir, sc.Name+".gif")
		if err := hal.WriteGIFFile(gif, res.Frames, sc.Length-res.Frames[len(res.Frames)-1].At+33*ms); err != nil {
			return files, err
		}
		files = append(files, png, gif)
		shots = append(shots, res.Shot)
		fmt.Fprintf(&index, "%-15s %s (shot at %v, %d frames)\n", sc.Name, sc.About, sc.Shot, len(res.Frames))
	}
	contact := filepath.Join(dir, "contact.png")
	if err := hal.WritePNG(contact, Contact(shots, 2)); err != nil {
		return files, err
	}
	idx := filepath.Join(dir, "index.txt")
	if err := os.WriteFile(idx, index.Bytes(), 0o644); err != nil {
		return files, fmt.Errorf("sim: %w", err)
	}
	return append(files, contact, idx), nil
}

// Contact lays shots out in a grid of cols columns.
func Contact(shots []*image.RGBA, cols int) *image.RGBA {
	if len(shots) == 0 {
		return image.NewRGBA(image.Rect(0, 0, 1, 1))
	}
	w, h := shots[0].Rect.Dx(), shots[0].Rect.Dy()
	rows := (len(shots) + cols - 1) / cols
	dst := image.NewRGBA(image.Rect(0, 0, w*cols, h*rows))
	for i, s := range shots {
		at := image.Pt(i%cols*w, i/cols*h)
		for y := 0; y < min(h, s.Rect.Dy()); y++ {
			copy(dst.Pix[dst.PixOffset(at.X, at.Y+y):], s.Pix[s.PixOffset(0, y):s.PixOffset(min(w, s.Rect.Dx()), y)])
		}
	}
	return dst
}
