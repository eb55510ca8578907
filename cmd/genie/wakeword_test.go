package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genie-voice/genie/internal/sharedtest"
)

// The expected times are the ESPHome events of the reference README.
func TestWakewordTestFindsReferenceEvents(t *testing.T) {
	models := sharedtest.Dir(t, "models/microwakeword")
	wavs := sharedtest.Dir(t, "reference/microwakeword/wavs")
	want := map[string]string{
		"tts_hey_jarvis.wav": "hey_jarvis@1.76", "tts_okay_nabu.wav": "okay_nabu@1.76",
		"tts_alexa.wav": "alexa@1.43", "tts_hey_mycroft.wav": "hey_mycroft@1.49",
		"tts_negative.wav": "", "real_hey_jarvis.wav": "hey_jarvis@1.40", "real_okay_nabu.wav": "okay_nabu@1.52",
	}
	args := []string{"wakeword", "test", "--models-dir", models, "--vad", "vad", "--json"}
	for _, m := range []string{"hey_jarvis", "okay_nabu", "alexa", "hey_mycroft"} {
		args = append(args, "--model", m)
	}
	for f := range want {
		args = append(args, filepath.Join(wavs, f))
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var d detLine
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		got[filepath.Base(d.File)] += fmt.Sprintf("%s@%.2f", d.Model, d.TimeS)
	}
	for f, w := range want {
		if got[f] != w {
			t.Errorf("%s: detections %q, want %q", f, got[f], w)
		}
	}
}

func TestWakewordTestRejectsBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no_model", []string{"wakeword", "test", "x.wav"}, "usage"},
		{"missing_manifest", []string{"wakeword", "test", "--model", "/nonexistent/m.json", "x.wav"}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), tt.args, &out, &errb)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
