package wakeword

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	data := t.TempDir()
	models := ModelsDir(data)
	if err := os.MkdirAll(models, 0o755); err != nil {
		t.Fatal(err)
	}
	fetched := filepath.Join(models, "okay_nabu.json")
	other := filepath.Join(t.TempDir(), "mine.json")
	for _, p := range []string{fetched, other} {
		if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		ref, want, err string
	}{
		{"okay_nabu", fetched, ""},
		{other, other, ""},
		{"hey_jarvis", "", "run: genie wakeword fetch hey_jarvis"},
		{"hey_genie", "", "run: genie wakeword fetch hey_genie"},
		{"missing.json", "", "no such file"},
		{filepath.Join(t.TempDir(), "x", "y.json"), "", "no such file"},
		{"", "", "empty model name"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.ref), func(t *testing.T) {
			got, err := Resolve(tt.ref, data)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Resolve(%q) = %q, %v; want error with %q", tt.ref, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Resolve(%q) = %q, %v; want %q", tt.ref, got, err, tt.want)
			}
		})
	}
	if _, err := Resolve("alexa", data); !errors.Is(err, ErrModelNotFound) {
		t.Errorf("missing name: %v is not ErrModelNotFound", err)
	}
}
