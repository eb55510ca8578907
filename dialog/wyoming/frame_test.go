package wyoming

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestReadEventAcceptsProtocolVariants(t *testing.T) {
	type textCode struct {
		Text string `json:"text"`
		Code string `json:"code"`
	}
	tests := []struct {
		name    string
		in      string
		typ     string
		want    textCode
		payload string
	}{
		{"v1.7-data-block", "{\"type\":\"error\",\"version\":\"1.7.1\",\"data_length\":13}\n{\"text\":\"no\"}", "error", textCode{Text: "no"}, ""},
		{"v1.4-inline-data", "{\"type\":\"error\",\"data\":{\"text\":\"no\",\"code\":\"c\"}}\n", "error", textCode{"no", "c"}, ""},
		{"block-overrides-inline", "{\"type\":\"error\",\"data\":{\"text\":\"a\",\"code\":\"c\"},\"data_length\":12}\n{\"text\":\"b\"}", "error", textCode{"b", "c"}, ""},
		{"null-data", "{\"type\":\"played\",\"data\":null}\n", "played", textCode{}, ""},
		{"no-data", "{\"type\":\"played\"}\n", "played", textCode{}, ""},
		{"payload", "{\"type\":\"audio-chunk\",\"payload_length\":3}\nabc", "audio-chunk", textCode{}, "abc"},
		{"zero-lengths", "{\"type\":\"ping\",\"data_length\":0,\"payload_length\":0}\n", "ping", textCode{}, ""},
		{"unknown-fields", "{\"type\":\"pong\",\"future\":[1,2],\"version\":\"9.9\"}\n", "pong", textCode{}, ""},
		{"blank-lines-and-crlf", "\n\r\n{\"type\":\"describe\"}\r\n", "describe", textCode{}, ""},
		{"unicode", "{\"type\":\"transcript\",\"data_length\":25}\n{\"text\":\"Grüße ☀\"}    ", "transcript", textCode{Text: "Grüße ☀"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in))
			var ev Event
			if err := r.ReadEvent(&ev); err != nil {
				t.Fatalf("ReadEvent: %v", err)
			}
			if ev.Type != tt.typ {
				t.Errorf("type %q, want %q", ev.Type, tt.typ)
			}
			var got textCode
			if err := ev.Decode(&got); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got != tt.want {
				t.Errorf("data %+v, want %+v", got, tt.want)
			}
			if string(ev.Payload) != tt.payload {
				t.Errorf("payload %q, want %q", ev.Payload, tt.payload)
			}
			if err := r.ReadEvent(&ev); err != io.EOF {
				t.Errorf("after the event: %v, want io.EOF", err)
			}
		})
	}
}

