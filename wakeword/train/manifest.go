package train

import (
	"encoding/json"
	"math"
)

// manifest is a microWakeWord version 2 manifest plus a "training" section that
// ESPHome ignores.
type manifest struct {
	Type             string   `json:"type"`
	WakeWord         string   `json:"wake_word"`
	Author           string   `json:"author"`
	Website          string   `json:"website"`
	Model            string   `json:"model"`
	TrainedLanguages []string `json:"trained_languages"`
	Version          int      `json:"version"`
	Micro            struct {
		ProbabilityCutoff     float64 `json:"probability_cutoff"`
		SlidingWindowSize     int     `json:"sliding_window_size"`
		FeatureStepSize       int     `json:"feature_step_size"`
		TensorArenaSize       int     `json:"tensor_arena_size"`
		MinimumESPHomeVersion string  `json:"minimum_esphome_version"`
	} `json:"micro"`
	Training any `json:"training,omitempty"`
}

// Manifest returns the manifest JSON for a trained model file. cutoff is the
// probability cutoff (0..1], window the sliding window size in inferences,
// arena the runtime's arena bytes (the TFLM arena is estimated from it),
// training an optional summary stored under "training".
func Manifest(wakeWord, modelFile string, langs []string, cutoff float64, window, arena int, training any) ([]byte, error) {
	var m manifest
	m.Type, m.WakeWord, m.Author, m.Website = "micro", wakeWord, "genie wakeword train", "https://github.com/genie-voice/genie"
	m.Model, m.TrainedLanguages, m.Version = modelFile, langs, 2
	m.Micro.ProbabilityCutoff = math.Round(cutoff*1000) / 1000
	m.Micro.SlidingWindowSize = window
	m.Micro.FeatureStepSize = 10
	// TFLM needs room for its own bookkeeping beyond our arena; round up.
	m.Micro.TensorArenaSize = (arena*3/2 + 8192 + 1023) / 1024 * 1024
	m.Micro.MinimumESPHomeVersion = "2024.7.0"
	m.Training = training
	return json.MarshalIndent(&m, "", "  ")
}
