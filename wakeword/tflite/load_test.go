package tflite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genie-voice/genie/wakeword/internal/tfltest"
)

func TestNewRunsTinyModel(t *testing.T) {
	tests := []struct {
		name  string
		spec  tfltest.Spec
		input int8
		want  uint8
	}{
		// fc = q(0.1*0.01*sum) ... checked against the float model within rounding.
		{"zero_weights", tfltest.Spec{Weight: 0}, 0, 128},
		{"positive", tfltest.Spec{Weight: 10}, 100, 255},
		{"negative", tfltest.Spec{Weight: -10}, 100, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it, err := New(tfltest.Build(tt.spec))
			if err != nil {
				t.Fatal(err)
			}
			in := it.Inputs()[0].Int8()
			for i := range in {
				in[i] = tt.input
			}
			it.Invoke()
			if got := it.Outputs()[0].Uint8(0); got != tt.want {
				t.Errorf("output %d, want %d", got, tt.want)
			}
		})
	}
}

func TestNewRefusesBadModels(t *testing.T) {
	good := tfltest.Build(tfltest.Spec{})
	tests := []struct {
		name  string
		model []byte
		want  string
	}{
		{"unsupported_op", tfltest.Build(tfltest.Spec{FCOpcode: 42}), "op 42 (DIV) unsupported"},
		{"unknown_op", tfltest.Build(tfltest.Spec{FCOpcode: 300}), "op 300 (BUILTIN_300) unsupported"},
		{"float_input", tfltest.Build(tfltest.Spec{InType: 0 + 1}), "FLOAT16"},
		{"empty", nil, "corrupt"},
		{"truncated", good[:len(good)/2], "corrupt"},
		{"not_tflite", []byte("hello, this is not a model at all"), "not a TFLite model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.model)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestNewRefusesEveryTruncation(t *testing.T) {
	good := tfltest.Build(tfltest.Spec{})
	for n := 0; n < len(good); n++ {
		if _, err := New(good[:n:n]); err == nil {
			t.Errorf("truncated to %d of %d bytes: loaded", n, len(good))
		}
	}
}

func FuzzNew(f *testing.F) {
	f.Add(tfltest.Build(tfltest.Spec{}))
	f.Add(tfltest.Build(tfltest.Spec{Stride: 1, Weight: 3}))
	if dir := filepath.Join("..", "..", "..", "shared", "models", "microwakeword"); true {
		for _, name := range modelNames {
			if b, err := os.ReadFile(filepath.Join(dir, name+".tflite")); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		it, err := New(b)
		if err != nil {
			return
		}
		for range 4 {
			it.Invoke()
		}
		it.Reset()
		it.Invoke()
	})
}
