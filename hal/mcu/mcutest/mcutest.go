// Package mcutest has a fake MCU that speaks the genie MCU protocol (see
// docs/mcu-protocol.md) for tests, and a pseudo-terminal helper so the host side can
// open it with go.bug.st/serial like a real UART.
package mcutest

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"io"
	"sync"
	"time"

	"github.com/genie-voice/genie/hal/mcu"
)

// State is what the fake MCU was told, as a firmware would keep it.
type State struct {
	LEDs       []color.RGBA // colours of every LED set so far
	Brightness uint8
	Mute       bool // the host's effective mute
	Amp        bool
	Volume     int
	Hellos     int // Hello frames received
	Heartbeats int
	Queries    int
}

// MCU is a fake microcontroller. It acks every frame, records frames and state, answers
// version queries and sends keys and mute switch changes on request. Safe for
// concurrent use.
type MCU struct {
	// Firmware is what it reports to a version query.
	Firmware mcu.FirmwareVersion

	mu     sync.Mutex
	cond   *sync.Cond
	w      io.Writer
	st     State
	frames []string // String() of every good frame received, in order
	seq    uint8
	acked  map[uint8]bool
	dec    *mcu.Decoder
}

// New returns a fake MCU reporting firmware v.
func New(v mcu.FirmwareVersion) *MCU {
	m := &MCU{Firmware: v, acked: map[uint8]bool{}, dec: mcu.NewDecoder()}
	m.cond = sync.NewCond(&m.mu)
	return m
}

// Serve runs one session over rw (the MCU's end of the UART) until reading fails or
// ctx is done. It first sends Hello, as a booting MCU does. The caller closes rw.
func (m *MCU) Serve(ctx context.Context, rw io.ReadWriter) error {
	m.mu.Lock()
	m.w = rw
	m.dec.Reset()
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.w = nil
		m.cond.Broadcast()
		m.mu.Unlock()
	}()
	errc := make(chan error, 1)
	go func() {
		var buf [128]byte
		for {
			n, err := rw.Read(buf[:])
			m.dec.Feed(buf[:n], m.handle)
			if err != nil {
				errc <- err
				return
			}
		}
	}()
	if err := m.sendRaw(mcu.TypeHello, []byte{mcu.Version}); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case err := <-errc:
		return err
	}
}

func (m *MCU) handle(f mcu.Frame) {
	m.mu.Lock()
	defer m.mu.Unlock()
	defer m.cond.Broadcast()
	m.frames = append(m.frames, f.String())
	if f.Type == mcu.TypeAck {
		m.acked[f.Seq] = true
		return
	}
	if m.w != nil {
		m.w.Write(mcu.Frame{Seq: f.Seq, Type: mcu.TypeAck}.AppendEncode(nil))
	}
	switch f.Type {
	case mcu.TypeHello:
		m.st.Hellos++
	case mcu.TypeHeartbeat:
		m.st.Heartbeats++
	case mcu.TypeMute:
		m.st.Mute = f.Body[0] == 1
	case mcu.TypeAmp:
		m.st.Amp = f.Body[0] == 1
	case mcu.TypeVolume:
		m.st.Volume = int(f.Body[0])
	case mcu.TypeLEDs:
		m.st.Brightness = f.Body[0]
		first, n := int(f.Body[1]), int(f.Body[2])
		for len(m.st.LEDs) < first+n {
			m.st.LEDs = append(m.st.LEDs, color.RGBA{A: 255})
		}
		for i := range n {
			p := f.Body[3+3*i:]
			m.st.LEDs[first+i] = color.RGBA{p[0], p[1], p[2], 255}
		}
	case mcu.TypeQuery:
		m.st.Queries++
		if m.w != nil {
			m.seq++
			m.w.Write(mcu.Frame{Seq: m.seq, Type: mcu.TypeVersion, Body: mcu.AppendVersion(nil, m.Firmware)}.AppendEncode(nil))
		}
	}
}

// sendRaw sends a frame with a new sequence number without waiting for its ack.
func (m *MCU) sendRaw(t mcu.Type, body []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.w == nil {
		return errors.New("mcutest: not connected")
	}
	m.seq++
	_, err := m.w.Write(mcu.Frame{Seq: m.seq, Type: t, Body: body}.AppendEncode([]byte{0}))
	return err
}

// send sends a frame and waits until the host acks it, resending up to 3 times every
// 100 ms like a firmware would.
func (m *MCU) send(t mcu.Type, body []byte) error {
	m.mu.Lock()
	if m.w == nil {
		m.mu.Unlock()
		return errors.New("mcutest: not connected")
	}
	m.seq++
	seq := m.seq
	delete(m.acked, seq)
	wire := mcu.Frame{Seq: seq, Type: t, Body: body}.AppendEncode([]byte{0})
	m.mu.Unlock()
	for try := 0; try < 4; try++ {
		m.mu.Lock()
		if m.w == nil {
			m.mu.Unlock()
			return errors.New("mcutest: disconnected")
		}
		if _, err := m.w.Write(wire); err != nil {
			m.mu.Unlock()
			return err
		}
		deadline := time.Now().Add(100 * time.Millisecond)
		t := time.AfterFunc(100*time.Millisecond, m.cond.Broadcast)
		for !m.acked[seq] && time.Now().Before(deadline) && m.w != nil {
			m.cond.Wait()
		}
		t.Stop()
		ok := m.acked[seq]
		m.mu.Unlock()
		if ok {
			return nil
		}
	}
	return fmt.Errorf("mcutest: no ack for %s seq %d", t, seq)
}

// Key sends a key event and waits for the ack.
func (m *MCU) Key(k mcu.Key, a mcu.Action) error {
	return m.send(mcu.TypeKey, []byte{byte(k), byte(a)})
}

// MuteSwitch reports the hardware mute switch position and waits for the ack.
func (m *MCU) MuteSwitch(on bool) error {
	b := byte(0)
	if on {
		b = 1
	}
	return m.send(mcu.TypeMute, []byte{b})
}

// WriteRaw writes bytes as they are: garbage, truncated or corrupted frames.
func (m *MCU) WriteRaw(p []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.w == nil {
		return errors.New("mcutest: not connected")
	}
	_, err := m.w.Write(p)
	return err
}

// State returns a copy of the state.
func (m *MCU) State() State {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.st
	s.LEDs = append([]color.RGBA(nil), s.LEDs...)
	return s
}

// Frames returns every good frame received so far, formatted by mcu.Frame.String.
func (m *MCU) Frames() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.frames...)
}

// Wait blocks until cond holds for the state or ctx is done.
func (m *MCU) Wait(ctx context.Context, cond func(State) bool) error {
	stop := context.AfterFunc(ctx, func() {
		m.mu.Lock()
		m.cond.Broadcast()
		m.mu.Unlock()
	})
	defer stop()
	m.mu.Lock()
	defer m.mu.Unlock()
	for !cond(m.st) {
		if ctx.Err() != nil {
			return fmt.Errorf("mcutest: waiting for state, have %+v: %w", m.st, ctx.Err())
		}
		m.cond.Wait()
	}
	return nil
}

// DecodeStats returns what the fake's decoder counted.
func (m *MCU) DecodeStats() mcu.DecodeStats { return m.dec.Stats() }
