package wakeword

import (
	"fmt"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/frontend"
	"github.com/genie-voice/genie/audio/listener"
)

// Stack is the wake-word path of the listener loop: one feature front end feeding
// the Engine (every wake-word model and the VAD model) once per 10 ms block. It
// implements listener.Detector, and its VAD method gives the neural VAD that shares
// the same features. Allocates nothing per block. Not safe for concurrent use.
type Stack struct {
	fe    *frontend.Frontend
	eng   *Engine
	frame frontend.Frame
	dets  []Detection
	fresh bool // the last block produced a feature frame
}

// NewStack returns a stack running eng on the microWakeWord front end.
func NewStack(eng *Engine) (*Stack, error) {
	fe, err := frontend.New(frontend.DefaultConfig)
	if err != nil {
		return nil, fmt.Errorf("wakeword: %w", err)
	}
	return &Stack{fe: fe, eng: eng, dets: make([]Detection, 0, 8)}, nil
}

// Engine returns the engine the stack runs.
func (s *Stack) Engine() *Engine { return s.eng }

// Process computes the block's feature frame, runs every model on it and appends
// detections to dst.
func (s *Stack) Process(b *audio.Block, dst []listener.Wake) []listener.Wake {
	s.fresh = s.fe.Process(b.Samples[:], b.Start, &s.frame)
	if !s.fresh {
		return dst
	}
	s.dets = s.eng.Process(&s.frame, s.dets[:0])
	for _, d := range s.dets {
		dst = append(dst, listener.Wake{Model: d.Model, Sample: d.Sample, Probability: d.Probability})
	}
	return dst
}

// Reset forgets all audio, as at the start of a stream (after mute, say).
func (s *Stack) Reset() {
	s.fe.Reset()
	s.eng.Reset()
	s.fresh = false
}

// VAD returns the microWakeWord neural VAD as an audio.VAD. It reads the VAD model's
// output for the block the stack just processed, so the listener must run the stack
// (its Detector) before the VAD, as it does.
func (s *Stack) VAD() audio.VAD { return stackVAD{s} }

type stackVAD struct{ s *Stack }

func (v stackVAD) Process(*audio.Block) float32 { return v.s.eng.VADProbability() }
func (v stackVAD) Reset()                       {}

var _ listener.Detector = (*Stack)(nil)

// NeuralVAD is the microWakeWord VAD model as a stand-alone audio.VAD, with its own
// front end: for tools and boards without wake words (the listener loop shares one
// Stack instead). Allocates nothing per block. Not safe for concurrent use.
type NeuralVAD struct{ st *Stack }

// NewNeuralVAD returns the VAD model m (e.g. vad.json) as an audio.VAD.
func NewNeuralVAD(m *Model) (*NeuralVAD, error) {
	eng, err := NewEngine(nil, EngineOpts{VAD: m, NoVADGate: true})
	if err != nil {
		return nil, err
	}
	st, err := NewStack(eng)
	if err != nil {
		return nil, err
	}
	return &NeuralVAD{st}, nil
}

// Process returns the VAD model's newest speech probability after b (the model runs
// every third 10 ms step).
func (v *NeuralVAD) Process(b *audio.Block) float32 {
	v.st.Process(b, nil)
	return v.st.eng.VADProbability()
}

// Reset forgets all audio.
func (v *NeuralVAD) Reset() { v.st.Reset() }

var _ audio.VAD = (*NeuralVAD)(nil)
