package wakeword

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genie-voice/genie/wakeword/internal/tfltest"
)

func TestParseManifest(t *testing.T) {
	valid := `{"type":"micro","wake_word":"Okay Nabu","model":"okay_nabu.tflite","version":2,
		"micro":{"probability_cutoff":0.97,"sliding_window_size":5,"feature_step_size":10,"tensor_arena_size":26080}}`
	tests := []struct {
		name string
		json string
		want string // error substring; "" for success
	}{
		{"valid", valid, ""},
		{"v1_window_name", `{"type":"micro","model":"m.tflite","version":1,
			"micro":{"probability_cutoff":0.5,"sliding_window_average_size":10,"feature_step_size":10}}`, ""},
		{"not_json", `{"type":`, "unexpected end"},
		{"wrong_type", strings.Replace(valid, `"micro",`, `"openwakeword",`, 1), `type "openwakeword" unsupported`},
		{"version_3", strings.Replace(valid, `"version":2`, `"version":3`, 1), "version 3 unsupported"},
		{"cutoff_zero", strings.Replace(valid, `0.97`, `0`, 1), "probability_cutoff 0 out of range"},
		{"cutoff_above_one", strings.Replace(valid, `0.97`, `1.5`, 1), "out of range"},
		{"window_zero", strings.Replace(valid, `"sliding_window_size":5`, `"sliding_window_size":0`, 1), "sliding_window_size 0"},
		{"step_20ms", strings.Replace(valid, `"feature_step_size":10`, `"feature_step_size":20`, 1), "feature_step_size 20 ms unsupported"},
		{"no_model", strings.Replace(valid, `"okay_nabu.tflite"`, `""`, 1), "no model file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseManifest([]byte(tt.json))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if m.Micro.SlidingWindowSize < 1 {
					t.Errorf("window %d", m.Micro.SlidingWindowSize)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "wakeword: ") {
				t.Fatalf("error %v, want \"wakeword: ...%s...\"", err, tt.want)
			}
		})
	}
}

func TestCutoffU8TruncatesLikeESPHome(t *testing.T) {
	// README: alexa 0.90->229, hey_jarvis 0.97->247, hey_mycroft 0.95->242, vad 0.50->127;
	// truncation, not rounding: 0.29*255 = 73.95 -> 73.
	for p, want := range map[float64]uint8{0.9: 229, 0.97: 247, 0.95: 242, 0.5: 127, 0.29: 73, 0.6: 153, 1: 255} {
		if got := cutoffU8(p); got != want {
			t.Errorf("cutoffU8(%v) = %d, want %d", p, got, want)
		}
	}
}

func TestLoadModelErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", tfltest.Manifest("good.tflite", 0.9))
	write("good.tflite", tfltest.Build(tfltest.Spec{Weight: 1}))
	write("div.tflite", tfltest.Build(tfltest.Spec{FCOpcode: 42}))
	write("stride.tflite", tfltest.Build(tfltest.Spec{InType: 3})) // UINT8 input
	tests := []struct {
		name, path, want string
	}{
		{"unsupported_op", write("div.json", tfltest.Manifest("div.tflite", 0.9)), "wakeword: div.tflite: op 42 (DIV) unsupported"},
		{"wrong_input_type", write("stride.json", tfltest.Manifest("stride.tflite", 0.9)), "wakeword: stride.tflite: subgraph 0 op 0 (FULLY_CONNECTED): input \"input\": type UINT8: unsupported"},
		{"missing_model", write("gone.json", tfltest.Manifest("gone.tflite", 0.9)), "gone.tflite: no such file"},
		{"missing_manifest", filepath.Join(dir, "nope.json"), "nope.json: no such file"},
		{"bad_manifest", write("bad.json", []byte(`{"type":"micro"}`)), "bad.json: version 0 unsupported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadModel(tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	m, err := LoadModel(good)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "good" || m.Stride != 3 || m.Cutoff() != 0.9 {
		t.Errorf("model %v: name %q stride %d cutoff %v", m, m.Name, m.Stride, m.Cutoff())
	}
}

