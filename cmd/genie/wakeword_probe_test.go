package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// TestWakewordProbe plays the fixture phrase (evalWork) to the built-in model
// over silence and under babble and a talker 10 dB louder than it.
func TestWakewordProbe(t *testing.T) {
	work := evalWork(t)
	var out, errb bytes.Buffer
	args := []string{"--work", work, "--background", "none,babble,talker", "--snr", "-10", "hey_genie"}
	if err := runWakewordProbe(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	for _, want := range []string{
		"test phrases of " + work,
		"none             missed    0 of    1 (  0.0 %)",
		"babble  at -10 dB missed    1 of    1 (100.0 %)",
		"talker  at -10 dB missed    1 of    1 (100.0 %)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestWakewordProbeRejectsBadInput(t *testing.T) {
	work := evalWork(t)
	for _, tc := range []struct {
		name string
		args []string
		want string // "" means errUsage
	}{
		{"no_work", []string{"hey_genie"}, ""},
		{"no_model", []string{"--work", work}, ""},
		{"two_models", []string{"--work", work, "hey_genie", "xiao_jing_ling"}, ""},
		{"bad_split", []string{"--work", work, "--split", "dev", "hey_genie"}, "--split"},
		{"bad_snr", []string{"--work", work, "--snr", "10,loud", "hey_genie"}, "--snr"},
		{"bad_every", []string{"--work", work, "--every", "0", "hey_genie"}, "--every"},
		{"bad_background", []string{"--work", work, "--background", "rain", "hey_genie"}, "rain"},
		{"short_lead", []string{"--work", work, "--lead", "0.2", "hey_genie"}, "lead"},
		{"no_pools", []string{"--work", t.TempDir(), "hey_genie"}, "pools.gob"},
		{"no_such_model", []string{"--work", work, "hey_nobody"}, "hey_nobody"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := runWakewordProbe(context.Background(), tc.args, &out, &errb)
			switch {
			case tc.want == "" && !errors.Is(err, errUsage):
				t.Errorf("error %v, want usage", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}