func TestReadEventRejectsMalformedFrames(t *testing.T) {
	tests := []struct {
		name string
		in   string
		bad  bool   // wraps ErrBadFrame
		want string // substring of the error
	}{
		{"bad-json", "{\"type\":\"ping\"\n", true, "not a JSON object"},
		{"not-object", "[1,2]\n", true, "not a JSON object"},
		{"no-type", "{\"data\":{}}\n", true, "no type"},
		{"empty-type", "{\"type\":\"\"}\n", true, "no type"},
		{"type-not-string", "{\"type\":5}\n", true, "not a JSON object"},
		{"negative-data-length", "{\"type\":\"x\",\"data_length\":-1}\n", true, "data_length -1 out of range"},
		{"absurd-data-length", "{\"type\":\"x\",\"data_length\":1099511627776}\n", true, "data_length 1099511627776 out of range"},
		{"absurd-payload-length", "{\"type\":\"x\",\"payload_length\":4194305}\n", true, "payload_length 4194305 out of range"},
		{"float-length", "{\"type\":\"x\",\"payload_length\":1.5}\n", true, "not a JSON object"},
		{"data-not-object", "{\"type\":\"x\",\"data\":\"text\"}\n", true, "data is not an object"},
		{"data-block-garbage", "{\"type\":\"x\",\"data_length\":3}\nabc", true, "data block is not a JSON object"},
		{"oversize-header", "{\"type\":\"" + strings.Repeat("a", MaxHeaderLine) + "\"}\n", true, "header line longer than 65536"},
		{"truncated-header", "{\"type\":\"x\"}", false, "unexpected EOF"},
		{"truncated-data", "{\"type\":\"x\",\"data_length\":10}\n{}", false, "unexpected EOF"},
		{"truncated-payload", "{\"type\":\"x\",\"payload_length\":10}\nab", false, "unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev Event
			err := NewReader(strings.NewReader(tt.in)).ReadEvent(&ev)
			if err == nil {
				t.Fatalf("ReadEvent = nil, want error %q", tt.want)
			}
			if errors.Is(err, ErrBadFrame) != tt.bad {
				t.Errorf("errors.Is(%v, ErrBadFrame) = %v, want %v", err, !tt.bad, tt.bad)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestAppendEventRoundTrips(t *testing.T) {
	var buf []byte
	buf = AppendEvent(buf, "transcript", []byte(`{"text":"hallo \"du\""}`), nil)
	buf = AppendEvent(buf, "played", nil, nil)
	buf = AppendEvent(buf, "audio-chunk", []byte(`{"rate":22050,"width":2,"channels":1}`), []byte{1, 2, 3, 4})
	// The header line is what the reference writer produces: type, version, lengths.
	if first, _, _ := bytes.Cut(buf, []byte("\n")); string(first) != `{"type":"transcript","version":"`+ProtocolVersion+`","data_length":23}` {
		t.Errorf("header line %s", first)
	}
	r := NewReader(bytes.NewReader(buf))
	var ev Event
	for _, want := range []struct{ typ, data, payload string }{
		{"transcript", `{"text":"hallo \"du\""}`, ""},
		{"played", "", ""},
		{"audio-chunk", `{"rate":22050,"width":2,"channels":1}`, "\x01\x02\x03\x04"},
	} {
		if err := r.ReadEvent(&ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type != want.typ || string(ev.Extra) != want.data || string(ev.Payload) != want.payload {
			t.Errorf("got %q %s %q, want %+v", ev.Type, ev.Extra, ev.Payload, want)
		}
	}
}

func TestAppendAudioChunkEncodesSamplesExactly(t *testing.T) {
	samples := []int16{0, 1, -1, 32767, -32768, 0x1234}
	buf := AppendAudioChunk(nil, 16000, 1, 1234, samples)
	var ev Event
	if err := NewReader(bytes.NewReader(buf)).ReadEvent(&ev); err != nil {
		t.Fatal(err)
	}
	var d audioData
	if err := ev.Decode(&d); err != nil {
		t.Fatal(err)
	}
	if ev.Type != TypeAudioChunk || d.AudioFormat != (AudioFormat{16000, 2, 1}) || d.Timestamp == nil || *d.Timestamp != 1234 {
		t.Errorf("got %s %+v ts %v", ev.Type, d.AudioFormat, d.Timestamp)
	}
	want := []byte{0, 0, 1, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0x80, 0x34, 0x12}
	if !bytes.Equal(ev.Payload, want) {
		t.Errorf("payload % x, want % x", ev.Payload, want)
	}
}

func TestAppendAudioChunkAllocatesNothing(t *testing.T) {
	var samples [160]int16
	buf := make([]byte, 0, 1024)
	ts := int64(0)
	allocs := testing.AllocsPerRun(1000, func() {
		buf = AppendAudioChunk(buf[:0], 16000, 1, ts, samples[:])
		ts += 10
	})
	if allocs != 0 {
		t.Errorf("AppendAudioChunk: %v allocs per block, want 0", allocs)
	}
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "audio-chunk", "a\"b\\c", "tab\tnl\n\x00\x1f", "Grüße ☀", "bad\xffutf8", "<&>"} {
		b := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Errorf("%q → %s: %v", s, b, err)
			continue
		}
		want := strings.ToValidUTF8(s, "\uFFFD")
		if got != want {
			t.Errorf("%q → %s → %q, want %q", s, b, got, want)
		}
	}
}

func TestToMonoConvertsWidthsAndChannels(t *testing.T) {
	tests := []struct {
		name string
		f    AudioFormat
		pcm  []byte
		want []int16
	}{
		{"s16-mono", AudioFormat{22050, 2, 1}, []byte{0x34, 0x12, 0xff, 0xff}, []int16{0x1234, -1}},
		{"s16-stereo-average", AudioFormat{44100, 2, 2}, []byte{100, 0, 200, 0, 0x00, 0x80, 0x00, 0x80}, []int16{150, -32768}},
		{"u8", AudioFormat{8000, 1, 1}, []byte{128, 255, 0}, []int16{0, 127 << 8, -32768}},
		{"s24", AudioFormat{48000, 3, 1}, []byte{0xaa, 0x34, 0x12}, []int16{0x1234}},
		{"s32-stereo", AudioFormat{48000, 4, 2}, []byte{0, 0, 0, 0x40, 0, 0, 0, 0xc0}, []int16{0}},
		{"partial-frame-dropped", AudioFormat{16000, 2, 2}, []byte{1, 0, 1, 0, 9}, []int16{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := toMono(tt.f, tt.pcm); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("toMono = %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzReadEvent(f *testing.F) {
	f.Add([]byte("{\"type\":\"describe\"}\n"))
	f.Add([]byte("{\"type\":\"transcript\",\"version\":\"1.7.1\",\"data_length\":15}\n{\"text\":\"on\"}  "))
	f.Add(AppendAudioChunk(nil, 22050, 1, 0, []int16{1, 2, 3}))
	f.Add([]byte("{\"type\":\"error\",\"data\":{\"text\":\"x\"},\"data_length\":2}\n{}"))
	f.Add([]byte("{\"type\":\"x\",\"payload_length\":99999999999}\n"))
	f.Add([]byte("{\"type\":\"x\",\"data_length\":-5}\n"))
	f.Add([]byte("\n\n{\"type\":\"timer-started\",\"data\":{\"id\":\"t\",\"total_seconds\":5}}\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(bytes.NewReader(in))
		var ev Event
		for range 64 {
			err := r.ReadEvent(&ev)
			if err != nil {
				return
			}
			if ev.Type == "" || len(ev.Payload) > MaxPayload || len(ev.Extra) > MaxData {
				t.Fatalf("accepted event %q with %d data, %d payload bytes", ev.Type, len(ev.Extra), len(ev.Payload))
			}
			// Whatever was accepted must decode into the satellite's types without
			// panicking and re-encode to an equal event.
			parse(&ev)
			data := ev.Extra
			if len(data) == 0 {
				data = ev.Data
			}
			enc := AppendEvent(nil, ev.Type, data, ev.Payload)
			var back Event
			if err := NewReader(bytes.NewReader(enc)).ReadEvent(&back); err != nil {
				t.Fatalf("re-read of %q: %v", enc, err)
			}
			if back.Type != strings.ToValidUTF8(ev.Type, "\uFFFD") || !bytes.Equal(back.Payload, ev.Payload) {
				t.Fatalf("round trip changed %q/%q to %q/%q", ev.Type, ev.Payload, back.Type, back.Payload)
			}
		}
	})
}
