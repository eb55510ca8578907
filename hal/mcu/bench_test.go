package mcu

import "testing"

// BenchmarkDecoderFeed decodes one key frame per op; the reader goroutine runs it for
// every byte from the UART, so it must stay allocation free.
func BenchmarkDecoderFeed(b *testing.B) {
	wire := Frame{Seq: 7, Type: TypeKey, Body: []byte{1, 1}}.AppendEncode(nil)
	d := NewDecoder()
	n := 0
	fn := func(Frame) { n++ }
	b.ReportAllocs()
	for b.Loop() {
		d.Feed(wire, fn)
	}
}
