package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genie-voice/genie/internal/sharedtest"
)

func TestBenchWakewordReportsPerModel(t *testing.T) {
	wavs, err := filepath.Abs(sharedtest.Dir(t, "reference/microwakeword/wavs"))
	if err != nil {
		t.Fatal(err)
	}
	models := sharedtest.Dir(t, "models/microwakeword")
	dir := t.TempDir()
	// The TTS clips have 0.7 s of lead and 0.5 s of tail around the phrase.
	csv := "file,phrase,start_s,end_s,condition\n" +
		wavs + "/tts_okay_nabu.wav,Okay Nabu,0.7,1.948,tts\n" +
		wavs + "/tts_alexa.wav,alexa,0.7,1.617,tts\n" +
		wavs + "/tts_negative.wav,-,,,tts\n"
	if err := os.WriteFile(filepath.Join(dir, "labels.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	pngPath := filepath.Join(dir, "det.png")
	var out, errb bytes.Buffer
	args := []string{"bench", "wakeword", "--json", "--png", pngPath, "--data-dir", dir,
		"--model", filepath.Join(models, "okay_nabu.json"), "--model", filepath.Join(models, "alexa.json"), dir}
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var rep struct {
		Files  int `json:"files"`
		Models []struct {
			Model string `json:"model"`
			All   struct {
				Positives int     `json:"positives"`
				MissRate  float64 `json:"miss_rate"`
				Other     int     `json:"other_phrase_accepts"`
			} `json:"all"`
			DET []json.RawMessage `json:"det"`
		} `json:"models"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if rep.Files != 3 || len(rep.Models) != 2 {
		t.Fatalf("report %+v", rep)
	}
	for _, m := range rep.Models {
		if m.All.Positives != 1 || m.All.MissRate != 0 || m.All.Other != 0 || len(m.DET) != 254 {
			t.Errorf("%s: %+v, %d DET points", m.Model, m.All, len(m.DET))
		}
	}
	if st, err := os.Stat(pngPath); err != nil || st.Size() < 1000 {
		t.Errorf("PNG: %v", err)
	}

	out.Reset()
	err = run(context.Background(), []string{"bench", "wakeword", "--data-dir", dir, "--model", "hey_jarvis", dir}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "run: genie wakeword fetch hey_jarvis") {
		t.Errorf("unfetched model: error %v", err)
	}
}
