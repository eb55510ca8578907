package mcu_test

import (
	"context"
	"image/color"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"go.bug.st/serial"

	"github.com/genie-voice/genie/hal/mcu"
	"github.com/genie-voice/genie/hal/mcu/mcutest"
)

var firmware = mcu.FirmwareVersion{Major: 1, Minor: 2, Patch: 0, Name: "genie-mcu"}

var ring = []color.RGBA{{255, 0, 0, 255}, {0, 0, 0, 255}, {0, 0x80, 0xff, 255}}

// waitEvent reads events until one matches or 5 s pass.
func waitEvent(t *testing.T, ch <-chan mcu.Event, match func(mcu.Event) bool) mcu.Event {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case e := <-ch:
			t.Logf("event %v %+v", e.Kind, e)
			if match(e) {
				return e
			}
		case <-timeout:
			t.Fatal("timed out waiting for a link event")
		}
	}
}

func is(k mcu.EventKind) func(mcu.Event) bool { return func(e mcu.Event) bool { return e.Kind == k } }

func wantState(want mcutest.State) func(mcutest.State) bool {
	return func(s mcutest.State) bool {
		return s.Mute == want.Mute && s.Amp == want.Amp && s.Volume == want.Volume &&
			s.Brightness == want.Brightness && slices.Equal(s.LEDs, want.LEDs)
	}
}

func TestLinkOverPipe(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	host, dev := net.Pipe()
	defer host.Close()
	defer dev.Close()
	fake := mcutest.New(firmware)
	go fake.Serve(ctx, dev)
	l, err := mcu.New(&mcu.Opts{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	go l.Serve(ctx, host)
	waitEvent(t, l.Events(), is(mcu.EventUp))
	l.SetVolume(140) // clamped
	l.SetAmp(true)
	if err := fake.Wait(ctx, func(s mcutest.State) bool { return s.Volume == 100 && s.Amp }); err != nil {
		t.Fatal(err)
	}
	if err := fake.Key(mcu.KeyMute, mcu.ActionLongPress); err != nil {
		t.Fatal(err)
	}
	e := waitEvent(t, l.Events(), is(mcu.EventKey))
	if e.Key != mcu.KeyMute || e.Action != mcu.ActionLongPress {
		t.Fatalf("got %+v, want mute long press", e)
	}
}

// TestLinkOverSerialPTY runs the link on a pseudo-terminal opened with go.bug.st/serial,
// as on a board: state sync, keys, the mute switch, version query, corrupted bytes, and
// an unplug and replug of the "cable" behind the same port name.
func TestLinkOverSerialPTY(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("pseudo-terminal helper is Linux only")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dir := t.TempDir()
	port := filepath.Join(dir, "ttyMCU")
	plug := func() (*mcutest.PTY, *mcutest.MCU) {
		t.Helper()
		p, err := mcutest.OpenPTY()
		if err != nil {
			t.Skipf("no pseudo-terminals here: %v", err)
		}
		os.Remove(port)
		if err := os.Symlink(p.Path, port); err != nil {
			t.Fatal(err)
		}
		fake := mcutest.New(firmware)
		go fake.Serve(ctx, p.Master)
		return p, fake
	}
	pty, fake := plug()
	l, err := mcu.New(&mcu.Opts{
		Open: func() (io.ReadWriteCloser, error) {
			return serial.Open(port, &serial.Mode{BaudRate: 115200})
		},
		Backoff: 20 * time.Millisecond,
		Logf:    t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	runDone := make(chan error, 1)
	go func() { runDone <- l.Run(ctx) }()
	waitEvent(t, l.Events(), is(mcu.EventUp))

	want := mcutest.State{Mute: true, Amp: true, Volume: 60, Brightness: 128, LEDs: ring}
	l.SetMute(true)
	l.SetAmp(true)
	l.SetVolume(60)
	l.SetLEDs(128, ring)
	if err := fake.Wait(ctx, wantState(want)); err != nil {
		t.Fatal(err)
	}

	t.Run("keys_and_mute_switch", func(t *testing.T) {
		if err := fake.Key(mcu.KeyAction, mcu.ActionPress); err != nil {
			t.Fatal(err)
		}
		e := waitEvent(t, l.Events(), is(mcu.EventKey))
		if e.Key != mcu.KeyAction || e.Action != mcu.ActionPress {
			t.Fatalf("got %+v, want action press", e)
		}
		if err := fake.MuteSwitch(true); err != nil {
			t.Fatal(err)
		}
		if e := waitEvent(t, l.Events(), is(mcu.EventMute)); !e.On {
			t.Fatalf("got %+v, want mute on", e)
		}
	})

	t.Run("version", func(t *testing.T) {
		l.QueryVersion()
		if e := waitEvent(t, l.Events(), is(mcu.EventVersion)); e.Version != firmware {
			t.Fatalf("version %v, want %v", e.Version, firmware)
		}
	})

	t.Run("corrupted_bytes", func(t *testing.T) {
		before := l.Stats().Bad
		good := mcu.Frame{Seq: 200, Type: mcu.TypeKey, Body: []byte{2, 1}}.AppendEncode(nil)
		flipped := slices.Clone(good)
		flipped[4] ^= 0x08
		var junk []byte
		junk = append(junk, 0x13, 0x37, 0x00)       // line noise
		junk = append(junk, flipped...)             // bit error: CRC mismatch
		junk = append(junk, good[:3]...)            // truncated frame
		junk = append(junk, 0x00)                   // resync
		junk = append(junk, 0x02, 0x01, 0x02, 0x00) // too short
		if err := fake.WriteRaw(junk); err != nil {
			t.Fatal(err)
		}
		if err := fake.Key(mcu.KeyVolumeDown, mcu.ActionRelease); err != nil {
			t.Fatal(err)
		}
		e := waitEvent(t, l.Events(), is(mcu.EventKey))
		if e.Key != mcu.KeyVolumeDown || e.Action != mcu.ActionRelease {
			t.Fatalf("after garbage got %+v, want volume_down release", e)
		}
		if bad := l.Stats().Bad - before; bad != 4 {
			t.Fatalf("link counted %d bad frames, want 4 (stats %+v)", bad, l.Stats())
		}
	})

	t.Run("unplug_replug", func(t *testing.T) {
		pty.Close()
		if e := waitEvent(t, l.Events(), is(mcu.EventDown)); e.Err == nil {
			t.Fatal("link went down without a reason")
		}
		time.Sleep(100 * time.Millisecond) // a few failed reopen attempts
		var fake2 *mcutest.MCU
		pty, fake2 = plug()
		defer pty.Close()
		waitEvent(t, l.Events(), is(mcu.EventUp))
		// The new MCU knows nothing; the host must send the whole state again.
		if err := fake2.Wait(ctx, wantState(want)); err != nil {
			t.Fatal(err)
		}
		if err := fake2.Key(mcu.KeyVolumeUp, mcu.ActionPress); err != nil {
			t.Fatal(err)
		}
		if e := waitEvent(t, l.Events(), is(mcu.EventKey)); e.Key != mcu.KeyVolumeUp {
			t.Fatalf("after replug got %+v", e)
		}
		if s := l.Stats(); s.Reconnects < 1 {
			t.Fatalf("stats %+v: want at least one reconnect", s)
		}
	})
	cancel()
	if err := <-runDone; err != context.Canceled && err != context.DeadlineExceeded {
		t.Fatalf("Run returned %v", err)
	}
	_ = fake
}
