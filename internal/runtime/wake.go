package runtime

import (
	"fmt"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/listener"
	"github.com/genie-voice/genie/audio/vad"
	"github.com/genie-voice/genie/configs"
	"github.com/genie-voice/genie/wakeword"
	"github.com/genie-voice/genie/wakeword/models"
)

// wakeParts are what the profile's wake words and VAD add to the listener loop.
type wakeParts struct {
	detector listener.Detector // nil without wake models and neural VAD
	vad      audio.VAD         // nil without a VAD
	models   []*wakeword.Model
	useVAD   bool // the endpointer decides the end of speech (else the cap does)
}

// loadModel loads a model named in the profile: a manifest path as given, else a
// model fetched into the data directory, else one compiled into genie (hey_genie).
func loadModel(c *configs.Config, m configs.WakeModel) (*wakeword.Model, error) {
	ref := m.Path
	if ref == "" {
		ref = m.Name
	}
	md, err := models.Load(ref, wakeword.ModelsDir(c.DataPath()))
	if err != nil {
		return nil, fmt.Errorf("runtime: %w", err)
	}
	return md, nil
}

// buildWake loads the profile's wake-word models and picks its VAD.
func buildWake(c *configs.Config) (wakeParts, error) {
	var w wakeParts
	cutoffs := map[string]float64{}
	windows := map[string]int{}
	for _, m := range c.Wakeword.Models {
		md, err := loadModel(c, m)
		if err != nil {
			return w, err
		}
		if m.Sensitivity > 0 {
			cutoffs[md.Name] = m.Sensitivity
		}
		if m.Window > 0 {
			windows[md.Name] = m.Window
		}
		w.models = append(w.models, md)
	}
	var vadModel *wakeword.Model
	if c.VAD.Kind == "neural" || (c.Wakeword.VADGate && len(w.models) > 0) {
		var err error
		if vadModel, err = loadModel(c, configs.WakeModel{Name: c.VAD.Model}); err != nil {
			return w, err
		}
	}
	if len(w.models) > 0 || vadModel != nil {
		eng, err := wakeword.NewEngine(w.models, wakeword.EngineOpts{
			VAD: vadModel, NoVADGate: !c.Wakeword.VADGate, Cutoffs: cutoffs, Windows: windows, Refractory: c.Wakeword.Refractory,
		})
		if err != nil {
			return w, fmt.Errorf("runtime: %w", err)
		}
		st, err := wakeword.NewStack(eng)
		if err != nil {
			return w, err
		}
		w.detector = st
		if c.VAD.Kind == "neural" {
			w.vad, w.useVAD = st.VAD(), true
		}
	}
	if c.VAD.Kind == "energy" {
		w.vad, w.useVAD = newEnergyVAD(), true
	}
	return w, nil
}

// newEnergyVAD returns the classic sub-band VAD.
func newEnergyVAD() audio.VAD { return vad.NewSubBand(nil) }
