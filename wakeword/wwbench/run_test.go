package wwbench

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/genie-voice/genie/internal/sharedtest"
	"github.com/genie-voice/genie/wakeword"
)

// referenceLabels labels the reference wavs: the TTS clips have 0.7 s of lead
// and 0.5 s of tail around the phrase (README); the real ones are labelled as
// a whole.
func referenceLabels(t *testing.T) []Label {
	dir := filepath.Join(sharedtest.Dir(t, "reference/microwakeword"), "wavs")
	s := func(v float64) time.Duration { return time.Duration(v * float64(time.Second)) }
	return []Label{
		{File: filepath.Join(dir, "tts_hey_jarvis.wav"), Phrase: "hey jarvis", Start: s(0.7), End: s(2.225 - 0.5), Condition: "tts"},
		{File: filepath.Join(dir, "tts_okay_nabu.wav"), Phrase: "okay nabu", Start: s(0.7), End: s(2.447812 - 0.5), Condition: "tts"},
		{File: filepath.Join(dir, "tts_alexa.wav"), Phrase: "alexa", Start: s(0.7), End: s(2.116938 - 0.5), Condition: "tts"},
		{File: filepath.Join(dir, "tts_hey_mycroft.wav"), Phrase: "hey mycroft", Start: s(0.7), End: s(2.265 - 0.5), Condition: "tts"},
		{File: filepath.Join(dir, "tts_negative.wav"), Condition: "tts"},
		{File: filepath.Join(dir, "real_hey_jarvis.wav"), Phrase: "hey jarvis", End: s(2), Condition: "real"},
		{File: filepath.Join(dir, "real_okay_nabu.wav"), Phrase: "okay nabu", End: s(2), Condition: "real"},
	}
}

func sharedModels(t *testing.T) []*wakeword.Model {
	var ms []*wakeword.Model
	for _, n := range wakeNames {
		ms = append(ms, loadShared(t, n))
	}
	return ms
}

// The run over the reference wavs reproduces the ESPHome reference events
// (README: hey_jarvis @ frame 173, okay_nabu @ 173, alexa @ 140, hey_mycroft
// @ 146, real_hey_jarvis @ 137, real_okay_nabu @ 149, none on the negative) and
// scores them.
func TestRunScoresReferenceClips(t *testing.T) {
	labels := referenceLabels(t)
	models := sharedModels(t)
	var progress int64
	res, err := Run(context.Background(), labels, Opts{Models: models, VAD: loadShared(t, "vad"), Jobs: 2,
		Progress: func(n int64) { progress += n }})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string][]int32{ // file → model → frames
		"tts_hey_jarvis.wav": {"hey_jarvis": {173}}, "tts_okay_nabu.wav": {"okay_nabu": {173}},
		"tts_alexa.wav": {"alexa": {140}}, "tts_hey_mycroft.wav": {"hey_mycroft": {146}},
		"real_hey_jarvis.wav": {"hey_jarvis": {137}}, "real_okay_nabu.wav": {"okay_nabu": {149}},
	}
	var samples int64
	for _, f := range res.Files {
		samples += f.Samples
		base := filepath.Base(f.Label.File)
		for mi, m := range models {
			if got, w := f.Detections[mi], want[base][m.Name]; !slices.Equal(got, w) {
				t.Errorf("%s: %s fires at frames %v, want %v", base, m.Name, got, w)
			}
		}
		if n := (f.Samples-480)/160 + 1; int64(len(f.Ends)) != n {
			t.Errorf("%s: %d frames for %d samples, want %d", base, len(f.Ends), f.Samples, n)
		}
	}
	if progress != samples || res.Audio != time.Duration(samples)*time.Second/16000 {
		t.Errorf("progress %d, audio %v; %d samples read", progress, res.Audio, samples)
	}

	r := NewReport(res)
	if r.Positives != 6 || r.Negatives != 1 || r.VAD != "vad" {
		t.Errorf("report counts %d positive, %d negative, VAD %q", r.Positives, r.Negatives, r.VAD)
	}
	for _, m := range r.Models {
		if m.All.Missed != 0 || m.All.FalseAccepts != 0 || m.All.OtherAccepts != 0 || m.All.ExtraAccepts != 0 {
			t.Errorf("%s: %+v, want every positive hit and no false accept", m.Model, m.All)
		}
		if m.ReplayMismatches != 0 {
			t.Errorf("%s: replay disagrees with the Engine on %d files", m.Model, m.ReplayMismatches)
		}
		if win := m.Window; len(m.Windows) != win || win < 1 {
			t.Errorf("%s: window %d, sweep over %d windows", m.Model, win, len(m.Windows))
		} else if p := m.Windows[win-1]; p.MissRate != m.All.MissRate || p.FAPerHour != m.All.FAPerHour || p.LatencyMedian != m.All.LatencyMedian {
			t.Errorf("%s: window sweep at the manifest's window %+v differs from the Engine's %+v", m.Model, p, m.All)
		}
		if len(m.DET) != 254 {
			t.Fatalf("%s: %d DET points", m.Model, len(m.DET))
		}
		if d := m.DET[m.CutoffU8-1]; d.MissRate != m.All.MissRate || d.FAPerHour != m.All.FAPerHour || d.OtherPerHour != m.All.OtherPerHour {
			t.Errorf("%s: DET at the cutoff %+v differs from the Engine's %+v", m.Model, d, m.All)
		}
		if m.CPUPerHour <= 0 || m.RTF <= 0 || m.RTFWithFrontend <= m.RTF {
			t.Errorf("%s: CPU %v per hour, RTF %v, with front end %v", m.Model, m.CPUPerHour, m.RTF, m.RTFWithFrontend)
		}
		if len(m.Conditions) != 2 || m.Conditions[0].Condition != "real" || m.Conditions[1].Positives+m.Conditions[0].Positives != m.All.Positives {
			t.Errorf("%s: conditions %+v", m.Model, m.Conditions)
		}
	}
	// okay_nabu: hits at frame 173 (end 28160 = 1.76 s) on a phrase ending at
	// 1.947812 s and at frame 149 (1.52 s) on a real clip labelled to 2 s.
	okay := r.Models[3].All
	if got, want := okay.Latencies, []time.Duration{1760*time.Millisecond - 1947812*time.Microsecond, -480 * time.Millisecond}; !slices.Equal(got, want) {
		t.Errorf("okay_nabu latencies %v, want %v", got, want)
	}

	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"machine: ", "hey_mycroft", "DET (all files)", "condition", "sliding window (all files"} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("text report lacks %q:\n%s", s, text.String())
		}
	}
	if strings.Contains(text.String(), "warning") {
		t.Errorf("text report warns:\n%s", text.String())
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("JSON: %v", err)
	}
	var list bytes.Buffer
	if err := res.WriteDetections(&list); err != nil {
		t.Fatal(err)
	}
	// 6 hits, no miss or false accept.
	if n := strings.Count(list.String(), ",hit\n"); n != 6 || strings.Count(list.String(), "\n") != 7 {
		t.Errorf("detections list:\n%s", list.String())
	}
	if !strings.Contains(list.String(), "tts_okay_nabu.wav,okay_nabu,okay nabu,1.760,hit\n") {
		t.Errorf("detections list lacks okay_nabu at 1.76 s:\n%s", list.String())
	}
	var img bytes.Buffer
	if err := r.WritePNG(&img); err != nil {
		t.Fatal(err)
	}
	if cfg, err := png.DecodeConfig(&img); err != nil || cfg.Width < 500 {
		t.Errorf("PNG: %+v, %v", cfg, err)
	}
}

