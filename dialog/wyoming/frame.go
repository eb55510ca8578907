package wyoming

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// Frame limits. A Wyoming event is one JSON header line, then data_length bytes of JSON
// data, then payload_length bytes of payload. The lengths come from the peer, so each
// part has a hard cap: a garbage or hostile frame must cost a bounded amount of memory
// and close the connection, never allocate gigabytes.
const (
	// MaxHeaderLine caps the JSON header line, newline included. Current peers (wyoming
	// ≥ 1.5) put only type, version and the two lengths there (< 200 bytes); wyoming
	// before 1.5 put the data inline, where the largest thing a satellite receives (a
	// synthesize or timer event) is still well under 1 KiB. 64 KiB leaves two orders of
	// magnitude of headroom.
	MaxHeaderLine = 64 << 10
	// MaxData caps the separate JSON data block. The largest data in the protocol is an
	// info event of a TTS server listing hundreds of voices (a few hundred KiB); a
	// satellite only ever receives small ones. 1 MiB bounds it with room to spare.
	MaxData = 1 << 20
	// MaxPayload caps a binary payload. Home Assistant sends audio in 2048-byte chunks
	// (1024 samples); 4 MiB is 95 s of 22.05 kHz 16-bit mono, so even a peer that sends a
	// whole reply in one chunk fits.
	MaxPayload = 4 << 20
)

// ProtocolVersion is the wyoming version this package writes in each header. Home
// Assistant pins wyoming 1.7.x; no peer checks the field.
const ProtocolVersion = "1.7.2"

// ErrBadFrame reports a malformed event: bad JSON, absurd lengths, an oversize header.
// Errors from ReadEvent wrap it; the connection must be closed after one, because the
// stream position is lost.
var ErrBadFrame = errors.New("wyoming: bad frame")

// Event is one Wyoming event as read from the wire.
type Event struct {
	Type string
	// Data is the "data" object inlined in the header line (wyoming < 1.5 and some
	// third-party peers), or nil.
	Data json.RawMessage
	// Extra is the data_length block (wyoming ≥ 1.5), or nil. Its keys override Data's,
	// as the reference reader merges them.
	Extra json.RawMessage
	// Payload is the binary payload, or nil. It is owned by the Reader and valid only
	// until the next ReadEvent.
	Payload []byte
}

// Decode unmarshals the event's data (Data, then Extra over it) into v. Unknown fields
// are ignored; missing or null data leaves v unchanged.
func (e *Event) Decode(v any) error {
	for _, d := range [2]json.RawMessage{e.Data, e.Extra} {
		if len(d) == 0 {
			continue
		}
		if err := json.Unmarshal(d, v); err != nil {
			return fmt.Errorf("wyoming: %s data: %w", e.Type, err)
		}
	}
	return nil
}

// header is the JSON header line. Unknown fields (version, future additions) are ignored.
type header struct {
	Type          *string         `json:"type"`
	Data          json.RawMessage `json:"data"`
	DataLength    *int64          `json:"data_length"`
	PayloadLength *int64          `json:"payload_length"`
}

// Reader reads events from a stream. It is not safe for concurrent use.
type Reader struct {
	br      *bufio.Reader
	payload []byte // reused between events
}

// NewReader returns a Reader on r. It buffers at most MaxHeaderLine bytes of r ahead.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, MaxHeaderLine)}
}

