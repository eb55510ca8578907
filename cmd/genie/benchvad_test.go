package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBenchVADReportsPerCondition(t *testing.T) {
	pngPath := filepath.Join(t.TempDir(), "roc.png")
	out, err := runCmd(t, "bench", "vad", "--set", vadTestdata, "--vad", "energy,fullband", "--json", "--png", pngPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep benchReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if len(rep.VADs) != 2 || rep.VADs[0].VAD != "energy" || rep.VADs[1].VAD != "fullband" {
		t.Fatalf("vads %+v, want energy and fullband", rep.VADs)
	}
	groups := map[string]*benchGroup{}
	for _, g := range rep.VADs[0].Groups {
		groups[g.Group] = g
	}
	for _, name := range []string{"all", "snr=clean", "snr=10db", "noise=none", "noise=white", "white/10db"} {
		g, ok := groups[name]
		if !ok {
			t.Errorf("no group %q", name)
			continue
		}
		if g.AUC < 0.9 || g.AUC > 1 || g.F1 <= 0.5 || g.Blocks != g.Files*600 || g.CPUPerHour <= 0 {
			t.Errorf("%s: implausible %+v", name, g)
		}
	}
	if g := groups["all"]; g != nil && (g.Files != 2 || g.SpeechBlocks < 500 || g.SpeechBlocks > 580) {
		t.Errorf("all: %d files, %d speech blocks; want 2 files and 2×269 or so", g.Files, g.SpeechBlocks)
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.DecodeConfig(f); err != nil {
		t.Errorf("ROC plot: %v", err)
	}
}

func TestBenchVADErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "labels.csv")
	if err := os.WriteFile(bad, []byte("file,start_s,end_s\nnot_there.wav,0,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"noSet", []string{"bench", "vad"}, "usage"},
		{"emptyDir", []string{"bench", "vad", "--set", dir, "--labels", filepath.Join(vadTestdata, "labels.csv")}, "no .wav files"},
		{"unknownFile", []string{"bench", "vad", "--set", vadTestdata, "--labels", bad}, `"not_there.wav"`},
		{"noLabels", []string{"bench", "vad", "--set", vadTestdata, "--labels", filepath.Join(dir, "none.csv")}, "none.csv"},
		{"neuralWithoutModel", []string{"bench", "vad", "--set", vadTestdata, "--vad", "neural", "--vad-model", filepath.Join(dir, "none.json")}, "none.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runCmd(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
