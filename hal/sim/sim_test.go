package sim

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genie-voice/genie/configs"
	"github.com/genie-voice/genie/hal"
)

var update = flag.Bool("update", false, "update golden files")

// boards are the simulated boards with golden frames.
var boards = []struct {
	name  string
	cfg   configs.HAL
	which []string // scenarios with golden files; nil = all
}{
	{"bench", configs.HAL{LEDs: configs.LEDs{Driver: "fake", Count: 12, Intensity: 255},
		Screen: configs.Screen{Driver: "fake", Width: 320, Height: 240}}, nil},
	// The ReSpeaker 2-mic HAT: 3 APA102 LEDs and an optional SSD1306.
	{"respeaker", configs.HAL{LEDs: configs.LEDs{Driver: "apa102", Count: 3, SPI: "SPI0.0", Intensity: 255},
		Screen: configs.Screen{Driver: "ssd1306", Width: 128, Height: 64}},
		[]string{"idle", "listening", "thinking", "muted", "error", "timer_running", "card_confirm", "card_song"}},
}

// TestGoldenFrames renders each scenario's shot and compares it with
// testdata/<board>/<scenario>.png (regenerate with -update and look at them).
func TestGoldenFrames(t *testing.T) {
	for _, b := range boards {
		for _, sc := range Scenarios() {
			if b.which != nil && !contains(b.which, sc.Name) {
				continue
			}
			t.Run(b.name+"/"+sc.Name, func(t *testing.T) {
				var logs []string
				res, err := Play(b.cfg, sc, 30, func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) })
				if err != nil {
					t.Fatal(err)
				}
				if sc.Name == "card_bad_image" {
					if len(logs) != 1 || !strings.Contains(logs[0], "placeholder") {
						t.Fatalf("bad image logged %q, want one placeholder error", logs)
					}
				} else if len(logs) > 0 {
					t.Fatalf("unexpected logs %q", logs)
				}
				path := filepath.Join("testdata", b.name, sc.Name+".png")
				if *update {
					os.MkdirAll(filepath.Dir(path), 0o755)
					if err := hal.WritePNG(path, res.Shot); err != nil {
						t.Fatal(err)
					}
					return
				}
				compareGolden(t, path, res.Shot)
			})
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// compareGolden allows ±2 per channel: animations use floating point, which may round
// differently where the compiler fuses multiply-adds (arm64).
func compareGolden(t *testing.T, path string, got *image.RGBA) {
	t.Helper()
	f, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGoldenFrames -update)", err)
	}
	img, err := png.Decode(bytes.NewReader(f))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if img.Bounds() != got.Rect {
		t.Fatalf("%s: size %v, golden %v", path, got.Rect, img.Bounds())
	}
	bad := 0
	var first image.Point
	for y := got.Rect.Min.Y; y < got.Rect.Max.Y; y++ {
		for x := got.Rect.Min.X; x < got.Rect.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			c := got.RGBAAt(x, y)
			if diff(c.R, r) > 2 || diff(c.G, g) > 2 || diff(c.B, b) > 2 {
				if bad == 0 {
					first = image.Pt(x, y)
				}
				bad++
			}
		}
	}
	if bad > 0 {
		out := filepath.Join(t.TempDir(), filepath.Base(path))
		hal.WritePNG(out, got)
		t.Fatalf("%s: %d pixels differ, first at %v; got written to %s", path, bad, first, out)
	}
}

func diff(a uint8, b uint32) int {
	d := int(a) - int(b>>8)
	if d < 0 {
		return -d
	}
	return d
}

// TestRunWritesEveryFile runs the whole simulator as `genie hal test` does and checks
// that every PNG and GIF decodes and animated states have many frames.
func TestRunWritesEveryFile(t *testing.T) {
	if testing.Short() {
		t.Skip("renders every scenario")
	}
	dir := t.TempDir()
	files, err := Run(boards[1].cfg, dir, func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	if want := 2*len(Scenarios()) + 2; len(files) != want {
		t.Fatalf("%d files, want %d", len(files), want)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		switch filepath.Ext(f) {
		case ".png":
			if _, err := png.Decode(bytes.NewReader(data)); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
		case ".gif":
			g, err := gif.DecodeAll(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			name := strings.TrimSuffix(filepath.Base(f), ".gif")
			if (name == "listening" || name == "thinking") && len(g.Image) < 20 {
				t.Fatalf("%s has %d frames, want an animation", f, len(g.Image))
			}
		}
	}
}
