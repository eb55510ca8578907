package portaudio

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// WriteTable writes devs as two tables, inputs and outputs, for people: index, name,
// host API, channels, default sample rate and default low/high latency; "*" marks the
// default device. A device with both directions appears in both.
func WriteTable(w io.Writer, devs []Device) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, input := range []bool{true, false} {
		title := "Output devices"
		if input {
			title = "Input devices"
		}
		fmt.Fprintf(tw, "%s:\n", title)
		fmt.Fprintln(tw, "\tINDEX\tNAME\tHOST API\tCHANNELS\tRATE (Hz)\tLATENCY LOW/HIGH (ms)")
		n := 0
		for _, d := range devs {
			ch := d.channels(input)
			if ch == 0 {
				continue
			}
			n++
			def, low, high := d.DefaultOutput, d.DefaultLowOutputLatency, d.DefaultHighOutputLatency
			if input {
				def, low, high = d.DefaultInput, d.DefaultLowInputLatency, d.DefaultHighInputLatency
			}
			mark := ""
			if def {
				mark = "*"
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%d\t%s/%s\n", mark, d.Index, d.Name, d.HostAPI, ch, d.DefaultSampleRate, ms(low), ms(high))
		}
		if n == 0 {
			fmt.Fprintln(tw, "\t(none)")
		}
		if input {
			fmt.Fprintln(tw)
		}
	}
	return tw.Flush()
}

// ms formats d in milliseconds with one decimal.
func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

// jsonDevice is the JSON form of a Device: latencies in ms, names in snake case.
type jsonDevice struct {
	Index                      int     `json:"index"`
	Name                       string  `json:"name"`
	HostAPI                    string  `json:"host_api"`
	MaxInputChannels           int     `json:"max_input_channels"`
	MaxOutputChannels          int     `json:"max_output_channels"`
	DefaultSampleRateHz        int     `json:"default_sample_rate_hz"`
	DefaultLowInputLatencyMs   float64 `json:"default_low_input_latency_ms"`
	DefaultHighInputLatencyMs  float64 `json:"default_high_input_latency_ms"`
	DefaultLowOutputLatencyMs  float64 `json:"default_low_output_latency_ms"`
	DefaultHighOutputLatencyMs float64 `json:"default_high_output_latency_ms"`
	DefaultInput               bool    `json:"default_input"`
	DefaultOutput              bool    `json:"default_output"`
}

// WriteJSON writes devs as a JSON array, one object per device, latencies in ms
// (a device without inputs has input latencies of -1000 ms, as PortAudio reports them).
func WriteJSON(w io.Writer, devs []Device) error {
	out := make([]jsonDevice, len(devs))
	toMs := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	for i, d := range devs {
		out[i] = jsonDevice{
			Index: d.Index, Name: d.Name, HostAPI: d.HostAPI,
			MaxInputChannels: d.MaxInputChannels, MaxOutputChannels: d.MaxOutputChannels,
			DefaultSampleRateHz:        d.DefaultSampleRate,
			DefaultLowInputLatencyMs:   toMs(d.DefaultLowInputLatency),
			DefaultHighInputLatencyMs:  toMs(d.DefaultHighInputLatency),
			DefaultLowOutputLatencyMs:  toMs(d.DefaultLowOutputLatency),
			DefaultHighOutputLatencyMs: toMs(d.DefaultHighOutputLatency),
			DefaultInput:               d.DefaultInput, DefaultOutput: d.DefaultOutput,
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
