package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "update golden files")

// vadTestdata is the fixture directory written by scripts/vadset.
var vadTestdata = filepath.Join("..", "..", "testdata", "vad")

func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	if errb.Len() > 0 {
		t.Logf("stderr: %s", errb.String())
	}
	return out.String(), err
}

func TestVADSegmentsGolden(t *testing.T) {
	out, err := runCmd(t, "vad", filepath.Join(vadTestdata, "s01_none_clean.wav"), filepath.Join(vadTestdata, "s01_white_10db.wav"))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join(vadTestdata, "vad_segments.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if out != string(want) {
		t.Errorf("genie vad output:\n%s\nwant (%s):\n%s", out, golden, want)
	}
}

func TestVADJSONBlocks(t *testing.T) {
	out, err := runCmd(t, "vad", "--json", "--blocks", "--threshold", "0.6", filepath.Join(vadTestdata, "s01_white_10db.wav"))
	if err != nil {
		t.Fatal(err)
	}
	var f vadFile
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
	if len(f.Blocks) != 600 { // 6 s of 10 ms blocks
		t.Errorf("%d blocks, want 600", len(f.Blocks))
	}
	if len(f.Segments) == 0 {
		t.Fatal("no speech segments in a file with two utterances")
	}
	// Labels: speech 1.007-3.154 s and 3.442-3.979 s; every segment must overlap them.
	for _, s := range f.Segments {
		if s.End <= s.Start || s.End < 1.0 || s.Start > 3.98 {
			t.Errorf("segment %.3f-%.3f s is outside the labelled speech", s.Start, s.End)
		}
	}
}

func TestVADErrors(t *testing.T) {
	dir := t.TempDir()
	stereo := filepath.Join(dir, "stereo_48k.wav")
	if err := os.WriteFile(stereo, testWav(48000, 2, make([]int16, 960)), 0o644); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.wav")
	if err := os.WriteFile(garbage, []byte("this is not a wav file, not even close to one"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"neural_without_model", []string{"vad", "--vad", "neural", "--vad-model", filepath.Join(dir, "none.json"), stereo}, "none.json"},
		{"unknownVAD", []string{"vad", "--vad", "nope", stereo}, `unknown detector "nope"`},
		{"garbage", []string{"vad", garbage}, garbage + ": not a readable PCM or float wav: no RIFF/WAVE header"},
		{"missing", []string{"vad", filepath.Join(dir, "gone.wav")}, "gone.wav"},
		{"threshold", []string{"vad", "--threshold", "2", stereo}, "threshold"},
		{"noFiles", []string{"vad"}, "usage"},
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

// testWav builds a PCM wav file in memory.
func testWav(rate uint32, chans uint16, samples []int16) []byte {
	var b bytes.Buffer
	w := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + 2*len(samples)))
	b.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(1))
	w(chans)
	w(rate)
	w(rate * uint32(chans) * 2)
	w(chans * 2)
	w(uint16(16))
	b.WriteString("data")
	w(uint32(2 * len(samples)))
	w(samples)
	return b.Bytes()
}
