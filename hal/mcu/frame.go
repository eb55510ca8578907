package mcu

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image/color"
	"strconv"
	"strings"
)

// Wire limits.
const (
	// MaxFrame is the largest decoded frame in bytes: seq, type, body and CRC.
	MaxFrame = 256
	// MaxBody is the largest body in bytes.
	MaxBody = MaxFrame - 4
	// MaxEncoded is the largest COBS-encoded frame in bytes, without the delimiter.
	MaxEncoded = MaxFrame + MaxFrame/254 + 1
	// MaxLEDs is the largest number of LEDs one LEDs frame carries.
	MaxLEDs = 80
	// Version is the protocol version sent in Hello.
	Version = 1
)

// Type is a frame type, the second byte of every frame.
type Type uint8

// Frame types. See docs/mcu-protocol.md.
const (
	TypeAck       Type = 0x01 // either way: frame Seq was received; empty body
	TypeHello     Type = 0x02 // either way: session start; body: protocol version
	TypeHeartbeat Type = 0x03 // either way: I am alive; body: uptime ms (u32)
	TypeQuery     Type = 0x04 // host→MCU: send your Version
	TypeVersion   Type = 0x05 // MCU→host: firmware major, minor, patch, name
	TypeKey       Type = 0x10 // MCU→host: key, action
	TypeMute      Type = 0x11 // MCU→host: switch position; host→MCU: effective mute
	TypeLEDs      Type = 0x20 // host→MCU: brightness, first, count, count×RGB
	TypeAmp       Type = 0x21 // host→MCU: amplifier on (1) or off (0)
	TypeVolume    Type = 0x22 // host→MCU: volume 0..100
)

var typeNames = map[Type]string{
	TypeAck: "ack", TypeHello: "hello", TypeHeartbeat: "heartbeat", TypeQuery: "query",
	TypeVersion: "version", TypeKey: "key", TypeMute: "mute", TypeLEDs: "leds",
	TypeAmp: "amp", TypeVolume: "volume",
}

// String returns the type's name as used in docs/mcu-protocol.md.
func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("type(0x%02x)", uint8(t))
}

// Key names a key on the MCU.
type Key uint8

// Keys.
const (
	KeyAction     Key = 0
	KeyMute       Key = 1
	KeyVolumeUp   Key = 2
	KeyVolumeDown Key = 3
)

var keyNames = [...]string{"action", "mute", "volume_up", "volume_down"}

// String returns the key's name, which is also the button name in the board config.
func (k Key) String() string {
	if int(k) < len(keyNames) {
		return keyNames[k]
	}
	return "key" + strconv.Itoa(int(k))
}

// Action is what happened to a key.
type Action uint8

// Key actions. The MCU debounces and detects long presses itself.
const (
	ActionPress     Action = 1
	ActionRelease   Action = 2
	ActionLongPress Action = 3
)

// String returns the action's name.
func (a Action) String() string {
	switch a {
	case ActionPress:
		return "press"
	case ActionRelease:
		return "release"
	case ActionLongPress:
		return "long-press"
	}
	return "action" + strconv.Itoa(int(a))
}

// Frame is one decoded frame. Body aliases the decoder's buffer: copy it to keep it.
type Frame struct {
	Seq  uint8
	Type Type
	Body []byte
}

// Decoding errors; Decode wraps them with detail.
var (
	ErrCRC   = errors.New("mcu: CRC mismatch")
	ErrShort = errors.New("mcu: frame too short")
	ErrLong  = errors.New("mcu: frame too long")
	ErrBody  = errors.New("mcu: malformed body")
)

// AppendEncode appends f's wire form (COBS of seq, type, body, CRC-16 big-endian,
// then 0x00) to dst. It panics if the body is longer than MaxBody (a programmer error).
func (f Frame) AppendEncode(dst []byte) []byte {
	if len(f.Body) > MaxBody {
		panic("mcu: frame body too long")
	}
	var raw [MaxFrame]byte
	n := copy(raw[2:], f.Body) + 2
	raw[0], raw[1] = f.Seq, byte(f.Type)
	binary.BigEndian.PutUint16(raw[n:], crc16(raw[:n]))
	dst = appendCOBS(dst, raw[:n+2])
	return append(dst, 0)
}

// Decode decodes one COBS frame (its delimiter removed) using buf as scratch space
// (give it MaxFrame bytes of capacity to avoid allocation). It checks length and CRC and
// the body layout of known types; unknown types pass with their body unchecked.
func Decode(buf, enc []byte) (Frame, error) {
	if len(enc) > MaxEncoded {
		return Frame{}, fmt.Errorf("%w: %d encoded bytes", ErrLong, len(enc))
	}
	raw, err := decodeCOBS(buf, enc)
	if err != nil {
		return Frame{}, err
	}
	if len(raw) < 4 {
		return Frame{}, fmt.Errorf("%w: %d bytes", ErrShort, len(raw))
	}
	if len(raw) > MaxFrame {
		return Frame{}, fmt.Errorf("%w: %d bytes", ErrLong, len(raw))
	}
	n := len(raw) - 2
	if got, want := binary.BigEndian.Uint16(raw[n:]), crc16(raw[:n]); got != want {
		return Frame{}, fmt.Errorf("%w: got %04x, want %04x", ErrCRC, got, want)
	}
	f := Frame{Seq: raw[0], Type: Type(raw[1]), Body: raw[2:n]}
	if err := f.check(); err != nil {
		return Frame{}, err
	}
	return f, nil
}