// ReadEvent reads the next event into ev. It returns io.EOF if the stream ends cleanly
// between events, an error wrapping io.ErrUnexpectedEOF if it ends inside one, an error
// wrapping ErrBadFrame for a malformed frame, or the stream's own error. Empty lines
// between events are skipped. ev.Payload is valid until the next call.
func (r *Reader) ReadEvent(ev *Event) error {
	var line []byte
	for {
		l, err := r.br.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			return fmt.Errorf("%w: header line longer than %d bytes", ErrBadFrame, MaxHeaderLine)
		case errors.Is(err, io.EOF) && len(bytes.TrimSpace(l)) > 0:
			return fmt.Errorf("wyoming: header line: %w", io.ErrUnexpectedEOF)
		case err != nil:
			return err
		}
		if len(bytes.TrimSpace(l)) > 0 {
			line = l
			break
		}
	}
	var h header
	if err := json.Unmarshal(line, &h); err != nil {
		return fmt.Errorf("%w: header is not a JSON object: %v", ErrBadFrame, err)
	}
	if h.Type == nil || *h.Type == "" {
		return fmt.Errorf("%w: header has no type", ErrBadFrame)
	}
	*ev = Event{Type: *h.Type}
	if d := bytes.TrimSpace(h.Data); len(d) > 0 && !bytes.Equal(d, []byte("null")) {
		if d[0] != '{' {
			return fmt.Errorf("%w: %s: data is not an object", ErrBadFrame, ev.Type)
		}
		ev.Data = append(json.RawMessage(nil), d...)
	}
	dl, err := length(h.DataLength, MaxData, "data_length")
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadFrame, ev.Type, err)
	}
	pl, err := length(h.PayloadLength, MaxPayload, "payload_length")
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadFrame, ev.Type, err)
	}
	if dl > 0 {
		d := make([]byte, dl)
		if _, err := io.ReadFull(r.br, d); err != nil {
			return fmt.Errorf("wyoming: %s data: %w", ev.Type, unexpected(err))
		}
		// Validate here so a garbage block is a frame error, not a later decode error.
		if t := bytes.TrimSpace(d); len(t) == 0 || t[0] != '{' || !json.Valid(t) {
			return fmt.Errorf("%w: %s: data block is not a JSON object", ErrBadFrame, ev.Type)
		}
		ev.Extra = d
	}
	if pl > 0 {
		if cap(r.payload) < pl {
			r.payload = make([]byte, pl)
		}
		r.payload = r.payload[:pl]
		if _, err := io.ReadFull(r.br, r.payload); err != nil {
			return fmt.Errorf("wyoming: %s payload: %w", ev.Type, unexpected(err))
		}
		ev.Payload = r.payload
	}
	return nil
}

func length(v *int64, limit int, name string) (int, error) {
	if v == nil {
		return 0, nil
	}
	if *v < 0 || *v > int64(limit) {
		return 0, fmt.Errorf("%s %d out of range 0..%d", name, *v, limit)
	}
	return int(*v), nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// AppendEvent appends one encoded event to dst: the header line (type, version and the
// lengths, in the order the reference writer uses), data (a JSON object, or nil for
// none) and payload. It allocates only if dst must grow.
func AppendEvent(dst []byte, typ string, data, payload []byte) []byte {
	dst = append(dst, `{"type":`...)
	dst = appendJSONString(dst, typ)
	dst = append(dst, `,"version":"`+ProtocolVersion+`"`...)
	if len(data) > 0 {
		dst = append(dst, `,"data_length":`...)
		dst = strconv.AppendInt(dst, int64(len(data)), 10)
	}
	if len(payload) > 0 {
		dst = append(dst, `,"payload_length":`...)
		dst = strconv.AppendInt(dst, int64(len(payload)), 10)
	}
	dst = append(dst, "}\n"...)
	dst = append(dst, data...)
	return append(dst, payload...)
}

// AppendAudioChunk appends an audio-chunk event carrying samples as 16-bit little-endian
// PCM at rate Hz with the given channel count, stamped timestamp ms. It allocates only
// if dst must grow, so with a reused buffer the per-block path allocates nothing.
func AppendAudioChunk(dst []byte, rate, channels int, timestamp int64, samples []int16) []byte {
	// Data first into a stack buffer so its length is known for the header.
	var db [96]byte
	d := append(db[:0], `{"rate":`...)
	d = strconv.AppendInt(d, int64(rate), 10)
	d = append(d, `,"width":2,"channels":`...)
	d = strconv.AppendInt(d, int64(channels), 10)
	d = append(d, `,"timestamp":`...)
	d = strconv.AppendInt(d, timestamp, 10)
	d = append(d, '}')

	dst = append(dst, `{"type":"audio-chunk","version":"`+ProtocolVersion+`","data_length":`...)
	dst = strconv.AppendInt(dst, int64(len(d)), 10)
	dst = append(dst, `,"payload_length":`...)
	dst = strconv.AppendInt(dst, int64(2*len(samples)), 10)
	dst = append(dst, "}\n"...)
	dst = append(dst, d...)
	for _, s := range samples {
		dst = append(dst, byte(s), byte(uint16(s)>>8))
	}
	return dst
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return append(dst, '"')
}
