package portaudio

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "update golden files")

// listDevices are pi5Devices with latencies, as PortAudio reports them for ALSA.
func listTestDevices() []Device {
	devs := append([]Device(nil), pi5Devices...)
	for i := range devs {
		d := &devs[i]
		d.DefaultSampleRate = 44100
		d.DefaultLowInputLatency, d.DefaultHighInputLatency = -time.Second, -time.Second
		d.DefaultLowOutputLatency, d.DefaultHighOutputLatency = -time.Second, -time.Second
		if d.MaxInputChannels > 0 {
			d.DefaultLowInputLatency, d.DefaultHighInputLatency = 8684807, 34807256
		}
		if d.MaxOutputChannels > 0 {
			d.DefaultLowOutputLatency, d.DefaultHighOutputLatency = 8684807, 34807256
		}
	}
	devs[1].DefaultSampleRate = 48000
	return devs
}

func TestWriteTableAndJSON(t *testing.T) {
	tests := []struct {
		name  string
		devs  []Device
		write func(*bytes.Buffer, []Device) error
	}{
		{"devices_pi5.txt", listTestDevices(), func(b *bytes.Buffer, d []Device) error { return WriteTable(b, d) }},
		{"devices_pi5.json", listTestDevices(), func(b *bytes.Buffer, d []Device) error { return WriteJSON(b, d) }},
		{"devices_none.txt", nil, func(b *bytes.Buffer, d []Device) error { return WriteTable(b, d) }},
		{"devices_none.json", nil, func(b *bytes.Buffer, d []Device) error { return WriteJSON(b, d) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b, tt.devs); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestWriteTableAndJSON -update)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("got:\n%s\nwant (%s):\n%s", b.Bytes(), golden, want)
			}
			if filepath.Ext(tt.name) == ".json" {
				var v []map[string]any
				if err := json.Unmarshal(b.Bytes(), &v); err != nil || len(v) != len(tt.devs) {
					t.Errorf("JSON does not parse back to %d devices: %v", len(tt.devs), err)
				}
			}
		})
	}
}