// A window override reaches the Engine and the replay: with one output
// averaged, okay_nabu fires no later on its clips and the replay agrees.
func TestRunWindowOverride(t *testing.T) {
	labels := referenceLabels(t)
	var okay *wakeword.Model
	for _, m := range sharedModels(t) {
		if m.Name == "okay_nabu" {
			okay = m
		}
	}
	run := func(win map[string]int) *Report {
		res, err := Run(context.Background(), labels, Opts{Models: []*wakeword.Model{okay}, Windows: win})
		if err != nil {
			t.Fatal(err)
		}
		return NewReport(res)
	}
	def, one := run(nil).Models[0], run(map[string]int{"okay_nabu": 1}).Models[0]
	if one.Window != 1 || def.Window != okay.Manifest.Micro.SlidingWindowSize {
		t.Errorf("windows %d and %d reported", one.Window, def.Window)
	}
	if one.ReplayMismatches != 0 || len(one.Windows) != def.Window {
		t.Errorf("window 1: %d replay mismatches, sweep of %d", one.ReplayMismatches, len(one.Windows))
	}
	if one.All.Missed != def.All.Missed || len(one.All.Latencies) != len(def.All.Latencies) {
		t.Fatalf("window 1 missed %d, manifest's %d", one.All.Missed, def.All.Missed)
	}
	for i, l := range one.All.Latencies {
		if l > def.All.Latencies[i] {
			t.Errorf("hit %d: %v after the phrase end with window 1, %v with the manifest's", i, l, def.All.Latencies[i])
		}
	}
	t.Logf("latencies window 1 %v, manifest's %v", one.All.Latencies, def.All.Latencies)
}

func TestRunErrors(t *testing.T) {
	models := sharedModels(t)
	tests := []struct {
		name   string
		labels []Label
		o      Opts
		want   string
	}{
		{"no_models", []Label{{File: "x.wav"}}, Opts{}, "wwbench: no models"},
		{"missing_file", []Label{{File: filepath.Join(t.TempDir(), "none.wav")}}, Opts{Models: models}, "none.wav"},
		{"not_wav", []Label{{File: "run_test.go"}}, Opts{Models: models}, "run_test.go"},
		{"unknown_cutoff", []Label{{File: "x.wav"}}, Opts{Models: models, Cutoffs: map[string]float64{"hey_genie": 0.5}}, `"hey_genie"`},
		{"bad_cutoff", []Label{{File: "x.wav"}}, Opts{Models: models, Cutoffs: map[string]float64{"alexa": 2}}, "out of range"},
		{"unknown_window", []Label{{File: "x.wav"}}, Opts{Models: models, Windows: map[string]int{"hey_genie": 1}}, `window for unknown model "hey_genie"`},
		{"bad_window", []Label{{File: "x.wav"}}, Opts{Models: models, Windows: map[string]int{"alexa": 0}}, "sliding window 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(context.Background(), tt.labels, tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, referenceLabels(t), Opts{Models: models}); err != context.Canceled {
		t.Errorf("cancelled: error %v", err)
	}
}
