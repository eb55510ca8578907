package wyoming

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/genie-voice/genie/dialog"
)

// Timings of Home Assistant's satellite client, from
// homeassistant/components/wyoming/assist_satellite.py and data.py.
const (
	haPingSendDelay = 2 * time.Second // _PING_SEND_DELAY: ping 2 s after connect and after each pong
	haPingTimeout   = 5 * time.Second // _PING_TIMEOUT: no event for 5 s drops the connection
	haInfoTimeout   = 1 * time.Second // _INFO_TIMEOUT: describe → info on the probe connection
)

// haConn plays Home Assistant's side of one connection: it answers the satellite's
// pings with pongs, pings on HA's cadence when asked to, and drops the connection after
// haPingTimeout without an event, as HA does.
type haConn struct {
	t      testing.TB
	nc     net.Conn
	wmu    sync.Mutex
	events chan Event // everything but ping/pong, payload copied
	closed chan struct{}
	err    error // why the reader stopped; valid after closed

	read      atomic.Int64 // bytes read from the socket
	pongs     atomic.Int32 // pongs received for HA's pings
	pings     atomic.Int32 // pings received from the satellite
	pinging   atomic.Bool
	noPong    atomic.Bool // don't answer the satellite's pings
	watchdog  atomic.Bool // drop after haPingTimeout of silence
	lastEvent atomic.Int64
	dropped   atomic.Bool // the watchdog fired
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// dialHA connects to the satellite like HA's AsyncTcpClient. rcvbuf > 0 shrinks the
// socket's receive buffer before connecting (to make a stalled reader stall quickly).
func dialHA(t testing.TB, addr string, rcvbuf int) *haConn {
	t.Helper()
	d := net.Dialer{Timeout: 2 * time.Second}
	if rcvbuf > 0 {
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
			})
			return errors.Join(err, serr)
		}
	}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	h := &haConn{t: t, nc: nc, events: make(chan Event, 1<<16), closed: make(chan struct{})}
	h.lastEvent.Store(time.Now().UnixNano())
	t.Cleanup(func() { nc.Close() })
	return h
}

// startReading runs the reader; tests that stall the socket never call it.
func (h *haConn) startReading() *haConn {
	go h.readLoop()
	go h.watchdogLoop()
	return h
}

func (h *haConn) readLoop() {
	defer close(h.closed)
	r := NewReader(countingReader{h.nc, &h.read})
	for {
		var ev Event
		if err := r.ReadEvent(&ev); err != nil {
			h.err = err
			return
		}
		h.lastEvent.Store(time.Now().UnixNano())
		ev.Payload = append([]byte(nil), ev.Payload...)
		switch ev.Type {
		case TypePing:
			h.pings.Add(1)
			if !h.noPong.Load() {
				var d textData
				ev.Decode(&d)
				h.send(TypePong, textData{Text: d.Text}, nil)
			}
		case TypePong:
			h.pongs.Add(1)
			if h.pinging.Load() {
				time.AfterFunc(haPingSendDelay, h.ping)
			}
		default:
			h.events <- ev
		}
	}
}

func (h *haConn) watchdogLoop() {
	for {
		select {
		case <-h.closed:
			return
		case <-time.After(100 * time.Millisecond):
		}
		if h.watchdog.Load() && time.Since(time.Unix(0, h.lastEvent.Load())) > haPingTimeout {
			h.dropped.Store(true)
			h.nc.Close()
		}
	}
}

// startPinging pings haPingSendDelay from now and haPingSendDelay after each pong, and
// arms HA's 5 s watchdog.
func (h *haConn) startPinging() {
	h.pinging.Store(true)
	h.watchdog.Store(true)
	h.lastEvent.Store(time.Now().UnixNano())
	time.AfterFunc(haPingSendDelay, h.ping)
}

func (h *haConn) ping() {
	select {
	case <-h.closed:
	default:
		h.send(TypePing, textData{}, nil) // Ping() sends {"text": null}
	}
}

// send writes one event; data nil sends none.
func (h *haConn) send(typ string, data any, payload []byte) {
	var d []byte
	if m, ok := data.(map[string]any); ok && m == nil {
		data = nil
	}
	if data != nil {
		var err error
		if d, err = json.Marshal(data); err != nil {
			panic(err)
		}
	}
	h.sendRaw(AppendEvent(nil, typ, d, payload))
}

