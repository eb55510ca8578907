package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestWakewordTrainRejectsBadArguments(t *testing.T) {
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
		{"no_rounds", []string{"--rounds", "0", "hey genie"}, "--rounds"},
		{"too_many_rounds", []string{"hey genie", "--rounds", "9"}, "--rounds"},
		{"bad_focal", []string{"--focal", "6", "hey genie"}, "--focal"},
		{"bad_random_voices", []string{"--random-voices", "-1", "hey genie"}, "--random-voices"},
		{"no_name", []string{"--out", t.TempDir(), "!!!"}, "--name"},
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