func tinyModel(t testing.TB, name string, cutoff float64) *Model {
	t.Helper()
	m, err := LoadModelBytes(name, tfltest.Manifest(name+".tflite", cutoff), tfltest.Build(tfltest.Spec{Weight: 1}))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestNewEngineErrors(t *testing.T) {
	a := tinyModel(t, "a", 0.97)
	tests := []struct {
		name   string
		models []*Model
		opts   EngineOpts
		want   string
	}{
		{"none", nil, EngineOpts{}, "no models"},
		{"nil", []*Model{nil}, EngineOpts{}, "nil model"},
		{"twice", []*Model{a, a}, EngineOpts{}, `model "a" given twice`},
		{"unknown_cutoff", []*Model{a}, EngineOpts{Cutoffs: map[string]float64{"b": 0.5}}, `unknown model "b"`},
		{"cutoff_range", []*Model{a}, EngineOpts{Cutoffs: map[string]float64{"a": 0}}, "out of range"},
		{"unknown_window", []*Model{a}, EngineOpts{Windows: map[string]int{"b": 2}}, `window override for unknown model "b"`},
		{"window_zero", []*Model{a}, EngineOpts{Windows: map[string]int{"a": 0}}, "sliding window 0"},
		{"window_big", []*Model{a}, EngineOpts{Windows: map[string]int{"a": 101}}, "out of range 1..100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewEngine(tt.models, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// The tiny model outputs 128 for all-zero features and 255 for loud ones.
// With ESPHome's logic a loud stretch after 1.5 s of quiet fires once, when
// the 5-output window is full of 255s, and not again while it stays loud
// (the cool-off only counts frames below the cutoff).
func TestEngineESPHomeTiming(t *testing.T) {
	e, err := NewEngine([]*Model{tinyModel(t, "a", 0.97)}, EngineOpts{})
	if err != nil {
		t.Fatal(err)
	}
	var dets []Detection
	var f Frame
	for k := range 400 {
		clear(f.Values[:])
		if k >= 150 {
			for i := range f.Values {
				f.Values[i] = 600
			}
		}
		f.End = int64(160*k + 480)
		dets = e.Process(&f, dets)
	}
	// Inferences run at frames 2, 5, ...; 152..164 are the first five loud ones.
	want := []Detection{{Model: "a", Sample: 160*164 + 480, Probability: 1}}
	if len(dets) != len(want) || dets[0] != want[0] {
		t.Fatalf("detections %+v, want %+v", dets, want)
	}
	// A Reset brings back the start-up cool-off.
	e.Reset()
	dets = dets[:0]
	for k := range 90 {
		for i := range f.Values {
			f.Values[i] = 600
		}
		f.End = int64(160*k + 480)
		dets = e.Process(&f, dets)
	}
	if len(dets) != 0 {
		t.Errorf("after Reset: %+v during the cool-off", dets)
	}
}

// The engine depends on no cgo and no audio device code.
func TestDepsArePureGo(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.CgoFiles}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, cgo, _ := strings.Cut(line, " ")
		if path == "runtime/cgo" || cgo != "[]" || strings.Contains(path, "portaudio") {
			t.Errorf("dependency %s uses cgo (%s)", path, cgo)
		}
	}
}

func FuzzLoad(f *testing.F) {
	man := tfltest.Manifest("m.tflite", 0.5)
	f.Add(man, tfltest.Build(tfltest.Spec{Weight: 1}))
	f.Add(man, tfltest.Build(tfltest.Spec{Stride: 1, Weight: -2, Bias: 100}))
	f.Add([]byte(`{"type":"micro","version":2}`), []byte("TFL3"))
	dir := filepath.Join("..", "..", "shared", "models", "microwakeword")
	for _, name := range []string{"okay_nabu", "vad"} {
		mj, err1 := os.ReadFile(filepath.Join(dir, name+".json"))
		tf, err2 := os.ReadFile(filepath.Join(dir, name+".tflite"))
		if err1 == nil && err2 == nil {
			f.Add(mj, tf)
		}
	}
	f.Fuzz(func(t *testing.T, manifest, model []byte) {
		m, err := LoadModelBytes("fuzz", manifest, model)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "wakeword: ") {
				t.Errorf("error without package prefix: %v", err)
			}
			return
		}
		e, err := NewEngine([]*Model{m}, EngineOpts{Refractory: -1})
		if err != nil {
			if errors.Is(err, errors.ErrUnsupported) {
				return
			}
			t.Fatalf("loaded model refused by NewEngine: %v", err)
		}
		var fr Frame
		for k := range 7 {
			for i := range fr.Values {
				fr.Values[i] = uint16(k * 97 * (i + 1))
			}
			e.Process(&fr, nil)
		}
	})
}
