package mcu

import "sync/atomic"

// Decoder splits a byte stream into frames at 0x00 delimiters. Garbage, truncated and
// corrupted frames are counted and skipped; nothing in the input can make it fail.
// Feed is not safe for concurrent use; the counters are.
type Decoder struct {
	enc      []byte // encoded bytes of the frame being received
	buf      []byte // scratch for decoding
	overlong bool   // discarding until the next delimiter

	frames  atomic.Uint64
	bad     atomic.Uint64
	tooLong atomic.Uint64
	lastErr atomic.Pointer[error]
}

// NewDecoder returns a Decoder. After it, Feed allocates nothing.
func NewDecoder() *Decoder {
	return &Decoder{enc: make([]byte, 0, MaxEncoded), buf: make([]byte, 0, MaxFrame+MaxFrame/254+2)}
}

// Feed consumes p and calls fn for every good frame in it, in order. Frame.Body is only
// valid during fn.
func (d *Decoder) Feed(p []byte, fn func(Frame)) {
	for _, b := range p {
		if b != 0 {
			if d.overlong {
				continue
			}
			if len(d.enc) == MaxEncoded {
				d.overlong = true
				d.tooLong.Add(1)
				d.enc = d.enc[:0]
				continue
			}
			d.enc = append(d.enc, b)
			continue
		}
		if d.overlong {
			d.overlong = false
			continue
		}
		if len(d.enc) == 0 {
			continue // idle or resynchronising delimiter
		}
		f, err := Decode(d.buf, d.enc)
		d.enc = d.enc[:0]
		if err != nil {
			d.bad.Add(1)
			e := err // only bad frames pay for the allocation
			d.lastErr.Store(&e)
			continue
		}
		d.frames.Add(1)
		fn(f)
	}
}

// Reset drops a partly received frame, e.g. after the port was reopened.
func (d *Decoder) Reset() {
	d.enc = d.enc[:0]
	d.overlong = false
}

// DecodeStats counts what a Decoder saw.
type DecodeStats struct {
	Frames  uint64 // good frames
	Bad     uint64 // frames that failed COBS, length, CRC or body checks
	TooLong uint64 // runs of more than MaxEncoded bytes without a delimiter
	LastErr error  // the last reason a frame was bad
}

// Stats returns the counters.
func (d *Decoder) Stats() DecodeStats {
	s := DecodeStats{Frames: d.frames.Load(), Bad: d.bad.Load(), TooLong: d.tooLong.Load()}
	if e := d.lastErr.Load(); e != nil {
		s.LastErr = *e
	}
	return s
}
