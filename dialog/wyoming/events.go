package wyoming

import (
	"encoding/json"
	"fmt"
)

// Event types this package reads or writes (wyoming 1.5–1.9).
const (
	TypeDescribe       = "describe"
	TypeInfo           = "info"
	TypeRunSatellite   = "run-satellite"
	TypePauseSatellite = "pause-satellite"
	TypePing           = "ping"
	TypePong           = "pong"
	TypeDetection      = "detection"
	TypeRunPipeline    = "run-pipeline"
	TypeAudioStart     = "audio-start"
	TypeAudioChunk     = "audio-chunk"
	TypeAudioStop      = "audio-stop"
	TypeTranscribe     = "transcribe"
	TypeVoiceStarted   = "voice-started"
	TypeVoiceStopped   = "voice-stopped"
	TypeTranscript     = "transcript"
	TypeSynthesize     = "synthesize"
	TypePlayed         = "played"
	TypeError          = "error"
	TypeTimerStarted   = "timer-started"
	TypeTimerUpdated   = "timer-updated"
	TypeTimerCancelled = "timer-cancelled"
	TypeTimerFinished  = "timer-finished"
)

// AudioFormat is the rate/width/channels triple of audio-start, audio-chunk and the
// mic_format/snd_format fields of info.
type AudioFormat struct {
	Rate     int `json:"rate"`     // Hz
	Width    int `json:"width"`    // bytes per sample
	Channels int `json:"channels"` // 1 = mono
}

// audioData is the data of audio-start, audio-chunk and audio-stop.
type audioData struct {
	AudioFormat
	Timestamp *int64 `json:"timestamp,omitempty"` // ms
}

func (f AudioFormat) validate() error {
	if f.Rate < 8000 || f.Rate > 96000 {
		return fmt.Errorf("rate %d Hz out of range 8000..96000", f.Rate)
	}
	if f.Width < 1 || f.Width > 4 {
		return fmt.Errorf("width %d bytes out of range 1..4", f.Width)
	}
	if f.Channels < 1 || f.Channels > 8 {
		return fmt.Errorf("%d channels out of range 1..8", f.Channels)
	}
	return nil
}

// toMono converts interleaved little-endian PCM in f to mono int16 by averaging the
// channels. Width 1 is unsigned 8-bit (WAV convention), 2–4 are signed; wider samples
// keep their top 16 bits. A trailing partial frame is ignored. The result is a new slice
// (its ownership passes to the dialog).
func toMono(f AudioFormat, pcm []byte) []int16 {
	frame := f.Width * f.Channels
	n := len(pcm) / frame
	out := make([]int16, n)
	for i := range out {
		var sum int32
		p := pcm[i*frame : (i+1)*frame]
		for c := range f.Channels {
			s := p[c*f.Width : (c+1)*f.Width]
			var v int32
			switch f.Width {
			case 1:
				v = (int32(s[0]) - 128) << 8
			default: // top two bytes of a little-endian signed sample
				v = int32(int16(uint16(s[f.Width-2]) | uint16(s[f.Width-1])<<8))
			}
			sum += v
		}
		out[i] = int16(sum / int32(f.Channels))
	}
	return out
}

// runPipeline is the data of run-pipeline. snd_format was removed in wyoming 1.6 and
// wake_word_name added; sending both serves 1.5 and newer servers, which ignore
// unknown fields.
type runPipeline struct {
	StartStage   string       `json:"start_stage"`
	EndStage     string       `json:"end_stage"`
	WakeWordName string       `json:"wake_word_name,omitempty"`
	RestartOnEnd bool         `json:"restart_on_end"`
	SndFormat    *AudioFormat `json:"snd_format,omitempty"`
}

type detection struct {
	Name string `json:"name"`
}

type textData struct {
	Text *string `json:"text"`
	Code *string `json:"code,omitempty"`
}

type transcribeData struct {
	Language string `json:"language"`
}

type timerData struct {
	ID           string  `json:"id"`
	TotalSeconds *int    `json:"total_seconds"`
	Name         *string `json:"name"`
	IsActive     *bool   `json:"is_active"`
}

// Info event data. Field names follow wyoming/info.py; HA's from_dict skips unknown
// fields and requires name, attribution and installed on every artifact.