func (h *haConn) sendRaw(b []byte) {
	h.wmu.Lock()
	defer h.wmu.Unlock()
	h.nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
	h.nc.Write(b) // a write error shows up as a closed connection
}

// next returns the next event other than ping/pong.
func (h *haConn) next(timeout time.Duration) (Event, bool) {
	select {
	case ev := <-h.events:
		return ev, true
	case <-time.After(timeout):
		return Event{}, false
	}
}

// expect returns the next event and fails unless it has type typ.
func (h *haConn) expect(typ string) Event {
	h.t.Helper()
	ev, ok := h.next(2 * time.Second)
	if !ok {
		h.t.Fatalf("HA: no %s event within 2 s", typ)
	}
	if ev.Type != typ {
		h.t.Fatalf("HA: got %s event %s, want %s", ev.Type, ev.Extra, typ)
	}
	return ev
}

// expectClosed waits for the satellite to close the connection.
func (h *haConn) expectClosed() {
	h.t.Helper()
	select {
	case <-h.closed:
	case <-time.After(3 * time.Second):
		h.t.Fatal("HA: the satellite did not close the connection")
	}
}

// fields decodes an event's data into a map.
func fields(t testing.TB, ev Event) map[string]any {
	t.Helper()
	m := map[string]any{}
	if err := ev.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// rig runs a Server with a Link the test drives as the dialog would.
type rig struct {
	t    testing.TB
	s    *Server
	up   chan dialog.Up
	down chan dialog.Down
	addr string

	mu   sync.Mutex
	logs []string
}

func startServer(t testing.TB, o Options, setup ...func(*Server)) *rig {
	t.Helper()
	r := &rig{t: t, up: make(chan dialog.Up, 256), down: make(chan dialog.Down, 1<<14)}
	o.Listen = "127.0.0.1:0"
	if o.Name == "" {
		o.Name = "genie-test"
	}
	o.Logf = func(format string, args ...any) {
		r.mu.Lock()
		r.logs = append(r.logs, fmt.Sprintf(format, args...))
		r.mu.Unlock()
		t.Logf(format, args...)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range setup {
		f(s)
	}
	r.s, r.addr = s, s.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, dialog.Link{Up: r.up, Down: r.down}) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return within 5 s of cancel")
		}
	})
	return r
}

// send gives the server one Up message, failing if it is not drained within 2 s.
func (r *rig) send(u dialog.Up) {
	r.t.Helper()
	select {
	case r.up <- u:
	case <-time.After(2 * time.Second):
		r.t.Fatalf("Link.Up not drained for 2 s (sending %v)", u.Kind)
	}
}

func (r *rig) nextDown(timeout time.Duration) (dialog.Down, bool) {
	select {
	case d := <-r.down:
		return d, true
	case <-time.After(timeout):
		return dialog.Down{}, false
	}
}

// expectDown returns the next Down message and fails unless it is of kind k.
func (r *rig) expectDown(k dialog.DownKind) dialog.Down {
	r.t.Helper()
	d, ok := r.nextDown(3 * time.Second)
	if !ok {
		r.t.Fatalf("no Down message within 3 s, want kind %d", k)
	}
	if d.Kind != k {
		r.t.Fatalf("Down kind %d (%+v), want %d", d.Kind, d, k)
	}
	return d
}

// expectNoDown fails if a Down message arrives within d.
func (r *rig) expectNoDown(d time.Duration) {
	r.t.Helper()
	if m, ok := r.nextDown(d); ok {
		r.t.Fatalf("unexpected Down message %+v", m)
	}
}

// waitLogged waits up to 2 s for a log line containing substr: the server logs right
// after it closes a connection, so the test may see the close first.
func (r *rig) waitLogged(substr string) bool {
	for range 200 {
		if r.logged(substr) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

func (r *rig) logged(substr string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.logs {
		if strings.Contains(l, substr) {
			return true
		}
	}
	return false
}

// connectMain opens HA's main connection: run-satellite then describe, as
// _connect_and_loop and _run_pipeline_loop do, and consumes DownConnected/DownRun.
func (r *rig) connectMain() *haConn {
	r.t.Helper()
	h := dialHA(r.t, r.addr, 0).startReading()
	h.send(TypeRunSatellite, nil, nil)
	h.send(TypeDescribe, nil, nil)
	r.expectDown(dialog.DownConnected)
	r.expectDown(dialog.DownRun)
	h.expect(TypeInfo)
	return h
}
