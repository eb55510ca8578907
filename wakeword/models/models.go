// Package models holds the wake-word models genie trains itself from text
// (scripts/train-hey-genie.sh, scripts/train-xiao-jing-ling.sh, genie wakeword
// train) and embeds, so a fresh machine wakes without a download.
package models

import (
	_ "embed"
	"errors"

	"github.com/genie-voice/genie/wakeword"
)

var (
	//go:embed hey_genie.json
	heyGenieJSON []byte
	//go:embed hey_genie.tflite
	heyGenieTFLite []byte
	//go:embed xiao_jing_ling.json
	xiaoJingLingJSON []byte
	//go:embed xiao_jing_ling.tflite
	xiaoJingLingTFLite []byte
)

// HeyGenie loads the embedded "hey genie" model (name "hey_genie"): a streaming
// int8 TFLite model in microWakeWord's v2 layout, stride 3 feature frames.
func HeyGenie() (*wakeword.Model, error) {
	return wakeword.LoadModelBytes("hey_genie", heyGenieJSON, heyGenieTFLite)
}

// XiaoJingLing loads the embedded Mandarin "小精灵" (xiao jing ling) model, name
// "xiao_jing_ling", trained like HeyGenie on espeak-ng's Mandarin voices.
func XiaoJingLing() (*wakeword.Model, error) {
	return wakeword.LoadModelBytes("xiao_jing_ling", xiaoJingLingJSON, xiaoJingLingTFLite)
}

// builtin are the embedded models by name.
var builtin = map[string]func() (*wakeword.Model, error){
	"hey_genie":      HeyGenie,
	"xiao_jing_ling": XiaoJingLing,
}

// Load loads the model ref names: a manifest path as given, else NAME.json in
// modelsDir (where "genie wakeword fetch" puts models), else a model built into genie.
func Load(ref, modelsDir string) (*wakeword.Model, error) {
	p, err := wakeword.ResolveIn(ref, modelsDir)
	if errors.Is(err, wakeword.ErrModelNotFound) {
		if m, ok, lerr := Lookup(ref); ok {
			return m, lerr
		}
	}
	if err != nil {
		return nil, err
	}
	return wakeword.LoadModel(p)
}

// Names returns the names of the embedded models.
func Names() []string { return []string{"hey_genie", "xiao_jing_ling"} }

// Lookup loads the embedded model called name; ok is false if there is none.
func Lookup(name string) (m *wakeword.Model, ok bool, err error) {
	load, ok := builtin[name]
	if !ok {
		return nil, false, nil
	}
	m, err = load()
	return m, true, err
}
