package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genie-voice/genie/internal/sharedtest"
)

func TestWakewordFetchDownloadsIntoDataDir(t *testing.T) {
	srv := httptest.NewServer(http.StripPrefix("/v2/", http.FileServer(http.Dir(sharedtest.Dir(t, "models/microwakeword")))))
	defer srv.Close()
	data := t.TempDir()
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"wakeword", "fetch", "--base-url", srv.URL + "/v2/", "--data-dir", data, "okay_nabu", "vad"}, &out, &errb)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	for _, f := range []string{"okay_nabu.json", "okay_nabu.tflite", "vad.json", "vad.tflite"} {
		if _, err := os.Stat(filepath.Join(data, "models", f)); err != nil {
			t.Error(err)
		}
	}
	if want := "okay_nabu: " + filepath.Join(data, "models", "okay_nabu.json"); !strings.Contains(out.String(), want) {
		t.Errorf("output %q, want %q", out.String(), want)
	}
	err = run(context.Background(), []string{"wakeword", "fetch", "--base-url", srv.URL + "/nothing/", "--data-dir", data, "alexa"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing file: error %v, want a 404", err)
	}
}
