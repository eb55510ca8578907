package wakeword

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/genie-voice/genie/wakeword/tflite"
)

// Model is a loaded microWakeWord model: its manifest and its checked TFLite
// flatbuffer. It is immutable; every Engine runs its own interpreter of it.
type Model struct {
	Name     string   // short name used in detections, e.g. "okay_nabu"
	Manifest Manifest // as loaded, validated
	Stride   int      // feature frames consumed per inference (the model input's second dimension)

	tflite []byte
	file   string // for error messages, e.g. "okay_nabu.tflite"
	arena  int
	ops    map[string]int
}

// LoadModel loads a manifest and the model file it names (relative to the
// manifest's directory). The model's name is the manifest's file name without
// extension, e.g. "okay_nabu" for ".../okay_nabu.json".
func LoadModel(manifestPath string) (*Model, error) {
	mj, err := os.ReadFile(manifestPath)
	if err != nil {
		return nil, fmt.Errorf("wakeword: %w", err)
	}
	m, err := parseManifest(mj)
	if err != nil {
		return nil, fmt.Errorf("wakeword: %s: %w", manifestPath, err)
	}
	tf, err := os.ReadFile(filepath.Join(filepath.Dir(manifestPath), m.Model))
	if err != nil {
		return nil, fmt.Errorf("wakeword: %w", err)
	}
	name := strings.TrimSuffix(filepath.Base(manifestPath), filepath.Ext(manifestPath))
	return newModel(name, m, tf)
}

// LoadModelBytes loads a model from a manifest and a TFLite flatbuffer held in
// memory. name is the model's short name. The model keeps tflite, which must not
// be modified afterwards.
func LoadModelBytes(name string, manifestJSON, tflite []byte) (*Model, error) {
	m, err := ParseManifest(manifestJSON)
	if err != nil {
		return nil, err
	}
	return newModel(name, m, tflite)
}

func newModel(name string, m *Manifest, tf []byte) (*Model, error) {
	md := &Model{Name: name, Manifest: *m, tflite: tf, file: filepath.Base(m.Model)}
	it, err := md.interpreter()
	if err != nil {
		return nil, err
	}
	md.Stride = it.Inputs()[0].Shape[1]
	md.arena = it.ArenaBytes()
	md.ops = it.Ops()
	return md, nil
}

// interpreter builds a fresh interpreter and checks the streaming interface:
// input [1, stride, 40] INT8, output one UINT8 value.
func (md *Model) interpreter() (*tflite.Interpreter, error) {
	it, err := tflite.New(md.tflite)
	if err != nil {
		return nil, fmt.Errorf("wakeword: %s: %w", md.file, err)
	}
	ins, outs := it.Inputs(), it.Outputs()
	if len(ins) != 1 || len(outs) != 1 {
		return nil, fmt.Errorf("wakeword: %s: %d inputs and %d outputs, want 1 and 1", md.file, len(ins), len(outs))
	}
	in, out := ins[0], outs[0]
	if in.Type != tflite.Int8 || len(in.Shape) != 3 || in.Shape[0] != 1 || in.Shape[1] < 1 || in.Shape[1] > 100 || in.Shape[2] != NumFeatures {
		return nil, fmt.Errorf("wakeword: %s: input is %v %v, want [1 stride %d] INT8", md.file, in.Shape, in.Type, NumFeatures)
	}
	if out.Type != tflite.Uint8 || out.Elements() != 1 {
		return nil, fmt.Errorf("wakeword: %s: output is %v %v, want one UINT8", md.file, out.Shape, out.Type)
	}
	return it, nil
}

// Cutoff returns the manifest's probability cutoff, 0..1.
func (md *Model) Cutoff() float64 { return md.Manifest.Micro.ProbabilityCutoff }

// ArenaBytes returns the memory one running instance needs beyond the model
// file: activations, streaming state and prepared kernel parameters.
func (md *Model) ArenaBytes() int { return md.arena }

// ModelBytes returns the size of the TFLite flatbuffer.
func (md *Model) ModelBytes() int { return len(md.tflite) }

// Ops returns how many operators of each kind the model has, e.g. {"CONV_2D": 5}.
func (md *Model) Ops() map[string]int {
	m := make(map[string]int, len(md.ops))
	for k, v := range md.ops {
		m[k] = v
	}
	return m
}

// String returns e.g. "okay_nabu (Okay Nabu, cutoff 0.97)".
func (md *Model) String() string {
	return fmt.Sprintf("%s (%s, cutoff %.2f)", md.Name, md.Manifest.WakeWord, md.Cutoff())
}
