package wakeword

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Manifest is a microWakeWord model manifest (the JSON file published next to
// each .tflite model, version 1 or 2).
type Manifest struct {
	Type             string   `json:"type"`      // "micro"
	WakeWord         string   `json:"wake_word"` // human-readable phrase, e.g. "Okay Nabu"
	Author           string   `json:"author"`
	Website          string   `json:"website"`
	Model            string   `json:"model"` // model file name, relative to the manifest
	TrainedLanguages []string `json:"trained_languages"`
	Version          int      `json:"version"`
	Micro            Micro    `json:"micro"`
}

// Micro holds the "micro" section of a manifest.
type Micro struct {
	ProbabilityCutoff float64 `json:"probability_cutoff"` // 0..1
	SlidingWindowSize int     `json:"sliding_window_size"`
	// SlidingWindowAverageSize is the version 1 name of SlidingWindowSize.
	SlidingWindowAverageSize int    `json:"sliding_window_average_size,omitempty"`
	FeatureStepSize          int    `json:"feature_step_size"` // ms
	TensorArenaSize          int    `json:"tensor_arena_size"` // bytes TFLM needs; informational
	MinimumESPHomeVersion    string `json:"minimum_esphome_version"`
}

// maxWindow bounds the sliding window (in inferences).
const maxWindow = 100

// ParseManifest decodes and validates a manifest.
func ParseManifest(b []byte) (*Manifest, error) {
	m, err := parseManifest(b)
	if err != nil {
		return nil, fmt.Errorf("wakeword: manifest: %w", err)
	}
	return m, nil
}

func parseManifest(b []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *Manifest) validate() error {
	if m.Type != "micro" {
		return fmt.Errorf("type %q unsupported, want \"micro\"", m.Type)
	}
	if m.Version != 1 && m.Version != 2 {
		return fmt.Errorf("version %d unsupported, want 1 or 2", m.Version)
	}
	if m.Micro.SlidingWindowSize == 0 {
		m.Micro.SlidingWindowSize = m.Micro.SlidingWindowAverageSize
	}
	mi := &m.Micro
	if math.IsNaN(mi.ProbabilityCutoff) || mi.ProbabilityCutoff <= 0 || mi.ProbabilityCutoff > 1 {
		return fmt.Errorf("probability_cutoff %v out of range (0, 1]", mi.ProbabilityCutoff)
	}
	if mi.SlidingWindowSize < 1 || mi.SlidingWindowSize > maxWindow {
		return fmt.Errorf("sliding_window_size %d out of range 1..%d", mi.SlidingWindowSize, maxWindow)
	}
	if mi.FeatureStepSize != 10 {
		return fmt.Errorf("feature_step_size %d ms unsupported, want 10", mi.FeatureStepSize)
	}
	if m.Model == "" {
		return errors.New("no model file")
	}
	return nil
}

// cutoffU8 converts a probability cutoff to the uint8 threshold ESPHome uses:
// its code generator truncates cutoff*255 to an integer.
func cutoffU8(p float64) uint8 {
	return uint8(min(max(math.Trunc(p*255), 0), 255))
}