// bodyLen is the exact body length of fixed-size types.
var bodyLen = map[Type]int{
	TypeAck: 0, TypeHello: 1, TypeHeartbeat: 4, TypeQuery: 0, TypeKey: 2,
	TypeMute: 1, TypeAmp: 1, TypeVolume: 1,
}

func (f Frame) check() error {
	if n, ok := bodyLen[f.Type]; ok && len(f.Body) != n {
		return fmt.Errorf("%w: %s body is %d bytes, want %d", ErrBody, f.Type, len(f.Body), n)
	}
	switch f.Type {
	case TypeVersion:
		if len(f.Body) < 3 || len(f.Body) > 3+32 {
			return fmt.Errorf("%w: version body is %d bytes, want 3..35", ErrBody, len(f.Body))
		}
	case TypeLEDs:
		if len(f.Body) < 3 || int(f.Body[2]) > MaxLEDs || len(f.Body) != 3+3*int(f.Body[2]) {
			return fmt.Errorf("%w: leds body is %d bytes", ErrBody, len(f.Body))
		}
	case TypeKey:
		if a := Action(f.Body[1]); a < ActionPress || a > ActionLongPress {
			return fmt.Errorf("%w: key action %d", ErrBody, a)
		}
	case TypeMute, TypeAmp:
		if f.Body[0] > 1 {
			return fmt.Errorf("%w: %s value %d, want 0 or 1", ErrBody, f.Type, f.Body[0])
		}
	case TypeVolume:
		if f.Body[0] > 100 {
			return fmt.Errorf("%w: volume %d, want 0..100", ErrBody, f.Body[0])
		}
	}
	return nil
}

// String formats f as in docs/mcu-protocol.md, e.g. "seq=7 type=key key=mute action=press".
func (f Frame) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "seq=%d type=%s", f.Seq, f.Type)
	if f.check() != nil {
		fmt.Fprintf(&b, " body=% x", f.Body)
		return b.String()
	}
	switch f.Type {
	case TypeHello:
		fmt.Fprintf(&b, " version=%d", f.Body[0])
	case TypeHeartbeat:
		fmt.Fprintf(&b, " uptime=%dms", binary.BigEndian.Uint32(f.Body))
	case TypeVersion:
		v := ParseVersion(f.Body)
		fmt.Fprintf(&b, " firmware=%d.%d.%d name=%q", v.Major, v.Minor, v.Patch, v.Name)
	case TypeKey:
		fmt.Fprintf(&b, " key=%s action=%s", Key(f.Body[0]), Action(f.Body[1]))
	case TypeMute, TypeAmp:
		fmt.Fprintf(&b, " on=%t", f.Body[0] == 1)
	case TypeVolume:
		fmt.Fprintf(&b, " level=%d", f.Body[0])
	case TypeLEDs:
		fmt.Fprintf(&b, " brightness=%d first=%d count=%d", f.Body[0], f.Body[1], f.Body[2])
		for i := 3; i < len(f.Body); i += 3 {
			fmt.Fprintf(&b, " #%02x%02x%02x", f.Body[i], f.Body[i+1], f.Body[i+2])
		}
	default:
		if len(f.Body) > 0 {
			fmt.Fprintf(&b, " body=% x", f.Body)
		}
	}
	return b.String()
}

// FirmwareVersion is what the MCU reports in a Version frame.
type FirmwareVersion struct {
	Major, Minor, Patch uint8
	Name                string // at most 32 bytes, e.g. "genie-mcu"
}

// String returns "name major.minor.patch".
func (v FirmwareVersion) String() string {
	return fmt.Sprintf("%s %d.%d.%d", v.Name, v.Major, v.Minor, v.Patch)
}

// ParseVersion reads a Version body; it must have been checked by Decode.
func ParseVersion(body []byte) FirmwareVersion {
	return FirmwareVersion{Major: body[0], Minor: body[1], Patch: body[2], Name: string(body[3:])}
}

// Body builders. Each appends to dst and returns it.

// AppendVersion appends a Version body.
func AppendVersion(dst []byte, v FirmwareVersion) []byte {
	name := v.Name
	if len(name) > 32 {
		name = name[:32]
	}
	return append(append(dst, v.Major, v.Minor, v.Patch), name...)
}

// AppendLEDs appends a LEDs body for colours c starting at LED first; at most MaxLEDs
// colours are taken. Alpha is ignored.
func AppendLEDs(dst []byte, brightness, first uint8, c []color.RGBA) []byte {
	if len(c) > MaxLEDs {
		c = c[:MaxLEDs]
	}
	dst = append(dst, brightness, first, uint8(len(c)))
	for _, p := range c {
		dst = append(dst, p.R, p.G, p.B)
	}
	return dst
}

// AppendHeartbeat appends a Heartbeat body.
func AppendHeartbeat(dst []byte, uptimeMS uint32) []byte {
	return binary.BigEndian.AppendUint32(dst, uptimeMS)
}

func bool8(on bool) byte {
	if on {
		return 1
	}
	return 0
}
