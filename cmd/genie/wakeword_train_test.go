package main

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/genie-voice/genie/wakeword/train"
)

func TestWakewordTrainRejectsBadArguments(t *testing.T) {
	aFile := filepath.Join(t.TempDir(), "a.wav")
	if err := os.WriteFile(aFile, []byte("RIFF"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string // error substring; "" means errUsage
	}{
		{"no_phrase", nil, ""},
		{"two_phrases", []string{"hey genie", "hello"}, ""},
		{"blank_phrase", []string{"  "}, ""},
		{"bad_scale", []string{"--scale", "0", "hey genie"}, "--scale"},
		{"bad_scale_after_phrase", []string{"hey genie", "--scale", "20"}, "--scale"},
		{"bad_colour", []string{"--colour", "1.5", "hey genie"}, "--colour"},
		{"bad_babble", []string{"--babble", "0.95", "hey genie"}, "--babble"},
		{"short_lead", []string{"--lead-max", "0.2", "hey genie"}, "--lead-max"},
		{"bad_talkers", []string{"--talkers", "7", "hey genie"}, "--talkers"},
		{"bad_talker", []string{"--talker", "1.2", "hey genie"}, "--talker"},
		{"negative_talker", []string{"hey genie", "--talker", "-0.1"}, "--talker"},
		{"bad_hidden", []string{"--hidden", "65", "hey genie"}, "--hidden"},
		{"no_members", []string{"--members", "0", "hey genie"}, "--members"},
		{"phrase_babble", []string{"--phrase-babble", "1.5", "hey genie"}, "--phrase-babble"},
		{"few_channels", []string{"--channels", "4", "hey genie"}, "--channels"},
		{"members_hidden", []string{"--members", "2", "--hidden", "8", "hey genie"}, "--hidden"},
		{"three_members", []string{"hey genie", "--members", "3"}, "--members"},
		{"negative_hidden", []string{"hey genie", "--hidden", "-1"}, "--hidden"},
		{"kernels_not_numbers", []string{"--kernels", "6,five", "hey genie"}, "--kernels"},
		{"kernels_too_many", []string{"--kernels", "6,3,3,3,3,3,3,3,3", "hey genie"}, "--kernels"},
		{"kernels_too_large", []string{"--kernels", "6,33", "hey genie"}, "--kernels"},
		{"kernels_past_window", []string{"--kernels", "6,20,20", "hey genie"}, "--kernels"},
		{"kernels_unstreamable", []string{"--kernels", "5,5,5", "hey genie"}, "--kernels"},
		{"bad_rhvoice", []string{"--rhvoice", "yes", "hey genie"}, "--rhvoice"},
		{"no_rounds", []string{"--rounds", "0", "hey genie"}, "--rounds"},
		{"too_many_rounds", []string{"hey genie", "--rounds", "9"}, "--rounds"},
		{"bad_focal", []string{"--focal", "6", "hey genie"}, "--focal"},
		{"bad_random_voices", []string{"--random-voices", "-1", "hey genie"}, "--random-voices"},
		{"no_name", []string{"--out", t.TempDir(), "!!!"}, "--name"},
		{"missing_recordings", []string{"--recordings", filepath.Join(t.TempDir(), "none"), "hey genie"}, "--recordings"},
		{"negatives_not_a_folder", []string{"hey genie", "--negatives", aFile}, "--negatives"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := runWakewordTrain(context.Background(), tc.args, &out, &errb)
			switch {
			case tc.want == "" && !errors.Is(err, errUsage):
				t.Errorf("error %v, want usage", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// TestWakewordTrainChecksRecordingsFirst: a broken recording stops the run
// with its name before any speech is synthesized.
func TestWakewordTrainChecksRecordingsFirst(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "rec", "ann", "take1.wav")
	if err := os.MkdirAll(filepath.Dir(bad), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("RIFF\x04\x00\x00\x00WAVE"), 0o644); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	var out, errb bytes.Buffer
	err := runWakewordTrain(context.Background(), []string{"--out", dir, "--work", work, "--recordings", filepath.Join(dir, "rec"), "hey genie"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), filepath.Join("ann", "take1.wav")) {
		t.Fatalf("error %v, want one naming ann/take1.wav", err)
	}
	if _, err := os.Stat(filepath.Join(work, "pools.gob")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("synthesis ran before the recordings were checked: %v", err)
	}
}

func TestWithKernels(t *testing.T) {
	for _, tc := range []struct {
		flag   string
		params int // 32 channels: conv weights and biases, then the output unit over the final frames
	}{
		{"6,5,5", 18849},
		{"6,5,5,5,5", (32*6*40 + 32) + 4*(32*5*32+32) + 18*32 + 1},
		{"9, 9", (32*9*40 + 32) + (32*9*32 + 32) + 25*32 + 1},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			ks, err := parseKernels(tc.flag)
			if err != nil {
				t.Fatal(err)
			}
			a := withKernels(train.DefaultArch, ks)
			n, err := train.NewNet(a, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			if n.NumParams() != tc.params {
				t.Errorf("%d parameters, want %d", n.NumParams(), tc.params)
			}
			if a.Strides[0] != a.Stride || len(a.Strides) != len(ks) || len(a.Channels) != len(ks) {
				t.Errorf("arch %+v", a)
			}
		})
	}
	if !slices.Equal(train.DefaultArch.Kernels, []int{6, 5, 5}) {
		t.Errorf("withKernels changed DefaultArch: %v", train.DefaultArch.Kernels)
	}
}