type attribution struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type artifact struct {
	Name        string      `json:"name"`
	Attribution attribution `json:"attribution"`
	Installed   bool        `json:"installed"`
	Description *string     `json:"description"`
	Version     *string     `json:"version"`
}

type wakeModel struct {
	artifact
	Languages []string `json:"languages"`
	Phrase    *string  `json:"phrase"`
}

type wakeProgram struct {
	artifact
	Models []wakeModel `json:"models"`
}

type micProgram struct {
	artifact
	MicFormat AudioFormat `json:"mic_format"`
}

type sndProgram struct {
	artifact
	SndFormat AudioFormat `json:"snd_format"`
}

type satelliteInfo struct {
	artifact
	Area               *string  `json:"area"`
	HasVAD             bool     `json:"has_vad"`
	ActiveWakeWords    []string `json:"active_wake_words"`
	MaxActiveWakeWords int      `json:"max_active_wake_words"`
	SupportsTrigger    bool     `json:"supports_trigger"`
	// SndFormat is the wyoming 1.5 place of the speaker format (removed in 1.6).
	SndFormat AudioFormat `json:"snd_format"`
}

type info struct {
	ASR       []json.RawMessage `json:"asr"`
	TTS       []json.RawMessage `json:"tts"`
	Handle    []json.RawMessage `json:"handle"`
	Intent    []json.RawMessage `json:"intent"`
	Wake      []wakeProgram     `json:"wake"`
	Mic       []micProgram      `json:"mic"`
	Snd       []sndProgram      `json:"snd"`
	Satellite satelliteInfo     `json:"satellite"`
}

func ptr[T any](v T) *T { return &v }

// infoData builds the info event data describing the satellite.
func infoData(o *Options) []byte {
	attr := attribution{Name: "genie", URL: "https://github.com/genie-voice/genie"}
	art := func(name, desc string) artifact {
		return artifact{Name: name, Attribution: attr, Installed: true, Description: ptr(desc), Version: ptr(o.Version)}
	}
	mic := AudioFormat{Rate: 16000, Width: 2, Channels: 1}
	snd := AudioFormat{Rate: o.SpeakerRate, Width: 2, Channels: 1}
	in := info{
		ASR: []json.RawMessage{}, TTS: []json.RawMessage{},
		Handle: []json.RawMessage{}, Intent: []json.RawMessage{},
		Mic: []micProgram{{artifact: art("genie-mic", "16 kHz mono microphone"), MicFormat: mic}},
		Snd: []sndProgram{{artifact: art("genie-snd", "speaker"), SndFormat: snd}},
		Satellite: satelliteInfo{
			artifact:           art(o.Name, o.Name),
			HasVAD:             true,
			ActiveWakeWords:    []string{},
			MaxActiveWakeWords: len(o.WakeModels),
			SndFormat:          snd,
		},
	}
	if o.Area != "" {
		in.Satellite.Area = ptr(o.Area)
	}
	if len(o.WakeModels) > 0 {
		wp := wakeProgram{artifact: art("genie-wakeword", "on-device wake word detection")}
		for _, m := range o.WakeModels {
			langs := m.Languages
			if langs == nil {
				langs = []string{}
			}
			wm := wakeModel{artifact: art(m.Name, m.Phrase), Languages: langs}
			if m.Phrase != "" {
				wm.Phrase = ptr(m.Phrase)
			}
			wp.Models = append(wp.Models, wm)
			in.Satellite.ActiveWakeWords = append(in.Satellite.ActiveWakeWords, m.Name)
		}
		in.Wake = []wakeProgram{wp}
	} else {
		in.Wake = []wakeProgram{}
	}
	b, err := json.Marshal(in)
	if err != nil {
		panic("wyoming: marshal info: " + err.Error()) // static types: cannot fail
	}
	return b
}

// encode returns an event with v marshalled as its data (nil v: no data).
func encode(typ string, v any) []byte {
	var data []byte
	if v != nil {
		var err error
		if data, err = json.Marshal(v); err != nil {
			panic("wyoming: marshal " + typ + ": " + err.Error()) // static types: cannot fail
		}
	}
	return AppendEvent(nil, typ, data, nil)
}
