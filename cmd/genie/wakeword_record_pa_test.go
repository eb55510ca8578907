//go:build cgo && !noportaudio && linux

package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The PortAudio test below records from a real PortAudio input: an ALSA file
// plugin device that plays sessionPCM, selected through ALSA_CONFIG_PATH
// before anything in this test binary starts PortAudio (as in
// audio/portaudio's tests). The plugin does not pace in real time, and past
// its file's end it returns stale data, so the file ends in silence.

// alsaSetupErr is why the ALSA configuration could not be written, if it
// could not (the test then fails, saying so).
var alsaSetupErr error

const alsaConfig = `pcm.null {
	type null
}
pcm.!default {
	type file
	slave.pcm "null"
	file "/dev/null"
	infile "%[1]s/silence.raw"
	format "raw"
}
pcm.genie_record_capture {
	type file
	slave.pcm "null"
	file "/dev/null"
	infile "%[1]s/session.raw"
	format "raw"
}
`

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "genie-record-alsa-")
	if err == nil {
		err = writeRecordALSA(dir)
	}
	alsaSetupErr = err
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func writeRecordALSA(dir string) error {
	s, err := sessionPCM()
	if err != nil {
		return err
	}
	s = append(s, make([]int16, 10*16000)...)
	raw := make([]byte, 2*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint16(raw[2*i:], uint16(v))
	}
	if err := os.WriteFile(filepath.Join(dir, "session.raw"), raw, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "silence.raw"), make([]byte, 2*16000), 0o644); err != nil {
		return err
	}
	conf := filepath.Join(dir, "asound.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(alsaConfig, dir)), 0o644); err != nil {
		return err
	}
	return os.Setenv("ALSA_CONFIG_PATH", conf)
}

func TestWakewordRecordFromAPortAudioDevice(t *testing.T) {
	if alsaSetupErr != nil {
		t.Fatalf("ALSA test configuration: %v", alsaSetupErr)
	}
	dir := filepath.Join(t.TempDir(), "ann")
	var out, errb bytes.Buffer
	err := runWakewordRecord(context.Background(), []string{"--device", "genie_record_capture", "--count", "3", dir}, &out, &errb)
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, out.String(), errb.String())
	}
	for _, want := range []string{"too long, not kept", "too short, not kept", "3 takes kept"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, name := range []string{"001.wav", "002.wav", "003.wav"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
}
